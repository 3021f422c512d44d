// A fast, dependency-free token estimate for budgets and usage reports (not an exact tokenizer count).

/**
 * Estimates how many tokens a text costs a typical BPE tokenizer (cl100k/o200k-like).
 * It blends two rules of thumb — about 4 characters per token, and about 4/3 tokens per word — and
 * averages them, which tracks real counts within roughly ±20% on English prose. It is an estimate:
 * use it for budgets with some headroom, never where an exact count matters. Empty text costs 0.
 *
 * @example
 * estimateTokens('I moved to Lisbon last March') // 8
 */
export function estimateTokens(text: string): number {
  const length = text.length;
  if (length === 0) return 0;
  let words = 0;
  let inWord = false;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    // whitespace: space, tab, newline, carriage return, form feed, vertical tab, no-break space
    const isSpace = code === 32 || (code >= 9 && code <= 13) || code === 160;
    if (isSpace) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  if (words === 0) return 0;
  return Math.max(1, Math.ceil((length / 4 + (words * 4) / 3) / 2));
}
