// The loss guard of consolidation: a merged text must keep what each of its sources says. A text is read
// as content units — stemmed content words (the analyser's, so "hiking" and "hike" agree), numbers, names
// (capitalised words inside a sentence) and a negation mark — and a merge is refused when the result drops a
// source's unit. Offline merges must keep every unit; a model's paraphrase may reword ordinary words (a word
// counts as kept when the result shares its concept), never names, numbers or negation.
import { conceptsOf } from '../../models/concept-lexicon.js';
import { analyze, STOPWORDS } from '../../models/text-analyzer.js';

/** The mark a negated statement carries among its units. */
export const NEGATION = '¬';

const NEGATION_PATTERN =
  /\b(?:not|no|never|nothing|none|nobody|neither|nor|without|cannot|no longer|anymore)\b|n[’']t\b/iu;

/**
 * Discourse markers that carry no fact ("as I said before", "just so you know", a leading "Remember," or
 * "Oh, and"): a restatement wrapped in them says what the plain statement says.
 */
const DISCOURSE_MARKERS =
  /\b(?:as i (?:said|mentioned|told you)(?: (?:before|earlier))?|like i said|as mentioned(?: before)?|just so you know|for the record|by the way|btw|fyi|to be honest|i mean|you know)\b|^\s*(?:remember|anyway|honestly|actually|oh|yeah|well|so|ok|okay)\b,?(?:\s+and\b)?/gimu;

/** Stems of words that only add aspect or emphasis ("still", "again"), never a fact. */
const FILLER_UNITS: ReadonlySet<string> = new Set(['still', 'again', 'alreadi', 'just']);

/** Stems that say the speaker likes something, and that they dislike it. */
const LIKING: ReadonlySet<string> = new Set([
  'love',
  'like',
  'enjoi',
  'ador',
  'fan',
  'favourit',
  'favorit',
  'prefer',
  'passion',
]);
const DISLIKING: ReadonlySet<string> = new Set(['hate', 'dislik', 'detest', 'loath', 'despis']);

/** Concepts whose words refer to people: a text that adds one may be about someone else. */
const PERSON_CONCEPTS: ReadonlySet<string> = new Set(['family', 'partner', 'friendship']);

export interface ContentUnits {
  /** Every unit: stems, numbers, names and the negation mark. */
  all: ReadonlySet<string>;
  /** The units no paraphrase may lose: numbers, names and the negation mark. */
  strict: ReadonlySet<string>;
  /** Names (lower-cased stems) and words for people (sister, wife, friend…). */
  persons: ReadonlySet<string>;
  /** +1 the text says the speaker likes something, -1 dislikes it (negation applied), 0 neither. */
  polarity: -1 | 0 | 1;
  /** What it is about: every unit but the liking words and the negation mark. */
  topic: ReadonlySet<string>;
}

/**
 * The content units of a text.
 *
 * @example
 * contentUnits('I really enjoy hiking in the Alps').all; // Set { 'enjoi', 'hike', 'alp' }
 * contentUnits("I don't like sushi").polarity; // -1
 */
export function contentUnits(text: string): ContentUnits {
  const plain = expandNegations(text.replace(DISCOURSE_MARKERS, ' '));
  const all = new Set(analyze(plain).filter((unit) => !NEGATION_WORDS.has(unit) && !FILLER_UNITS.has(unit)));
  const strict = new Set<string>();
  const persons = new Set<string>();
  for (const unit of all) {
    if (/^\d/u.test(unit)) strict.add(unit);
    if (conceptsOf(unit).some((concept) => PERSON_CONCEPTS.has(concept))) persons.add(unit);
  }
  for (const name of namesIn(plain)) {
    for (const unit of analyze(name)) {
      all.add(unit);
      strict.add(unit);
      persons.add(unit);
    }
  }
  const negated = NEGATION_PATTERN.test(plain);
  if (negated) {
    all.add(NEGATION);
    strict.add(NEGATION);
  }
  const likes = [...all].some((unit) => LIKING.has(unit));
  const dislikes = [...all].some((unit) => DISLIKING.has(unit)) || (negated && all.has('stand'));
  const stated: -1 | 0 | 1 = likes && !dislikes ? 1 : dislikes && !likes ? -1 : 0;
  // "can't stand" already counts as disliking; any other negation turns the liking round ("don't like").
  const polarity = (negated && !all.has('stand') && stated !== 0 ? -stated : stated) as -1 | 0 | 1;
  const topic = new Set(
    [...all].filter(
      (unit) =>
        unit !== NEGATION && !LIKING.has(unit) && !DISLIKING.has(unit) && !(unit === 'stand' && dislikes),
    ),
  );
  return { all, strict, persons, polarity, topic };
}

/**
 * Whether two units are the same: equal, or (words of five letters or more) one the other's prefix, so the
 * stems of "allergic" and "allergy" agree.
 *
 * @example
 * sameUnit('allerg', 'allergi'); // true
 */
export function sameUnit(left: string, right: string): boolean {
  if (left === right) return true;
  if (Math.min(left.length, right.length) < 5 || /^\d/u.test(left) || /^\d/u.test(right)) return false;
  return left.startsWith(right) || right.startsWith(left);
}

/** Whether `units` holds `unit` (see `sameUnit`). */
export function hasUnit(units: ReadonlySet<string>, unit: string): boolean {
  if (units.has(unit)) return true;
  for (const other of units) if (sameUnit(other, unit)) return true;
  return false;
}

/** Words that only negate: the negation mark stands for them, so "I never eat meat" is "I eat meat" negated. */
const NEGATION_WORDS: ReadonlySet<string> = new Set([
  'never',
  'noth',
  'nothing',
  'none',
  'nobodi',
  'nobody',
  'neither',
  'without',
  'cannot',
  'anymor',
  'anymore',
]);

/** "doesn't" → "does not", "can't" → "can not", "won't" → "will not": the verb is a stopword, "not" a negation. */
function expandNegations(text: string): string {
  return text
    .replace(/\bcan[’']t\b/giu, 'can not')
    .replace(/\bwon[’']t\b/giu, 'will not')
    .replace(/\bshan[’']t\b/giu, 'shall not')
    .replace(/\b(\p{L}+)n[’']t\b/giu, '$1 not');
}

/** Capitalised words that do not start a sentence (and are not "I"): names of people, places, things. */
function namesIn(text: string): string[] {
  const names: string[] = [];
  for (const sentence of text.split(/(?<=[.!?])\s+|\n+/u)) {
    const words = sentence.split(/\s+/u).filter(Boolean);
    for (const [index, raw] of words.entries()) {
      const word = raw.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      if (index === 0 || word === 'I' || !/^\p{Lu}/u.test(word)) continue;
      if (STOPWORDS.has(word.toLowerCase())) continue;
      names.push(word);
    }
  }
  return names;
}

/** What a candidate text drops of one source, and whether that is allowed. */
export interface Coverage {
  kept: boolean;
  /** The source's units the result does not keep. */
  missing: string[];
}

/**
 * Whether `result` keeps what `source` says. `strict` (offline merges): every unit. Otherwise (a model's
 * paraphrase): every number, name and negation, and every other unit either literally or through a shared
 * concept (concept-lexicon.ts), with at most `maxReworded` of them through a concept only.
 *
 * @example
 * coverage(contentUnits('I enjoy hiking in the Alps'), contentUnits('I really enjoy hiking in the Alps'), { strict: true }).kept; // true
 * coverage(contentUnits('I have 2 kids'), contentUnits('I have 3 kids'), { strict: true }).missing; // ['2']
 */
export function coverage(
  source: ContentUnits,
  result: ContentUnits,
  options: {
    strict: boolean;
    maxReworded?: number | undefined;
    /** Only these concepts may carry a reworded unit (default: any). */
    concepts?: ReadonlySet<string> | undefined;
    /** The concepts of a unit (default: the lexicon's, `conceptsOf`). */
    conceptsOf?: ((unit: string) => readonly string[]) | undefined;
  },
): Coverage {
  const missing: string[] = [];
  let reworded = 0;
  const allowed = (concept: string) => options.concepts === undefined || options.concepts.has(concept);
  const conceptsOfUnit = options.conceptsOf ?? conceptsOf;
  const resultConcepts = new Set([...result.all].flatMap((unit) => conceptsOfUnit(unit)).filter(allowed));
  for (const unit of source.all) {
    if (hasUnit(result.all, unit)) continue;
    const paraphrased =
      !options.strict &&
      !source.strict.has(unit) &&
      conceptsOfUnit(unit).some((id) => allowed(id) && resultConcepts.has(id));
    if (paraphrased) reworded += 1;
    else missing.push(unit);
  }
  // A result that adds a negation (or drops one) says the opposite: never a merge.
  if (result.all.has(NEGATION) && !source.all.has(NEGATION)) missing.push(NEGATION);
  const allowedRewording = options.maxReworded ?? Math.max(1, Math.floor(source.all.size / 2));
  return { kept: missing.length === 0 && reworded <= allowedRewording, missing };
}

/**
 * Jaccard similarity of two unit sets, in [0, 1].
 *
 * @example
 * unitJaccard(contentUnits('I like sushi').all, contentUnits('I like sushi a lot').all); // 0.67
 */
export function unitJaccard(left: ReadonlySet<string>, right: ReadonlySet<string>): number {
  if (left.size === 0 && right.size === 0) return 1;
  let shared = 0;
  for (const unit of left) if (hasUnit(right, unit)) shared++;
  return shared / (left.size + right.size - shared);
}
