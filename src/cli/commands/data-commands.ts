// The data commands: import, export, reembed, status.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { invalidInput, MnemoError } from '../../core/errors.js';
import type { ScopeInput } from '../../core/scope.js';
import type { Memory } from '../../sdk/create-memory.js';
import type { StoreDumpRow } from '../../store/memory-store.js';
import {
  addScopeFlags,
  cliCaller,
  type ScopeFlags,
  storeScopeFromFlags,
  withMemory,
} from '../cli-context.js';
import {
  type ImportFormat,
  type ImportPlan,
  importFormats,
  importStepKey,
  planImport,
} from '../import-plan.js';
import { createProgress, printJson, printLines } from '../output.js';

interface JsonFlag {
  json?: boolean | undefined;
}

/** Registers import, export, reembed and status on `program`. */
export function registerDataCommands(program: Command): void {
  registerImport(program);
  registerExport(program);
  registerReembed(program);
  registerStatus(program);
}

interface ImportFlags extends ScopeFlags, JsonFlag {
  format?: string | undefined;
}

/** Counts of what an import wrote. */
export interface ImportSummary {
  format: ImportFormat;
  messages: number;
  memories: number;
  history: number;
  /** Messages of steps an earlier run of the same import had stored already (not written again). */
  alreadyImported: number;
  warnings: string[];
}

/**
 * Runs a validated import plan against a memory, reporting progress.
 *
 * @example
 * const summary = await runImport({ memory, plan, onProgress: (done) => bar.update(done) });
 */
export async function runImport(input: {
  memory: Memory;
  plan: ImportPlan;
  onProgress?: ((done: number) => void) | undefined;
}): Promise<ImportSummary> {
  const summary: ImportSummary = {
    format: input.plan.format,
    messages: 0,
    memories: 0,
    history: 0,
    alreadyImported: 0,
    warnings: [],
  };
  let done = 0;
  for (const [index, step] of input.plan.steps.entries()) {
    if (step.kind === 'add') {
      const result = await input.memory.add(step.messages, {
        ...step.scope,
        caller: cliCaller,
        imported: true,
        idempotencyKey: importStepKey(input.plan, index),
      });
      done += step.messages.length;
      input.onProgress?.(done);
      if (result.replayed === true) {
        summary.alreadyImported += result.messages.length;
        continue;
      }
      summary.messages += result.messages.length;
      summary.memories += result.memories.length;
      for (const warning of result.warnings)
        if (!summary.warnings.includes(warning)) summary.warnings.push(warning);
    } else {
      // Restores keep ids and skip those present: a re-run writes what is missing.
      const result = await input.memory.restore(step.rows);
      summary.messages += result.messages;
      summary.memories += result.memories;
      summary.history += result.history;
      done += step.rows.length;
      input.onProgress?.(done);
    }
  }
  return summary;
}

function registerImport(program: Command): void {
  addScopeFlags(
    program
      .command('import')
      .description(
        'import a JSONL file (messages or an export), a LoCoMo or a LongMemEval file (.gz allowed)',
      )
      .argument('<file>', 'the file to import')
      .option('--format <format>', `one of ${importFormats.join(', ')} (default: detected)`)
      .option('--json', 'print the summary as JSON'),
  ).action(async (file: string, flags: ImportFlags, command: Command) => {
    if (flags.format !== undefined && !(importFormats as readonly string[]).includes(flags.format)) {
      throw invalidInput(`--format must be one of ${importFormats.join(', ')}, got "${flags.format}"`);
    }
    const plan = await planImport({
      path: file,
      format: flags.format as ImportFormat | undefined,
      scope: storeScopeFromFlags(flags),
    });
    const progress = createProgress({ enabled: flags.json !== true, label: 'import' });
    const summary = await withMemory(command, async (memory) => {
      progress.start(plan.total);
      try {
        return await runImport({ memory, plan, onProgress: (done) => progress.update(done) });
      } finally {
        progress.stop();
      }
    });
    if (flags.json === true) {
      printJson(summary);
      return;
    }
    printLines(
      `imported ${summary.messages} messages, ${summary.memories} memories, ${summary.history} history entries (${summary.format})` +
        (summary.alreadyImported > 0 ? `; ${summary.alreadyImported} messages were imported already` : ''),
    );
    for (const warning of summary.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (plan.steps.some((step) => step.kind === 'restore')) {
      printLines(
        'note: exports carry no embeddings; run `mnemo reembed` to restore vector search for imported memories',
      );
    }
  });
}

interface ExportFlags extends ScopeFlags, JsonFlag {
  out?: string | undefined;
  all?: boolean | undefined;
}

/** A dump row as an export line: embeddings are left out (they are re-made by `reembed`). */
export function exportLine(row: StoreDumpRow): string {
  if (row.type === 'memory') {
    const { embedding: _embedding, ...rest } = row;
    return JSON.stringify(rest);
  }
  return JSON.stringify(row);
}

async function writeRows(
  memory: Memory,
  scope: ScopeInput | undefined,
  output: Writable,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = { message: 0, memory: 0, history: 0 };
  for await (const row of memory.dump({ scope })) {
    counts[row.type] = (counts[row.type] ?? 0) + 1;
    if (!output.write(`${exportLine(row)}\n`)) await once(output, 'drain');
  }
  return counts;
}

function registerExport(program: Command): void {
  addScopeFlags(
    program
      .command('export')
      .description('write a scope (or --all) as JSONL dump rows, without embeddings')
      .option('--out <file>', 'write to this file instead of stdout')
      .option('--all', 'export every scope of every tenant')
      .option('--json', 'print a summary as JSON (with --out)'),
  ).action(async (flags: ExportFlags, command: Command) => {
    const scope = storeScopeFromFlags(flags);
    const scoped =
      flags.user !== undefined ||
      flags.agent !== undefined ||
      flags.session !== undefined ||
      flags.space !== undefined;
    if (flags.all === true && scoped) throw invalidInput('give either --all or scope flags, not both');
    if (flags.all !== true && !scoped) {
      throw new MnemoError({
        code: 'SCOPE_REQUIRED',
        message: 'export needs --user, --agent, --session or --space, or --all',
      });
    }
    const counts = await withMemory(command, async (memory) => {
      if (flags.out === undefined)
        return writeRows(memory, flags.all === true ? undefined : scope, process.stdout);
      const stream = createWriteStream(flags.out, { flags: 'wx' });
      await once(stream, 'open').catch((error: unknown) => {
        throw invalidInput(`cannot write ${flags.out}: ${(error as Error).message}`, undefined, error);
      });
      try {
        return await writeRows(memory, flags.all === true ? undefined : scope, stream);
      } finally {
        stream.end();
        await once(stream, 'finish');
      }
    });
    if (flags.out === undefined) return;
    if (flags.json === true)
      printJson({
        out: flags.out,
        messages: counts.message,
        memories: counts.memory,
        history: counts.history,
      });
    else
      printLines(
        `exported ${counts.message} messages, ${counts.memory} memories, ${counts.history} history entries to ${flags.out}`,
      );
  });
}

function registerReembed(program: Command): void {
  program
    .command('reembed')
    .description('re-embed every memory with the current embedder')
    .option('--json', 'print the result as JSON')
    .action(async (flags: JsonFlag, command: Command) => {
      const progress = createProgress({ enabled: flags.json !== true, label: 'reembed' });
      const result = await withMemory(command, async (memory) => {
        const { stats } = (await memory.status()).store;
        progress.start(stats.memories);
        try {
          return await memory.reembed({ onProgress: (done) => progress.update(done) });
        } finally {
          progress.stop();
        }
      });
      if (flags.json === true) printJson(result);
      else printLines(`re-embedded ${result.reembedded} memories with ${result.model}`);
    });
}

function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the store, the embedder, capabilities and counts')
    .option('--json', 'print the status as JSON')
    .action(async (flags: JsonFlag, command: Command) => {
      const status = await withMemory(command, (memory) => memory.status());
      if (flags.json === true) {
        printJson(status);
        return;
      }
      const { store, embedder, llm, inference, capabilities } = status;
      const enabled = Object.entries(capabilities)
        .filter(([, value]) => value)
        .map(([name]) => name);
      printLines(
        `store:        ${store.provider}${store.path === undefined ? '' : ` ${store.path}`}`,
        `schema:       v${store.stats.schemaVersion}`,
        `memories:     ${store.stats.currentMemories} current, ${store.stats.memories} with history`,
        `messages:     ${store.stats.messages}`,
        `size:         ${store.stats.sizeBytes === undefined ? 'unknown' : `${store.stats.sizeBytes} bytes`}`,
        `embedder:     ${embedder === null ? 'none (lexical search only)' : `${embedder.key}${embedder.matchesStore ? '' : ' (does not match the store: run mnemo reembed)'}`}`,
        `llm:          ${llm === null ? 'none (raw mode; set MNEMO_LLM_BASE_URL and MNEMO_LLM_MODEL)' : `${llm.provider}:${llm.modelId}`}`,
        `inference:    ${inference.queue.pending} pending, ${inference.queue.failed} failed (queue: ${inference.queue.provider}${inference.queue.durable ? '' : ', in memory'}); summaries ${inference.summaries === null ? 'off' : `after ${inference.summaries.afterTokens} tokens or ${Math.round(inference.summaries.idleMs / 60_000)} min idle`}`,
        `capabilities: ${enabled.join(', ')}`,
        ...status.warnings.map((warning) => `warning:      ${warning}`),
      );
    });
}
