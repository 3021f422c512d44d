// How a store keeps a memory's full-text tokens without a second copy: derived again from its index text
// when that reproduces them exactly, else verbatim.
//
// Writers analyse the index text (models/text-analyzer.ts `analyze`); an episode that borrows context from
// its neighbours counts its own words twice, i.e. its tokens are the first n tokens of the index text's
// analysis followed by the whole analysis. So the stored form is:
// - null: the tokens are `analyze(indexText)` (after `cleanTokens`);
// - an integer n: the first n of those, then all of them;
// - a JSON array: anything else, verbatim.
// Exact by construction: the encoder only chooses a derived form after checking it reproduces the tokens.
import { analyze } from '../models/text-analyzer.js';
import { cleanTokens } from './row-mapping.js';

/** The stored form of `tokens` (already cleaned) for a memory indexed by `indexText`. */
export type StoredTokens = string | number | null;

function sameTokens(left: readonly string[], right: readonly string[], count = left.length): boolean {
  if (left.length < count || right.length < count) return false;
  for (let index = 0; index < count; index++) if (left[index] !== right[index]) return false;
  return true;
}

/**
 * Encodes cleaned tokens against their index text.
 *
 * @example
 * encodeTokens('Melanie: I paint', ['melani', 'paint']); // null
 * encodeTokens('Melanie: I paint. Nice!', ['melani', 'paint', 'melani', 'paint', 'nice']); // 2
 */
export function encodeTokens(indexText: string, tokens: readonly string[]): StoredTokens {
  const derived = cleanTokens(analyze(indexText));
  if (tokens.length === derived.length && sameTokens(tokens, derived)) return null;
  const head = tokens.length - derived.length;
  if (
    head > 0 &&
    head <= derived.length &&
    sameTokens(tokens, derived, head) &&
    sameTokens(tokens.slice(head), derived)
  ) {
    return head;
  }
  return JSON.stringify(tokens);
}

/**
 * The tokens a stored form stands for.
 *
 * @example
 * decodeTokens('Melanie: I paint. Nice!', 2); // ['melani', 'paint', 'melani', 'paint', 'nice']
 */
export function decodeTokens(indexText: string, stored: StoredTokens): string[] {
  if (typeof stored === 'string') return JSON.parse(stored) as string[];
  const derived = cleanTokens(analyze(indexText));
  return stored === null ? derived : [...derived.slice(0, stored), ...derived];
}
