// `mnemo migrate` (copy a whole store between SQLite and PostgreSQL) and `mnemo context`.
import type { Command } from 'commander';
import { invalidInput } from '../../core/errors.js';
import { resolveStore } from '../../sdk/resolve-store.js';
import { copyStore } from '../../store/copy-store.js';
import {
  addScopeFlags,
  parseIntegerFlag,
  type ScopeFlags,
  scopeFromFlags,
  withMemory,
} from '../cli-context.js';
import { createProgress, formatContextFooter, printJson, printLines } from '../output.js';

interface MigrateFlags {
  from?: string | undefined;
  to?: string | undefined;
  json?: boolean | undefined;
}

interface ContextFlags extends ScopeFlags {
  budget: string;
  recent?: string | undefined;
  sessionOnly?: boolean | undefined;
  json?: boolean | undefined;
}

export function registerStoreCommands(program: Command): void {
  program
    .command('migrate')
    .description(
      'copy every message, memory, vector and history entry from one store to another (SQLite ⇄ PostgreSQL)',
    )
    .requiredOption('--from <path|url>', 'the source store: a SQLite file or postgres:// URL')
    .requiredOption('--to <path|url>', 'the target store: a SQLite file or postgres:// URL')
    .option('--json', 'machine-readable output')
    .action(async (flags: MigrateFlags) => {
      if (flags.from === flags.to) throw invalidInput('--from and --to must be different stores');
      const from = await resolveStore(flags.from!);
      try {
        const to = await resolveStore(flags.to!);
        try {
          const progress = createProgress({ enabled: flags.json !== true, label: 'migrate' });
          const stats = await from.stats();
          progress.start(stats.messages + stats.memories);
          const result = await copyStore({ from, to, onProgress: (state) => progress.update(state.rows) });
          progress.stop();
          if (flags.json) printJson(result);
          else
            printLines(
              `copied ${result.copied.messages} messages, ${result.copied.memories} memories, ${result.copied.history} history entries`,
              `verified: target holds ${result.target.messages} messages and ${result.target.memories} memories (source ${result.source.messages} / ${result.source.memories})`,
              result.embeddingSpace === undefined
                ? 'no vectors'
                : `vectors kept: ${result.embeddingSpace.model}`,
            );
        } finally {
          await to.close();
        }
      } finally {
        await from.close();
      }
    });

  addScopeFlags(
    program
      .command('context <query>')
      .description('assemble a cited memory section for a prompt, within a token budget')
      .option('--budget <tokens>', 'the most tokens the section may take (1-1000000)', '1000')
      .option(
        '--recent <n>',
        'how many recent turns of the session to consider (0-200, default 10; 0 leaves them out)',
      )
      .option('--session-only', "search relevant memories in this session and the user's long-term ones only")
      .option('--json', 'machine-readable output'),
  ).action(async (query: string, flags: ContextFlags, command: Command) => {
    const budgetTokens = parseIntegerFlag(flags.budget, '--budget', { min: 1, max: 1_000_000 });
    const recentTurns =
      flags.recent === undefined
        ? undefined
        : parseIntegerFlag(flags.recent, '--recent', { min: 0, max: 200 });
    await withMemory(command, async (memory) => {
      const result = await memory.context(query, {
        ...scopeFromFlags(flags),
        budgetTokens,
        recentTurns,
        ...(flags.sessionOnly === true ? { sessionOnly: true } : {}),
      });
      if (flags.json) {
        printJson(result);
        return;
      }
      printLines(
        result.text === '' ? '(nothing remembered for this scope)' : result.text,
        '',
        formatContextFooter(result),
      );
      for (const warning of result.warnings) process.stderr.write(`warning: ${warning}\n`);
    });
  });
}
