// Migration 6: the full-text index deletes by rowid (FTS5 contentless_delete), so memories no longer keep a
// JSON copy of their tokens: `tokens` becomes `token_form`, derived again from the index text where it can be
// (store/stored-tokens.ts). The index is rebuilt from the stored tokens, then the column is dropped.

import type { SqliteMigration } from '../sqlite-migrations.js';
import { tokenFormValue } from '../sqlite-rows.js';

export const migration0006: SqliteMigration = {
  version: 6,
  name: 'contentless-fts',
  up(db) {
    db.function('mnemo_token_form', { deterministic: true }, (indexText: unknown, tokens: unknown) =>
      tokenFormValue(String(indexText), JSON.parse(String(tokens)) as string[]),
    );
    db.exec(`
      CREATE VIRTUAL TABLE memory_fts_lean USING fts5(
        tokens,
        content = '',
        contentless_delete = 1,
        tokenize = "unicode61 remove_diacritics 0 tokenchars '_'"
      );
      INSERT INTO memory_fts_lean (memory_fts_lean, rank) VALUES ('secure-delete', 1);
      -- The same document as before: every token namespaced by its partition, in order.
      INSERT INTO memory_fts_lean (rowid, tokens)
        SELECT m.rid, (SELECT group_concat(t.token, ' ') FROM
          (SELECT 'p' || m.partition_id || 'x' || j.value AS token FROM json_each(m.tokens) j ORDER BY j.key) t)
        FROM memories m WHERE json_array_length(m.tokens) > 0;
      DROP TABLE memory_fts;
      ALTER TABLE memory_fts_lean RENAME TO memory_fts;
      ALTER TABLE memories ADD COLUMN token_form;
      UPDATE memories SET token_form = mnemo_token_form(index_text, tokens);
      ALTER TABLE memories DROP COLUMN tokens;
    `);
  },
};
