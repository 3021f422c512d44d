// Pure fusion math: BM25 normalisation, weighted reciprocal rank fusion, convex score fusion, final score.

/** One ranked candidate list from one source (lexical, vector, …), best first. */
export interface RankedList {
  /** Source name, used as the key of each contribution. */
  source: string;
  /** Candidate ids, best first (rank 1 = index 0). */
  ids: string[];
  weight: number;
}

/** A fused candidate: its score in [0, 1] and what each source contributed to it. */
export interface FusedCandidate {
  id: string;
  score: number;
  contributions: Record<string, number>;
}

/**
 * Divides every score by the largest one (max-normalisation). For BM25, whose scores are >= 0 and where 0
 * means "no match", this keeps 0 at 0 and maps the best hit to 1. Non-positive maxima give all zeros.
 *
 * @example
 * maxNormalize([4, 2, 0]) // [1, 0.5, 0]
 */
export function maxNormalize(scores: readonly number[]): number[] {
  const max = Math.max(0, ...scores.filter(Number.isFinite));
  return scores.map((score) => (max > 0 && Number.isFinite(score) ? Math.max(0, score) / max : 0));
}

/**
 * Min-max normalisation to [0, 1]. When all scores are equal (or there is one), every score maps to 1:
 * a lone candidate is the best one there is.
 *
 * @example
 * minMaxNormalize([0.9, 0.7, 0.5]) // [1, 0.5, 0]
 */
export function minMaxNormalize(scores: readonly number[]): number[] {
  const finite = scores.filter(Number.isFinite);
  if (finite.length === 0) return scores.map(() => 0);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  if (max === min) return scores.map((score) => (Number.isFinite(score) ? 1 : 0));
  return scores.map((score) => (Number.isFinite(score) ? (score - min) / (max - min) : 0));
}

/**
 * Weighted reciprocal rank fusion: `Σ weight / (k + rank)` over the lists an id appears in, divided by the
 * best attainable value `Σ weight / (k + 1)` so that an id ranked first everywhere scores exactly 1.
 * Sorted by score, ties broken by id for determinism.
 *
 * @example
 * reciprocalRankFusion({ lists: [{ source: 'lexical', ids: ['a', 'b'], weight: 1 }] })[0] // { id: 'a', score: 1, … }
 */
export function reciprocalRankFusion(input: { lists: readonly RankedList[]; k?: number }): FusedCandidate[] {
  const k = input.k ?? 60;
  if (!(k >= 0)) throw new RangeError(`RRF k must be >= 0, got ${k}`);
  const best = input.lists.reduce((sum, list) => sum + (list.ids.length > 0 ? list.weight / (k + 1) : 0), 0);
  const fused = new Map<string, FusedCandidate>();
  for (const list of input.lists) {
    list.ids.forEach((id, index) => {
      const contribution = best > 0 ? list.weight / (k + index + 1) / best : 0;
      const entry = fused.get(id) ?? { id, score: 0, contributions: {} };
      entry.score += contribution;
      entry.contributions[list.source] = (entry.contributions[list.source] ?? 0) + contribution;
      fused.set(id, entry);
    });
  }
  return sortFused([...fused.values()]);
}

/** One source's normalised scores for convex fusion. */
export interface ScoredList {
  source: string;
  /** Normalised scores in [0, 1], by id. */
  scores: ReadonlyMap<string, number>;
  weight: number;
}

/**
 * Convex score fusion: `Σ weight · normalised / Σ weight`. An id missing from a list scores 0 there.
 * With normalised inputs the result lies in [0, 1]. Lists with no candidates do not count in the
 * denominator, so a lexical-only search is not halved.
 *
 * @example
 * convexScoreFusion({ lists: [
 *   { source: 'lexical', scores: new Map([['a', 1]]), weight: 1 },
 *   { source: 'vector', scores: new Map([['a', 0.5]]), weight: 1 },
 * ] })[0].score // 0.75
 */
export function convexScoreFusion(input: { lists: readonly ScoredList[] }): FusedCandidate[] {
  const total = input.lists.reduce((sum, list) => sum + (list.scores.size > 0 ? list.weight : 0), 0);
  const fused = new Map<string, FusedCandidate>();
  for (const list of input.lists) {
    for (const [id, score] of list.scores) {
      const contribution = total > 0 ? (list.weight * score) / total : 0;
      const entry = fused.get(id) ?? { id, score: 0, contributions: {} };
      entry.score += contribution;
      entry.contributions[list.source] = (entry.contributions[list.source] ?? 0) + contribution;
      fused.set(id, entry);
    }
  }
  return sortFused([...fused.values()]);
}

/** The parts of a final score, each already multiplied by its weight. */
export interface FinalScore {
  fusion: number;
  recencyContribution: number;
  importanceContribution: number;
  textMatchContribution: number;
  answerContribution: number;
  final: number;
}

/**
 * The final score: `fused + wRecency · recency + wImportance · importance + wTextMatch · textMatch +
 * wAnswer · answer`. The fused score lies in [0, 1]; the other signals are in [0, 1] too, so their weights
 * say how far they may move a result.
 *
 * @example
 * combineScores({ fusion: 0.8, recency: 0.5, importance: 1, textMatch: 0, answer: 1,
 *   weights: { recency: 0.1, importance: 0.1, textMatch: 0.1, answer: 0.1 } }).final // 1.05
 */
export function combineScores(input: {
  fusion: number;
  recency: number;
  importance: number;
  textMatch: number;
  answer: number;
  weights: { recency: number; importance: number; textMatch: number; answer: number };
}): FinalScore {
  const recencyContribution = input.weights.recency * input.recency;
  const importanceContribution = input.weights.importance * input.importance;
  const textMatchContribution = input.weights.textMatch * input.textMatch;
  const answerContribution = input.weights.answer * input.answer;
  return {
    fusion: input.fusion,
    recencyContribution,
    importanceContribution,
    textMatchContribution,
    answerContribution,
    final:
      input.fusion +
      recencyContribution +
      importanceContribution +
      textMatchContribution +
      answerContribution,
  };
}

function sortFused(candidates: FusedCandidate[]): FusedCandidate[] {
  return candidates.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
