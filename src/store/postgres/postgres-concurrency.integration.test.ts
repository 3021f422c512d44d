// Several processes writing one PostgreSQL store at once, through the built SDK: every write lands, once.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createPostgresStore } from './postgres-store.js';
import { dropSchema, testPostgresUrl, uniqueSchema } from './postgres-test-database.js';

const run = promisify(execFile);
const distIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/index.js');
const PROCESSES = 6;
const ADDS = 15;

const child = `
const { createMemory } = await import(process.env.MNEMO_DIST);
const memory = await createMemory({ store: { provider: 'postgres', connection: process.env.URL, schema: process.env.SCHEMA, maxConnections: 2 } });
for (let index = 0; index < ${ADDS}; index++) {
  await memory.add('worker ' + process.env.WORKER + ' note ' + index, { userId: 'shared', sessionId: 'one' });
}
await memory.close();
`;

describe.runIf(testPostgresUrl !== undefined)('PostgreSQL store with several writer processes', () => {
  it('keeps every write of every process, with unique sequence numbers', async () => {
    expect(existsSync(distIndex), 'dist/ is missing: npm test builds it before running vitest').toBe(true);
    const url = testPostgresUrl!;
    const schema = uniqueSchema();
    const store = createPostgresStore({ connection: url, schema, maxConnections: 2 });
    await store.init();
    try {
      await Promise.all(
        Array.from({ length: PROCESSES }, (_, worker) =>
          run(process.execPath, ['--input-type=module', '-e', child], {
            env: { ...process.env, MNEMO_DIST: distIndex, URL: url, SCHEMA: schema, WORKER: String(worker) },
          }),
        ),
      );
      const scope = { tenantId: 'default', userId: 'shared', sessionId: 'one' };
      const messages = await store.listMessages({ scope, limit: 1000 });
      expect(messages.items).toHaveLength(PROCESSES * ADDS);
      expect(messages.items.map((message) => message.seq)).toEqual(
        Array.from({ length: PROCESSES * ADDS }, (_, index) => index + 1),
      );
      const contents = new Set(messages.items.map((message) => message.content));
      expect(contents.size).toBe(PROCESSES * ADDS);
      const stats = await store.stats({ scope });
      expect(stats.memories).toBe(PROCESSES * ADDS);
    } finally {
      await store.close();
      await dropSchema(url, schema);
    }
  }, 120_000);
});
