// Runs one benchmark scope: ingest its sessions into a fresh temp store, then rank turns per query with Mnemo and BM25.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createFixedClock } from '../../core/clock.js';
import type { JsonObject, MemoryRecord } from '../../core/records.js';
import type { MessageInput } from '../../ingest/message-input.js';
import type { MaintainReport } from '../../lifecycle/maintain/maintain-report.js';
import type { SearchOptions } from '../../retrieve/search-options.js';
import { type CreateMemoryOptions, createMemory, type Memory } from '../../sdk/create-memory.js';
import type { QaMemory } from '../qa/answer-question.js';
import { createBm25Baseline } from './bm25-baseline.js';

/** One turn to ingest. `metadata[keyField]` is the key the metrics compare. */
export interface BenchMessage {
  role: 'user' | 'assistant' | 'system';
  name?: string;
  content: string;
  /** Epoch ms. */
  observedAt: number;
  metadata: JsonObject;
}

export interface BenchSession {
  sessionId: string;
  messages: BenchMessage[];
}

export interface BenchQuery {
  text: string;
  /** Epoch ms: the search's "now" (the memory clock is fixed to it). */
  now: number;
}

export interface BenchScope {
  sessions: BenchSession[];
  queries: BenchQuery[];
  /** The metadata field that identifies a turn (`dia_id` for LoCoMo). */
  keyField: string;
  /** How many turns each query retrieves. */
  limit: number;
  /** Mnemo's embedder (model or config): default the built-in one; `false` for lexical-only. */
  embedder?: CreateMemoryOptions['embedder'] | undefined;
  /** Extra search options (weights, fusion, …) for ablations; `limit` is always `limit` above. */
  search?: SearchOptions | undefined;
  /**
   * For QA: keep the text, date and speaker of the top n results of each query (default 0). When n is
   * larger than `limit`, the search goes n deep and the metrics still see the top `limit`.
   */
  keepRetrieved?: number | undefined;
  /**
   * Upkeep on: memories are written at the time each session was said (the memory clock replays it, so they
   * age as they would in use), and `maintain()` runs once at the questions' time, before any search.
   */
  maintain?: boolean | undefined;
}

/** What upkeep did to one scope (counts from its MaintainReport). */
export interface UpkeepCounts {
  merged: number;
  superseded: number;
  archived: number;
  purged: number;
  insights: number;
}

export interface ScopeRun {
  /** Ranked turn keys per query, best first, in query order. */
  mnemo: string[][];
  bm25: string[][];
  ingestMs: number;
  turns: number;
  /** Mnemo search latency per query (ms). */
  latencies: number[];
  /** The top `keepRetrieved` results of each query as the QA answerer sees them (empty lists when 0). */
  retrieved: QaMemory[][];
  /** With `maintain`: what upkeep did before the searches. */
  upkeep?: UpkeepCounts;
}

/** The text BM25 indexes for a turn: the speaker's name (when there is one) and what was said. */
export function baselineText(message: BenchMessage): string {
  return message.name === undefined ? message.content : `${message.name}: ${message.content}`;
}

/**
 * Ingests a scope's sessions (raw mode, one `add` per session, session id and date kept) into a fresh
 * SQLite store in a temp directory, then retrieves `limit` turns per query with Mnemo and with BM25.
 * The temp directory is removed afterwards.
 *
 * @example
 * const run = await runBenchScope({ sessions, queries: [{ text: 'Where did I go?', now }], keyField: 'dia_id', limit: 10 });
 */
export async function runBenchScope(scope: BenchScope): Promise<ScopeRun> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-bench-'));
  try {
    const latestTurn = Math.max(
      0,
      ...scope.sessions.flatMap((session) => session.messages.map((message) => message.observedAt)),
    );
    const questionTime = Math.max(latestTurn, ...scope.queries.map((query) => query.now));
    const clock = createFixedClock(questionTime);
    const memory = await createMemory(
      scope.embedder === undefined
        ? { store: path.join(directory, 'bench.db'), clock }
        : { store: path.join(directory, 'bench.db'), clock, embedder: scope.embedder },
    );
    try {
      const ingestMs = await ingest(memory, scope.sessions, scope.maintain === true ? clock : undefined);
      let upkeep: UpkeepCounts | undefined;
      if (scope.maintain === true) {
        clock.set(questionTime);
        upkeep = upkeepCounts(await memory.maintain({ userId: 'user' }));
      }
      const bm25 = createBm25Baseline(
        scope.sessions.flatMap((session) =>
          session.messages.map((message) => ({
            key: keyOf(message.metadata, scope.keyField),
            text: baselineText(message),
          })),
        ),
      );
      const run: ScopeRun = { mnemo: [], bm25: [], ingestMs, turns: 0, latencies: [], retrieved: [] };
      if (upkeep !== undefined) run.upkeep = upkeep;
      const keep = scope.keepRetrieved ?? 0;
      run.turns = scope.sessions.reduce((total, session) => total + session.messages.length, 0);
      for (const query of scope.queries) {
        clock.set(query.now);
        const started = performance.now();
        const { results } = await memory.search(query.text, {
          ...scope.search,
          userId: 'user',
          limit: Math.max(scope.limit, keep),
        });
        run.latencies.push(performance.now() - started);
        const ranked = results.slice(0, scope.limit);
        run.mnemo.push(ranked.map((result) => keyOf(result.memory.metadata, scope.keyField)));
        run.retrieved.push(results.slice(0, keep).map((result) => qaMemoryOf(result.memory)));
        run.bm25.push(bm25.search(query.text, scope.limit));
      }
      return run;
    } finally {
      await memory.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** With `replay`, the memory clock is set to each session's first turn before it is added. */
async function ingest(
  memory: Memory,
  sessions: BenchSession[],
  replay?: ReturnType<typeof createFixedClock>,
): Promise<number> {
  const started = performance.now();
  for (const session of sessions) {
    if (session.messages.length === 0) continue;
    replay?.set(Math.min(...session.messages.map((message) => message.observedAt)));
    const messages: MessageInput[] = session.messages.map((message) => {
      const input: MessageInput = {
        role: message.role,
        content: message.content,
        observedAt: message.observedAt,
        metadata: message.metadata,
      };
      if (message.name !== undefined) input.name = message.name;
      return input;
    });
    await memory.add(messages, { userId: 'user', sessionId: session.sessionId });
  }
  return performance.now() - started;
}

function upkeepCounts(report: MaintainReport): UpkeepCounts {
  return {
    merged: report.merged.length,
    superseded: report.superseded.length,
    archived: report.archived.length,
    purged: report.purged,
    insights: report.insights.written.length,
  };
}

/**
 * The report field of the upkeep of several scopes, summed (no field when none ran it).
 *
 * @example
 * const report = { ...metrics, ...upkeepOf(runs.map((run) => run.upkeep)) };
 */
export function upkeepOf(counts: ReadonlyArray<UpkeepCounts | undefined>): { upkeep?: UpkeepCounts } {
  const ran = counts.filter((count): count is UpkeepCounts => count !== undefined);
  if (ran.length === 0) return {};
  const upkeep: UpkeepCounts = { merged: 0, superseded: 0, archived: 0, purged: 0, insights: 0 };
  for (const count of ran) {
    for (const key of Object.keys(upkeep) as Array<keyof UpkeepCounts>) upkeep[key] += count[key];
  }
  return { upkeep };
}

/** A retrieved memory as the QA answerer sees it: what was said, when, and by whom. */
function qaMemoryOf(memory: MemoryRecord): QaMemory {
  const speaker = memory.attributes.speaker;
  return typeof speaker === 'string'
    ? { text: memory.text, observedAt: memory.observedAt, speaker }
    : { text: memory.text, observedAt: memory.observedAt };
}

function keyOf(metadata: JsonObject, field: string): string {
  const value = metadata[field];
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}
