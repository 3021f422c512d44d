// Retrieval metric math for the benchmarks: evidence parsing, recall@k, recall_all@k, NDCG@k, dedup and means.
import { invalidInput } from '../../core/errors.js';

/** Input of every ranked-list metric: the ranked keys (best first), the gold keys and the cut-off k. */
export interface RankedMetricInput {
  ranked: readonly string[];
  gold: readonly string[];
  k: number;
}

/**
 * Parses LoCoMo `evidence` defensively into dia_ids (`D<session>:<turn>`): splits several ids written in
 * one string (`"D8:6; D9:17"`), repairs a stray colon after the `D` (`"D:11:26"` → `D11:26`), strips
 * trailing punctuation, and drops what is not an id at all (`"D"`). Duplicates are removed.
 *
 * @example
 * parseEvidenceIds(['D8:6; D9:17', 'D1:3:']) // ['D8:6', 'D9:17', 'D1:3']
 */
export function parseEvidenceIds(evidence: unknown): string[] {
  const entries = Array.isArray(evidence)
    ? evidence
    : evidence === undefined || evidence === null
      ? []
      : [evidence];
  const ids: string[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') continue;
    for (const match of entry.matchAll(/D\s*:?\s*(\d+)\s*:\s*(\d+)/gi)) {
      const id = `D${Number(match[1])}:${Number(match[2])}`;
      if (!ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/**
 * The share of distinct gold keys found among the first k ranked keys; 1 when there is no gold
 * (LoCoMo's rule for questions without evidence).
 *
 * @example
 * recallAtK({ ranked: ['a', 'x', 'b'], gold: ['a', 'b'], k: 2 }) // 0.5
 */
export function recallAtK(input: RankedMetricInput): number {
  const gold = new Set(input.gold);
  if (gold.size === 0) return 1;
  const top = new Set(input.ranked.slice(0, input.k));
  let found = 0;
  for (const key of gold) if (top.has(key)) found++;
  return found / gold.size;
}

/**
 * 1 when every gold key is among the first k ranked keys, else 0 (LongMemEval's `recall_all@k`).
 * With no gold it is 1, as `all([])` is in the official script; callers exclude such questions.
 *
 * @example
 * recallAllAtK({ ranked: ['a', 'b', 'c'], gold: ['a', 'c'], k: 2 }) // 0
 */
export function recallAllAtK(input: RankedMetricInput): number {
  return recallAtK(input) === 1 ? 1 : 0;
}

/**
 * NDCG@k with binary relevance: DCG = Σ over the first k ranked keys that are gold of 1/log2(rank + 1)
 * (each gold key counted once), divided by the ideal DCG of min(|gold|, k) gold keys at ranks 1…. With
 * no gold it is 1.
 *
 * @example
 * ndcgAtK({ ranked: ['x', 'a'], gold: ['a'], k: 2 }) // 1 / log2(3) ≈ 0.631
 */
export function ndcgAtK(input: RankedMetricInput): number {
  const gold = new Set(input.gold);
  if (gold.size === 0) return 1;
  const seen = new Set<string>();
  let dcg = 0;
  input.ranked.slice(0, input.k).forEach((key, index) => {
    if (gold.has(key) && !seen.has(key)) {
      seen.add(key);
      dcg += 1 / Math.log2(index + 2);
    }
  });
  let ideal = 0;
  for (let rank = 1; rank <= Math.min(gold.size, input.k); rank++) ideal += 1 / Math.log2(rank + 1);
  return dcg / ideal;
}

/**
 * Keeps the first occurrence of each key, in order: turns ranked by their session become sessions
 * ranked by their best turn.
 *
 * @example
 * dedupeRanked(['s2', 's1', 's2', 's3']) // ['s2', 's1', 's3']
 */
export function dedupeRanked(keys: readonly string[]): string[] {
  return [...new Set(keys)];
}

/**
 * The arithmetic mean; 0 for no values (an empty group reports 0 and its count says why).
 *
 * @example
 * mean([1, 0, 0.5]) // 0.5
 */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  return values.reduce((total, value) => total + value, 0) / values.length;
}

/** Named metric values of one question, e.g. `{ 'recall@5': 1, 'recall@10': 1 }`. */
export type MetricRow = Record<string, number>;

/**
 * Averages metric rows key by key (keys taken from the first row).
 *
 * @example
 * averageRows([{ 'recall@5': 1 }, { 'recall@5': 0 }]) // { 'recall@5': 0.5 }
 */
export function averageRows(rows: readonly MetricRow[]): MetricRow {
  const first = rows[0];
  if (first === undefined) return {};
  const out: MetricRow = {};
  for (const key of Object.keys(first)) out[key] = mean(rows.map((row) => row[key] ?? 0));
  return out;
}

/**
 * Parses a `--k` list such as `5,10,25,50` into distinct positive integers, ascending.
 *
 * @example
 * parseKList('10,5,10') // [5, 10]
 */
export function parseKList(text: string): number[] {
  const values = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => Number(part));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1 || value > 200)) {
    throw invalidInput(`--k must be a comma-separated list of integers from 1 to 200, got "${text}"`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}
