// `mnemo vacuum`: reclaims what erased rows leave behind (PostgreSQL VACUUM [FULL]; SQLite VACUUM).
import type { Command } from 'commander';
import { invalidInput, MnemoError } from '../../core/errors.js';
import { parseScope } from '../../core/scope.js';
import { resolveStore } from '../../sdk/resolve-store.js';
import { addScopeFlags, resolveStoreOption, type ScopeFlags, storeScopeFromFlags } from '../cli-context.js';
import { printJson, printLines } from '../output.js';

interface VacuumFlags extends ScopeFlags {
  full?: boolean | undefined;
  json?: boolean | undefined;
}

/**
 * Registers `mnemo vacuum [--full] [--tenant --user --agent --session]`. With scope flags it first checks
 * that the scope was forgotten (VACUUM reclaims deleted rows only), so `mnemo forget --all-in-scope --user u`
 * then `mnemo vacuum --user u` is the whole erasure on PostgreSQL.
 *
 * @example
 * registerVacuumCommand(program); // mnemo vacuum --full --user alice
 */
export function registerVacuumCommand(program: Command): void {
  addScopeFlags(
    program
      .command('vacuum')
      .description(
        'reclaim erased rows: VACUUM every Mnemo table (PostgreSQL; --full rewrites tables and indexes so erased bytes leave their files), or rebuild a SQLite file',
      )
      .option('--full', 'PostgreSQL: VACUUM FULL (locks each table while it is rewritten)')
      .option('--json', 'machine-readable output'),
  ).action(async (flags: VacuumFlags, command: Command) => {
    const fields = storeScopeFromFlags(flags);
    const scoped = Object.keys(fields).length > 0;
    if (
      scoped &&
      fields.userId === undefined &&
      fields.agentId === undefined &&
      fields.sessionId === undefined &&
      fields.spaceId === undefined
    )
      throw invalidInput(
        'vacuum takes --user, --agent, --session or --space with --tenant (a scope that was forgotten)',
      );
    const store = await resolveStore(resolveStoreOption(command));
    try {
      if (store.vacuum === undefined) {
        throw new MnemoError({ code: 'UNSUPPORTED', message: `The ${store.provider} store cannot vacuum.` });
      }
      if (scoped) {
        const left = await store.stats({ scope: parseScope(fields) });
        if (left.memories > 0 || left.messages > 0) {
          throw invalidInput(
            `This scope still holds ${left.memories} memories and ${left.messages} messages; erase them first with \`mnemo forget --all-in-scope\` and the same scope flags.`,
          );
        }
      }
      const report = await store.vacuum({ full: flags.full === true });
      if (flags.json) printJson({ provider: store.provider, ...report });
      else
        printLines(
          `${report.rewritten ? 'rewrote' : 'vacuumed'} ${report.tables.length} tables (${store.provider})`,
          !report.rewritten
            ? 'erased bytes may stay in table and index pages until reused; run with --full to rewrite them'
            : 'erased rows are gone from the table and index files',
        );
    } finally {
      await store.close();
    }
  });
}
