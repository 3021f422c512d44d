// Forget on PostgreSQL: a forgotten user leaves no row naming it, and `vacuum` reclaims the dead tuples
// (VACUUM FULL rewrites the files: the text is then in no table, index or TOAST file of the schema).
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MnemoError } from '../../core/errors.js';
import type { Message } from '../../core/records.js';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { createPostgresInferenceQueue } from '../queue/sql-inference-queue.js';
import { createPostgresStore, type PostgresStore } from './postgres-store.js';
import { dropSchema, postgresRequired, testPostgresUrl, uniqueSchema } from './postgres-test-database.js';

const url = testPostgresUrl;
const victim = 'uqx7victim';

if (url === undefined && postgresRequired) {
  describe('PostgreSQL erasure', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped.');
    });
  });
}

describe.runIf(url !== undefined)('PostgreSQL erasure', () => {
  let schema: string;
  let store: PostgresStore;
  let memory: Memory;
  let admin: pg.Client;

  beforeEach(async () => {
    schema = uniqueSchema();
    store = createPostgresStore({ connection: url!, schema, maxConnections: 4 });
    await store.init();
    memory = await createMemory({ store, actor: 'test' });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });

  afterEach(async () => {
    await memory.close();
    await store.close();
    await admin.end();
    await dropSchema(url!, schema);
  });

  /** Tables of the schema with a row whose text form contains `needle` (every column, every table). */
  async function tablesMentioning(needle: string): Promise<string[]> {
    const tables = await admin.query<{ table_name: string }>(
      `SELECT DISTINCT table_name FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    const found: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const hits = await admin.query(
        `SELECT 1 FROM "${schema}"."${table}" t WHERE t::text LIKE '%' || $1 || '%' LIMIT 1`,
        [needle],
      );
      if (hits.rows.length > 0) found.push(table);
    }
    return found;
  }

  async function deadTuples(): Promise<Map<string, number>> {
    await admin.query('SELECT pg_stat_clear_snapshot()');
    const result = await admin.query<{ relname: string; n_dead_tup: string }>(
      'SELECT relname, n_dead_tup FROM pg_stat_user_tables WHERE schemaname = $1',
      [schema],
    );
    return new Map(result.rows.map((row) => [row.relname, Number(row.n_dead_tup)]));
  }

  /** A backend reports its counts when idle, at most once a second (else after up to 10 s): wait for them. */
  async function untilDead(tables: string[]): Promise<void> {
    for (let waited = 0; waited < 15_000; waited += 250) {
      const dead = await deadTuples();
      if (tables.every((table) => (dead.get(table) ?? 0) > 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`no dead tuples reported for ${tables.join(', ')}`);
  }

  async function seedVictim(): Promise<void> {
    const scope = { userId: victim, sessionId: 's1' };
    const { memories } = await memory.add('My vault phrase is quokka4417 in the long text', scope);
    await memory.add('I prefer the window seat', { userId: victim, agentId: 'travel' });
    await memory.add('Bob keeps bees', { userId: 'bob' });
    await memory.working.set('plan', 'book the flight', scope);
    await memory.core.set('persona', 'Answer briefly.', { userId: victim });
    await memory.forget(memories[0]!.id, scope);
    await memory.add('My second phrase is wombat9032', scope);
    await store.recordUsage({
      scope: { tenantId: 'default', userId: victim },
      usage: { llmCalls: 1, inputTokens: 10, outputTokens: 2, embeddingCalls: 1, latencyMs: 5 },
      at: Date.now(),
    });
    const queue = createPostgresInferenceQueue({ pool: store.connectionPool(), schema });
    await queue.init();
    const message: Message = {
      id: 'message-q1',
      scope: { tenantId: 'default', userId: victim, sessionId: 's1' },
      role: 'user',
      content: 'queued',
      observedAt: '2024-06-01T12:00:00.000Z',
      seq: 1,
      metadata: {},
      createdAt: '2024-06-01T12:00:00.000Z',
    };
    await queue.enqueue({ messages: [message], at: Date.now() });
    await queue.recordFailure({
      messages: [{ ...message, id: 'message-q2', seq: 2 }],
      error: new MnemoError({ code: 'LLM_FAILED', message: 'timeout' }),
      at: Date.now(),
    });
    await queue.noteSessionActivity({ scope: message.scope, at: Date.now(), tokens: 40 });
  }

  it('after forgetScope, no row of any table names the user', async () => {
    await seedVictim();
    expect(await tablesMentioning(victim)).toEqual(
      expect.arrayContaining(['history', 'infer_queue', 'infer_sessions', 'memories', 'messages']),
    );
    await memory.forgetScope({ userId: victim });
    expect(await tablesMentioning(victim)).toEqual([]);
    expect(await tablesMentioning('bob')).toEqual(expect.arrayContaining(['memories']));
  });

  it('vacuum leaves no dead tuple in any table of the schema', async () => {
    await seedVictim();
    // Let the connections' earlier statistics age past the one-second flush interval.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await memory.forgetScope({ userId: victim });
    await untilDead(['memories', 'messages']);
    const report = await store.vacuum({});
    expect(report.tables).toEqual(expect.arrayContaining(['memories', 'messages', 'history', 'infer_queue']));
    expect(report.rewritten).toBe(false);
    const dead = await deadTuples();
    for (const table of report.tables) expect([table, dead.get(table) ?? 0]).toEqual([table, 0]);
  }, 30_000);

  it('vacuum with full rewrites the files: the forgotten text is in no table, index or TOAST file', async (context) => {
    const role = await admin.query<{ rolsuper: boolean }>(
      'SELECT rolsuper FROM pg_roles WHERE rolname = current_user',
    );
    // Reading relation files takes a superuser (pg_read_binary_file). CI connects as one, so there the check
    // must run; on a developer's database without that right it is skipped, saying why.
    if (role.rows[0]?.rolsuper !== true) {
      if (postgresRequired)
        expect.fail('CI must connect to PostgreSQL as a superuser to read relation files.');
      context.skip('needs a PostgreSQL superuser to read relation files (pg_read_binary_file)');
    }
    await seedVictim();
    await memory.forgetScope({ userId: victim });
    await store.vacuum({ full: true });
    await admin.query('CHECKPOINT');
    const files = await admin.query<{ path: string | null }>(
      `SELECT pg_relation_filepath(c.oid) AS path FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1
       UNION ALL
       SELECT pg_relation_filepath(t.reltoastrelid) FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = $1 AND t.reltoastrelid <> 0`,
      [schema],
    );
    let scanned = 0;
    for (const { path } of files.rows) {
      if (path === null) continue;
      const content = await admin.query<{ bytes: Buffer }>('SELECT pg_read_binary_file($1) AS bytes', [path]);
      const text = content.rows[0]!.bytes.toString('latin1');
      scanned += 1;
      expect(text.includes('wombat9032'), path).toBe(false);
      expect(text.includes(victim), path).toBe(false);
    }
    expect(scanned).toBeGreaterThan(5);
  }, 30_000);
});
