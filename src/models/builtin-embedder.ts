// The built-in offline embedder: signed feature hashing of words, word pairs, character n-grams and concepts.
import { MnemoError } from '../core/errors.js';
import { conceptsOf } from './concept-lexicon.js';
import type { EmbeddingModel, EmbedOptions, EmbedResult } from './embedding-model.js';
import { analyze, STOPWORDS, splitWords } from './text-analyzer.js';
import { estimateTokens } from './token-count.js';

export interface BuiltinEmbedderOptions {
  /**
   * Vector length (default 256). 256 keeps vectors at 1 KiB each while short memories (tens of
   * features) rarely collide; signed hashing makes the collisions that do happen cancel on average.
   * Raise it (e.g. 512) for long documents. Integer from 16 to 4096.
   */
  dimensions?: number | undefined;
}

/** Bump the version whenever features, weights or the lexicon change: stored vectors are keyed by it. */
const modelId = 'hash-ngram-v1';

/**
 * Share of each feature family in the final vector. Each family is L2-normalised on its own first, so
 * these weights (not the number of features a family produces) decide how much it counts.
 */
const familyWeights = { unigram: 1, bigram: 0.5, charGram: 0.8, concept: 0.7 } as const;
type Family = keyof typeof familyWeights;
const families: readonly Family[] = ['unigram', 'bigram', 'charGram', 'concept'];
const familySeeds: Record<Family, number> = {
  unigram: 0x811c9dc5,
  bigram: 0x01000193,
  charGram: 0x9e3779b9,
  concept: 0x85ebca6b,
};
const emptyFeature = '\u0000empty';

/** FNV-1a over UTF-16 code units, seeded per family, then the murmur3 finaliser for well-mixed bits. */
function hashFeature(feature: string, seed: number): number {
  let hash = seed >>> 0;
  for (let index = 0; index < feature.length; index++) {
    hash ^= feature.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return mix32(hash);
}

function mix32(value: number): number {
  let hash = value;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function count(counts: Map<string, number>, feature: string): void {
  counts.set(feature, (counts.get(feature) ?? 0) + 1);
}

/** The raw feature counts of one text, per family. */
function extractFeatures(text: string): Record<Family, Map<string, number>> {
  const features: Record<Family, Map<string, number>> = {
    unigram: new Map(),
    bigram: new Map(),
    charGram: new Map(),
    concept: new Map(),
  };
  const words = splitWords(text);
  let terms = analyze(text);
  // A text made only of stopwords ('what is it?') still deserves a vector of its own words.
  if (terms.length === 0 && words.length > 0) terms = analyze(text, { keepStopwords: true });
  for (let index = 0; index < terms.length; index++) {
    const term = terms[index]!;
    count(features.unigram, term);
    const next = terms[index + 1];
    if (next !== undefined) count(features.bigram, `${term} ${next}`);
  }
  const useAllWords = words.every((word) => STOPWORDS.has(word));
  for (const word of words) {
    for (const concept of conceptsOf(word)) count(features.concept, concept);
    if (!useAllWords && STOPWORDS.has(word)) continue;
    addCharGrams(features.charGram, word);
  }
  if (features.concept.size === 0) {
    // Stems reach inflections the lexicon does not list ('relocating' → 'reloc').
    for (const term of terms) for (const concept of conceptsOf(term)) count(features.concept, concept);
  }
  if (features.unigram.size === 0 && features.charGram.size === 0) count(features.unigram, emptyFeature);
  return features;
}

/** Character 3- and 4-grams of the word with boundary marks, so 'moved'/'moving' and typos overlap. */
function addCharGrams(counts: Map<string, number>, word: string): void {
  const padded = `<${word}>`;
  if (padded.length <= 4) {
    count(counts, padded);
    return;
  }
  for (let size = 3; size <= 4; size++) {
    for (let start = 0; start + size <= padded.length; start++)
      count(counts, padded.slice(start, start + size));
  }
}

function embedOne(text: string, dimensions: number, scratch: Float32Array): Float32Array {
  const features = extractFeatures(text);
  const out = new Float32Array(dimensions);
  for (const family of families) {
    const counts = features[family];
    if (counts.size === 0) continue;
    scratch.fill(0);
    for (const [feature, occurrences] of counts) {
      const hash = hashFeature(feature, familySeeds[family]);
      const sign = mix32(hash ^ 0x5bd1e995) & 1 ? 1 : -1;
      // Sublinear tf: repeating a word helps, but less and less.
      scratch[hash % dimensions]! += sign * (1 + Math.log(occurrences));
    }
    let squares = 0;
    for (let index = 0; index < dimensions; index++) squares += scratch[index]! * scratch[index]!;
    if (squares === 0) continue;
    const scale = familyWeights[family] / Math.sqrt(squares);
    for (let index = 0; index < dimensions; index++) out[index]! += scratch[index]! * scale;
  }
  return normalise(out);
}

function normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (sum === 0) {
    // Unreachable in practice (every text has a feature); keep the unit-length promise anyway.
    vector[0] = 1;
    return vector;
  }
  const scale = 1 / Math.sqrt(sum);
  for (let index = 0; index < vector.length; index++) vector[index]! *= scale;
  return vector;
}

/**
 * Creates the built-in embedder: no download, no network, deterministic, fast (thousands of short texts
 * per second on one core).
 *
 * What it is: signed feature hashing of stemmed word unigrams, word bigrams, character 3/4-grams of each
 * word, and concept ids from a small hand-written lexicon of general English (`concept-lexicon.ts`), with
 * sublinear term frequency and per-family weights, L2-normalised.
 *
 * What it is good for: lexical similarity (shared words), morphological similarity ('moved'/'moving',
 * typos, compounds) and coarse topical similarity ('where do you live' ~ 'I moved to Lisbon' through the
 * 'residence' and 'place' concepts). It is not a neural model: it does not understand paraphrase beyond
 * the lexicon, so `capabilities.semantic` is false. Use an OpenAI-compatible embedder for that.
 *
 * Empty or punctuation-only text embeds to one fixed unit vector (all such texts are identical to each
 * other and nearly orthogonal to everything else), so every returned vector has unit length.
 *
 * @example
 * const model = createBuiltinEmbedder();
 * const { embeddings } = await model.embed({ values: ['I moved to Lisbon', 'where do you live?'] });
 */
export function createBuiltinEmbedder(options: BuiltinEmbedderOptions = {}): EmbeddingModel {
  const dimensions = options.dimensions ?? 256;
  if (!Number.isInteger(dimensions) || dimensions < 16 || dimensions > 4096) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `The built-in embedder's dimensions must be an integer from 16 to 4096, got ${dimensions}`,
      details: { dimensions },
    });
  }
  return {
    provider: 'builtin',
    modelId,
    dimensions,
    maxEmbeddingsPerCall: 100_000,
    // The floor is this model's noise level: about the 99th percentile of the cosine between a question
    // and a turn of an unrelated conversation (of 880 such pairs from LoCoMo, p95 0.154, p98 0.187, p99
    // 0.211; 1.5% reach 0.2); docs/benchmarks.md has the measurement.
    capabilities: { semantic: false, offline: true, deterministic: true, similarityFloor: 0.2 },
    async embed(embedOptions: EmbedOptions): Promise<EmbedResult> {
      embedOptions.abortSignal?.throwIfAborted();
      const scratch = new Float32Array(dimensions);
      let tokens = 0;
      const embeddings = embedOptions.values.map((value) => {
        tokens += estimateTokens(value);
        return embedOne(value, dimensions, scratch);
      });
      return { embeddings, usage: { tokens, calls: embedOptions.values.length === 0 ? 0 : 1 } };
    },
  };
}
