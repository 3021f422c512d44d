// The performance benchmark: ingest throughput and search latency through the SDK on real SQLite files,
// at growing sizes in one scope and at 1M memories spread over many scopes.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { MessageInput } from '../../ingest/message-input.js';
import { createBuiltinEmbedder } from '../../models/builtin-embedder.js';
import { createMemory, type Memory } from '../../sdk/create-memory.js';
import { createPostgresStore } from '../../store/postgres/postgres-store.js';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.js';
import { type CallTimer, createCallTimer, timeMethods } from './call-timer.js';
import { type ChatGenerator, createChatGenerator } from './chat-generator.js';
import { type LatencySummary, summarizeLatencies } from './percentiles.js';
import { createPrng } from './prng.js';

export interface PerfBenchOptions {
  /** Parent folder for the stores; kept afterwards. Default: a temp folder, removed afterwards. */
  outDir?: string | undefined;
  /** Memory counts measured in one scope, built incrementally (default 1k, 10k, 100k). */
  sizes: number[];
  /** The many-scope case: `scopes` × `perScope` memories (default 1,000 × 1,000). */
  scopes: number;
  perScope: number;
  skipMillion: boolean;
  /** Measured queries per case (after `warmup` unmeasured ones). */
  queries: number;
  warmup: number;
  /** Messages per add() while building the one-scope stores. */
  batchSize: number;
  /** Single-message add() calls measured. */
  singleAdds: number;
  seed: number;
  /** Progress lines (the CLI prints them to stderr). */
  onProgress?: (line: string) => void;
  /** A `postgres://` URL to benchmark PostgreSQL instead of SQLite files (each case gets its own schema, dropped afterwards). */
  postgresUrl?: string;
  /** Build and query the knowledge graph (default true); false for the "graph off" row. */
  graph?: boolean;
}

export const defaultPerfBenchOptions: PerfBenchOptions = {
  sizes: [1_000, 10_000, 100_000],
  scopes: 1_000,
  perScope: 1_000,
  skipMillion: false,
  queries: 200,
  warmup: 20,
  batchSize: 50,
  singleAdds: 200,
  seed: 20261121,
};

export interface IngestResult {
  batchSize: number;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  singleAdds: number;
  singleAddsPerSecond: number;
  /** Mean ms per message of batched ingest spent in each timed method, plus `other` (analysis, entities, time grounding). */
  breakdown: Record<string, number>;
}

export interface SearchCase {
  label: string;
  memories: number;
  scopes: number;
  latency: LatencySummary;
  /** Mean results returned per measured query (a sanity check that searches really match). */
  meanResults: number;
  /** Mean ms per query spent in each timed store/embedder method, plus `other` (analysis, fusion, SDK). */
  breakdown: Record<string, number>;
  dbBytes: number;
  walBytes: number;
  /** Bytes on disk per memory: SQLite after a WAL checkpoint (TRUNCATE); PostgreSQL the schema's relations. */
  bytesPerMemory?: number;
  /** SQLite: bytes per memory of each table and index (dbstat), largest first. */
  tableBytesPerMemory?: Record<string, number>;
  /** Time to build this case's store (the 1M case), seconds. */
  buildSeconds?: number;
  buildMessagesPerSecond?: number;
}

export interface PerfBenchResult {
  ingest: IngestResult;
  singleScope: SearchCase[];
  manyScopes?: SearchCase;
}

const TIMED_STORE_METHODS = [
  'nextMessageSeq',
  'appendTurns',
  'searchLexical',
  'searchVector',
  'getMemories',
  'recordAccess',
  'getEmbeddingSpace',
  'findEntities',
  'listMentions',
  'listRelations',
];
const START_MS = Date.parse('2025-01-01T09:00:00Z');

interface TimedMemory {
  memory: Memory;
  timer: CallTimer;
  dbPath: string;
  /** Bytes on disk of the store (SQLite: file and WAL; PostgreSQL: the schema's relations). */
  sizes(): Promise<{ dbBytes: number; walBytes: number }>;
  /** Bytes per memory once the log is folded into the file, with the per-table breakdown where known. */
  footprint(memories: number): Promise<Pick<SearchCase, 'bytesPerMemory' | 'tableBytesPerMemory'>>;
}

/**
 * Opens an SDK memory with the store and the built-in embedder wrapped in timers: on a SQLite file, or in
 * a fresh schema of `postgresUrl` named after the file (dropped when the memory closes).
 */
async function openTimedMemory(
  dbPath: string,
  postgresUrl: string | undefined,
  graph: boolean,
): Promise<TimedMemory> {
  const timer = createCallTimer();
  const schema = `mnemo_perf_${path.basename(dbPath, '.db').replace(/\W/g, '_')}_${process.pid}`;
  const rawStore =
    postgresUrl === undefined
      ? createSqliteStore({ path: dbPath })
      : createPostgresStore({ connection: postgresUrl, schema, maxConnections: 4 });
  await rawStore.init();
  const store = timeMethods(rawStore, TIMED_STORE_METHODS, timer);
  const embedder = timeMethods(createBuiltinEmbedder(), ['embed'], timer);
  const memory = await createMemory(
    graph
      ? { store, embedder }
      : { store, embedder, graph: false, searchDefaults: { weights: { graph: 0 } } },
  );
  if (postgresUrl === undefined) {
    const footprint = async (memories: number) => sqliteFootprint(dbPath, memories);
    return { memory, timer, dbPath, sizes: () => fileSizes(dbPath), footprint };
  }
  const close = memory.close.bind(memory);
  memory.close = async () => {
    await close();
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  };
  return {
    memory,
    timer,
    dbPath,
    sizes: async () => ({ dbBytes: (await rawStore.stats()).sizeBytes ?? 0, walBytes: 0 }),
    footprint: async (memories: number) => ({
      bytesPerMemory: ((await rawStore.stats()).sizeBytes ?? 0) / Math.max(1, memories),
    }),
  };
}

/**
 * Runs the whole benchmark and returns the numbers (formatting lives in perf-report.ts).
 *
 * @example
 * const result = await runPerfBench({ ...defaultPerfBenchOptions, sizes: [1000], skipMillion: true });
 */
export async function runPerfBench(options: PerfBenchOptions): Promise<PerfBenchResult> {
  const root = await mkdtemp(path.join(options.outDir ?? os.tmpdir(), 'mnemo-perf-'));
  const progress = options.onProgress ?? (() => undefined);
  try {
    progress(`stores in ${root}`);
    const single = await measureSingleAdds(path.join(root, 'single-adds.db'), options);
    const { ingest, cases } = await measureSingleScope(path.join(root, 'one-scope.db'), options);
    const result: PerfBenchResult = {
      ingest: { ...ingest, singleAdds: options.singleAdds, singleAddsPerSecond: single },
      singleScope: cases,
    };
    if (!options.skipMillion)
      result.manyScopes = await measureManyScopes(path.join(root, 'many-scopes.db'), options);
    return result;
  } finally {
    if (options.outDir === undefined) await rm(root, { recursive: true, force: true });
  }
}

/** Single-message add() calls per second, on their own store. */
async function measureSingleAdds(dbPath: string, options: PerfBenchOptions): Promise<number> {
  const { memory } = await openTimedMemory(dbPath, options.postgresUrl, options.graph ?? true);
  try {
    const chat = createChatGenerator({ seed: options.seed + 1 });
    const started = performance.now();
    for (let index = 0; index < options.singleAdds; index += 1) {
      await memory.add([chat.turn()], {
        userId: 'single',
        sessionId: 's1',
        observedAt: START_MS + index * 60_000,
      });
    }
    const seconds = (performance.now() - started) / 1000;
    options.onProgress?.(`single adds: ${options.singleAdds} in ${seconds.toFixed(2)} s`);
    return options.singleAdds / seconds;
  } finally {
    await memory.close();
  }
}

/** Builds one scope up to each size in turn (batched adds), measuring search at each size. */
async function measureSingleScope(
  dbPath: string,
  options: PerfBenchOptions,
): Promise<{ ingest: Omit<IngestResult, 'singleAdds' | 'singleAddsPerSecond'>; cases: SearchCase[] }> {
  const timed = await openTimedMemory(dbPath, options.postgresUrl, options.graph ?? true);
  const chat = createChatGenerator({ seed: options.seed });
  const queries = createChatGenerator({ seed: options.seed + 2 });
  const sizes = [...options.sizes].sort((a, b) => a - b);
  const cases: SearchCase[] = [];
  const ingestTotals = createCallTimer();
  let written = 0;
  let ingestMs = 0;
  try {
    for (const size of sizes) {
      timed.timer.reset();
      while (written < size) {
        const count = Math.min(options.batchSize, size - written);
        const messages = timedTurns(chat, count, START_MS + written * 120_000, 120_000);
        const started = performance.now();
        await timed.memory.add(messages, {
          userId: 'perf-user',
          sessionId: `s${Math.floor(written / 1000)}`,
        });
        ingestMs += performance.now() - started;
        written += count;
      }
      for (const [name, entry] of Object.entries(timed.timer.snapshot()))
        ingestTotals.record(name, entry.totalMs);
      options.onProgress?.(
        `one scope: ${written} memories, ${(written / (ingestMs / 1000)).toFixed(0)} msg/s`,
      );
      const label = `${formatCount(size)} in one scope`;
      cases.push(
        await measureSearch(timed, {
          label,
          memories: size,
          scopes: 1,
          options,
          queries,
          scopeOf: () => 'perf-user',
        }),
      );
    }
    const seconds = ingestMs / 1000;
    return {
      ingest: {
        batchSize: options.batchSize,
        messages: written,
        seconds,
        messagesPerSecond: written / seconds,
        breakdown: perQueryBreakdown(ingestTotals, ingestMs / written, written),
      },
      cases,
    };
  } finally {
    await timed.memory.close();
  }
}

/** Builds `scopes` × `perScope` memories with the biggest batches add() accepts, then queries random scopes. */
async function measureManyScopes(dbPath: string, options: PerfBenchOptions): Promise<SearchCase> {
  const timed = await openTimedMemory(dbPath, options.postgresUrl, options.graph ?? true);
  const chat = createChatGenerator({ seed: options.seed + 3 });
  const queries = createChatGenerator({ seed: options.seed + 4 });
  const batch = 1_000;
  const total = options.scopes * options.perScope;
  const started = performance.now();
  try {
    for (let scope = 0; scope < options.scopes; scope += 1) {
      for (let done = 0; done < options.perScope; done += batch) {
        const count = Math.min(batch, options.perScope - done);
        const messages = timedTurns(chat, count, START_MS + done * 300_000, 300_000);
        await timed.memory.add(messages, {
          userId: `user-${scope}`,
          sessionId: `s${Math.floor(done / 100)}`,
        });
      }
      if ((scope + 1) % 50 === 0 || scope + 1 === options.scopes) {
        const seconds = (performance.now() - started) / 1000;
        options.onProgress?.(
          `many scopes: ${(scope + 1) * options.perScope}/${total} in ${seconds.toFixed(0)} s`,
        );
      }
    }
    const buildSeconds = (performance.now() - started) / 1000;
    const random = createPrng(options.seed + 5);
    const searchCase = await measureSearch(timed, {
      label: `${formatCount(total)} across ${formatCount(options.scopes)} scopes`,
      memories: total,
      scopes: options.scopes,
      options,
      queries,
      scopeOf: () => `user-${random.int(0, options.scopes - 1)}`,
    });
    return { ...searchCase, buildSeconds, buildMessagesPerSecond: total / buildSeconds };
  } finally {
    await timed.memory.close();
  }
}

/** Warm-up, then `queries` sequential searches; latency percentiles and the per-method breakdown. */
async function measureSearch(
  timed: TimedMemory,
  input: {
    label: string;
    memories: number;
    scopes: number;
    options: PerfBenchOptions;
    queries: ChatGenerator;
    scopeOf: () => string;
  },
): Promise<SearchCase> {
  const { memory, timer } = timed;
  for (let index = 0; index < input.options.warmup; index += 1) {
    await memory.search(input.queries.query(), { userId: input.scopeOf(), limit: 10 });
  }
  timer.reset();
  const samples: number[] = [];
  let results = 0;
  for (let index = 0; index < input.options.queries; index += 1) {
    const query = input.queries.query();
    const userId = input.scopeOf();
    const started = performance.now();
    const response = await memory.search(query, { userId, limit: 10 });
    samples.push(performance.now() - started);
    results += response.results.length;
  }
  const latency = summarizeLatencies(samples);
  const { dbBytes, walBytes } = await timed.sizes();
  const footprint = await timed.footprint(input.memories);
  input.options.onProgress?.(
    `${input.label}: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms, ${footprint.bytesPerMemory?.toFixed(0)} bytes/memory`,
  );
  return {
    label: input.label,
    memories: input.memories,
    scopes: input.scopes,
    latency,
    meanResults: results / samples.length,
    breakdown: perQueryBreakdown(timer, latency.mean, samples.length),
    dbBytes,
    walBytes,
    ...footprint,
  };
}

/**
 * Bytes per memory of a SQLite file after `PRAGMA wal_checkpoint(TRUNCATE)` (from a second connection, so the
 * store stays open), and of each table and index (dbstat), largest first.
 */
async function sqliteFootprint(
  dbPath: string,
  memories: number,
): Promise<Pick<SearchCase, 'bytesPerMemory' | 'tableBytesPerMemory'>> {
  const db = new Database(dbPath);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const perMemory = (bytes: number) => bytes / Math.max(1, memories);
    const rows = db
      .prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
      .all() as Array<{ name: string; bytes: number }>;
    const tableBytesPerMemory: Record<string, number> = {};
    for (const row of rows) tableBytesPerMemory[row.name] = perMemory(row.bytes);
    return { bytesPerMemory: perMemory((await stat(dbPath)).size), tableBytesPerMemory };
  } finally {
    db.close();
  }
}

/** Mean ms per operation (query or message) of each timed method, and what is left (`other`). */
export function perQueryBreakdown(
  timer: CallTimer,
  meanMs: number,
  operations: number,
): Record<string, number> {
  const breakdown: Record<string, number> = {};
  let accounted = 0;
  for (const [name, entry] of Object.entries(timer.snapshot())) {
    breakdown[name] = entry.totalMs / operations;
    accounted += entry.totalMs / operations;
  }
  breakdown.other = Math.max(0, meanMs - accounted);
  return breakdown;
}

/** `count` chat turns with observedAt spaced `stepMs` apart from `startMs`. */
function timedTurns(chat: ChatGenerator, count: number, startMs: number, stepMs: number): MessageInput[] {
  return chat.turns(count).map((turn, index) => ({ ...turn, observedAt: startMs + index * stepMs }));
}

/** Bytes of the database file and of its write-ahead log (absent when checkpointed away). */
async function fileSizes(dbPath: string): Promise<{ dbBytes: number; walBytes: number }> {
  const size = async (file: string) => (existsSync(file) ? (await stat(file)).size : 0);
  return { dbBytes: await size(dbPath), walBytes: await size(`${dbPath}-wal`) };
}

/** 1000 → "1k", 1000000 → "1M". */
export function formatCount(value: number): string {
  if (value >= 1_000_000 && value % 1_000_000 === 0) return `${value / 1_000_000}M`;
  if (value >= 1_000 && value % 1_000 === 0) return `${value / 1_000}k`;
  return String(value);
}
