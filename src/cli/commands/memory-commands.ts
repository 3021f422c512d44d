// The memory commands: add, search, list, get, update, forget, history.
import type { Command } from 'commander';
import { invalidInput, MnemoError } from '../../core/errors.js';
import { type MemoryKind, type MessageRole, memoryKinds, messageRoles } from '../../core/records.js';
import { type DirectKind, directKinds } from '../../ingest/direct-memory.js';
import type { SearchCallOptions } from '../../sdk/create-memory.js';
import type { MemoryUpdate } from '../../sdk/options.js';
import {
  addScopeFlags,
  parseDateFlag,
  parseIntegerFlag,
  parseJsonObjectFlag,
  parseNumberFlag,
  type ScopeFlags,
  scopeFromFlags,
  withMemory,
} from '../cli-context.js';
import {
  formatHistoryLine,
  formatMemoryDetail,
  formatMemoryLine,
  formatSearchResults,
  printJson,
  printLines,
} from '../output.js';

interface JsonFlag {
  json?: boolean | undefined;
}

/** Checks `--kind` values against the memory kinds. */
export function parseKinds(values: string[] | undefined): MemoryKind[] | undefined {
  if (values === undefined) return undefined;
  for (const value of values) {
    if (!(memoryKinds as readonly string[]).includes(value)) {
      throw invalidInput(`--kind must be one of ${memoryKinds.join(', ')}, got "${value}"`);
    }
  }
  return values as MemoryKind[];
}

const addKinds = ['episode', ...directKinds] as const;
type AddKind = 'episode' | DirectKind;

function parseAddKind(value: string): AddKind {
  if (!(addKinds as readonly string[]).includes(value)) {
    throw invalidInput(
      `--kind must be one of ${addKinds.join(', ')}, got "${value}" (profile slots: mnemo profile set; core blocks: mnemo core set)`,
    );
  }
  return value as AddKind;
}

/** Flags that describe a conversation turn, meaningless for a memory written directly with `--kind`. */
const turnOnlyFlags = ['role', 'name', 'buffer'] as const;

function parseRole(value: string): MessageRole {
  if (!(messageRoles as readonly string[]).includes(value)) {
    throw invalidInput(`--role must be one of ${messageRoles.join(', ')}, got "${value}"`);
  }
  return value as MessageRole;
}

/** Registers the memory commands on `program`. */
export function registerMemoryCommands(program: Command): void {
  registerAdd(program);
  registerSearch(program);
  registerList(program);
  registerGet(program);
  registerUpdate(program);
  registerForget(program);
  registerHistory(program);
}

interface AddFlags extends ScopeFlags, JsonFlag {
  kind: string;
  role: string;
  name?: string | undefined;
  at?: string | undefined;
  metadata?: string | undefined;
  expires?: string | undefined;
  importance?: string | undefined;
  buffer?: boolean | undefined;
  infer?: boolean | undefined;
}

function registerAdd(program: Command): void {
  addScopeFlags(
    program
      .command('add')
      .description('store a message as memory, or (--kind) write one fact, procedure, insight or summary')
      .argument('<text...>', 'the text to remember (words are joined with spaces)')
      .option(
        '--kind <kind>',
        `episode logs a conversation turn; ${directKinds.join(', ')} write one memory directly (no LLM; long-term kinds drop the session)`,
        'episode',
      )
      .option('--role <role>', `who said it: ${messageRoles.join(', ')}`, 'user')
      .option('--name <name>', 'the speaker’s name')
      .option('--at <date>', 'when it was said (ISO date or date-time; default now)')
      .option('--metadata <json>', 'a JSON object stored with the memory')
      .option('--importance <0..1>', 'how much it matters (default 0.5)')
      .option('--expires <date>', 'hide and purge the memory after this date')
      .option('--buffer', 'queue the message for batched inference (needs MNEMO_LLM_*; see mnemo flush)')
      .option('--no-infer', 'store the message only, even when a language model is configured')
      .option('--json', 'print the full result as JSON'),
  ).action(async (words: string[], flags: AddFlags, command: Command) => {
    const kind = parseAddKind(flags.kind);
    if (kind !== 'episode') {
      const misfit = turnOnlyFlags.find((name) => command.getOptionValueSource(name) === 'cli');
      if (misfit !== undefined) {
        throw invalidInput(
          `--${misfit} applies to conversation turns only; add --kind ${kind} writes one memory directly (drop --${misfit}, or use --kind episode)`,
        );
      }
    }
    const role = parseRole(flags.role);
    const observedAt = flags.at === undefined ? undefined : parseDateFlag(flags.at, '--at');
    const expiresAt = flags.expires === undefined ? undefined : parseDateFlag(flags.expires, '--expires');
    const metadata =
      flags.metadata === undefined ? undefined : parseJsonObjectFlag(flags.metadata, '--metadata');
    const importance =
      flags.importance === undefined
        ? undefined
        : parseNumberFlag(flags.importance, '--importance', { min: 0, max: 1 });
    const content = words.join(' ');
    const common = { ...scopeFromFlags(flags), observedAt, expiresAt, metadata, importance };
    const result = await withMemory(command, (memory) =>
      kind === 'episode'
        ? memory.add([{ role, content, name: flags.name }], {
            ...common,
            ...(flags.buffer === true ? { buffer: true } : {}),
            ...(flags.infer === false ? { infer: false } : {}),
          })
        : memory.add(content, { ...common, kind }),
    );
    if (flags.json === true) printJson(result);
    else
      printLines(
        ...result.memories.map((memory) => memory.id),
        ...(result.pending === undefined ? [] : [`pending: ${result.pending} message(s) wait for inference`]),
        ...result.warnings.map((warning) => `warning: ${warning}`),
      );
  });
}

interface SearchFlags extends ScopeFlags, JsonFlag {
  limit?: string | undefined;
  kind?: string[] | undefined;
  asOf?: string | undefined;
  knownAt?: string | undefined;
  minScore?: string | undefined;
  minSimilarity?: string | undefined;
  includeHistory?: boolean | undefined;
  explain?: boolean | undefined;
  expand?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  mmr?: boolean | undefined;
}

/** Turns search flags into SDK search options. */
export function searchOptionsFromFlags(flags: SearchFlags): SearchCallOptions {
  const options: SearchCallOptions = { ...scopeFromFlags(flags) };
  if (flags.limit !== undefined)
    options.limit = parseIntegerFlag(flags.limit, '--limit', { min: 1, max: 200 });
  const kinds = parseKinds(flags.kind);
  if (kinds !== undefined) options.kinds = kinds;
  if (flags.asOf !== undefined) options.asOf = parseDateFlag(flags.asOf, '--as-of');
  if (flags.knownAt !== undefined) options.knownAt = parseDateFlag(flags.knownAt, '--known-at');
  if (flags.minScore !== undefined)
    options.minScore = parseNumberFlag(flags.minScore, '--min-score', {
      min: 0,
      max: Number.POSITIVE_INFINITY,
    });
  if (flags.minSimilarity !== undefined)
    options.minSimilarity = parseNumberFlag(flags.minSimilarity, '--min-similarity', { min: -1, max: 1 });
  if (flags.includeHistory === true) options.includeHistory = true;
  if (flags.explain === true) options.explain = true;
  if (flags.expand !== undefined)
    options.expand = parseIntegerFlag(flags.expand, '--expand', { min: 0, max: 20 });
  if (flags.mmr === true) options.mmr = true;
  if (flags.from !== undefined || flags.to !== undefined) {
    options.filters = {};
    if (flags.from !== undefined) options.filters.observedFrom = parseDateFlag(flags.from, '--from');
    if (flags.to !== undefined) options.filters.observedTo = parseDateFlag(flags.to, '--to');
  }
  return options;
}

function registerSearch(program: Command): void {
  addScopeFlags(
    program
      .command('search')
      .description('hybrid search inside a scope')
      .argument('<query>', 'what to look for')
      .option('--limit <n>', 'how many results (1-200, default 10)')
      .option('--kind <kind...>', `only these kinds: ${memoryKinds.join(', ')}`)
      .option('--as-of <date>', 'valid time: what was true in the world at this date')
      .option('--known-at <date>', 'record time: what Mnemo knew at this date')
      .option('--min-score <n>', 'drop results whose final score is below n (see --explain)')
      .option(
        '--min-similarity <n>',
        "vector similarity a result needs without a lexical match (-1 to 1; default: the embedder's noise floor; -1 turns it off)",
      )
      .option('--include-history', 'also search superseded versions')
      .option('--explain', 'show why each result ranked where it did')
      .option('--expand <n>', 'show n neighbouring messages around each result')
      .option('--from <date>', 'only memories observed at or after this date')
      .option('--to <date>', 'only memories observed at or before this date')
      .option('--mmr', 'diversify results (maximal marginal relevance)')
      .option('--json', 'print the SearchResponse as JSON'),
  ).action(async (query: string, flags: SearchFlags, command: Command) => {
    const options = searchOptionsFromFlags(flags);
    const response = await withMemory(command, (memory) => memory.search(query, options));
    if (flags.json === true) {
      printJson(response);
      return;
    }
    printLines(...formatSearchResults(response.results, { explain: flags.explain === true }));
    for (const warning of response.warnings) process.stderr.write(`warning: ${warning}\n`);
  });
}

interface ListFlags extends ScopeFlags, JsonFlag {
  kind?: string[] | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
  includeHistory?: boolean | undefined;
  asOf?: string | undefined;
  knownAt?: string | undefined;
}

function registerList(program: Command): void {
  addScopeFlags(
    program
      .command('list')
      .description('list memories in a scope, newest first')
      .option('--kind <kind...>', 'only these kinds')
      .option('--limit <n>', 'page size (1-1000, default 50)')
      .option('--cursor <cursor>', 'continue from a previous page')
      .option('--include-history', 'include superseded versions')
      .option('--as-of <date>', 'valid time: the versions that were true in the world at this date')
      .option('--known-at <date>', 'record time: the versions Mnemo held at this date')
      .option('--json', 'print the page as JSON'),
  ).action(async (flags: ListFlags, command: Command) => {
    const kinds = parseKinds(flags.kind);
    const limit =
      flags.limit === undefined ? undefined : parseIntegerFlag(flags.limit, '--limit', { min: 1, max: 1000 });
    const asOf = flags.asOf === undefined ? undefined : parseDateFlag(flags.asOf, '--as-of');
    const knownAt = flags.knownAt === undefined ? undefined : parseDateFlag(flags.knownAt, '--known-at');
    const page = await withMemory(command, (memory) =>
      memory.list({
        ...scopeFromFlags(flags),
        kinds,
        limit,
        cursor: flags.cursor,
        includeHistory: flags.includeHistory === true ? true : undefined,
        asOf,
        knownAt,
      }),
    );
    if (flags.json === true) {
      printJson(page);
      return;
    }
    printLines(...(page.items.length === 0 ? ['No memories.'] : page.items.map(formatMemoryLine)));
    if (page.nextCursor !== undefined) printLines(`more: --cursor ${page.nextCursor}`);
  });
}

function registerGet(program: Command): void {
  addScopeFlags(
    program
      .command('get')
      .description('show one memory')
      .argument('<id>', 'memory id')
      .option('--json', 'print the memory as JSON'),
  ).action(async (id: string, flags: ScopeFlags & JsonFlag, command: Command) => {
    const record = await withMemory(command, (memory) => memory.get(id, scopeFromFlags(flags)));
    if (flags.json === true) printJson(record);
    else printLines(...formatMemoryDetail(record));
  });
}

interface UpdateFlags extends ScopeFlags, JsonFlag {
  text?: string | undefined;
  at?: string | undefined;
  validFrom?: string | undefined;
  validTo?: string | undefined;
  importance?: string | undefined;
  metadata?: string | undefined;
  expires?: string | undefined;
  reason?: string | undefined;
}

/**
 * Turns update flags into an SDK update; `--expires never` clears the expiry. `--at`, `--valid-from` and
 * `--valid-to` are sent as epoch ms.
 */
export function updateFromFlags(flags: UpdateFlags): MemoryUpdate {
  const update: MemoryUpdate = {};
  if (flags.text !== undefined) update.text = flags.text;
  if (flags.at !== undefined) update.observedAt = parseDateFlag(flags.at, '--at');
  if (flags.validFrom !== undefined) update.validFrom = parseDateFlag(flags.validFrom, '--valid-from');
  if (flags.validTo !== undefined) update.validTo = parseDateFlag(flags.validTo, '--valid-to');
  if (flags.importance !== undefined)
    update.importance = parseNumberFlag(flags.importance, '--importance', { min: 0, max: 1 });
  if (flags.metadata !== undefined) update.metadata = parseJsonObjectFlag(flags.metadata, '--metadata');
  if (flags.expires !== undefined)
    update.expiresAt = flags.expires === 'never' ? null : parseDateFlag(flags.expires, '--expires');
  if (flags.reason !== undefined) update.reason = flags.reason;
  const changes = Object.keys(update).filter((key) => key !== 'reason' && key !== 'validTo');
  if (changes.length === 0) {
    throw invalidInput(
      update.validTo === undefined
        ? 'update needs at least one of --text, --at, --valid-from, --importance, --metadata, --expires'
        : '--valid-to ends the old version when a new one is written: give it with --text, --at or --valid-from',
    );
  }
  return update;
}

function registerUpdate(program: Command): void {
  addScopeFlags(
    program
      .command('update')
      .description('change a memory (new text, --at or --valid-from keep the old version in history)')
      .argument('<id>', 'memory id')
      .option('--text <text>', 'new text (supersedes the old version)')
      .option('--at <date>', "when the new version was said (default: the original statement's time)")
      .option(
        '--valid-from <date>',
        'when the new version became true (default: a date its text names, else --at)',
      )
      .option(
        '--valid-to <date>',
        'when the old version stopped being true (default: when the new one began)',
      )
      .option('--importance <0..1>', 'new importance')
      .option('--metadata <json>', 'new metadata (a JSON object)')
      .option('--expires <date>', 'new expiry date, or "never"')
      .option('--reason <text>', 'why, recorded in history')
      .option('--json', 'print { previous, current } as JSON'),
  ).action(async (id: string, flags: UpdateFlags, command: Command) => {
    const update = updateFromFlags(flags);
    const result = await withMemory(command, (memory) => memory.update(id, update, scopeFromFlags(flags)));
    if (flags.json === true) printJson(result);
    else printLines(result.current.id);
  });
}

interface ForgetFlags extends ScopeFlags, JsonFlag {
  allInScope?: boolean | undefined;
}

function registerForget(program: Command): void {
  addScopeFlags(
    program
      .command('forget')
      .description('erase a memory and all its versions, or everything in a scope')
      .argument('[id]', 'memory id')
      .option(
        '--all-in-scope',
        'erase every memory and message in the --user/--agent/--session/--space scope',
      )
      .option('--json', 'print the result as JSON'),
  ).action(async (id: string | undefined, flags: ForgetFlags, command: Command) => {
    if (flags.allInScope === true) {
      if (id !== undefined) throw invalidInput('give either a memory id or --all-in-scope, not both');
      const named = [flags.user, flags.agent, flags.session, flags.space].some((flag) => flag !== undefined);
      if (!named) {
        throw new MnemoError({
          code: 'SCOPE_REQUIRED',
          message: '--all-in-scope needs --user, --agent, --session or --space',
        });
      }
      const result = await withMemory(command, (memory) => memory.forgetScope(scopeFromFlags(flags)));
      if (flags.json === true) printJson(result);
      else printLines(`forgot ${result.memories} memories and ${result.messages} messages`);
      return;
    }
    if (id === undefined) throw invalidInput('forget needs a memory id (or --all-in-scope with a scope)');
    const result = await withMemory(command, (memory) => memory.forget(id, scopeFromFlags(flags)));
    if (flags.json === true) printJson(result);
    else printLines(...result.forgottenIds);
  });
}

function registerHistory(program: Command): void {
  addScopeFlags(
    program
      .command('history')
      .description('show every change to a memory')
      .argument('<id>', 'memory id')
      .option('--json', 'print the history entries as JSON'),
  ).action(async (id: string, flags: ScopeFlags & JsonFlag, command: Command) => {
    const entries = await withMemory(command, (memory) => memory.history(id, scopeFromFlags(flags)));
    if (flags.json === true) printJson(entries);
    else printLines(...(entries.length === 0 ? ['No history.'] : entries.map(formatHistoryLine)));
  });
}
