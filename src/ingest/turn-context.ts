// Conversational context for short turns: a reply like "Yes, I painted it last year!" is only findable
// with the turn it answers, so a short episode is indexed with the end of the turn before it and the
// start of the turn after it (same session). Long turns stand on their own and are indexed alone.

/**
 * A turn of at most this many words is "short": about two or three sentences of chat, which usually
 * lean on the turn they answer. Longer turns (an assistant's answer, a story) carry their own context,
 * and padding them with a neighbour only blurs them.
 */
export const SHORT_TURN_WORDS = 50;

/** How many words of each neighbouring turn a short turn is indexed with: about one sentence. */
export const CONTEXT_WORDS = 20;

/** The text of the turns right before and after one turn, when they exist in the same session. */
export interface TurnNeighbours {
  before?: string;
  after?: string;
}

function words(text: string): string[] {
  return text.split(/\s+/u).filter((word) => word !== '');
}

/** True when the turn is short enough to be indexed with its neighbours. */
export function isShortTurn(content: string): boolean {
  return words(content).length <= SHORT_TURN_WORDS;
}

/**
 * The context a turn is indexed with: the last {@link CONTEXT_WORDS} words of the turn before it and the
 * first {@link CONTEXT_WORDS} of the turn after it, or '' for a long turn or one without neighbours.
 * Only index text carries it; the memory's `text` stays the turn as said.
 *
 * @example
 * turnContext('Yes, last year!', { before: 'Did you paint that lake sunrise?' })
 * // 'Did you paint that lake sunrise?'
 */
export function turnContext(content: string, neighbours: TurnNeighbours): string {
  if (!isShortTurn(content)) return '';
  const parts: string[] = [];
  if (neighbours.before !== undefined) parts.push(words(neighbours.before).slice(-CONTEXT_WORDS).join(' '));
  if (neighbours.after !== undefined) parts.push(words(neighbours.after).slice(0, CONTEXT_WORDS).join(' '));
  return parts.filter((part) => part !== '').join(' … ');
}
