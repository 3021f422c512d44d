// Migration 8: index texts without the copy of their memory's text, and sha256 content hashes as 32 bytes
// (store/stored-fields.ts); older rows are rewritten in those forms.
import { encodeIndexText } from '../../stored-fields.js';
import type { SqliteMigration } from '../sqlite-migrations.js';

export const migration0008: SqliteMigration = {
  version: 8,
  name: 'compact-fields',
  up(db) {
    db.function('mnemo_index_text', { deterministic: true }, (text: unknown, indexText: unknown) =>
      encodeIndexText(String(text), String(indexText)),
    );
    db.exec(`
      UPDATE memories SET index_text = mnemo_index_text(text, index_text);
      UPDATE memories SET hash = unhex(hash)
        WHERE typeof(hash) = 'text' AND length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*';
    `);
  },
};
