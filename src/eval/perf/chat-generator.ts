// Synthetic chat turns and queries for the performance benchmark: Zipf-distributed words, names, places and
// relative dates, so full-text doclists and vectors look like those of real conversations.
import { createPrng, createZipfSampler, type Prng, type ZipfSampler } from './prng.js';

/** Common conversational words, most frequent first; the Zipf head of the vocabulary. */
const COMMON_WORDS = (
  'time day work home dinner friend family movie book weekend trip coffee lunch meeting project team car ' +
  'house kids dog cat school class game music party birthday gift plan idea news phone email call money ' +
  'job boss office city beach park garden kitchen recipe cake pizza pasta salad bread wine beer tea water ' +
  'morning evening night week month year summer winter spring autumn holiday vacation flight hotel train ' +
  'bus bike run walk hike gym yoga swim tennis soccer football basketball concert show festival museum ' +
  'gallery painting photo camera laptop computer code bug release deadline report presentation client ' +
  'doctor dentist appointment health sleep dream story song album band guitar piano lesson course exam ' +
  'test grade teacher student university degree thesis research paper article blog podcast video series ' +
  'episode season finale character plot ending favorite restaurant cafe bar menu order delivery shopping ' +
  'store market sale price budget rent apartment neighbor roommate wedding anniversary baby sister brother ' +
  'mother father parents grandma grandpa cousin uncle aunt husband wife partner boyfriend girlfriend ' +
  'colleague manager interview offer salary promotion move visit travel passport ticket luggage map road ' +
  'weather rain snow sun storm cold hot tired happy excited nervous worried busy great awesome terrible ' +
  'fun funny boring long short new old big small early late quick slow amazing beautiful delicious ' +
  'started finished bought sold cooked baked watched read wrote played visited called met talked ' +
  'learned taught moved painted fixed broke lost found forgot remembered planned booked cancelled ' +
  'adopted ran climbed drove flew stayed celebrated tried loved hated enjoyed missed signed joined'
).split(' ');

const NAMES = (
  'Alice Bob Carol Dave Emma Frank Grace Henry Isabel Jack Karen Liam Maria Noah Olivia Paul Quinn Rosa ' +
  'Sam Tina Umar Vera Walter Xena Yusuf Zoe Aaron Bella Caleb Diana Ethan Fiona George Hannah Ivan Julia ' +
  'Kevin Laura Mason Nina Oscar Priya Ravi Sara Tom Uma Victor Wendy Yara Zack Melanie Caroline Jon Gina ' +
  'Andrew Audrey Evan Sophie Tim James Joanna Nate Deborah Jolene John Maria Calvin Dave Lucas Mia'
).split(' ');

const PLACES = (
  'Lisbon Paris Berlin Tokyo Kyoto Seattle Boston Chicago Denver Austin Miami Toronto Vancouver Dublin ' +
  'London Madrid Barcelona Rome Florence Vienna Prague Budapest Athens Istanbul Cairo Nairobi Sydney ' +
  'Melbourne Auckland Bali Bangkok Seoul Singapore Mumbai Delhi Lima Cusco Quito Bogota Havana Montreal ' +
  'Portland Phoenix Nashville Oslo Stockholm Helsinki Copenhagen Amsterdam Brussels Zurich Geneva Munich ' +
  'Hamburg Krakow Warsaw Riga Tallinn Reykjavik Edinburgh Glasgow Porto Seville Valencia Naples Venice'
).split(' ');

const RELATIVE_DATES = [
  'yesterday',
  'today',
  'last week',
  'last weekend',
  'last month',
  'last year',
  'two days ago',
  'three weeks ago',
  'on Monday',
  'last Tuesday',
  'on Friday night',
  'this morning',
  'next week',
  'next month',
  'tomorrow',
];

/** Turn templates: {name}, {place}, {date} and {word} are filled in; {word} draws from the Zipf vocabulary. */
const TURN_TEMPLATES = [
  '{name} went to {place} {date} and loved the {word}',
  'I had {word} with {name} in {place} {date}',
  'We are planning a {word} trip to {place} {date} with {name}',
  '{name} told me about the {word} and the {word} {date}',
  'Did you know {name} moved to {place} {date}? The {word} there is {word}',
  'My {word} with {name} got {word} {date}, so we {word} instead',
  'I {word} a new {word} {date}, {name} recommended it',
  'Remember that {word} in {place}? {name} still talks about the {word}',
  '{date} I finally {word} the {word} I told you about',
  'How was the {word} with {name} {date}?',
  'Can you remind me what {name} said about {place}?',
  'That sounds {word}! Tell {name} I said hi, and enjoy {place}',
];

const QUERY_TEMPLATES = [
  'where did {name} go {date}',
  'what did {name} say about the {word}',
  'when did I visit {place}',
  'who went to {place} {date}',
  'what {word} did {name} recommend',
  'what happened with the {word} {date}',
  'did {name} move to {place}',
  'what do I know about {name} and the {word}',
  '{word} {word} in {place}',
  'how was the {word} {date}',
];

/** Syllables for the pseudo-words that fill the long tail of the vocabulary beyond the common words. */
const ONSETS = [
  'b',
  'br',
  'c',
  'ch',
  'd',
  'f',
  'g',
  'gr',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  'st',
  't',
  'tr',
  'v',
  'w',
  'z',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou'];
const CODAS = ['', 'n', 'r', 'l', 's', 'nd', 'st', 'rk', 'm', 'x'];

export interface ChatTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** Deterministic source of chat turns and search queries. */
export interface ChatGenerator {
  readonly vocabulary: readonly string[];
  /** The next chat turn; roles alternate user, assistant, user… */
  turn(): ChatTurn;
  /** `count` consecutive turns. */
  turns(count: number): ChatTurn[];
  /** A question like "where did Alice go last week". */
  query(): string;
}

export interface ChatGeneratorOptions {
  seed: number;
  /** Distinct words, common ones first (default 4,000). */
  vocabularySize?: number;
  /** Zipf exponent of word frequencies (default 1.05, close to natural language). */
  zipfExponent?: number;
}

/**
 * Creates a seeded generator of chat-like turns and queries. The same options give the same text.
 *
 * @example
 * const chat = createChatGenerator({ seed: 1 });
 * chat.turns(2); // [{ role: 'user', content: 'Alice went to Lisbon last week and …' }, { role: 'assistant', … }]
 * chat.query(); // 'where did Bob go yesterday'
 */
export function createChatGenerator(options: ChatGeneratorOptions): ChatGenerator {
  const random = createPrng(options.seed);
  const vocabulary = buildVocabulary(options.vocabularySize ?? 4000);
  const zipf = createZipfSampler({ size: vocabulary.length, exponent: options.zipfExponent ?? 1.05 });
  const names = createZipfSampler({ size: NAMES.length, exponent: 0.8 });
  const places = createZipfSampler({ size: PLACES.length, exponent: 0.8 });
  const fill = (template: string): string =>
    template.replace(/\{(name|place|date|word)\}/g, (_match, slot: string) => {
      if (slot === 'name') return NAMES[names.sample(random)]!;
      if (slot === 'place') return PLACES[places.sample(random)]!;
      if (slot === 'date') return random.pick(RELATIVE_DATES);
      return vocabulary[zipf.sample(random)]!;
    });
  let turnIndex = 0;
  const turn = (): ChatTurn => {
    const role = turnIndex % 2 === 0 ? 'user' : 'assistant';
    turnIndex += 1;
    const parts = [fill(random.pick(TURN_TEMPLATES))];
    // About half the turns carry a free-form tail, so lengths vary like real chat (≈8–40 words).
    if (random.next() < 0.5) parts.push(freeSentence(random, vocabulary, zipf));
    if (random.next() < 0.15) parts.push(freeSentence(random, vocabulary, zipf));
    return { role, content: parts.join('. ') };
  };
  return {
    vocabulary,
    turn,
    turns: (count) => Array.from({ length: count }, turn),
    query: () => fill(random.pick(QUERY_TEMPLATES)),
  };
}

function freeSentence(random: Prng, vocabulary: readonly string[], zipf: ZipfSampler): string {
  const length = random.int(4, 16);
  const words = Array.from({ length }, () => vocabulary[zipf.sample(random)]!);
  const first = words[0]!;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(' ');
}

/** The common words first, then distinct pseudo-words from a fixed seed until `size` words exist. */
export function buildVocabulary(size: number): string[] {
  const words = [...new Set(COMMON_WORDS)].slice(0, size);
  const seen = new Set(words);
  const random = createPrng(0x5eed);
  while (words.length < size) {
    const syllables = random.int(2, 3);
    let word = '';
    for (let index = 0; index < syllables; index += 1) {
      word += random.pick(ONSETS) + random.pick(VOWELS) + (index === syllables - 1 ? random.pick(CODAS) : '');
    }
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  return words;
}
