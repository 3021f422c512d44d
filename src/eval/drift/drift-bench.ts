// The drift benchmark: a generated stream of users' lives written into a fresh store as facts, measured
// against its ground truth before and after maintain() (duplicates, stale facts, recall, cost).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createFixedClock } from '../../core/clock.js';
import { invalidInput } from '../../core/errors.js';
import type { MemoryRecord, Usage } from '../../core/records.js';
import type { MaintainReport } from '../../lifecycle/maintain/maintain-report.js';
import type { LanguageModel } from '../../models/language-model.js';
import { type CreateMemoryOptions, createMemory, type Memory } from '../../sdk/create-memory.js';
import { isPostgresUrl } from '../../sdk/resolve-store.js';
import type { MemoryStore } from '../../store/memory-store.js';
import { createPostgresStore } from '../../store/postgres/postgres-store.js';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { BenchProgress } from '../bench/report.js';
import { type MachineInfo, machineInfo } from '../perf/perf-report.js';
import {
  type CurrentMemory,
  type DriftMeasurement,
  type DriftTypeKey,
  driftTypeKeys,
  lostTruths,
  measureDrift,
  typeKey,
} from './drift-metrics.js';
import { type DriftStream, type DriftStreamOptions, generateDriftStream } from './drift-stream.js';

export interface DriftBenchOptions extends DriftStreamOptions {
  /**
   * Where the store goes: a SQLite file path that does not exist yet (kept afterwards), or a `postgres://`
   * URL (a fresh schema, dropped afterwards). Default: a temp SQLite file, removed afterwards.
   */
  db?: string | undefined;
  /** Mnemo's embedder (model or config): default the built-in one; `false` for lexical-only. */
  embedder?: CreateMemoryOptions['embedder'] | undefined;
  /** How the report names the embedder (default `builtin`). */
  embedderName?: string | undefined;
  /** A language model for maintain() (LLM merges, contradictions and insights); default none: offline. */
  llm?: LanguageModel | undefined;
  /** `maxLlmCalls` of each maintain() run (with `llm`; default maintain's own). */
  maxLlmCalls?: number | undefined;
  /** The most maintain() runs while a run reports work left (default 20). */
  maxRuns?: number | undefined;
  /** The cut-off of search recall (default 5). */
  k?: number | undefined;
  onProgress?: ((progress: BenchProgress) => void) | undefined;
}

/** What maintain() did over all its runs. */
export interface DriftMaintainSummary {
  runs: number;
  /** Wall time of all runs. */
  ms: number;
  /** The last run left nothing for a next one. */
  complete: boolean;
  /** Memories examined, summed over the runs. */
  examined: number;
  merged: number;
  mergedBy: { offline: number; llm: number };
  superseded: number;
  supersededBy: { negation: number; relation: number; llm: number };
  refused: number;
  archived: number;
  purged: number;
  insights: number;
  usage: Usage;
}

/** One target of the issue, checked on the measurements after maintain(). */
export interface DriftTargetCheck {
  target: string;
  measured: string;
  pass: boolean;
}

export interface DriftBenchReport {
  benchmark: 'drift';
  machine: MachineInfo;
  seed: number;
  users: number;
  months: number;
  /** ISO-8601: the stream's first day and its end (when maintain() runs and questions are asked). */
  start: string;
  end: string;
  statements: number;
  statementsByType: Record<DriftTypeKey, number>;
  store: 'sqlite' | 'postgres';
  embedder: string;
  /** `provider:model` of the LLM given to maintain(), or null offline. */
  llm: string | null;
  /** Writing the stream: one `add(text, { kind: 'fact' })` per statement. */
  ingest: { ms: number; embeddingCalls: number; llmCalls: number };
  before: DriftMeasurement;
  after: DriftMeasurement;
  /** Slot values a current memory stood for before maintain() and none does after. */
  truthsLost: DriftMeasurement['missingTruths'];
  maintain: DriftMaintainSummary;
  targets: DriftTargetCheck[];
  warnings: string[];
}

/** The targets, offline: duplicates ≤ 2 %, stale facts ≤ 5 %, no current truth lost. */
export const DRIFT_TARGETS = { duplicateRate: 0.02, staleRate: 0.05 } as const;

const DEFAULT_MAX_RUNS = 20;

/**
 * Runs the drift benchmark: generates the stream, writes each statement as a fact (`kind: 'fact'`, its
 * `observedAt`, the memory clock set to it), measures the current memories at the stream's end, runs
 * `maintain()` until a run reports nothing left (at most `maxRuns`), and measures again. The bench's own
 * reads do not count as accesses, so they cannot shield memories from decay.
 *
 * @example
 * const report = await runDriftBench({ seed: 7, users: 1, months: 3 });
 * report.before.duplicateRate; report.after.duplicateRate; report.maintain.merged;
 */
export async function runDriftBench(options: DriftBenchOptions = {}): Promise<DriftBenchReport> {
  const stream = generateDriftStream(options);
  const opened = await openStore(options.db);
  const measuring = { active: false };
  const clock = createFixedClock(stream.start);
  try {
    const memory = await createMemory({
      store: withoutAccessWhile(opened.store, measuring),
      clock,
      ...(options.embedder === undefined ? {} : { embedder: options.embedder }),
      ...(options.llm === undefined ? {} : { llm: options.llm }),
    });
    try {
      return await benchOn(memory, stream, { options, clock, measuring, storeKind: opened.kind });
    } finally {
      await memory.close();
    }
  } finally {
    await opened.cleanup();
  }
}

interface BenchContext {
  options: DriftBenchOptions;
  clock: ReturnType<typeof createFixedClock>;
  measuring: { active: boolean };
  storeKind: 'sqlite' | 'postgres';
}

async function benchOn(
  memory: Memory,
  stream: DriftStream,
  context: BenchContext,
): Promise<DriftBenchReport> {
  const { options, clock } = context;
  const warnings: string[] = [];
  const ingest = await writeStream(memory, stream, clock, options.onProgress);
  clock.set(stream.end);
  const k = options.k ?? 5;
  const merges = new Map<string, string[]>();
  const measure = async () => {
    context.measuring.active = true;
    try {
      return measureDrift({
        statements: stream.statements,
        written: ingest.written,
        merges,
        current: await currentFacts(memory, stream.users, warnings),
        searches: await searchQuestions(memory, stream, k),
        k,
      });
    } finally {
      context.measuring.active = false;
    }
  };
  const before = await measure();
  const maintain = await maintainUntilDone(memory, options, merges);
  const after = await measure();
  if (!maintain.complete) {
    warnings.push(`maintain() still had work left after ${maintain.runs} runs (maxRuns).`);
  }
  const truthsLost = lostTruths(before, after);
  return {
    benchmark: 'drift',
    machine: machineInfo(),
    seed: stream.seed,
    users: stream.users.length,
    months: stream.months,
    start: stream.start,
    end: stream.end,
    statements: stream.statements.length,
    statementsByType: countByType(stream),
    store: context.storeKind,
    embedder: options.embedderName ?? 'builtin',
    llm: options.llm === undefined ? null : `${options.llm.provider}:${options.llm.modelId}`,
    ingest: { ms: ingest.ms, embeddingCalls: ingest.embeddingCalls, llmCalls: ingest.llmCalls },
    before,
    after,
    truthsLost,
    maintain,
    targets: checkDriftTargets(after, truthsLost),
    warnings,
  };
}

/**
 * Checks the measurements after maintain() against {@link DRIFT_TARGETS} and "no current truth lost".
 *
 * @example
 * checkDriftTargets(report.after, report.truthsLost).every((check) => check.pass);
 */
export function checkDriftTargets(
  after: Pick<DriftMeasurement, 'duplicateRate' | 'staleRate'>,
  truthsLost: readonly unknown[],
): DriftTargetCheck[] {
  const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
  return [
    {
      target: `duplicate rate <= ${percent(DRIFT_TARGETS.duplicateRate)}`,
      measured: percent(after.duplicateRate),
      pass: after.duplicateRate <= DRIFT_TARGETS.duplicateRate,
    },
    {
      target: `stale-fact rate <= ${percent(DRIFT_TARGETS.staleRate)}`,
      measured: percent(after.staleRate),
      pass: after.staleRate <= DRIFT_TARGETS.staleRate,
    },
    {
      target: 'no current truth lost',
      measured: `${truthsLost.length} lost`,
      pass: truthsLost.length === 0,
    },
  ];
}

interface Ingested {
  /** Memory id → the statements whose add returned it. */
  written: Map<string, string[]>;
  ms: number;
  embeddingCalls: number;
  llmCalls: number;
}

async function writeStream(
  memory: Memory,
  stream: DriftStream,
  clock: BenchContext['clock'],
  onProgress: DriftBenchOptions['onProgress'],
): Promise<Ingested> {
  const ingested: Ingested = { written: new Map(), ms: 0, embeddingCalls: 0, llmCalls: 0 };
  const started = performance.now();
  for (const [index, statement] of stream.statements.entries()) {
    clock.set(statement.observedAt);
    const result = await memory.add(statement.text, {
      userId: statement.userId,
      kind: 'fact',
      observedAt: statement.observedAt,
    });
    for (const record of result.memories) {
      ingested.written.set(record.id, [...(ingested.written.get(record.id) ?? []), statement.id]);
    }
    ingested.embeddingCalls += result.usage.embeddingCalls;
    ingested.llmCalls += result.usage.llmCalls;
    onProgress?.({ done: index + 1, total: stream.statements.length, label: 'writing the stream' });
  }
  ingested.ms = Math.round(performance.now() - started);
  return ingested;
}

/** Every current fact of the users, page by page. */
async function currentFacts(memory: Memory, users: readonly string[], warnings: string[]) {
  const current: CurrentMemory[] = [];
  for (const userId of users) {
    let cursor: string | undefined;
    do {
      const page = await memory.list({ userId, kinds: ['fact'], limit: 1000, ...(cursor ? { cursor } : {}) });
      for (const record of page.items) {
        if (record.retiredAt !== undefined || record.archivedAt !== undefined) {
          warnings.push(`list() returned memory ${record.id}, which is retired or archived; not counted.`);
          continue;
        }
        current.push({ id: record.id, mergedFrom: mergedFrom(record) });
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  }
  return current;
}

function mergedFrom(record: MemoryRecord): string[] | undefined {
  const sources = record.attributes.mergedFrom;
  if (!Array.isArray(sources)) return undefined;
  return sources.filter((source): source is string => typeof source === 'string');
}

async function searchQuestions(memory: Memory, stream: DriftStream, k: number) {
  const searches = [];
  for (const question of stream.questions) {
    const { results } = await memory.search(question.question, { userId: question.userId, limit: k });
    searches.push({
      userId: question.userId,
      slot: question.slot,
      memoryIds: results.map((result) => result.memory.id),
    });
  }
  return searches;
}

async function maintainUntilDone(
  memory: Memory,
  options: DriftBenchOptions,
  merges: Map<string, string[]>,
): Promise<DriftMaintainSummary> {
  const summary: DriftMaintainSummary = {
    runs: 0,
    ms: 0,
    complete: false,
    examined: 0,
    merged: 0,
    mergedBy: { offline: 0, llm: 0 },
    superseded: 0,
    supersededBy: { negation: 0, relation: 0, llm: 0 },
    refused: 0,
    archived: 0,
    purged: 0,
    insights: 0,
    usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, embeddingCalls: 0, latencyMs: 0 },
  };
  const maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  const started = performance.now();
  while (summary.runs < maxRuns && !summary.complete) {
    const report = await memory.maintain(
      options.llm !== undefined && options.maxLlmCalls !== undefined
        ? { maxLlmCalls: options.maxLlmCalls }
        : {},
    );
    summary.runs += 1;
    addRun(summary, report, merges);
  }
  summary.ms = Math.round(performance.now() - started);
  return summary;
}

function addRun(summary: DriftMaintainSummary, report: MaintainReport, merges: Map<string, string[]>): void {
  summary.complete = report.complete;
  summary.examined += report.examined;
  for (const merge of report.merged) {
    merges.set(merge.id, merge.sources);
    summary.merged += 1;
    summary.mergedBy[merge.by] += 1;
  }
  for (const supersession of report.superseded) {
    summary.superseded += 1;
    summary.supersededBy[supersession.rule] += 1;
  }
  summary.refused += report.refused.length;
  summary.archived += report.archived.length;
  summary.purged += report.purged;
  summary.insights += report.insights.written.length;
  summary.usage.llmCalls += report.usage.llmCalls;
  summary.usage.inputTokens += report.usage.inputTokens;
  summary.usage.outputTokens += report.usage.outputTokens;
  summary.usage.embeddingCalls += report.usage.embeddingCalls;
  summary.usage.latencyMs += report.usage.latencyMs;
}

function countByType(stream: DriftStream): Record<DriftTypeKey, number> {
  const counts = Object.fromEntries(driftTypeKeys.map((key) => [key, 0])) as Record<DriftTypeKey, number>;
  for (const statement of stream.statements) counts[typeKey(statement)] += 1;
  return counts;
}

interface OpenedStore {
  store: MemoryStore;
  kind: 'sqlite' | 'postgres';
  cleanup(): Promise<void>;
}

/** A fresh, initialised store: a temp SQLite file, a new SQLite file, or a new schema of a PostgreSQL database. */
async function openStore(db: string | undefined): Promise<OpenedStore> {
  if (db !== undefined && isPostgresUrl(db)) {
    const schema = `mnemo_drift_${process.pid}_${Date.now()}`;
    const store = createPostgresStore({ connection: db, schema, maxConnections: 4 });
    await store.init();
    return { store, kind: 'postgres', cleanup: () => dropSchema(db, schema) };
  }
  if (db !== undefined) {
    if (existsSync(db)) {
      throw invalidInput(
        `--db ${db} already exists; the drift bench writes into a fresh store (give a new path).`,
      );
    }
    const store = createSqliteStore({ path: db });
    await store.init();
    return { store, kind: 'sqlite', cleanup: async () => {} };
  }
  const directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-drift-'));
  const store = createSqliteStore({ path: path.join(directory, 'drift.db') });
  await store.init();
  return {
    store,
    kind: 'sqlite',
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

async function dropSchema(connectionString: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The store as is, except that searches record no access while `measuring.active` is set. */
function withoutAccessWhile(store: MemoryStore, measuring: { active: boolean }): MemoryStore {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (property === 'recordAccess' && measuring.active) return async () => {};
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
