// Versioned SQLite migrations: an ordered list of TS modules and the runner that applies the pending ones.
import type Database from 'better-sqlite3';
import { MnemoError } from '../../../core/errors.js';
import { migration0001 } from './0001-init.js';
import { migration0002 } from './0002-usage.js';
import { migration0003 } from './0003-episode-message.js';
import { migration0004 } from './0004-working-memory.js';
import { migration0005 } from './0005-idempotency.js';
import { migration0006 } from './0006-contentless-fts.js';
import { migration0007 } from './0007-int8-vectors.js';
import { migration0008 } from './0008-compact-fields.js';
import { migration0009 } from './0009-history-ids.js';
import { migration0010 } from './0010-episode-text.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Every migration, oldest first. Append new ones; never edit an applied one. */
export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
];

/** The schema version this build writes. */
export const latestSchemaVersion: number = migrations[migrations.length - 1]?.version ?? 0;

/**
 * Applies pending migrations inside one immediate transaction and returns the resulting version.
 * Safe to call from several processes at once: the write lock serialises them.
 *
 * @example
 * const version = runMigrations(db); // 2
 */
export function runMigrations(db: Database.Database): number {
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    if (current > latestSchemaVersion) {
      throw new MnemoError({
        code: 'MIGRATION_FAILED',
        message: `The database has schema version ${current}, newer than this Mnemo (${latestSchemaVersion}); upgrade Mnemo.`,
      });
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      migration.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }
    return latestSchemaVersion;
  });
  return apply.immediate();
}
