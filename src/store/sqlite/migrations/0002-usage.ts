// Migration 2: running usage totals (LLM calls, tokens, embedding calls, latency) per partition and session.
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0002: SqlMigration = {
  version: 2,
  name: 'usage',
  component: 'memories',
  sql: `
      CREATE TABLE usage_totals (
        partition_id INTEGER NOT NULL REFERENCES partitions (id),
        session_id TEXT NOT NULL,
        llm_calls INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        embedding_calls INTEGER NOT NULL,
        latency_ms REAL NOT NULL,
        first_at INTEGER NOT NULL,
        last_at INTEGER NOT NULL,
        PRIMARY KEY (partition_id, session_id)
      ) WITHOUT ROWID;
    `,
};
