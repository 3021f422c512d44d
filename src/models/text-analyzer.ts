// Text analysis shared by indexing and querying: normalise, split, drop stopwords, stem (Porter).
// Every store indexes exactly these tokens, so lexical ranking is the same on every backend.
import { stemmer } from 'stemmer';

/** Common English function words; they carry little signal for recall. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been being but by can could did do does doing done for from had has have having he her ' +
    'hers herself him himself his how i if in into is it its itself just me my myself no nor not of off on once only ' +
    'or other our ours ourselves out over own same she should so some such than that the their theirs them ' +
    'themselves then there these they this those through to too under until up very was we were what when where ' +
    'which while who whom why will with would you your yours yourself yourselves am about again against all any ' +
    'because before below between both during each few further more most s t don now ll re ve d m o y also ' +
    'really yeah oh hey hi hello ok okay lol'
  ).split(' '),
);

export interface AnalyzeOptions {
  /** Keep stopwords (default false). */
  keepStopwords?: boolean | undefined;
  /** Apply the Porter stemmer (default true). */
  stem?: boolean | undefined;
}

/** Lower-cases, strips diacritics and splits into word tokens (letters and digits). */
export function splitWords(text: string): string[] {
  const normalised = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  return (
    normalised
      .match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu)
      ?.map((word) => word.replace(/'(s|t|re|ve|ll|d|m)$/u, '').replace(/'/g, '')) ?? []
  );
}

/**
 * The index/query token stream for a text.
 *
 * @example
 * analyze('I moved to Lisbon last March') // ['move', 'lisbon', 'last', 'march']
 */
export function analyze(text: string, options: AnalyzeOptions = {}): string[] {
  const stem = options.stem ?? true;
  const out: string[] = [];
  for (const word of splitWords(text)) {
    if (word.length === 0) continue;
    if (!options.keepStopwords && STOPWORDS.has(word)) continue;
    out.push(stem && word.length > 3 && !/^\d/.test(word) ? stemOf(word) : word);
  }
  return out;
}

/** Porter stems of recently seen words: conversation vocabulary repeats, and stemming dominates analysis. */
const stemCache = new Map<string, string>();
const STEM_CACHE_SIZE = 50_000;

function stemOf(word: string): string {
  let stem = stemCache.get(word);
  if (stem === undefined) {
    // Cleared wholesale when full: simpler than LRU, and the next words refill it with current vocabulary.
    if (stemCache.size >= STEM_CACHE_SIZE) stemCache.clear();
    stem = stemmer(word);
    stemCache.set(word, stem);
  }
  return stem;
}

/**
 * How many of `terms` (analysed query terms) occur among the analysed words of `text`. Cheaper than
 * `analyze(text)`: Porter stemming never changes a word's first two letters, so only words that start
 * like some term are stemmed.
 *
 * @example
 * countTermsIn('I moved to Lisbon', ['move', 'lisbon', 'porto']) // 2
 */
export function countTermsIn(text: string, terms: readonly string[]): number {
  if (terms.length === 0) return 0;
  const wanted = new Set(terms);
  const prefixes = new Set(terms.map((term) => term.slice(0, 2)));
  const found = new Set<string>();
  for (const word of splitWords(text)) {
    if (!prefixes.has(word.slice(0, 2)) || STOPWORDS.has(word)) continue;
    const term = word.length > 3 && !/^\d/.test(word) ? stemOf(word) : word;
    if (wanted.has(term)) found.add(term);
    if (found.size === wanted.size) break;
  }
  return found.size;
}

/** Distinct query terms, in first-seen order. */
export function analyzeQuery(text: string): string[] {
  return [...new Set(analyze(text))];
}
