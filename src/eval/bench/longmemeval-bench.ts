import type { LongMemEvalItem } from '../datasets/longmemeval.js';
import { longMemEvalHaystackMessages, parseLongMemEvalDate } from '../datasets/longmemeval.js';
import { summarizeLatencies } from '../perf/percentiles.js';
import {
  type BenchQa,
  type BenchQaOptions,
  type BenchReportCommon,
  longMemEvalQaItem,
  withBenchQa,
} from './bench-qa.js';
import { type BenchSession, runBenchScope, type UpkeepCounts, upkeepOf } from './bench-runner.js';
import { averageRows, dedupeRanked, type MetricRow, ndcgAtK, recallAllAtK } from './metrics.js';
import type { RetrievalBenchConfig } from './report.js';

export interface LongMemEvalBenchOptions extends RetrievalBenchConfig {
  items: LongMemEvalItem[];
  /** Only the first n scored (non-abstention) questions. */
  limit?: number | undefined;
  /** Also answer the questions with an LLM from the retrieved turns and score the answers (`--qa`). */
  qa?: BenchQaOptions | undefined;
}

/** Turn- and session-level metrics of a group of questions. */
export interface LevelMetrics {
  turn: MetricRow;
  session: MetricRow;
}

export interface LongMemEvalGroupMetrics {
  overall: LevelMetrics;
  byCategory: Record<string, LevelMetrics & { questions: number }>;
}

export interface LongMemEvalBenchReport extends LongMemEvalGroupMetrics, BenchReportCommon {
  dataset: 'longmemeval';
  /** Abstention (`_abs`) questions left out. */
  excludedAbstention: number;
  baseline: LongMemEvalGroupMetrics & { name: 'bm25' };
  config: BenchReportCommon['config'] & { sessionRank: string };
}

interface ScoredQuestion {
  type: string;
  mnemo: LevelMetrics;
  bm25: LevelMetrics;
}

/** How many turns each question retrieves: enough for k distinct sessions at session level (at most 200). */
export function longMemEvalRetrieved(ks: number[]): number {
  return Math.min(200, Math.max(50, 2 * Math.max(...ks)));
}

/** The key of a haystack turn: `<session index>:<turn index>` (0-based, as in the file). */
function turnKey(sessionIndex: number, turn: number): string {
  return `${sessionIndex}:${turn}`;
}

/**
 * Runs the LongMemEval retrieval benchmark. Each question's haystack goes into a fresh scope of a fresh
 * temp SQLite store (one `add` per session, session dates as `observedAt`); the question retrieves
 * {@link longMemEvalRetrieved} turns with the memory clock fixed at `question_date`.
 * Turn level: gold = turns with `has_answer`. Session level: the ranked turns are mapped to their
 * sessions and deduplicated, so a session's rank is the rank of its best turn among distinct sessions;
 * gold = `answer_session_ids`. Abstention questions (`_abs`) are left out. With `qa`, an LLM also
 * answers each question from the top `qa.context` retrieved turns, on its `question_date`, and the answers
 * are scored into `report.qa`.
 *
 * @example
 * const report = await runLongMemEvalBench({ items: await loadLongMemEval('longmemeval_s.json.gz'), ks: [5, 10] });
 * report.overall.session['recall_all@5'];
 */
export async function runLongMemEvalBench(options: LongMemEvalBenchOptions): Promise<LongMemEvalBenchReport> {
  return withBenchQa(options, 'longmemeval', (qa) => retrieveAll(options, qa));
}

async function retrieveAll(
  options: LongMemEvalBenchOptions,
  qa: BenchQa | undefined,
): Promise<LongMemEvalBenchReport> {
  const scoredItems = options.items.filter((item) => !item.question_id.endsWith('_abs'));
  const items = scoredItems.slice(0, options.limit ?? scoredItems.length);
  const retrieved = longMemEvalRetrieved(options.ks);
  const scored: ScoredQuestion[] = [];
  const latencies: number[] = [];
  let ingestMs = 0;
  const upkeeps: Array<UpkeepCounts | undefined> = [];
  let turns = 0;
  for (const [position, item] of items.entries()) {
    qa?.throwIfFailed();
    options.onProgress?.({ done: position, total: items.length, label: `question ${item.question_id}` });
    const haystack = longMemEvalHaystackMessages(item);
    const sessions: BenchSession[] = haystack.map((session) => ({
      sessionId: session.sessionId,
      messages: session.messages.map((message) => ({
        ...message,
        metadata: { ...message.metadata, turn_key: turnKey(session.index, message.metadata.turn) },
      })),
    }));
    // The question is asked after the whole haystack: never earlier than its last turn.
    const latestTurn = Math.max(
      0,
      ...sessions.flatMap((session) => session.messages.map((message) => message.observedAt)),
    );
    const questionDate =
      item.question_date === undefined ? undefined : parseLongMemEvalDate(item.question_date);
    const now = Math.max(latestTurn, questionDate ?? 0);
    const run = await runBenchScope({
      sessions,
      queries: [{ text: item.question ?? '', now }],
      keyField: 'turn_key',
      limit: retrieved,
      embedder: options.embedder,
      search: options.search,
      maintain: options.maintain,
      keepRetrieved: qa?.keepRetrieved ?? 0,
    });
    ingestMs += run.ingestMs;
    upkeeps.push(run.upkeep);
    turns += run.turns;
    latencies.push(...run.latencies);
    const gold = goldOf(item);
    const sessionOfKey = (key: string) => haystack[Number(key.split(':')[0])]?.sessionId ?? key;
    const score = (ranked: string[]): LevelMetrics => ({
      turn: levelRow(ranked, gold.turns, options.ks),
      session: levelRow(dedupeRanked(ranked.map(sessionOfKey)), gold.sessions, options.ks),
    });
    scored.push({
      type: item.question_type ?? 'unknown',
      mnemo: score(run.mnemo[0] ?? []),
      bm25: score(run.bm25[0] ?? []),
    });
    qa?.add([longMemEvalQaItem({ item, retrieved: run.retrieved[0] ?? [] })]);
  }
  options.onProgress?.({ done: items.length, total: items.length, label: 'done' });
  const latency = latencies.length === 0 ? { p50: 0, p95: 0 } : summarizeLatencies(latencies);
  return {
    dataset: 'longmemeval',
    questions: scored.length,
    excludedAbstention: options.items.length - scoredItems.length,
    turns,
    ...groupMetrics(scored, 'mnemo'),
    baseline: { name: 'bm25', ...groupMetrics(scored, 'bm25') },
    ingestMs,
    ...upkeepOf(upkeeps),
    latencyMs: { p50: latency.p50, p95: latency.p95 },
    config: {
      ks: options.ks,
      retrieved,
      embedder: options.embedderName,
      search: options.search ?? {},
      now: 'question_date (or the last haystack turn, if later)',
      store: 'fresh temp SQLite file per question',
      sessionRank:
        'ranked turns mapped to their session and deduplicated: a session ranks where its best turn ranks',
      baseline: 'MiniSearch BM25, default tokenizer, no stemming, turn content',
    },
  };
}

/** Gold turns (`has_answer: true`, keyed like the index) and gold sessions (`answer_session_ids`). */
function goldOf(item: LongMemEvalItem): { turns: string[]; sessions: string[] } {
  const turns: string[] = [];
  item.haystack_sessions.forEach((session, sessionIndex) => {
    session.forEach((turn, index) => {
      if (
        turn !== null &&
        typeof turn === 'object' &&
        (turn as { has_answer?: unknown }).has_answer === true
      ) {
        turns.push(turnKey(sessionIndex, index));
      }
    });
  });
  return { turns, sessions: item.answer_session_ids };
}

function levelRow(ranked: string[], gold: string[], ks: number[]): MetricRow {
  const row: MetricRow = {};
  for (const k of ks) row[`recall_all@${k}`] = recallAllAtK({ ranked, gold, k });
  for (const k of ks) row[`ndcg@${k}`] = ndcgAtK({ ranked, gold, k });
  return row;
}

function groupMetrics(scored: ScoredQuestion[], system: 'mnemo' | 'bm25'): LongMemEvalGroupMetrics {
  const level = (rows: LevelMetrics[]): LevelMetrics => ({
    turn: averageRows(rows.map((row) => row.turn)),
    session: averageRows(rows.map((row) => row.session)),
  });
  const byCategory: LongMemEvalGroupMetrics['byCategory'] = {};
  for (const type of [...new Set(scored.map((question) => question.type))].sort()) {
    const rows = scored.filter((question) => question.type === type).map((question) => question[system]);
    byCategory[type] = { ...level(rows), questions: rows.length };
  }
  return { overall: level(scored.map((question) => question[system])), byCategory };
}
