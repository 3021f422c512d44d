// Crash test: writer processes (the built SDK) are killed with SIGKILL at random moments, again and again;
// afterwards every acknowledged add is stored once, no message lacks its episode, each session's log has no
// gap, and SQLite's integrity_check passes. Runs on SQLite always and on PostgreSQL when configured.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../core/records.js';
import type { MemoryStore } from '../store/memory-store.js';
import { createPostgresStore } from '../store/postgres/postgres-store.js';
import {
  dropSchema,
  postgresRequired,
  testPostgresUrl,
  uniqueSchema,
} from '../store/postgres/postgres-test-database.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const writerScript = path.join(here, 'test-support', 'crash-writer.mjs');
const distIndex = path.resolve(here, '../../dist/index.js');
const WRITERS = 2;

interface Ack {
  content: string;
  id: string;
}

/** Runs one writer and kills it with SIGKILL after `killAfterMs`; returns the adds it acknowledged. */
function writeUntilKilled(env: Record<string, string>, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writerScript], {
      env: { ...process.env, ...env, CRASH_COUNT: '1000000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer ${env.CRASH_WRITER} stopped on its own: ${stderr}`));
        return;
      }
      // Only complete lines were acknowledged: the last one may have been cut by the kill.
      const lines = stdout.split('\n').slice(0, -1);
      resolve(lines.map((line) => JSON.parse(line) as Ack));
    });
  });
}

/** Kills writers `kills` times in rounds of WRITERS at once; returns every acknowledged add by content. */
async function crashRepeatedly(
  storeEnv: Record<string, string>,
  kills: number,
): Promise<Map<string, string>> {
  const acknowledged = new Map<string, string>();
  for (let done = 0; done < kills; done += WRITERS) {
    const rounds = await Promise.all(
      Array.from({ length: WRITERS }, (_, writer) =>
        // From 100 ms (often while opening or migrating) to 1.7 s (mid-stream, dozens of adds in): a writer's
        // first add also loads the entity tagger (~0.3 s), so the window reaches further than it once had to.
        writeUntilKilled({ ...storeEnv, CRASH_WRITER: String(writer) }, 100 + Math.random() * 1600),
      ),
    );
    for (const ack of rounds.flat()) {
      // A restarted writer retries its earlier adds with the same key: it must get the same message back.
      expect(acknowledged.get(ack.content) ?? ack.id, ack.content).toBe(ack.id);
      acknowledged.set(ack.content, ack.id);
    }
  }
  return acknowledged;
}

/** Every acknowledged add present once, with its episode, in gapless session logs. */
async function expectConsistent(store: MemoryStore, acknowledged: Map<string, string>): Promise<void> {
  expect(acknowledged.size).toBeGreaterThan(0);
  const messages: Message[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listMessages({
      scope: { tenantId: 'default', userId: 'crash' },
      limit: 1000,
      cursor,
    });
    messages.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  const byContent = new Map<string, Message[]>();
  for (const message of messages)
    byContent.set(message.content, [...(byContent.get(message.content) ?? []), message]);
  for (const [content, id] of acknowledged)
    expect(
      byContent.get(content)?.map((message) => message.id),
      content,
    ).toEqual([id]);
  expect([...byContent.values()].filter((copies) => copies.length > 1)).toEqual([]);
  expect((await store.listOrphanMessages({ limit: 10 })).items).toEqual([]);
  const sessions = new Map<string, number[]>();
  for (const message of messages) {
    const session = message.scope.sessionId ?? '';
    sessions.set(session, [...(sessions.get(session) ?? []), message.seq]);
  }
  for (const [session, seqs] of sessions) {
    expect(
      seqs.sort((left, right) => left - right),
      session,
    ).toEqual(seqs.map((_, index) => index + 1));
  }
  const stats = await store.stats();
  expect(stats.memories).toBe(messages.length);
}

beforeAll(() => {
  if (!existsSync(distIndex)) throw new Error(`${distIndex} is missing: run npm run build first`);
});

describe('kill -9 of writer processes: SQLite', () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-crash-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, leaves no orphan and passes integrity_check after 20 kills', {
    timeout: 90_000,
  }, async () => {
    const file = path.join(directory, 'crash.db');
    const acknowledged = await crashRepeatedly({ CRASH_STORE: file }, 20);
    const store = await openSqliteStore({ path: file });
    try {
      await expectConsistent(store, acknowledged);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });
});

if (testPostgresUrl === undefined && postgresRequired) {
  describe('kill -9 of writer processes: PostgreSQL', () => {
    it('runs in CI (MNEMO_TEST_POSTGRES_URL must be set)', () => {
      expect.fail('CI=true but MNEMO_TEST_POSTGRES_URL is not set: the PostgreSQL tests would be skipped.');
    });
  });
}

describe.runIf(testPostgresUrl !== undefined)('kill -9 of writer processes: PostgreSQL', () => {
  it('keeps every acknowledged write and leaves no orphan after 6 kills', { timeout: 90_000 }, async () => {
    const url = testPostgresUrl!;
    const schema = uniqueSchema('mnemo_crash');
    try {
      const acknowledged = await crashRepeatedly({ CRASH_STORE: url, CRASH_SCHEMA: schema }, 6);
      const store = createPostgresStore({ connection: url, schema, maxConnections: 2 });
      await store.init();
      try {
        await expectConsistent(store, acknowledged);
      } finally {
        await store.close();
      }
    } finally {
      await dropSchema(url, schema);
    }
  });
});
