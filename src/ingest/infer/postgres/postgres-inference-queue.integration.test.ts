// The PostgreSQL inference queue: the queue conformance suite on a real PostgreSQL, beside a real store.
import { describe, expect, it } from 'vitest';
import { createPostgresStore } from '../../../store/postgres/postgres-store.js';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from '../../../store/postgres/postgres-test-database.js';
import { createPostgresInferenceQueue } from '../../../store/queue/sql-inference-queue.js';
import { describeInferenceQueueConformance } from '../queue-conformance.js';

const url = testPostgresUrl;

if (url === undefined && postgresRequired) {
  describe('PostgreSQL inference queue', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped.');
    });
  });
}

describe.runIf(url !== undefined)('PostgreSQL inference queue', () => {
  describeInferenceQueueConformance('postgres', async () => {
    const schema = uniqueSchema();
    const store = createPostgresStore({ connection: url!, schema, maxConnections: 4 });
    await store.init();
    const queue = createPostgresInferenceQueue({ pool: store.connectionPool(), schema: store.schemaName });
    await queue.init();
    return {
      queue,
      cleanup: async () => {
        await queue.close();
        await store.close();
        await dropSchema(url!, schema);
      },
    };
  });

  it('migrates once when several queues open the same schema at once', async () => {
    const schema = uniqueSchema();
    const store = createPostgresStore({ connection: url!, schema, maxConnections: 6 });
    await store.init();
    try {
      const queues = Array.from({ length: 3 }, () =>
        createPostgresInferenceQueue({ pool: store.connectionPool(), schema }),
      );
      await Promise.all(queues.map((queue) => queue.init()));
      expect(await queues[0]!.counts()).toEqual({ pending: 0, failed: 0 });
    } finally {
      await store.close();
      await dropSchema(url!, schema);
    }
  });
});
