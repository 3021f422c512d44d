// The inference commands: usage (what the models cost per scope), flush (infer buffered messages now),
// failures (extractions that failed) and reprocess (replay them).
import type { Command } from 'commander';
import { MnemoError } from '../../core/errors.js';
import type { Usage } from '../../core/records.js';
import { describeScope, type ScopeInput } from '../../core/scope.js';
import {
  addScopeFlags,
  parseIntegerFlag,
  type ScopeFlags,
  scopeFromFlags,
  storeScopeFromFlags,
  withMemory,
} from '../cli-context.js';
import { printJson, printLines } from '../output.js';

interface JsonFlag {
  json?: boolean | undefined;
}

interface WideScopeFlags extends ScopeFlags, JsonFlag {
  all?: boolean | undefined;
}

/** Registers usage, flush, failures and reprocess on `program`. */
export function registerInferenceCommands(program: Command): void {
  registerUsage(program);
  registerFlush(program);
  registerFailures(program);
  registerReprocess(program);
}

/** One line of usage figures. */
export function formatUsage(usage: Usage): string {
  return `${usage.llmCalls} LLM calls, ${usage.inputTokens} input + ${usage.outputTokens} output tokens, ${usage.embeddingCalls} embedding calls, ${Math.round(usage.latencyMs)} ms`;
}

/**
 * The scope of a maintenance command: the scope flags, or `--all` (every scope; with `--tenant`, that
 * tenant). One of them is required, so nothing runs store-wide by accident.
 */
export function wideScopeFromFlags(flags: WideScopeFlags, command: string): ScopeInput {
  const scope = storeScopeFromFlags(flags);
  const named =
    flags.user !== undefined ||
    flags.agent !== undefined ||
    flags.session !== undefined ||
    flags.space !== undefined;
  if (named && flags.all === true) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `${command}: give either --user/--agent/--session/--space or --all, not both`,
    });
  }
  if (!named && flags.all !== true) {
    throw new MnemoError({
      code: 'SCOPE_REQUIRED',
      message: `${command} needs --user, --agent, --session or --space, or --all for every scope`,
    });
  }
  return scope;
}

function registerUsage(program: Command): void {
  addScopeFlags(
    program
      .command('usage')
      .description('LLM calls, tokens, embedding calls and latency accumulated by a scope')
      .option('--json', 'print the totals as JSON'),
  ).action(async (flags: ScopeFlags & JsonFlag, command: Command) => {
    const usage = await withMemory(command, (memory) => memory.usage(scopeFromFlags(flags)));
    if (flags.json === true) {
      printJson(usage);
      return;
    }
    printLines(
      `scope:  ${describeScope(usage.scope)}`,
      `usage:  ${formatUsage(usage)}`,
      `period: ${usage.firstAt === undefined ? 'nothing recorded' : `${usage.firstAt} to ${usage.lastAt}`}`,
    );
  });
}

function registerFlush(program: Command): void {
  addScopeFlags(
    program
      .command('flush')
      .description('infer every buffered message now and summarise idle sessions')
      .option('--all', 'every scope')
      .option('--json', 'print the result as JSON'),
  ).action(async (flags: WideScopeFlags, command: Command) => {
    const scope = wideScopeFromFlags(flags, 'flush');
    const result = await withMemory(command, (memory) => memory.flush(scope));
    if (flags.json === true) {
      printJson(result);
      return;
    }
    printLines(
      `inferred ${result.batches} batch(es), wrote ${result.memories.length} memories; ${result.failures.length} batch(es) failed; ${result.pending} message(s) still pending`,
      `usage: ${formatUsage(result.usage)}`,
      ...result.warnings.map((warning) => `warning: ${warning}`),
    );
  });
}

function registerFailures(program: Command): void {
  addScopeFlags(
    program
      .command('failures')
      .description('list messages whose extraction failed')
      .option('--all', 'every scope')
      .option('--limit <n>', 'at most this many (1-10000, default 100)')
      .option('--json', 'print the failures as JSON'),
  ).action(async (flags: WideScopeFlags & { limit?: string }, command: Command) => {
    const scope = wideScopeFromFlags(flags, 'failures');
    const limit =
      flags.limit === undefined
        ? undefined
        : parseIntegerFlag(flags.limit, '--limit', { min: 1, max: 10_000 });
    const failures = await withMemory(command, (memory) => memory.failures({ ...scope, limit }));
    if (flags.json === true) {
      printJson(failures);
      return;
    }
    printLines(
      ...(failures.length === 0
        ? ['No failed extractions.']
        : failures.map(
            (failure) =>
              `${failure.messageId}  ${failure.failedAt}  ${describeScope(failure.scope)}  ${failure.code} (attempts: ${failure.attempts})  ${failure.message.replace(/\s+/g, ' ').slice(0, 120)}`,
          )),
    );
  });
}

function registerReprocess(program: Command): void {
  addScopeFlags(
    program
      .command('reprocess')
      .description('re-run extraction for messages whose extraction failed; success clears the failure')
      .option('--all', 'every scope')
      .option('--message <id...>', 'only these message ids (re-extracted even without a failure)')
      .option('--json', 'print the result as JSON'),
  ).action(async (flags: WideScopeFlags & { message?: string[] }, command: Command) => {
    const scope = wideScopeFromFlags(flags, 'reprocess');
    const result = await withMemory(command, (memory) =>
      memory.reprocess({ ...scope, messageIds: flags.message }),
    );
    if (flags.json === true) {
      printJson(result);
      return;
    }
    printLines(
      `reprocessed ${result.reprocessed} message(s), wrote ${result.memories.length} memories; ${result.failures.length} batch(es) failed again`,
      `usage: ${formatUsage(result.usage)}`,
      ...result.warnings.map((warning) => `warning: ${warning}`),
    );
  });
}
