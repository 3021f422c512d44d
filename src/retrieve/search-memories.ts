// The read path: analyse → lexical + vector candidates (floored: only evidence) → fuse → query feedback
// (second vector search) → fuse again → recency/importance/text match/answer → minScore → MMR → limit → expand.

import type { MemoryRecord } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import { memoryStrength, type StrengthPolicy, strengthDefaults } from '../core/strength.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { analyze, analyzeQuery, countTermsIn } from '../models/text-analyzer.js';
import type { LexicalHit, MemoryFilter, MemoryStore, VectorHit } from '../store/memory-store.js';
import { answerSignal, answersBeforeQuestions } from './answer-signal.js';
import { expandContext } from './expand-context.js';
import {
  combineScores,
  convexScoreFusion,
  type FusedCandidate,
  maxNormalize,
  minMaxNormalize,
  reciprocalRankFusion,
} from './fusion.js';
import { type GraphView, graphSignal } from './graph-signal.js';
import { maximalMarginalRelevance } from './mmr.js';
import { ageInDays, importanceSignal, recencyDecay } from './recency.js';
import {
  parseSearchOptions,
  type ResolvedSearchOptions,
  type SearchOptions,
  searchDefaults,
  searchLimits,
} from './search-options.js';
import type { SearchExplanation, SearchResponse, SearchResult } from './search-result.js';
import { feedbackQuery, type SearchState, searchVector, usableEmbedder } from './vector-candidates.js';

export type { SearchOptions } from './search-options.js';
export type { SearchExplanation, SearchResponse, SearchResult } from './search-result.js';

export interface SearchMemoriesInput {
  store: MemoryStore;
  /** Turns on vector search when the store's embedding space was made by this model. */
  embedder?: EmbeddingModel | undefined;
  query: string;
  scope: Scope;
  options: SearchOptions;
  /** Epoch ms: the reference time for expiry, "current" and recency (unless `asOf` is given). */
  now: number;
  /** The forgetting curve whose strength `explain` shows (default `strengthDefaults`). */
  strength?: StrengthPolicy | undefined;
}

/** Per-source view of one candidate, for explanations. */
interface SourceView {
  lexical: Map<string, { score: number; rank: number; normalized: number }>;
  vector: Map<string, { similarity: number; rank: number; normalized: number }>;
  graph: Map<string, GraphView>;
}

interface Ranked {
  record: MemoryRecord;
  fused: FusedCandidate;
  final: number;
  explanation: SearchExplanation;
}

/** MMR considers this many times `limit` of the best-scored candidates (at most `searchLimits.mmrPool`). */
const MMR_POOL_FACTOR = 4;

function mmrPoolSize(limit: number): number {
  return Math.min(limit * MMR_POOL_FACTOR, Math.max(limit, searchLimits.mmrPool));
}

/** The query's distinct analysed terms, the first `searchLimits.queryTerms` of them (a warning says when cut). */
function queryTerms(query: string, state: SearchState): string[] {
  const terms = analyzeQuery(query);
  if (terms.length <= searchLimits.queryTerms) return terms;
  state.warnings.push(
    `The query has ${terms.length} distinct terms; only the first ${searchLimits.queryTerms} were searched.`,
  );
  return terms.slice(0, searchLimits.queryTerms);
}

/**
 * Hybrid search over one scope: BM25 and (when the embedder matches the store) vector candidates, fused
 * (convex score fusion by default, RRF on request), plus small recency and importance nudges; optionally
 * diversified with MMR and expanded with neighbouring turns. Vector trouble degrades to lexical search with a warning.
 *
 * MMR needs candidate vectors, which the store does not hand back, so it re-embeds the candidates'
 * `indexText` with the embedder (cheap for the built-in one; a remote one pays one batch call).
 *
 * @example
 * const { results } = await searchMemories({ store, embedder, query: 'where does Alice live?',
 *   scope: parseScope({ userId: 'alice' }), options: { limit: 5, explain: true }, now: Date.now() });
 */
export async function searchMemories(input: SearchMemoriesInput): Promise<SearchResponse> {
  const started = performance.now();
  const options = parseSearchOptions(input.options);
  const state: SearchState = { warnings: [], embeddingCalls: 0 };
  const terms = queryTerms(input.query, state);
  const filter = buildMemoryFilter(options, input.now);
  const respond = (results: SearchResult[]): SearchResponse => ({
    results,
    warnings: state.warnings,
    usage: { embeddingCalls: state.embeddingCalls, latencyMs: performance.now() - started },
  });

  const vectorEmbedder = await usableEmbedder(input, state);
  if (terms.length === 0 && vectorEmbedder === undefined) {
    state.warnings.push(
      'The query has no searchable words (only stopwords or punctuation) and no embedder is configured; nothing was searched.',
    );
    return respond([]);
  }
  const lexicalHits = await searchLexical(input, { terms, filter, limit: options.candidates }, state);
  const vector =
    vectorEmbedder === undefined
      ? { hits: [] }
      : await searchVector(input, { embedder: vectorEmbedder, filter, limit: options.candidates }, state);
  // Evidence: a lexical match, or a similarity to the query itself at or above the model's noise level.
  // Every candidate is fused (normalisation sees the whole pool, so ranking is unchanged), but only
  // evidence is returned, and only evidence steers query feedback. Feedback reorders, it is not evidence:
  // the refined vector also carries what the best results share with unrelated ones (a speaker's name).
  const graph =
    options.weights.graph > 0
      ? await graphSignal({ store: input.store, scope: input.scope, query: input.query, terms, filter })
      : new Map<string, GraphView>();
  const floor = options.minSimilarity ?? vectorEmbedder?.capabilities.similarityFloor;
  const evidenced = new Set([...lexicalHits.map((hit) => hit.id), ...graph.keys()]);
  for (const hit of vector.hits) if (floor === undefined || hit.similarity >= floor) evidenced.add(hit.id);
  let vectorHits = vector.hits;
  let views = sourceViews(lexicalHits, vectorHits, graph);
  let fused = fuse(views, lexicalHits, vectorHits, options);
  const bestIds = fused
    .filter((candidate) => evidenced.has(candidate.id))
    .slice(0, options.feedback?.docs ?? 0);
  if (options.feedback !== undefined && vector.embedding !== undefined && bestIds.length > 0) {
    const refined = await feedbackQuery({
      store: input.store,
      scope: input.scope,
      embedding: vector.embedding,
      bestIds: bestIds.map((candidate) => candidate.id),
      weight: options.feedback.weight,
    });
    if (refined !== undefined) {
      vectorHits = await input.store.searchVector({
        scope: input.scope,
        embedding: refined,
        filter,
        limit: options.candidates,
      });
      views = sourceViews(lexicalHits, vectorHits, graph);
      fused = fuse(views, lexicalHits, vectorHits, options);
    }
  }
  // Without a floor every vector candidate is evidence, the feedback search's included.
  if (floor !== undefined) fused = fused.filter((candidate) => evidenced.has(candidate.id));
  const wanted = options.mmrLambda === undefined ? options.limit : mmrPoolSize(options.limit);
  let ranked = await rankWithBoundedLoading({
    store: input.store,
    scope: input.scope,
    fused,
    wanted,
    views,
    terms,
    options,
    now: input.now,
  });
  if (options.weights.answer > 0) ranked = answersBeforeQuestions(ranked);
  if (options.minScore > 0) ranked = ranked.filter((entry) => entry.final >= options.minScore);
  if (options.mmrLambda !== undefined) ranked = await diversify(ranked, options, input.embedder, state);
  ranked = ranked.slice(0, options.limit);

  if (ranked.length > 0) {
    await input.store.recordAccess({
      scope: input.scope,
      ids: ranked.map((entry) => entry.record.id),
      at: input.now,
    });
  }
  const expanded =
    options.expand > 0
      ? await expandContext({
          store: input.store,
          scope: input.scope,
          records: ranked.map((entry) => entry.record),
          around: options.expand,
          maxMessages: searchLimits.expandMessages,
        })
      : undefined;
  if (expanded?.truncated === true) {
    state.warnings.push(
      `expand returns at most ${searchLimits.expandMessages} messages in all; the lower-ranked results have no context.`,
    );
  }
  const contexts = expanded?.contexts;
  return respond(
    ranked.map((entry) => {
      const result: SearchResult = { memory: entry.record, score: entry.final };
      if (options.explain) {
        const strength = memoryStrength(entry.record, input.now, input.strength ?? strengthDefaults);
        result.explanation = {
          ...entry.explanation,
          strength: { ...strength, accessCount: entry.record.accessCount },
        };
      }
      const context = contexts?.get(entry.record.id);
      if (context !== undefined) result.context = context;
      return result;
    }),
  );
}

/** Translates resolved options into the store's filter: current-only unless `includeHistory`. */
export function buildMemoryFilter(options: ResolvedSearchOptions, now: number): MemoryFilter {
  const filter: MemoryFilter = { now };
  if (options.kinds !== undefined) filter.kinds = options.kinds;
  if (options.asOf !== undefined) filter.asOf = options.asOf;
  if (options.knownAt !== undefined) filter.knownAt = options.knownAt;
  if (options.includeHistory) filter.includeHistory = true;
  if (options.observedFrom !== undefined) filter.observedFrom = options.observedFrom;
  if (options.observedTo !== undefined) filter.observedTo = options.observedTo;
  if (options.metadata !== undefined) filter.metadata = options.metadata;
  return filter;
}

async function searchLexical(
  input: SearchMemoriesInput,
  query: { terms: string[]; filter: MemoryFilter; limit: number },
  state: SearchState,
): Promise<LexicalHit[]> {
  if (query.terms.length === 0) return [];
  if (!input.store.capabilities.fullTextSearch) {
    state.warnings.push(`Full-text search is not available in this ${input.store.provider} store.`);
    return [];
  }
  return input.store.searchLexical({ scope: input.scope, ...query });
}

function sourceViews(
  lexicalHits: LexicalHit[],
  vectorHits: VectorHit[],
  graph: Map<string, GraphView>,
): SourceView {
  const lexicalNormalized = maxNormalize(lexicalHits.map((hit) => hit.score));
  const vectorNormalized = minMaxNormalize(vectorHits.map((hit) => hit.similarity));
  return {
    lexical: new Map(
      lexicalHits.map((hit, index) => [
        hit.id,
        { score: hit.score, rank: index + 1, normalized: lexicalNormalized[index]! },
      ]),
    ),
    vector: new Map(
      vectorHits.map((hit, index) => [
        hit.id,
        { similarity: hit.similarity, rank: index + 1, normalized: vectorNormalized[index]! },
      ]),
    ),
    graph,
  };
}

function fuse(
  views: SourceView,
  lexicalHits: LexicalHit[],
  vectorHits: VectorHit[],
  options: ResolvedSearchOptions,
): FusedCandidate[] {
  if (options.fusion === 'rrf') {
    return reciprocalRankFusion({
      k: searchDefaults.rrfK,
      lists: [
        { source: 'lexical', ids: lexicalHits.map((hit) => hit.id), weight: options.weights.lexical },
        { source: 'vector', ids: vectorHits.map((hit) => hit.id), weight: options.weights.vector },
        { source: 'graph', ids: [...views.graph.keys()], weight: options.weights.graph },
      ],
    });
  }
  const normalizedOf = (view: Map<string, { normalized: number }>) =>
    new Map([...view].map(([id, entry]) => [id, entry.normalized]));
  return convexScoreFusion({
    lists: [
      { source: 'lexical', scores: normalizedOf(views.lexical), weight: options.weights.lexical },
      { source: 'vector', scores: normalizedOf(views.vector), weight: options.weights.vector },
      { source: 'graph', scores: normalizedOf(views.graph), weight: options.weights.graph },
    ],
  });
}

/**
 * Loads and ranks candidates in fused order, stopping as soon as no unloaded candidate can still make the
 * top `wanted`: recency, importance and text match are in [0, 1], so a candidate's final score is at most
 * its fused score plus their weights. Exact, and it spares loading records that cannot be returned; each
 * candidate is scored once, when its chunk loads.
 */
async function rankWithBoundedLoading(input: {
  store: MemoryStore;
  scope: Scope;
  fused: FusedCandidate[];
  wanted: number;
  views: SourceView;
  terms: string[];
  options: ResolvedSearchOptions;
  now: number;
}): Promise<Ranked[]> {
  const { fused, wanted, options } = input;
  const { recency, importance, textMatch, answer } = options.weights;
  const maxBonus = recency + importance + textMatch + answer;
  // Graph candidates were loaded to be checked against the filter: they are not loaded again.
  const records = new Map<string, MemoryRecord>(
    [...input.views.graph].map(([id, view]) => [id, view.record]),
  );
  let ranked: Ranked[] = [];
  let loaded = 0;
  while (loaded < fused.length) {
    const chunk = fused.slice(loaded, loaded + Math.max(wanted, 10));
    loaded += chunk.length;
    const missing = chunk.map((candidate) => candidate.id).filter((id) => !records.has(id));
    for (const record of await input.store.getMemories({ scope: input.scope, ids: missing })) {
      records.set(record.id, record);
    }
    ranked = [...ranked, ...rankCandidates({ ...input, fused: chunk, records })].sort(byFinal);
    const next = fused[loaded];
    const cutoff = ranked[wanted - 1]?.final;
    if (next === undefined || (cutoff !== undefined && next.score + maxBonus < cutoff)) break;
  }
  return ranked;
}

/** Best final score first; ties keep fused order (stable sort). */
function byFinal(left: Ranked, right: Ranked): number {
  return right.final - left.final;
}

/** Scores loaded candidates, in fused order (the caller sorts). */
function rankCandidates(input: {
  fused: FusedCandidate[];
  records: Map<string, MemoryRecord>;
  views: SourceView;
  terms: string[];
  options: ResolvedSearchOptions;
  now: number;
}): Ranked[] {
  const { options, views } = input;
  const reference = options.asOf ?? input.now;
  const ranked: Ranked[] = [];
  for (const fused of input.fused) {
    const record = input.records.get(fused.id);
    if (record === undefined) continue;
    const recency = recencyDecay({
      at: record.observedAt,
      reference,
      halfLifeDays: options.recencyHalfLifeDays,
    });
    const importance = importanceSignal(record.importance);
    const textMatch = textMatchSignal(input.terms, ownText(record), options.weights.textMatch);
    const answer = options.weights.answer === 0 ? 0 : answerSignal(record.text);
    const score = combineScores({
      fusion: fused.score,
      recency,
      importance,
      textMatch,
      answer,
      weights: options.weights,
    });
    const explanation: SearchExplanation = {
      fusion: { method: options.fusion, score: fused.score },
      recency: {
        halfLifeDays: options.recencyHalfLifeDays,
        value: recency,
        weight: options.weights.recency,
        contribution: score.recencyContribution,
      },
      importance: {
        value: importance,
        weight: options.weights.importance,
        contribution: score.importanceContribution,
      },
      textMatch: {
        value: textMatch,
        weight: options.weights.textMatch,
        contribution: score.textMatchContribution,
      },
      answer: { value: answer, weight: options.weights.answer, contribution: score.answerContribution },
      final: score.final,
      matchedTerms: options.explain ? matchedTerms(input.terms, record.indexText) : [],
    };
    if (options.fusion === 'rrf') explanation.fusion.k = searchDefaults.rrfK;
    const age = ageInDays({ at: record.observedAt, reference });
    if (age !== undefined) explanation.recency.ageDays = age;
    const lexical = views.lexical.get(fused.id);
    if (lexical !== undefined) {
      explanation.lexical = {
        ...lexical,
        weight: options.weights.lexical,
        contribution: fused.contributions.lexical ?? 0,
      };
    }
    const vector = views.vector.get(fused.id);
    if (vector !== undefined) {
      explanation.vector = {
        ...vector,
        weight: options.weights.vector,
        contribution: fused.contributions.vector ?? 0,
      };
    }
    const graph = views.graph.get(fused.id);
    if (graph !== undefined) {
      explanation.graph = {
        score: graph.score,
        rank: graph.rank,
        normalized: graph.normalized,
        weight: options.weights.graph,
        contribution: fused.contributions.graph ?? 0,
        entities: graph.evidence.entities,
        facts: graph.evidence.facts,
        hops: graph.evidence.hops,
      };
    }
    ranked.push({ record, fused, final: score.final, explanation });
  }
  // Stable sort: equal finals keep the fused order (itself tie-broken by id).
  return ranked;
}

function matchedTerms(terms: string[], indexText: string): string[] {
  const tokens = new Set(analyze(indexText));
  return terms.filter((term) => tokens.has(term));
}

/** Re-orders the best candidates with MMR over freshly embedded `indexText`s. */
async function diversify(
  ranked: Ranked[],
  options: ResolvedSearchOptions,
  embedder: EmbeddingModel | undefined,
  state: SearchState,
): Promise<Ranked[]> {
  if (embedder === undefined) {
    state.warnings.push('MMR skipped: it compares candidates by embedding and no embedder is configured.');
    return ranked;
  }
  const pool = ranked.slice(0, mmrPoolSize(options.limit));
  if (pool.length < 2) return ranked;
  let embeddings: Float32Array[];
  try {
    embeddings = await embedInBatches(
      embedder,
      pool.map((entry) => entry.record.indexText),
      state,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    state.warnings.push(`MMR skipped: embedding the candidates failed (${message}).`);
    return ranked;
  }
  const best = Math.max(...pool.map((entry) => entry.final));
  const order = maximalMarginalRelevance({
    lambda: options.mmrLambda ?? searchDefaults.mmrLambda,
    limit: pool.length,
    candidates: pool.map((entry, index) => ({
      id: entry.record.id,
      relevance: best > 0 ? entry.final / best : 0,
      embedding: embeddings[index] ?? new Float32Array(embedder.dimensions),
    })),
  });
  const byId = new Map(pool.map((entry, index) => [entry.record.id, { entry, position: index + 1 }]));
  return order.map((id) => {
    const found = byId.get(id)!;
    found.entry.explanation.rankBeforeMmr = found.position;
    return found.entry;
  });
}

async function embedInBatches(
  embedder: EmbeddingModel,
  values: string[],
  state: SearchState,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const size = Math.max(1, embedder.maxEmbeddingsPerCall);
  for (let start = 0; start < values.length; start += size) {
    const result = await embedder.embed({ values: values.slice(start, start + size), purpose: 'document' });
    state.embeddingCalls += result.usage.calls;
    out.push(...result.embeddings);
  }
  return out;
}

/** What a memory itself says, and who said it: its text without borrowed context or dates. */
function ownText(record: MemoryRecord): string {
  const speaker = record.source.attributedTo;
  return speaker === undefined ? record.text : `${speaker} ${record.text}`;
}

/** Share of the query terms found in the memory's own text, in [0, 1] (0 for a query without terms). */
function textMatchSignal(terms: string[], text: string, weight: number): number {
  if (terms.length === 0 || weight === 0) return 0;
  return countTermsIn(text, terms) / terms.length;
}
