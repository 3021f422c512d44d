// Search options at the edge: the zod schema, its documented defaults, and parsing into a resolved form.
import { z } from 'zod';
import { MnemoError } from '../core/errors.js';
import { metadataFilterSchema } from '../core/metadata.js';
import { memoryKinds } from '../core/records.js';
import { timeInputSchema } from '../core/time-input.js';

/**
 * Default ranking knobs. They are reasoned starting points, not tuned numbers:
 * - lexical and vector weigh 1 each: neither source is trusted more before we have evidence;
 * - recency 0.1 with a 30-day half-life: a tie-breaker that favours what was said lately without
 *   burying an old but exact match (the fused score lies in [0, 1], so recency moves at most 0.1);
 * - importance 0.1: same reasoning, a nudge for memories marked as mattering;
 * - text match 0.1: the same size of nudge for the share of the query's terms in the memory's own text
 *   (not the conversational context or dates it is also indexed with): a turn that says it outranks the
 *   turn next to it;
 * - convex score fusion of the normalised scores (BM25 / max, cosine min-max): Bruch, Gai & Ingber, "An
 *   Analysis of Fusion Functions for Hybrid Retrieval" (ACM TOIS 2023) found it beats RRF in and out of
 *   domain because it keeps how far apart the scores are, which ranks throw away; measured here too
 *   (docs/benchmarks.md, retrieval ablation). RRF with k = 60 (Cormack et al. 2009) stays available;
 * - answer 0.1: the same nudge for a memory that states something over a turn that only asks ("How is
 *   Biscuit anyway?" below "Biscuit is doing great"): when both match, the statement is what was asked for;
 * - graph 0.25: the knowledge graph's candidates (memories around the entities a query names) are a
 *   secondary source; at a quarter of lexical or vector no LoCoMo or LongMemEval dev category lost recall,
 *   at 0.5 multi-hop and open-domain gained more but single-hop and adversarial lost a little
 *   (docs/benchmarks.md, "Knowledge graph");
 * - MMR λ = 0.7: mostly relevance, enough diversity to drop near-duplicates;
 * - query feedback (Rocchio, 1971): the query vector moves toward the stored vectors of the 5 best fused
 *   candidates, by 0.5 in all, before a second vector search — pseudo-relevance feedback reaches turns that
 *   share no word with the question but do with its best answers (docs/benchmarks.md, ablation).
 */
export const searchDefaults = {
  limit: 10,
  weights: { lexical: 1, vector: 1, graph: 0.25, recency: 0.1, importance: 0.1, textMatch: 0.1, answer: 0.1 },
  recencyHalfLifeDays: 30,
  fusion: 'score' as 'rrf' | 'score',
  rrfK: 60,
  mmrLambda: 0.7,
  feedback: { docs: 5, weight: 0.5 },
  /** Candidate pool per source: at least 50, or 5× the limit, so fusion has overlap to work with. */
  minCandidates: 50,
  candidatesPerResult: 5,
} as const;

/**
 * Caps on the work of one search, whatever its options (docs/rest-api.md, "Limits"). Measured on 20,000 turns
 * of one user: before them a valid search could take about a second and answer 3 MB; with them the heaviest
 * valid search takes a fraction of that (docs/benchmarks.md).
 * - queryTerms: only the first 64 distinct analysed terms of a query are searched (a warning says so); a
 *   question has a handful, and every term is one more posting list to merge;
 * - candidates: at most 1,000 per source (the `candidates` option);
 * - expand: at most 20 turns on each side of a result, and 500 messages over all results;
 * - mmrPool: MMR re-embeds and compares at most the 200 best candidates (4× the limit, capped): its cost
 *   grows with the square of the pool.
 */
export const searchLimits = {
  queryTerms: 64,
  candidates: 1_000,
  expand: 20,
  expandMessages: 500,
  mmrPool: 200,
} as const;

const weight = z.number().finite().min(0, 'weights must be >= 0');

export const searchOptionsSchema = z
  .object({
    limit: z.number().int().min(1).max(200).default(searchDefaults.limit),
    kinds: z.array(z.enum(memoryKinds)).min(1).optional(),
    filters: z
      .object({
        metadata: metadataFilterSchema.optional(),
        observedFrom: timeInputSchema.optional(),
        observedTo: timeInputSchema.optional(),
      })
      .strict()
      .optional(),
    asOf: timeInputSchema.optional(),
    knownAt: timeInputSchema.optional(),
    includeHistory: z.boolean().optional(),
    minScore: z.number().finite().min(0).optional(),
    minSimilarity: z.number().finite().min(-1).max(1).optional(),
    explain: z.boolean().optional(),
    expand: z.number().int().min(0).max(searchLimits.expand).optional(),
    mmr: z.union([z.boolean(), z.object({ lambda: z.number().min(0).max(1) }).strict()]).optional(),
    weights: z
      .object({
        lexical: weight.optional(),
        vector: weight.optional(),
        graph: weight.optional(),
        recency: weight.optional(),
        importance: weight.optional(),
        textMatch: weight.optional(),
        answer: weight.optional(),
      })
      .strict()
      .optional(),
    recencyHalfLifeDays: z.number().positive().max(1_000_000).optional(),
    fusion: z.enum(['rrf', 'score']).optional(),
    feedback: z
      .union([
        z.boolean(),
        z
          .object({
            docs: z.number().int().min(1).max(50).optional(),
            weight: z.number().finite().min(0).max(10).optional(),
          })
          .strict(),
      ])
      .optional(),
    candidates: z.number().int().min(1).max(searchLimits.candidates).optional(),
  })
  .strict();

/** What callers pass to `search`. Every field is optional. */
export type SearchOptions = z.input<typeof searchOptionsSchema>;

/** Options after validation, with every default filled in and times as epoch ms. */
export interface ResolvedSearchOptions {
  limit: number;
  kinds?: (typeof memoryKinds)[number][];
  metadata?: Record<string, string | number | boolean | null>;
  observedFrom?: number;
  observedTo?: number;
  asOf?: number;
  knownAt?: number;
  includeHistory: boolean;
  /** Results with a lower final score are dropped (default 0). */
  minScore: number;
  /** Vector candidates below this cosine are not evidence; default: the embedder's similarity floor. */
  minSimilarity?: number;
  explain: boolean;
  expand: number;
  /** MMR λ, or undefined when MMR is off. */
  mmrLambda?: number;
  weights: {
    lexical: number;
    vector: number;
    graph: number;
    recency: number;
    importance: number;
    textMatch: number;
    answer: number;
  };
  recencyHalfLifeDays: number;
  fusion: 'rrf' | 'score';
  candidates: number;
  /** Pseudo-relevance feedback for the vector search, or undefined when off. */
  feedback?: { docs: number; weight: number };
}

/**
 * Validates search options and fills in the defaults. Throws MnemoError INVALID_INPUT with zod's message.
 *
 * @example
 * parseSearchOptions({ limit: 5, mmr: true }).mmrLambda // 0.7
 */
export function parseSearchOptions(input: unknown): ResolvedSearchOptions {
  const parsed = searchOptionsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `Invalid search options: ${z.prettifyError(parsed.error)}`,
      details: {
        issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      },
    });
  }
  const options = parsed.data;
  const { observedFrom, observedTo } = options.filters ?? {};
  if (observedFrom !== undefined && observedTo !== undefined && observedFrom > observedTo) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: 'Invalid search options: filters.observedFrom must not be after filters.observedTo',
    });
  }
  const resolved: ResolvedSearchOptions = {
    limit: options.limit,
    includeHistory: options.includeHistory ?? false,
    explain: options.explain ?? false,
    expand: options.expand ?? 0,
    weights: {
      lexical: options.weights?.lexical ?? searchDefaults.weights.lexical,
      vector: options.weights?.vector ?? searchDefaults.weights.vector,
      graph: options.weights?.graph ?? searchDefaults.weights.graph,
      recency: options.weights?.recency ?? searchDefaults.weights.recency,
      importance: options.weights?.importance ?? searchDefaults.weights.importance,
      textMatch: options.weights?.textMatch ?? searchDefaults.weights.textMatch,
      answer: options.weights?.answer ?? searchDefaults.weights.answer,
    },
    minScore: options.minScore ?? 0,
    recencyHalfLifeDays: options.recencyHalfLifeDays ?? searchDefaults.recencyHalfLifeDays,
    fusion: options.fusion ?? searchDefaults.fusion,
    candidates:
      options.candidates ??
      Math.max(searchDefaults.minCandidates, options.limit * searchDefaults.candidatesPerResult),
  };
  if (options.kinds !== undefined) resolved.kinds = options.kinds;
  if (options.filters?.metadata !== undefined) resolved.metadata = options.filters.metadata;
  if (observedFrom !== undefined) resolved.observedFrom = observedFrom;
  if (observedTo !== undefined) resolved.observedTo = observedTo;
  if (options.asOf !== undefined) resolved.asOf = options.asOf;
  if (options.knownAt !== undefined) resolved.knownAt = options.knownAt;
  if (options.minSimilarity !== undefined) resolved.minSimilarity = options.minSimilarity;
  if (options.feedback !== false) {
    const given = typeof options.feedback === 'object' ? options.feedback : {};
    resolved.feedback = {
      docs: given.docs ?? searchDefaults.feedback.docs,
      weight: given.weight ?? searchDefaults.feedback.weight,
    };
  }
  if (options.mmr === true) resolved.mmrLambda = searchDefaults.mmrLambda;
  else if (typeof options.mmr === 'object') resolved.mmrLambda = options.mmr.lambda;
  return resolved;
}
