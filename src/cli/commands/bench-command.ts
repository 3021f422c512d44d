// `mnemo bench locomo|longmemeval`: the retrieval benchmarks on the command line (tables or --json).
import type { Command } from 'commander';
import { z } from 'zod';
import { invalidInput } from '../../core/errors.js';
import { type BenchQaOptions, defaultQaConcurrency, defaultQaContext } from '../../eval/bench/bench-qa.js';
import { runLocomoBench } from '../../eval/bench/locomo-bench.js';
import { runLongMemEvalBench } from '../../eval/bench/longmemeval-bench.js';
import { parseKList } from '../../eval/bench/metrics.js';
import { type BenchProgress, formatLocomoReport, formatLongMemEvalReport } from '../../eval/bench/report.js';
import { loadLocomo } from '../../eval/datasets/locomo.js';
import { loadLongMemEval } from '../../eval/datasets/longmemeval.js';
import { runDriftBench } from '../../eval/drift/drift-bench.js';
import { formatDriftReport } from '../../eval/drift/drift-report.js';
import { defaultDriftSeed } from '../../eval/drift/drift-stream.js';
import type { LanguageModel } from '../../models/language-model.js';
import { type SearchOptions, searchOptionsSchema } from '../../retrieve/search-options.js';
import type { CreateMemoryOptions } from '../../sdk/create-memory.js';
import type { EmbedderConfig } from '../../sdk/resolve-embedder.js';
import { embedderFromEnvironment, llmFromEnvironment } from '../cli-context.js';

const defaultKs = '5,10,25,50';
const embedderChoices = ['builtin', 'none', 'env'] as const;

interface BenchFlags {
  data: string;
  k: string;
  json?: boolean | undefined;
  embedder: string;
  search?: string | undefined;
  qa?: boolean | undefined;
  qaLimit?: string | undefined;
  qaConcurrency?: string | undefined;
  qaContext?: string | undefined;
  maintain?: boolean | undefined;
}

/** What the bench command needs from its surroundings; by default it reads the environment. */
export interface BenchCommandOptions {
  /** The embedder used with `--embedder env` (default: the one `MNEMO_EMBED_*` configures). */
  environmentEmbedder?: () => EmbedderConfig | undefined;
  /** The answerer and judge of `--qa` (default: the one `MNEMO_LLM_*` configures). */
  environmentLanguageModel?: () => LanguageModel | undefined;
}

interface DriftFlags {
  seed: string;
  users: string;
  months: string;
  db?: string | undefined;
  embedder: string;
  llm?: boolean | undefined;
  maxLlmCalls?: string | undefined;
  json?: boolean | undefined;
}

/**
 * Adds `bench locomo`, `bench longmemeval` and `bench drift` to a commander program.
 *
 * @example
 * const program = new Command('mnemo');
 * registerBenchCommand(program);
 * await program.parseAsync(['node', 'mnemo', 'bench', 'locomo', '--data', 'locomo10.json', '--json']);
 */
export function registerBenchCommand(program: Command, options: BenchCommandOptions = {}): Command {
  const bench = program
    .command('bench')
    .description(
      'Benchmarks: retrieval (LoCoMo, LongMemEval) beside a plain BM25 baseline, --qa adds LLM answers; ' +
        'drift (duplicates and stale facts before and after maintain)',
    );
  const common = (command: Command) =>
    command
      .requiredOption('--data <file>', 'the dataset file (official JSON format; .json.gz accepted)')
      .option('--k <list>', 'cut-offs, comma-separated', defaultKs)
      .option(
        '--embedder <name>',
        `Mnemo's embedder: ${embedderChoices.join(' | ')} (env: MNEMO_EMBED_*)`,
        'builtin',
      )
      .option(
        '--search <json>',
        'extra search options as JSON, for ablations (e.g. \'{"weights":{"vector":0}}\')',
      )
      .option(
        '--qa',
        'also answer each question with the LLM of MNEMO_LLM_* from the retrieved turns and score it',
      )
      .option('--qa-limit <n>', 'with --qa: answer only the first n questions')
      .option(
        '--qa-concurrency <n>',
        `with --qa: questions answered at once (default ${defaultQaConcurrency})`,
      )
      .option(
        '--qa-context <k>',
        `with --qa: retrieved turns the answerer sees (default ${defaultQaContext})`,
      )
      .option(
        '--maintain',
        'upkeep on: each session is written at its own time and maintain() runs before the questions',
      )
      .option('--json', 'print the report as JSON');
  common(bench.command('locomo').description('LoCoMo evidence recall@k per category'))
    .option('--limit-conversations <n>', 'only the first n conversations')
    .action(async (flags: BenchFlags & { limitConversations?: string }) => {
      const qa = qaOf(flags, options);
      const report = await runLocomoBench({
        samples: await loadLocomo(flags.data),
        ks: parseKList(flags.k),
        ...embedderOf(flags.embedder, options),
        search: searchOptionsOf(flags.search),
        limitConversations: optionalCount(flags.limitConversations, '--limit-conversations'),
        maintain: flags.maintain === true,
        qa,
        onProgress: progressReporter(),
      });
      write(flags.json ? [JSON.stringify(report, null, 2)] : formatLocomoReport(report));
    });
  common(
    bench.command('longmemeval').description('LongMemEval recall_all@k and NDCG@k, turn and session level'),
  )
    .option('--limit <n>', 'only the first n (non-abstention) questions')
    .action(async (flags: BenchFlags & { limit?: string }) => {
      const qa = qaOf(flags, options);
      const report = await runLongMemEvalBench({
        items: await loadLongMemEval(flags.data),
        ks: parseKList(flags.k),
        ...embedderOf(flags.embedder, options),
        search: searchOptionsOf(flags.search),
        limit: optionalCount(flags.limit, '--limit'),
        maintain: flags.maintain === true,
        qa,
        onProgress: progressReporter(),
      });
      write(flags.json ? [JSON.stringify(report, null, 2)] : formatLongMemEvalReport(report));
    });
  registerDriftBench(bench, options);
  return bench;
}

/** `bench drift`: a generated life stream, measured before and after maintain() (docs/benchmarks.md). */
function registerDriftBench(bench: Command, options: BenchCommandOptions): void {
  bench
    .command('drift')
    .description(
      "Drift: a generated, seeded stream of users' lives (moves, job changes, flipped tastes, restatements, " +
        'corrections); duplicate rate, stale-fact rate and recall of current truths before and after maintain()',
    )
    .option('--seed <n>', 'seed of the generated stream', String(defaultDriftSeed))
    .option('--users <n>', 'simulated users', '3')
    .option('--months <n>', 'months of each life (30 days each)', '12')
    .option(
      '--db <path>',
      'a new SQLite file (kept), or a postgres:// URL (a fresh schema, dropped afterwards); default a temp file',
    )
    .option(
      '--embedder <name>',
      `Mnemo's embedder: ${embedderChoices.join(' | ')} (env: MNEMO_EMBED_*)`,
      'builtin',
    )
    .option('--llm', 'give maintain() the LLM of MNEMO_LLM_* (default: offline rules only)')
    .option('--max-llm-calls <n>', 'with --llm: maxLlmCalls of each maintain() run')
    .option('--json', 'print the report as JSON')
    .action(async (flags: DriftFlags, command: Command) => {
      // `mnemo --db` is also the program's option, which takes the flag wherever it stands.
      const db = flags.db ?? command.optsWithGlobals<{ db?: string }>().db;
      const maxLlmCalls = optionalCount(flags.maxLlmCalls, '--max-llm-calls');
      if (maxLlmCalls !== undefined && flags.llm !== true) throw invalidInput('--max-llm-calls needs --llm');
      const llm = flags.llm === true ? requiredLlm(options, '--llm') : undefined;
      const report = await runDriftBench({
        seed: integerFlag(flags.seed, '--seed'),
        users: optionalCount(flags.users, '--users'),
        months: optionalCount(flags.months, '--months'),
        db,
        ...embedderOf(flags.embedder, options),
        llm,
        maxLlmCalls,
        onProgress: progressReporter(),
      });
      write(flags.json ? [JSON.stringify(report, null, 2)] : formatDriftReport(report));
    });
}

function integerFlag(value: string, flag: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw invalidInput(`${flag} must be an integer, got "${value}"`);
  return parsed;
}

function embedderOf(
  name: string,
  options: BenchCommandOptions,
): { embedder?: CreateMemoryOptions['embedder']; embedderName: string } {
  if (name === 'builtin') return { embedderName: 'builtin' };
  if (name === 'none') return { embedder: false, embedderName: 'none (lexical only)' };
  if (name === 'env') {
    const config = (options.environmentEmbedder ?? embedderFromEnvironment)();
    if (config === undefined) {
      throw invalidInput('--embedder env needs MNEMO_EMBED_BASE_URL and MNEMO_EMBED_MODEL to be set.');
    }
    return {
      embedder: config,
      embedderName: config.provider === 'builtin' ? 'builtin' : `${config.provider}:${config.model}`,
    };
  }
  throw invalidInput(`--embedder must be one of ${embedderChoices.join(', ')}, got "${name}"`);
}

/**
 * The `--qa` options, checked before any data is read: the LLM must be configured, and the `--qa-*`
 * flags need `--qa` and valid numbers.
 */
function qaOf(flags: BenchFlags, options: BenchCommandOptions): BenchQaOptions | undefined {
  const limit = optionalCount(flags.qaLimit, '--qa-limit');
  const concurrency = optionalCount(flags.qaConcurrency, '--qa-concurrency');
  const context = optionalCount(flags.qaContext, '--qa-context');
  if (flags.qa !== true) {
    const given = {
      '--qa-limit': flags.qaLimit,
      '--qa-concurrency': flags.qaConcurrency,
      '--qa-context': flags.qaContext,
    };
    const named = Object.entries(given).flatMap(([flag, value]) => (value === undefined ? [] : [flag]));
    if (named.length > 0) throw invalidInput(`these flags need --qa: ${named.join(', ')}`);
    return undefined;
  }
  if (concurrency !== undefined && concurrency > 64) {
    throw invalidInput(`--qa-concurrency must be at most 64, got ${concurrency}`);
  }
  if (context !== undefined && context > 200) {
    throw invalidInput(`--qa-context must be at most 200 (the search limit), got ${context}`);
  }
  const llm = requiredLlm(options, '--qa', ' to answer and judge');
  return {
    llm,
    limit,
    concurrency,
    context,
  };
}

/** The LLM of `MNEMO_LLM_*` (or the injected one); a usage error naming `flag` when none is configured. */
function requiredLlm(options: BenchCommandOptions, flag: string, purpose = ''): LanguageModel {
  const llm = (options.environmentLanguageModel ?? llmFromEnvironment)();
  if (llm === undefined) {
    throw invalidInput(
      `${flag} needs a language model${purpose}: set MNEMO_LLM_BASE_URL and MNEMO_LLM_MODEL ` +
        '(and MNEMO_LLM_API_KEY if the endpoint needs one) for an OpenAI-compatible endpoint, or ' +
        'MNEMO_LLM_PROVIDER=anthropic with MNEMO_LLM_API_KEY and MNEMO_LLM_MODEL.',
    );
  }
  return llm;
}

/** Parses `--search` JSON and validates it with the search schema, so typos fail before the run starts. */
function searchOptionsOf(text: string | undefined): SearchOptions | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidInput(`--search must be a JSON object: ${(error as Error).message}`, undefined, error);
  }
  const parsed = searchOptionsSchema.safeParse(value);
  if (!parsed.success || value === null || typeof value !== 'object' || 'limit' in value) {
    const reason = parsed.success ? 'limit comes from --k' : z.prettifyError(parsed.error);
    throw invalidInput(`--search must be a JSON object of search options: ${reason}`);
  }
  // The caller's own fields, not the schema's filled-in defaults.
  return value as SearchOptions;
}

function optionalCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw invalidInput(`${flag} must be a positive integer, got "${value}"`);
  return count;
}

function write(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** A one-line progress indication on stderr, only when stderr is a terminal. */
function progressReporter(): ((progress: BenchProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (progress) => {
    const finished = progress.done >= progress.total;
    process.stderr.write(`\r\u001b[2K${progress.done}/${progress.total} ${finished ? '' : progress.label}`);
    if (finished) process.stderr.write('\r\u001b[2K');
  };
}
