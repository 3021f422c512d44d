// Migration 10: an episode's text is read through the message it indexes (store/stored-fields.ts
// `encodeText`): texts starting with a mark are escaped, then episodes equal to their message refer to it.
import type { SqliteMigration } from '../sqlite-migrations.js';

export const migration0010: SqliteMigration = {
  version: 10,
  name: 'episode-text',
  up(db) {
    db.exec(`
      UPDATE memories SET text = char(2) || text WHERE substr(text, 1, 1) IN (char(1), char(2));
      UPDATE memories SET text = char(1)
        WHERE kind = 'episode' AND text = (SELECT g.content FROM messages g
          WHERE g.id = json_extract(memories.source, '$.messageIds[0]')
            AND g.partition_id = memories.partition_id AND g.session_id = memories.session_id);
    `);
  },
};
