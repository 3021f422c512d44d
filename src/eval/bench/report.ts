// Shared bench options and the human-readable reports: tables of metric | mnemo | bm25.
import type { SearchOptions } from '../../retrieve/search-options.js';
import type { CreateMemoryOptions } from '../../sdk/create-memory.js';
import type { QaScores } from '../qa/qa-summary.js';
import type { BenchQaReport } from './bench-qa.js';
import type { LocomoBenchReport } from './locomo-bench.js';
import { locomoCategoryNames } from './locomo-bench.js';
import type { LongMemEvalBenchReport } from './longmemeval-bench.js';
import type { MetricRow } from './metrics.js';

export interface BenchProgress {
  done: number;
  total: number;
  label: string;
}

/** Options every retrieval bench takes. */
export interface RetrievalBenchConfig {
  /** Cut-offs, ascending (e.g. [5, 10, 25, 50]). */
  ks: number[];
  /** Mnemo's embedder (model or config): default the built-in one; `false` for lexical-only. */
  embedder?: CreateMemoryOptions['embedder'] | undefined;
  /** Extra search options for ablations (e.g. `{ weights: { vector: 0 } }`); default none. */
  search?: SearchOptions | undefined;
  /** How the report names the embedder (e.g. `builtin`). */
  embedderName: string;
  /** Upkeep on (`--maintain`): sessions written at their own time, `maintain()` before the questions. */
  maintain?: boolean | undefined;
  onProgress?: ((progress: BenchProgress) => void) | undefined;
}

/**
 * Renders rows as an aligned text table; the first row is the header.
 *
 * @example
 * formatTable([['metric', 'mnemo'], ['recall@5', '0.700']]);
 */
export function formatTable(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  const line = (row: string[]) =>
    row
      .map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!)))
      .join(' | ')
      .trimEnd();
  const [header, ...body] = rows;
  if (header === undefined) return [];
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...body.map(line)];
}

function number(value: number | undefined): string {
  return value === undefined ? '-' : value.toFixed(3);
}

function comparisonRows(label: string, mnemo: MetricRow, bm25: MetricRow): string[][] {
  return Object.keys(mnemo).map((metric) => [
    `${label}${metric}`,
    number(mnemo[metric]),
    number(bm25[metric]),
  ]);
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`;
}

/**
 * The LoCoMo report as lines: overall, categories 1–4, per category, then timings.
 *
 * @example
 * printLines(...formatLocomoReport(report));
 */
export function formatLocomoReport(report: LocomoBenchReport): string[] {
  const rows: string[][] = [['metric', 'mnemo', 'bm25']];
  rows.push(...comparisonRows('all · ', report.overall, report.baseline.overall));
  rows.push(
    ...comparisonRows('cat 1-4 · ', report.overallCategories1to4, report.baseline.overallCategories1to4),
  );
  for (const [category, metrics] of Object.entries(report.byCategory)) {
    const { questions, ...values } = metrics;
    const name = locomoCategoryNames[category] ?? 'unknown';
    const baseline = report.baseline.byCategory[category] ?? {};
    rows.push(...comparisonRows(`${category} ${name} (n=${questions}) · `, values, baseline));
  }
  return [
    `LoCoMo evidence recall: ${report.questions} questions, ${report.conversations} conversations, ${report.turns} turns`,
    '',
    ...formatTable(rows),
    '',
    `ingest ${ms(report.ingestMs)} (${report.turns} turns) · query latency p50 ${ms(report.latencyMs.p50)}, p95 ${ms(report.latencyMs.p95)}`,
    `embedder ${report.config.embedder} · ${report.config.retrieved} turns retrieved per question`,
    ...(report.qa === undefined
      ? []
      : formatQaReport({
          qa: report.qa,
          categoryLabel: (category) => `${category} ${locomoCategoryNames[category] ?? 'unknown'}`,
        })),
  ];
}

function qaRow(label: string, scores: QaScores): string[] {
  return [
    label,
    String(scores.questions),
    number(scores.f1),
    number(scores.bleu1),
    scores.judgeAccuracy === null ? '-' : number(scores.judgeAccuracy),
    `${Math.round(scores.tokensPerQuestion.input)} + ${Math.round(scores.tokensPerQuestion.output)}`,
    ms(scores.latencyMs.p50),
    ms(scores.latencyMs.p95),
  ];
}

/**
 * The QA section as lines (a blank line first): scores overall, for LoCoMo categories 1–4, and per
 * category, then the token totals and any warnings.
 *
 * @example
 * lines.push(...formatQaReport({ qa: report.qa, categoryLabel: (category) => category }));
 */
export function formatQaReport(options: {
  qa: BenchQaReport;
  categoryLabel: (category: string) => string;
}): string[] {
  const { qa } = options;
  const rows: string[][] = [
    ['QA group', 'n', 'F1', 'BLEU-1', 'judge', 'tokens/q in + out', 'answer p50', 'p95'],
    qaRow('all', qa.overall),
  ];
  if (qa.overallCategories1to4 !== undefined) rows.push(qaRow('cat 1-4', qa.overallCategories1to4));
  for (const [category, scores] of Object.entries(qa.byCategory)) {
    rows.push(qaRow(options.categoryLabel(category), scores));
  }
  const { answer, judge } = qa.tokensPerQuestionByStep;
  const perStep = (means: { input: number; output: number }) =>
    `${Math.round(means.input)} + ${Math.round(means.output)}`;
  return [
    '',
    `QA: ${qa.questions} questions answered by ${qa.model} from the top ${qa.config.context} retrieved turns`,
    '',
    ...formatTable(rows),
    '',
    `tokens ${qa.totalTokens.input} in + ${qa.totalTokens.output} out in ${qa.totalTokens.calls} calls · per question: answer ${perStep(answer)}, judge ${perStep(judge)}`,
    ...qa.warnings.map((warning) => `warning: ${warning}`),
  ];
}

/**
 * The LongMemEval report as lines: turn and session level overall, per question type, then timings.
 *
 * @example
 * printLines(...formatLongMemEvalReport(report));
 */
export function formatLongMemEvalReport(report: LongMemEvalBenchReport): string[] {
  const rows: string[][] = [['metric', 'mnemo', 'bm25']];
  rows.push(...comparisonRows('turn · ', report.overall.turn, report.baseline.overall.turn));
  rows.push(...comparisonRows('session · ', report.overall.session, report.baseline.overall.session));
  const typeRows: string[][] = [['question type · level · metric', 'mnemo', 'bm25']];
  for (const [type, metrics] of Object.entries(report.byCategory)) {
    const baseline = report.baseline.byCategory[type];
    const label = `${type} (n=${metrics.questions}) · `;
    typeRows.push(...comparisonRows(`${label}turn · `, pick(metrics.turn), pick(baseline?.turn ?? {})));
    typeRows.push(
      ...comparisonRows(`${label}session · `, pick(metrics.session), pick(baseline?.session ?? {})),
    );
  }
  return [
    `LongMemEval retrieval: ${report.questions} questions (${report.excludedAbstention} abstention left out), ${report.turns} turns`,
    '',
    ...formatTable(rows),
    '',
    ...formatTable(typeRows),
    '',
    `ingest ${ms(report.ingestMs)} (${report.turns} turns) · query latency p50 ${ms(report.latencyMs.p50)}, p95 ${ms(report.latencyMs.p95)}`,
    `embedder ${report.config.embedder} · ${report.config.retrieved} turns retrieved per question`,
    ...(report.qa === undefined ? [] : formatQaReport({ qa: report.qa, categoryLabel: (type) => type })),
  ];
}

/** Per-type tables keep to recall_all (NDCG is in the overall table and the JSON). */
function pick(row: MetricRow): MetricRow {
  return Object.fromEntries(Object.entries(row).filter(([metric]) => metric.startsWith('recall_all@')));
}
