// Migration 3: find an episode by the message it indexes (for keeping conversational context current).
import type { Migration } from './index.js';

export const migration0003: Migration = {
  version: 3,
  name: 'episode-message',
  up(db) {
    db.exec(`
      CREATE INDEX memories_episode_message ON memories (json_extract(source, '$.messageIds[0]'))
        WHERE kind = 'episode';
    `);
  },
};
