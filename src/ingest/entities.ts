// Fast, dependency-free entity extraction for the raw-mode write path: capitalised name runs classified as
// people, places or organizations by suffixes, context words and a small gazetteer; topics are the most
// frequent content words. It runs on every ingested turn, so it costs microseconds, not milliseconds;
// it is a heuristic, not a trained recogniser.
import { conceptsOf } from '../models/concept-lexicon.js';
import { STOPWORDS } from '../models/text-analyzer.js';

export interface ExtractedEntities {
  people: string[];
  places: string[];
  organizations: string[];
  /** A handful of salient content words, most frequent first. */
  topics: string[];
}

/** Only the first characters of a text are analysed. */
export const MAX_ENTITY_TEXT_CHARS = 2_000;
const MAX_TOPICS = 5;
const MAX_WORD_CHARS = 40;

const words = (list: string): ReadonlySet<string> => new Set(list.split(/\s+/).filter(Boolean));

const ORG_SUFFIXES = words(
  'inc corp corporation company co llc ltd plc gmbh university college school academy institute bank group ' +
    'foundation association society club hospital clinic church museum agency nations union council ministry ' +
    'department studio studios labs lab records airlines team',
);
const KNOWN_ORGS = words(
  'google microsoft apple amazon facebook meta netflix spotify tesla ibm twitter openai starbucks walmart uber ' +
    'airbnb nasa unicef unesco fifa nba nfl bbc cnn youtube instagram tiktok linkedin reddit github intel nvidia ' +
    'samsung sony nintendo ikea adobe oracle salesforce paypal disney pixar',
);
const KNOWN_PLACES = words(
  'london paris berlin lisbon madrid rome tokyo kyoto osaka beijing shanghai seoul delhi mumbai sydney ' +
    'melbourne toronto vancouver montreal chicago boston seattle denver austin dallas houston miami atlanta ' +
    'brooklyn manhattan california texas florida oregon hawaii alaska canada mexico brazil argentina peru chile ' +
    'france germany spain portugal italy greece sweden norway denmark finland ireland scotland england wales ' +
    'poland austria switzerland netherlands belgium japan china korea india thailand vietnam indonesia ' +
    'australia zealand egypt kenya nigeria morocco turkey israel russia ukraine europe asia africa america ' +
    'amsterdam prague vienna dublin barcelona porto istanbul dubai singapore bangkok bali hollywood',
);
const PLACE_CUES = words('in at to from near around into visit visited visiting toward towards across');
const PLACE_HEADS = words(
  'city street avenue road park lake river mountain mountains beach island county state bay valley ' +
    'canyon falls national airport station square bridge',
);
/** Capitalised words that begin sentences or name times, not entities. */
const NOT_NAMES = words(
  'i im ive ill id hey hi hello yes yeah no oh wow thanks thank sure okay ok well so and but or also just ' +
    'monday tuesday wednesday thursday friday saturday sunday january february march april may june july ' +
    'august september october november december today tomorrow yesterday tonight mr mrs ms dr prof sir ' +
    'god lol omg haha congrats congratulations awesome great good nice cool sounds that this what when where why how',
);
const TIME_WORDS = words(
  'day days week weeks month months year years today tomorrow yesterday tonight time times night morning ' +
    'evening afternoon weekend thing things lot really something anything everything',
);

interface NameRun {
  text: string;
  /** The lower-cased word before the run, if any. */
  before: string;
  /** True when the run's first word starts a sentence. */
  sentenceStart: boolean;
}

const isCapitalised = (word: string): boolean => /^\p{Lu}/u.test(word);
const clean = (word: string): string =>
  word.replace(/['’]s$/u, '').replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');

/** Runs of capitalised words, split at punctuation, possessives and lower-case words. */
function nameRuns(text: string): NameRun[] {
  const runs: NameRun[] = [];
  const tokens = text.split(/\s+/).filter(Boolean);
  let current: string[] = [];
  let before = '';
  let startsSentence = true;
  let runStartsSentence = false;
  const flush = () => {
    if (current.length > 0) runs.push({ text: current.join(' '), before, sentenceStart: runStartsSentence });
    current = [];
  };
  for (const token of tokens) {
    const word = clean(token);
    const endsSentence = /[.!?]["')\]]*$/.test(token) && !/^(Dr|Mr|Mrs|Ms|St|Prof)\.$/.test(token);
    const breaks = /[,;:!?]["')\]]*$/.test(token) || endsSentence || /['’]s\W*$/u.test(token);
    if (
      word.length > 0 &&
      word.length <= MAX_WORD_CHARS &&
      isCapitalised(word) &&
      !NOT_NAMES.has(word.toLowerCase())
    ) {
      if (current.length === 0) runStartsSentence = startsSentence;
      current.push(word);
      if (breaks) flush();
    } else {
      flush();
      if (word.length > 0) before = word.toLowerCase();
    }
    if (breaks && current.length === 0 && word.length > 0 && isCapitalised(word)) before = word.toLowerCase();
    startsSentence = endsSentence;
  }
  flush();
  return runs;
}

/** Function words, words of the concept lexicon, and word forms names rarely take (-ing, -ed, -ly…). */
function isCommonWord(word: string): boolean {
  return (
    word.length < 3 ||
    STOPWORDS.has(word) ||
    conceptsOf(word).length > 0 ||
    /(ing|ed|ly|tion|ness|ment|ful|less)$/.test(word)
  );
}

function classify(run: NameRun): keyof Omit<ExtractedEntities, 'topics'> | undefined {
  const parts = run.text.toLowerCase().split(' ');
  const last = parts[parts.length - 1]!;
  if (parts.some((part) => KNOWN_ORGS.has(part)) || ORG_SUFFIXES.has(last)) return 'organizations';
  if (parts.some((part) => KNOWN_PLACES.has(part)) || PLACE_HEADS.has(last)) return 'places';
  if (PLACE_CUES.has(run.before) && !run.sentenceStart) return 'places';
  // A lone acronym ("LGBTQ", "DIY") names a topic more often than a person.
  if (parts.length === 1 && /^\p{Lu}{2,}$/u.test(run.text)) return undefined;
  // A lone capitalised common word at a sentence start ("Painting is fun") is not a name.
  if (run.sentenceStart && parts.length === 1 && isCommonWord(last)) return undefined;
  return parts.length <= 3 ? 'people' : undefined;
}

function salientTopics(text: string, named: ReadonlySet<string>): string[] {
  const counts = new Map<string, { count: number; first: number }>();
  let position = 0;
  for (const raw of text.toLowerCase().match(/[\p{L}][\p{L}'’-]*/gu) ?? []) {
    const word = clean(raw);
    position += 1;
    if (
      word.length < 3 ||
      word.length > MAX_WORD_CHARS ||
      STOPWORDS.has(word) ||
      TIME_WORDS.has(word) ||
      named.has(word)
    )
      continue;
    const entry = counts.get(word);
    if (entry) entry.count += 1;
    else counts.set(word, { count: 1, first: position });
  }
  return [...counts.entries()]
    .sort(([, a], [, b]) => b.count - a.count || a.first - b.first)
    .slice(0, MAX_TOPICS)
    .map(([word]) => word);
}

/**
 * Extracts people, places, organizations and a few topic words from `text` (first 2,000 characters).
 * Names keep their casing and are de-duplicated case-insensitively.
 *
 * @example
 * extractEntities('Maria flew from Lisbon to Berlin to visit Google.')
 * // { people: ['Maria'], places: ['Lisbon', 'Berlin'], organizations: ['Google'], topics: [...] }
 */
export function extractEntities(text: string): ExtractedEntities {
  const sample = text.slice(0, MAX_ENTITY_TEXT_CHARS);
  const out: ExtractedEntities = { people: [], places: [], organizations: [], topics: [] };
  const seen = new Set<string>();
  for (const run of nameRuns(sample)) {
    const key = run.text.toLowerCase();
    const kind = classify(run);
    if (kind === undefined || seen.has(key)) continue;
    seen.add(key);
    out[kind].push(run.text);
  }
  const named = new Set([...seen].flatMap((name) => name.split(' ')));
  out.topics = salientTopics(sample, named);
  return out;
}
