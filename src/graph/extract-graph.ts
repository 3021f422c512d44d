// Offline graph extraction, no LLM: people, places and organisations found by compromise (a rule-based
// English NLP library), "I/my" resolved to the speaker, family and social roles ("my sister Emma"), and the
// relation patterns of personal conversation (graph/relation-patterns.ts) with validity from the dates the
// write path already grounded. Runs per memory in well under a millisecond for a conversational turn.
import {
  type EntityMention,
  type EntityType,
  entityKey,
  type GraphFacts,
  type RelationMention,
} from '../core/graph.js';
import type { GroundedDate } from '../core/records.js';
import { STOPWORDS } from '../models/text-analyzer.js';
import {
  NOT_OBJECTS,
  type ObjectKind,
  PHRASE_STOP,
  RELATION_PATTERNS,
  type RelationPattern,
  ROLE_MODIFIERS,
  ROLE_WORDS,
} from './relation-patterns.js';
import type { Tagger } from './tagger.js';

export interface ExtractGraphInput {
  text: string;
  /** The named-entity tagger (graph/tagger.ts `loadTagger`). */
  tagger: Tagger;
  /** Who said it: "I", "me" and "my" are this person. Absent for assistant or tool text. */
  speaker?: string | undefined;
  /** Epoch ms: when it was said (relations start then unless a date in their sentence says otherwise). */
  observedAt: number;
  /** Dates the write path grounded in the text (attributes.dates). */
  dates?: readonly GroundedDate[] | undefined;
}

/** Only the first characters of a text are read. */
const MAX_GRAPH_TEXT_CHARS = 2_000;
const MAX_FACT_CHARS = 300;
const MAX_PHRASE_WORDS = 6;

const NOT_NAMES = new Set(
  (
    'i im ive ill id me my mine you your we our us he she him her they them it its hey hi hello yes yeah no oh wow ' +
    'thanks thank sure okay ok well so and but or also just god lol omg haha congrats awesome great good nice cool ' +
    'mom dad mum today tomorrow yesterday tonight monday tuesday wednesday thursday friday saturday sunday ' +
    'january february march april may june july august september october november december'
  ).split(' '),
);
const ROLE_ALTERNATION = [...ROLE_WORDS.keys()].join('|');
const ROLE_PHRASE = new RegExp(
  `\\b([Mm]y|[Oo]ur|[A-Z][\\p{L}'-]+['’]s)\\s+(?:(?:${ROLE_MODIFIERS})\\s+)?(${ROLE_ALTERNATION})\\b(?:,?\\s+((?:[A-Z][\\p{L}'-]+)(?:\\s[A-Z][\\p{L}'-]+)?))?`,
  'gu',
);
/** A subject among the last words before a cue: a pronoun, a capitalised name, or a role ("my sister"). */
const SUBJECT_NEAR = new RegExp(
  `(?:^|\\b)(?:I|I'm|I've|I'd|we|We|we're|We're|we've|We've|he|He|she|She|\\p{Lu}[\\p{L}'’-]+|${ROLE_ALTERNATION})\\b`,
  'u',
);
const WISH = /\b(?:'d|would|wouldn't|d)\s*$|\b(?:would|'d)\s+(?:really\s+)?$/iu;

/** The entities of one text, deduplicated by key, in order of first appearance. */
class EntityList {
  readonly mentions: EntityMention[] = [];
  private readonly byKey = new Map<string, number>();

  add(name: string, type: EntityType, options: { aliases?: string[]; mustExist?: boolean } = {}): number {
    const key = entityKey(name);
    const known = this.byKey.get(key);
    if (known !== undefined) {
      const mention = this.mentions[known];
      if (mention !== undefined && options.aliases !== undefined) {
        mention.aliases = [...new Set([...(mention.aliases ?? []), ...options.aliases])];
      }
      if (mention !== undefined && options.mustExist !== true) delete mention.mustExist;
      return known;
    }
    const mention: EntityMention = { name, type };
    if (options.aliases !== undefined && options.aliases.length > 0) mention.aliases = options.aliases;
    if (options.mustExist === true) mention.mustExist = true;
    this.mentions.push(mention);
    this.byKey.set(key, this.mentions.length - 1);
    return this.mentions.length - 1;
  }

  retype(index: number, type: EntityType): void {
    const mention = this.mentions[index];
    if (mention !== undefined) mention.type = type;
  }

  indexOf(name: string): number | undefined {
    return this.byKey.get(entityKey(name));
  }
}

/** A named entity as compromise found it, cleaned of punctuation, articles and titles. */
interface Named {
  name: string;
  type: EntityType;
}

function cleanName(raw: string): string {
  return raw
    .replace(/[^\p{L}\p{N}'’\-. &]+/gu, ' ')
    .replace(/['’]s$/u, '')
    .replace(/^(?:the|a|an)\s+/i, '')
    .replace(/[.\s\-–—]+$/u, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words on each side of a capitalised word that the tagger reads with it. */
const NAME_WINDOW = 3;

/** A capitalised word that is not a stopword or a greeting: where a name may be. */
function mayName(word: string): boolean {
  if (!/^\p{Lu}/u.test(word)) return false;
  const key = entityKey(word);
  return key.length >= 2 && !NOT_NAMES.has(key) && !STOPWORDS.has(key);
}

/**
 * What the tagger reads: the words around capitalised words (three on each side), in their sentences' order.
 * A name needs a capital to be kept anyway, and the tagger's cost grows with the text, so a long message
 * with a few names costs little and one without any costs nothing. On LoCoMo and on the synthetic chat of
 * bench:perf, 99.6% of turns yield the same names as tagging whole sentences.
 */
function nameWindows(sentences: readonly string[]): string {
  const parts: string[] = [];
  for (const sentence of sentences) {
    const words = sentence.split(/\s+/);
    const keep = words.map(() => false);
    words.forEach((word, index) => {
      if (!mayName(word)) return;
      const end = Math.min(words.length - 1, index + NAME_WINDOW);
      for (let at = Math.max(0, index - NAME_WINDOW); at <= end; at += 1) keep[at] = true;
    });
    let run: string[] = [];
    words.forEach((word, index) => {
      if (keep[index]) run.push(word);
      else if (run.length > 0) {
        parts.push(run.join(' '));
        run = [];
      }
    });
    if (run.length > 0) parts.push(run.join(' '));
  }
  return parts.join(' … ');
}

function namedEntities(sentences: readonly string[], tagger: Tagger): Named[] {
  const windows = nameWindows(sentences);
  if (windows === '') return [];
  const tagged = tagger(windows);
  const found: Named[] = [];
  const take = (items: string[], type: EntityType) => {
    for (const raw of items) {
      let name = cleanName(raw);
      const words = name.split(' ');
      // "sister Emma": the role belongs to the role phrase, the name to the entity.
      while (words.length > 1 && ROLE_WORDS.has((words[0] ?? '').toLowerCase())) words.shift();
      name = words.join(' ');
      const key = entityKey(name);
      if (key.length < 2 || NOT_NAMES.has(key) || !/^\p{Lu}/u.test(name)) continue;
      found.push({ name, type });
    }
  };
  take(tagged.people, 'person');
  take(tagged.places, 'place');
  take(tagged.organizations, 'organization');
  return found;
}

function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/u)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

/** When a sentence's relation began: the first grounded date the sentence names, else when it was said. */
function validFromOf(sentence: string, input: ExtractGraphInput): number {
  const lower = sentence.toLowerCase();
  for (const date of input.dates ?? []) {
    if (date.text !== '' && lower.includes(date.text.toLowerCase())) {
      const start = Date.parse(`${date.start}T00:00:00.000Z`);
      if (Number.isFinite(start)) return start;
    }
  }
  return input.observedAt;
}

/** Who a clause is about: the last subject named before the cue. */
function subjectBefore(
  prefix: string,
  context: {
    entities: EntityList;
    speaker: () => number | undefined;
    lastPerson: number | undefined;
    named: Named[];
    roles: Array<{ at: number; index: number | undefined }>;
  },
): number | undefined {
  const candidates = context.roles.filter((role) => role.at < prefix.length);
  const pronoun = /\b(I|I'm|I've|I'd|we|We|we're|We're)\b/gu;
  for (const match of prefix.matchAll(pronoun))
    candidates.push({ at: match.index ?? 0, index: context.speaker() });
  for (const match of prefix.matchAll(/\b(he|she|He|She)\b/gu)) {
    candidates.push({ at: match.index ?? 0, index: context.lastPerson });
  }
  for (const named of context.named) {
    if (named.type !== 'person') continue;
    const at = prefix.lastIndexOf(named.name);
    if (at >= 0) candidates.push({ at, index: context.entities.indexOf(named.name) });
  }
  candidates.sort((a, b) => b.at - a.at);
  return candidates[0]?.index;
}

const ENTITY_TYPE_OF: Record<Exclude<ObjectKind, 'literal'>, EntityType> = {
  place: 'place',
  organization: 'organization',
  person: 'person',
  animal: 'animal',
  thing: 'thing',
};

/** The object right after a cue: a named entity or capitalised name when it starts there, else a phrase. */
function objectAfter(
  rest: string,
  pattern: RelationPattern,
  named: Named[],
  entities: EntityList,
): { entity: number } | { literal: string } | undefined {
  const trimmed = rest.replace(/^(?:the|a|an|my|our)\s+/i, '');
  const known = named.find((item) => trimmed.startsWith(item.name));
  if (known !== undefined) {
    // A pet's name reads as a person's to the tagger; the pattern knows better.
    const index = entities.add(known.name, known.type);
    if (pattern.object === 'animal') entities.retype(index, 'animal');
    return { entity: index };
  }
  const capitalised = /^(\p{Lu}[\p{L}'’-]*(?:\s+(?:of\s+)?\p{Lu}[\p{L}'’-]*){0,3})/u.exec(trimmed)?.[1];
  if (capitalised !== undefined && !NOT_NAMES.has(entityKey(capitalised)) && pattern.object !== 'literal') {
    return { entity: entities.add(cleanName(capitalised), ENTITY_TYPE_OF[pattern.object]) };
  }
  const stop = PHRASE_STOP.exec(` ${rest}`);
  const phrase = (stop === null ? rest : rest.slice(0, Math.max(0, stop.index - 1)))
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, MAX_PHRASE_WORDS)
    .join(' ')
    .trim();
  if (phrase === '' || NOT_NAMES.has(entityKey(phrase)) || NOT_OBJECTS.test(phrase)) return undefined;
  return { literal: phrase.replace(/^(?:a|an|the|my|our|some)\s+/i, '') };
}

/**
 * Reads entities and relations from one text, without a model.
 *
 * @example
 * extractGraph({ text: 'My sister Emma lives in Berlin.', speaker: 'alice', observedAt: Date.parse('2024-01-10'),
 *   tagger: await loadTagger() });
 * // entities: alice, Emma (alias "alice's sister"), Berlin; relations: Emma sister_of alice, Emma lives_in Berlin
 */
export function extractGraph(input: ExtractGraphInput): GraphFacts {
  const text = input.text.slice(0, MAX_GRAPH_TEXT_CHARS);
  const entities = new EntityList();
  const relations: RelationMention[] = [];
  const sentences = sentencesOf(text);
  const named = namedEntities(sentences, input.tagger);
  let speakerIndex: number | undefined;
  const speaker = () => {
    if (input.speaker === undefined) return undefined;
    speakerIndex ??= entities.add(input.speaker, 'person');
    return speakerIndex;
  };
  let lastPerson: number | undefined;
  for (const item of named) {
    const index = entities.add(item.name, item.type);
    if (item.type === 'person' && lastPerson === undefined) lastPerson = index;
  }
  const seen = new Set<string>();
  const relate = (relation: RelationMention) => {
    const object =
      'entity' in relation.object ? `e${relation.object.entity}` : `l${entityKey(relation.object.literal)}`;
    const key = `${relation.subject}|${relation.predicate}|${object}`;
    if (seen.has(key)) return;
    seen.add(key);
    relations.push(relation);
  };
  for (const sentence of sentences) {
    const fact = sentence.slice(0, MAX_FACT_CHARS);
    const validFrom = validFromOf(sentence, input);
    const roles = roleMentions(sentence, { entities, speaker, relate, fact, validFrom });
    for (const pattern of RELATION_PATTERNS) {
      const match = pattern.cue.exec(sentence);
      if (match === null) continue;
      const prefix = sentence.slice(0, match.index);
      // The verb must follow its subject ("we really love", not "just like you"), and a wish is no liking.
      const clause = prefix.split(/[,;:!?()"]|\s[-–—]\s?/u).pop() ?? '';
      const near = clause.split(/\s+/).slice(-4).join(' ');
      if (!SUBJECT_NEAR.test(near) || WISH.test(near)) continue;
      const subject = subjectBefore(prefix, { entities, speaker, lastPerson, named, roles });
      if (subject === undefined) continue;
      const object = objectAfter(sentence.slice(match.index + match[0].length), pattern, named, entities);
      if (object === undefined) continue;
      relate({
        subject,
        predicate: pattern.predicate,
        object,
        fact,
        ...(pattern.predicate === 'plans_to' ? {} : { validFrom }),
        confidence: pattern.confidence,
      });
    }
  }
  return { entities: entities.mentions, relations };
}

/** Role phrases of a sentence ("my sister Emma", "Caroline's brother"): entities, aliases and relations. */
function roleMentions(
  sentence: string,
  context: {
    entities: EntityList;
    speaker: () => number | undefined;
    relate: (relation: RelationMention) => void;
    fact: string;
    validFrom: number;
  },
): Array<{ at: number; index: number | undefined }> {
  const found: Array<{ at: number; index: number | undefined }> = [];
  for (const match of sentence.matchAll(ROLE_PHRASE)) {
    const [, owner = '', role = '', name] = match;
    const lowerOwner = owner.toLowerCase();
    const ownerIndex =
      lowerOwner === 'my' || lowerOwner === 'our'
        ? context.speaker()
        : context.entities.add(cleanName(owner), 'person');
    const predicate = ROLE_WORDS.get(role.toLowerCase());
    if (ownerIndex === undefined || predicate === undefined) continue;
    const ownerName = context.entities.mentions[ownerIndex]?.name ?? '';
    const alias = `${ownerName}'s ${role.toLowerCase()}`;
    const cleaned = name === undefined ? undefined : cleanName(name);
    const index =
      cleaned === undefined || NOT_NAMES.has(entityKey(cleaned))
        ? context.entities.add(alias, 'person', { mustExist: true })
        : context.entities.add(cleaned, 'person', { aliases: [alias] });
    found.push({ at: match.index ?? 0, index });
    context.relate({
      subject: index,
      predicate,
      object: { entity: ownerIndex },
      fact: context.fact,
      validFrom: context.validFrom,
      confidence: cleaned === undefined ? 0.6 : 0.85,
    });
  }
  return found;
}
