// Migration 13: sharing (issue 15). Spaces, grants and the audit log (store/sql/access-schema.ts).
import { accessTablesSql } from '../../sql/access-schema.js';
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0013: SqlMigration = {
  version: 13,
  name: 'sharing',
  component: 'memories',
  sql: accessTablesSql({ table: (name) => name, int: 'INTEGER' }),
};
