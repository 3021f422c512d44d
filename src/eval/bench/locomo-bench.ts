import type { LocomoSample } from '../datasets/locomo.js';
import { locomoConversationMessages } from '../datasets/locomo.js';
import { summarizeLatencies } from '../perf/percentiles.js';
import {
  type BenchQa,
  type BenchQaOptions,
  type BenchReportCommon,
  locomoQaItem,
  withBenchQa,
} from './bench-qa.js';
import { type BenchSession, runBenchScope, type UpkeepCounts, upkeepOf } from './bench-runner.js';
import { averageRows, type MetricRow, parseEvidenceIds, recallAtK } from './metrics.js';
import type { RetrievalBenchConfig } from './report.js';

/** Official LoCoMo category numbers and names. */
export const locomoCategoryNames: Record<string, string> = {
  '1': 'multi-hop',
  '2': 'temporal',
  '3': 'open-domain',
  '4': 'single-hop',
  '5': 'adversarial',
};

export interface LocomoBenchOptions extends RetrievalBenchConfig {
  samples: LocomoSample[];
  /** Only the first n conversations. */
  limitConversations?: number | undefined;
  /** Also answer the questions with an LLM from the retrieved turns and score the answers (`--qa`). */
  qa?: BenchQaOptions | undefined;
}

/** Metrics of one group of questions for one system. */
export interface LocomoGroupMetrics {
  overall: MetricRow;
  /** Categories 1–4 (adversarial questions left out), as most papers report. */
  overallCategories1to4: MetricRow;
  byCategory: Record<string, MetricRow & { questions: number }>;
}

export interface LocomoBenchReport extends LocomoGroupMetrics, BenchReportCommon {
  dataset: 'locomo';
  conversations: number;
  baseline: LocomoGroupMetrics & { name: 'bm25' };
}

interface ScoredQuestion {
  category: string;
  mnemo: MetricRow;
  bm25: MetricRow;
}

/**
 * Runs the LoCoMo evidence-recall benchmark. Each conversation goes into a fresh scope of a fresh temp
 * SQLite store (sessions in raw mode, session date-times as `observedAt`, image captions kept in the
 * turn's text, `metadata.dia_id` on each turn); every question retrieves the top max(k) turns with the
 * memory clock fixed at the last session's date. Recall@k is the share of the question's evidence
 * dia_ids in the top k (no evidence counts as 1), averaged. With `qa`, an LLM also answers each
 * question from the top `qa.context` retrieved turns (while the next conversations are ingested) and the
 * answers are scored into `report.qa`.
 *
 * @example
 * const report = await runLocomoBench({ samples: await loadLocomo('locomo10.json'), ks: [5, 10] });
 * report.overall['recall@10'];
 * const withQa = await runLocomoBench({ samples, ks: [10], embedderName: 'builtin', qa: { llm, limit: 50 } });
 * withQa.qa?.overall.judgeAccuracy;
 */
export async function runLocomoBench(options: LocomoBenchOptions): Promise<LocomoBenchReport> {
  return withBenchQa(options, 'locomo', (qa) => retrieveAll(options, qa));
}

async function retrieveAll(options: LocomoBenchOptions, qa: BenchQa | undefined): Promise<LocomoBenchReport> {
  const samples = options.samples.slice(0, options.limitConversations ?? options.samples.length);
  const retrieved = Math.max(...options.ks);
  const scored: ScoredQuestion[] = [];
  const latencies: number[] = [];
  let ingestMs = 0;
  const upkeeps: Array<UpkeepCounts | undefined> = [];
  let turns = 0;
  for (const [position, sample] of samples.entries()) {
    qa?.throwIfFailed();
    options.onProgress?.({
      done: position,
      total: samples.length,
      label: `conversation ${sample.sample_id}`,
    });
    const sessions: BenchSession[] = locomoConversationMessages(sample).map((session) => ({
      sessionId: session.sessionId,
      messages: session.messages.map((message) => ({ ...message, metadata: { ...message.metadata } })),
    }));
    const now = lastSessionTime(sessions);
    const run = await runBenchScope({
      sessions,
      queries: sample.qa.map((entry) => ({ text: entry.question, now })),
      keyField: 'dia_id',
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
    sample.qa.forEach((entry, index) => {
      const gold = parseEvidenceIds(entry.evidence);
      scored.push({
        category: String(entry.category),
        mnemo: recallRow(run.mnemo[index] ?? [], gold, options.ks),
        bm25: recallRow(run.bm25[index] ?? [], gold, options.ks),
      });
    });
    qa?.add(
      sample.qa.map((entry, index) =>
        locomoQaItem({ sampleId: sample.sample_id, qa: entry, index, retrieved: run.retrieved[index] ?? [] }),
      ),
    );
  }
  options.onProgress?.({ done: samples.length, total: samples.length, label: 'done' });
  const latency = latencies.length === 0 ? { p50: 0, p95: 0 } : summarizeLatencies(latencies);
  return {
    dataset: 'locomo',
    conversations: samples.length,
    questions: scored.length,
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
      now: "the last session's date-time (its last turn) of each conversation",
      store: 'fresh temp SQLite file per conversation',
      baseline: 'MiniSearch BM25, default tokenizer, no stemming, "speaker: text" per turn',
    },
  };
}

/**
 * The last session's date-time: its latest turn (the loader spaces turns one second apart from the session
 * start), so every turn of the conversation is in the past when the questions are asked.
 */
function lastSessionTime(sessions: BenchSession[]): number {
  return Math.max(0, ...sessions.flatMap((session) => session.messages.map((message) => message.observedAt)));
}

function recallRow(ranked: string[], gold: string[], ks: number[]): MetricRow {
  const row: MetricRow = {};
  for (const k of ks) row[`recall@${k}`] = recallAtK({ ranked, gold, k });
  return row;
}

function groupMetrics(scored: ScoredQuestion[], system: 'mnemo' | 'bm25'): LocomoGroupMetrics {
  const byCategory: LocomoGroupMetrics['byCategory'] = {};
  const categories = [...new Set(scored.map((question) => question.category))].sort();
  for (const category of categories) {
    const rows = scored
      .filter((question) => question.category === category)
      .map((question) => question[system]);
    byCategory[category] = { ...averageRows(rows), questions: rows.length };
  }
  return {
    overall: averageRows(scored.map((question) => question[system])),
    overallCategories1to4: averageRows(
      scored
        .filter((question) => ['1', '2', '3', '4'].includes(question.category))
        .map((question) => question[system]),
    ),
    byCategory,
  };
}
