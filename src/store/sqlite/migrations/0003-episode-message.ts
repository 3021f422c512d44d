// Migration 3: find an episode by the message it indexes (for keeping conversational context current).
import type { SqlMigration } from '../../sql/migrator.js';

export const migration0003: SqlMigration = {
  version: 3,
  name: 'episode-message',
  component: 'memories',
  sql: `
      CREATE INDEX memories_episode_message ON memories (json_extract(source, '$.messageIds[0]'))
        WHERE kind = 'episode';
    `,
};
