// Lexical answer scores of the QA benchmark: SQuAD-style token F1 and BLEU-1, pure functions over strings.

/**
 * SQuAD answer normalisation: lower-case, drop punctuation and symbols, drop the articles a/an/the,
 * collapse whitespace. Returns the tokens.
 *
 * @example
 * normalizeAnswerTokens('The Eiffel Tower!'); // ['eiffel', 'tower']
 */
export function normalizeAnswerTokens(text: string): string[] {
  const withoutPunctuation = text.toLowerCase().replace(/[\p{P}\p{S}]/gu, '');
  const withoutArticles = withoutPunctuation.replace(/\b(a|an|the)\b/g, ' ');
  return withoutArticles.split(/\s+/).filter((token) => token !== '');
}

function countTokens(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/** How many prediction tokens also occur in the reference, each reference token matched at most once. */
function overlap(prediction: readonly string[], reference: readonly string[]): number {
  const available = countTokens(reference);
  let same = 0;
  for (const token of prediction) {
    const left = available.get(token) ?? 0;
    if (left > 0) {
      same += 1;
      available.set(token, left - 1);
    }
  }
  return same;
}

/**
 * Token-level F1 between a predicted and a reference answer, as in SQuAD: harmonic mean of token precision
 * and recall after {@link normalizeAnswerTokens}. Two answers that normalise to nothing score 1.
 *
 * @example
 * tokenF1('in the Eiffel Tower', 'Eiffel Tower'); // 0.8
 */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = normalizeAnswerTokens(prediction);
  const expected = normalizeAnswerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) {
    return predicted.length === expected.length ? 1 : 0;
  }
  const same = overlap(predicted, expected);
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * BLEU-1 of a predicted answer against one reference: clipped unigram precision times the brevity
 * penalty `exp(1 - r/c)` when the prediction (c tokens) is shorter than the reference (r tokens).
 * Tokens are normalised as for {@link tokenF1}. Two answers that normalise to nothing score 1.
 *
 * @example
 * bleu1('Eiffel Tower', 'the Eiffel Tower, Paris'); // exp(1 - 3/2) ≈ 0.607
 */
export function bleu1(prediction: string, reference: string): number {
  const predicted = normalizeAnswerTokens(prediction);
  const expected = normalizeAnswerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) {
    return predicted.length === expected.length ? 1 : 0;
  }
  const precision = overlap(predicted, expected) / predicted.length;
  const brevityPenalty =
    predicted.length >= expected.length ? 1 : Math.exp(1 - expected.length / predicted.length);
  return precision * brevityPenalty;
}

/** The phrases LoCoMo's evaluation script looks for in answers to adversarial questions. */
const notMentionedPattern = /no information available|not mentioned/i;

/**
 * True when an answer declines in the words LoCoMo's evaluation script accepts for its adversarial
 * (category 5) questions: it contains "not mentioned" or "no information available" (any case). That
 * script scores such answers 1 and any other answer 0, in place of token F1.
 *
 * @example
 * saysNotMentioned('Not mentioned in the conversation.'); // true
 * saysNotMentioned('She loves Verdi.'); // false
 */
export function saysNotMentioned(answer: string): boolean {
  return notMentionedPattern.test(answer);
}
