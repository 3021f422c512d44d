// Cheap entity extraction for the raw-mode write path: people, places, organizations and topics via compromise.
import nlp from 'compromise';
import { STOPWORDS } from '../models/text-analyzer.js';

export interface ExtractedEntities {
  people: string[];
  places: string[];
  organizations: string[];
  /** A handful of salient common nouns (or noun compounds), most frequent first. */
  topics: string[];
}

/** Only the first characters of a text are analysed; compromise costs about 1 ms per sentence. */
export const MAX_ENTITY_TEXT_CHARS = 2_000;
const MAX_TOPICS = 5;
/** Longer "words" (hashes, base64, runs of one letter) are not names or topics. */
const MAX_WORD_CHARS = 40;

/** The part of compromise's `json()` output this module reads. */
interface TermJson {
  text: string;
  post: string;
  tags: string[];
}
interface PhraseJson {
  terms: TermJson[];
}

const SKIP_TAGS = ['Determiner', 'Preposition', 'Conjunction', 'Pronoun', 'Honorific', 'Adverb', 'Verb'];
const TOPIC_SKIP_TAGS = [
  ...SKIP_TAGS,
  'ProperNoun',
  'Person',
  'Place',
  'Organization',
  'Date',
  'Value',
  'Adjective',
];
const TIME_WORDS = new Set(
  'day days week weeks month months year years today tomorrow yesterday tonight time times night morning evening afternoon weekend thing things lot'.split(
    ' ',
  ),
);

const trimPunctuation = (value: string): string =>
  value.replace(/['’]s$/u, '').replace(/^[\p{P}\p{S}\s]+|[\p{P}\p{S}\s]+$/gu, '');
const hasTag = (term: TermJson, tags: readonly string[]): boolean =>
  tags.some((tag) => term.tags.includes(tag));
const isUsableWord = (word: string): boolean =>
  word.length > 0 && word.length <= MAX_WORD_CHARS && !STOPWORDS.has(word.toLowerCase());
/** A capitalised word that is not a function word ("The" at a sentence start is not a name). */
const isNameWord = (word: string): boolean => isUsableWord(word) && /^\p{Lu}/u.test(word);

/**
 * Splits a compromise phrase into runs of capitalised name words, breaking at function words,
 * possessives and sentence ends ("Alice's sister Maria" → "Alice", "Maria").
 */
function nameRuns(phrase: PhraseJson): string[] {
  const runs: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    const name = trimPunctuation(current.join(' '));
    if (name.length > 1) runs.push(name);
    current = [];
  };
  for (const term of phrase.terms) {
    const word = trimPunctuation(term.text);
    if (!isNameWord(word) || hasTag(term, SKIP_TAGS)) {
      flush();
      continue;
    }
    current.push(word);
    const endsSentence = /[.!?]/.test(term.post) && !hasTag(term, ['Abbreviation', 'Honorific']);
    if (hasTag(term, ['Possessive']) || endsSentence || /[,;:]/.test(term.post)) flush();
  }
  flush();
  return runs;
}

function uniqueNames(phrases: PhraseJson[], exclude: ReadonlySet<string> = new Set()): string[] {
  const seen = new Set<string>(exclude);
  const out: string[] = [];
  for (const name of phrases.flatMap(nameRuns)) {
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/** Runs of common nouns ("conference hall"), ranked by frequency then first appearance. */
function salientTopics(phrases: PhraseJson[], exclude: ReadonlySet<string>): string[] {
  const counts = new Map<string, { text: string; count: number; first: number }>();
  let position = 0;
  const add = (words: string[]): void => {
    const text = words.join(' ');
    const key = text.toLowerCase();
    if (text.length < 3 || exclude.has(key) || STOPWORDS.has(key) || TIME_WORDS.has(key)) return;
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { text, count: 1, first: position });
    position += 1;
  };
  for (const phrase of phrases) {
    let run: string[] = [];
    for (const term of phrase.terms) {
      const word = trimPunctuation(term.text);
      const isTopicNoun = isUsableWord(word) && term.tags.includes('Noun') && !hasTag(term, TOPIC_SKIP_TAGS);
      if (isTopicNoun) run.push(word);
      if (!isTopicNoun || /[\p{P}]/u.test(term.post)) {
        if (run.length > 0) add(run);
        run = [];
      }
    }
    if (run.length > 0) add(run);
  }
  return [...counts.values()]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .slice(0, MAX_TOPICS)
    .map((entry) => entry.text);
}

/**
 * Extracts people, places, organizations and a few topic nouns from `text` (first 2,000 characters).
 * Names keep their original casing, are trimmed of punctuation and de-duplicated case-insensitively.
 *
 * @example
 * extractEntities('Maria flew from Lisbon to Berlin to visit Google.')
 * // { people: ['Maria'], places: ['Lisbon', 'Berlin'], organizations: ['Google'], topics: [] }
 */
export function extractEntities(text: string): ExtractedEntities {
  const sample = text.slice(0, MAX_ENTITY_TEXT_CHARS).trim();
  if (sample.length === 0) return { people: [], places: [], organizations: [], topics: [] };
  const doc = nlp(sample);
  const people = uniqueNames(doc.people().json() as PhraseJson[]);
  const places = uniqueNames(
    doc.places().json() as PhraseJson[],
    new Set(people.map((name) => name.toLowerCase())),
  );
  const named = new Set([...people, ...places].map((name) => name.toLowerCase()));
  const organizations = uniqueNames(doc.organizations().json() as PhraseJson[], named);
  for (const name of organizations) named.add(name.toLowerCase());
  const topics = salientTopics(doc.nouns().json() as PhraseJson[], named);
  return { people, places, organizations, topics };
}
