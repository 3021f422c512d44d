// The drift stream: a seeded, generated record of what users say about their lives over months (moves, job
// changes, flipped tastes, restatements, corrections), each statement labelled with its slot and value.
import { MnemoError } from '../../core/errors.js';
import { createPrng, type Prng } from '../perf/prng.js';
import {
  fillers,
  type Phrase,
  type SlotFamily,
  slotFamilies,
  subjectsPerUser,
  userNames,
} from './drift-phrases.js';

export const statementTypes = ['new', 'restatement', 'change', 'flip', 'correction'] as const;
/**
 * `new`: a slot's first statement; `restatement`: its current value said again; `change`: a new value of a
 * functional slot (a move); `flip`: a preference turned around; `correction`: a mistaken value fixed.
 */
export type StatementType = (typeof statementTypes)[number];

export const restatementForms = ['verbatim', 'filler', 'reorder', 'paraphrase'] as const;
/**
 * How a restatement differs from the statement it repeats: `verbatim` the same text; `filler` the same words
 * with openers, closers or "still" added; `reorder` the same words in another order; `paraphrase` other words.
 */
export type RestatementForm = (typeof restatementForms)[number];

/** One thing a user said, with its ground truth. */
export interface DriftStatement {
  /** `<user>-<n>`, unique in the stream. */
  id: string;
  userId: string;
  /** What it is about: `home`, `employer`, `likes:sushi`, `hobby:hiking`… */
  slot: string;
  /** The slot's value it states (`Lisbon`, `like`/`dislike`, `yes`/`no`…). */
  value: string;
  text: string;
  /** ISO-8601 UTC. */
  observedAt: string;
  type: StatementType;
  /** Restatements only. */
  form?: RestatementForm;
  /** A restatement: the statement it repeats; a correction: the mistaken statement. */
  refersTo?: string;
}

/** The plain question a user would ask about one of their slots. */
export interface DriftQuestion {
  userId: string;
  slot: string;
  question: string;
}

export interface DriftStream {
  seed: number;
  users: string[];
  months: number;
  /** ISO-8601 UTC: the first day, and the moment after the last statement (upkeep and questions run then). */
  start: string;
  end: string;
  /** In the order they were said. */
  statements: DriftStatement[];
  questions: DriftQuestion[];
}

export interface DriftStreamOptions {
  /** Default {@link defaultDriftSeed}. */
  seed?: number | undefined;
  /** Default 3. */
  users?: number | undefined;
  /** Default 12 (a month is 30 days). */
  months?: number | undefined;
  /** The first day (default 2025-01-06). */
  start?: string | number | undefined;
}

export const defaultDriftSeed = 20261214;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTH = 30 * DAY;
/** Chance per slot and month of one restatement, then of a second one. */
const RESTATE_RATES = [0.4, 0.1] as const;
const FORM_WEIGHTS: ReadonlyArray<[RestatementForm, number]> = [
  ['verbatim', 0.15],
  ['filler', 0.3],
  ['reorder', 0.25],
  ['paraphrase', 0.3],
];

/**
 * Generates the stream: for each user, every slot is introduced in the first month, then each month may
 * bring a change or flip (per the family's rate), restatements of the current value in the four forms, and
 * now and then a value said wrong and corrected one to four days later. The same options give the same
 * stream; each user's slots draw from their own seeded generator.
 *
 * @example
 * const stream = generateDriftStream({ seed: 7, users: 1, months: 3 });
 * stream.statements[0];
 * // { id: 'maya-2', userId: 'maya', slot: 'employer', value: 'Globex',
 * //   text: 'I spend my days working for Globex.', observedAt: '2025-01-06T21:50:00.000Z', type: 'new' }
 */
export function generateDriftStream(options: DriftStreamOptions = {}): DriftStream {
  const seed = options.seed ?? defaultDriftSeed;
  const users = options.users ?? 3;
  const months = options.months ?? 12;
  checkCount(users, 'users', 1_000);
  checkCount(months, 'months', 120);
  if (!Number.isInteger(seed)) throw invalid(`seed must be an integer, got ${seed}`);
  const start = options.start === undefined ? Date.UTC(2025, 0, 6) : new Date(options.start).getTime();
  if (!Number.isFinite(start)) throw invalid(`start must be a date, got "${String(options.start)}"`);
  const end = start + months * MONTH;
  const statements: DriftStatement[] = [];
  const questions: DriftQuestion[] = [];
  const userIds: string[] = [];
  for (let userIndex = 0; userIndex < users; userIndex++) {
    const userId = userName(userIndex);
    userIds.push(userId);
    const counter = { next: 0 };
    const slots = userSlots(createPrng(mix(seed, userIndex * 1_000)));
    for (const [slotIndex, plan] of slots.entries()) {
      questions.push({ userId, slot: plan.slot, question: plan.family.question(plan.subject) });
      const random = createPrng(mix(seed, userIndex * 1_000 + slotIndex + 1));
      statements.push(...speakSlot({ random, userId, counter, plan, start, end, months }));
    }
  }
  statements.sort(
    (left, right) => left.observedAt.localeCompare(right.observedAt) || left.id.localeCompare(right.id),
  );
  return {
    seed,
    users: userIds,
    months,
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    statements,
    questions,
  };
}

interface SlotPlan {
  slot: string;
  family: SlotFamily;
  subject: string | undefined;
}

/** The user's slots: one per one-slot family, and a few foods and activities for the preference families. */
function userSlots(random: Prng): SlotPlan[] {
  return slotFamilies.flatMap((family): SlotPlan[] => {
    if (family.subjects === undefined) return [{ slot: family.name, family, subject: undefined }];
    const subjects = shuffled(random, family.subjects).slice(0, subjectsPerUser[family.name] ?? 1);
    return subjects.map((subject) => ({ slot: `${family.name}:${subject}`, family, subject }));
  });
}

type SlotEvent =
  | { at: number; kind: 'intro' | 'transition' | 'restatement' }
  | { at: number; kind: 'correction'; value: string; wrong: Said };

/** A statement with how it was phrased, so that restatements can repeat, pad or reorder it. */
interface Said {
  statement: DriftStatement;
  phrase: Phrase;
  /** The phrase came from the family's ways to state a value (not a transition or a correction). */
  stated: boolean;
  reordered: boolean;
  /** The rendered text before capitalisation and padding. */
  raw: string;
}

interface SpeakSlotInput {
  random: Prng;
  userId: string;
  counter: { next: number };
  plan: SlotPlan;
  start: number;
  end: number;
  months: number;
}

/** Every statement of one slot of one user, in time order. */
function speakSlot(input: SpeakSlotInput): DriftStatement[] {
  const { random, plan } = input;
  const family = plan.family;
  const events = slotEvents(input);
  const said: Said[] = [];
  let current: string | undefined;
  const say = (
    value: string,
    at: number,
    spoken: Spoken & { old?: string | undefined },
    type: StatementType,
    extra: Pick<DriftStatement, 'form' | 'refersTo'> = {},
  ): Said => {
    const template =
      spoken.reordered === true ? (spoken.phrase.reordered ?? spoken.phrase.text) : spoken.phrase.text;
    const raw = spoken.raw ?? render(template, { v: value, x: plan.subject, old: spoken.old });
    // A reordering or padding can land on words said before: that is a verbatim repeat, and labelled so.
    const same = said.find((entry) => entry.statement.text === capitalise(raw));
    if (type === 'restatement' && same !== undefined)
      extra = { form: 'verbatim', refersTo: same.statement.id };
    const statement: DriftStatement = {
      id: `${input.userId}-${input.counter.next++}`,
      userId: input.userId,
      slot: plan.slot,
      value,
      text: capitalise(raw),
      observedAt: new Date(at).toISOString(),
      type,
      ...extra,
    };
    const entry = {
      statement,
      phrase: spoken.phrase,
      stated: spoken.stated,
      reordered: spoken.reordered === true,
      raw,
    };
    said.push(entry);
    current = value;
    return entry;
  };
  /** Says a new value, or first a wrong one whose correction is scheduled a few days later. */
  const announce = (value: string, index: number, type: StatementType, phrases: readonly Phrase[]) => {
    const at = events[index]!.at;
    const old = current;
    if (family.corrections.length > 0 && random.next() < family.correctionRate) {
      const wrong = random.pick(
        family.values.filter((candidate) => candidate !== value && candidate !== old),
      );
      const mistaken = say(wrong, at, { phrase: random.pick(phrases), stated: type === 'new', old }, type);
      const next = events[index + 1]?.at ?? input.end;
      const latest = Math.min(next, input.end) - HOUR;
      const correctionAt = Math.max(at + HOUR, Math.min(at + random.int(1, 4) * DAY, latest));
      insertSorted(events, { at: correctionAt, kind: 'correction', value, wrong: mistaken });
      return;
    }
    say(value, at, { phrase: random.pick(phrases), stated: type === 'new', old }, type);
  };
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    if (event.kind === 'intro') {
      const value = initialValue(random, family);
      announce(value, index, 'new', family.states(value));
    } else if (event.kind === 'transition' && current !== undefined) {
      const value = nextValue(random, family, current, said);
      const type = family.kind === 'preference' ? 'flip' : 'change';
      announce(value, index, type, family.transitions(value));
    } else if (event.kind === 'correction') {
      const phrase = random.pick(family.corrections);
      say(event.value, event.at, { phrase, stated: false, old: event.wrong.statement.value }, 'correction', {
        refersTo: event.wrong.statement.id,
      });
    } else if (event.kind === 'restatement' && current !== undefined) {
      const value = current;
      const restated = restatement(
        random,
        family,
        said.filter((entry) => entry.statement.value === value),
      );
      say(value, event.at, restated.spoken, 'restatement', {
        form: restated.form,
        refersTo: restated.target.statement.id,
      });
    }
  }
  return said.map((entry) => entry.statement);
}

/** The intro in the first month, a change or flip per month at the family's rate, restatements after the intro. */
function slotEvents(input: SpeakSlotInput): SlotEvent[] {
  const { random, plan } = input;
  const intro = input.start + random.int(0, 29) * DAY + random.int(8 * 60, 22 * 60) * MINUTE;
  const events: SlotEvent[] = [{ at: intro, kind: 'intro' }];
  for (let month = 0; month < input.months; month++) {
    const monthStart = input.start + month * MONTH;
    const when = () => monthStart + random.int(0, 29) * DAY + random.int(8 * 60, 22 * 60) * MINUTE;
    if (random.next() < plan.family.changeRate) {
      const at = when();
      if (at > intro + 7 * DAY) events.push({ at, kind: 'transition' });
    }
    for (const rate of RESTATE_RATES) {
      if (random.next() >= rate) continue;
      const at = when();
      if (at > intro) events.push({ at, kind: 'restatement' });
    }
  }
  return events.sort((left, right) => left.at - right.at);
}

/** How to say a statement: a phrase (maybe reordered), or a text already made from one. */
interface Spoken {
  phrase: Phrase;
  stated: boolean;
  reordered?: boolean;
  /** Set when the text is not the phrase rendered as is (verbatim repeats and padding). */
  raw?: string;
}

interface Restatement {
  form: RestatementForm;
  target: Said;
  spoken: Spoken;
}

/** Says the current value again in a drawn form, falling back to a paraphrase when the form cannot apply. */
function restatement(random: Prng, family: SlotFamily, earlier: readonly Said[]): Restatement {
  const latest = earlier.at(-1)!;
  const form = weightedPick(random, FORM_WEIGHTS);
  const stated = earlier.filter((entry) => entry.stated);
  const unpadded = stated.filter((entry) => entry.statement.form !== 'filler');
  if (form === 'verbatim' && stated.length > 0) {
    const target = random.pick(stated);
    return {
      form,
      target,
      spoken: { phrase: target.phrase, stated: true, reordered: target.reordered, raw: target.raw },
    };
  }
  if (form === 'filler' && unpadded.length > 0) {
    const target = random.pick(unpadded);
    return {
      form,
      target,
      spoken: {
        phrase: target.phrase,
        stated: true,
        reordered: target.reordered,
        raw: padded(random, target.raw),
      },
    };
  }
  const reorderable = unpadded.filter((entry) => entry.phrase.reordered !== undefined);
  if (form === 'reorder' && reorderable.length > 0) {
    const target = random.pick(reorderable);
    return { form, target, spoken: { phrase: target.phrase, stated: true, reordered: !target.reordered } };
  }
  const phrases = family.states(latest.statement.value);
  const used = new Set(earlier.map((entry) => entry.phrase.key));
  const fresh = phrases.filter((candidate) => !used.has(candidate.key));
  const other = phrases.filter((candidate) => candidate.key !== latest.phrase.key);
  const phrase = random.pick(fresh.length > 0 ? fresh : other.length > 0 ? other : phrases);
  return { form: 'paraphrase', target: latest, spoken: { phrase, stated: true } };
}

/** Verbs after which "still" reads wrong ("I still was born…"). */
const NO_STILL = /^I (?:was|gave|have no)\b/u;

/** Adds an opener, a closer, "still", or an opener and "still" to a sentence. */
function padded(random: Prng, raw: string): string {
  const still = (text: string): string | undefined => {
    if (text.startsWith("I'm ")) return `I'm still ${text.slice(4)}`;
    if (/^I [a-z]/u.test(text) && !NO_STILL.test(text)) return `I still ${text.slice(2)}`;
    return undefined;
  };
  const choices: Array<() => string | undefined> = [
    () => `${random.pick(fillers.prefixes)}${raw}`,
    () => (raw.endsWith('.') ? `${raw.slice(0, -1)}${random.pick(fillers.suffixes)}` : undefined),
    () => still(raw),
    () => {
      const inner = still(raw);
      return inner === undefined ? undefined : `${random.pick(fillers.prefixes)}${inner}`;
    },
  ];
  const order = shuffled(random, choices);
  for (const choice of order) {
    const text = choice();
    if (text !== undefined) return text;
  }
  return `${fillers.prefixes[0]}${raw}`;
}

/** A preference's other value; a functional slot's next value, one the user has not had yet when there is one. */
function nextValue(random: Prng, family: SlotFamily, current: string, said: readonly Said[]): string {
  const others = family.values.filter((candidate) => candidate !== current);
  if (family.kind === 'preference') return random.pick(others);
  const held = new Set(said.map((entry) => entry.statement.value));
  const fresh = others.filter((candidate) => !held.has(candidate));
  return random.pick(fresh.length > 0 ? fresh : others);
}

function initialValue(random: Prng, family: SlotFamily): string {
  if (family.kind !== 'preference') return random.pick(family.values);
  // Most opinions people volunteer are positive ones.
  return random.next() < 0.75 ? family.values[0]! : family.values[1]!;
}

function render(
  template: string,
  values: { v: string; x: string | undefined; old: string | undefined },
): string {
  // "olives are", "mushrooms don't"; "sushi is", "pineapple on pizza doesn't".
  const plural = /s$/u.test(values.x ?? values.v);
  return template
    .replaceAll('{v}', values.v)
    .replaceAll('{x}', values.x ?? '')
    .replaceAll('{is}', plural ? 'are' : 'is')
    .replaceAll('{doesnt}', plural ? "don't" : "doesn't")
    .replaceAll('{it}', plural ? 'them' : 'it')
    .replaceAll('{old}', values.old ?? 'the old one');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function insertSorted(events: SlotEvent[], event: SlotEvent): void {
  const index = events.findIndex((candidate) => candidate.at > event.at);
  if (index === -1) events.push(event);
  else events.splice(index, 0, event);
}

function weightedPick<T>(random: Prng, weights: ReadonlyArray<readonly [T, number]>): T {
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  let target = random.next() * total;
  for (const [item, weight] of weights) {
    target -= weight;
    if (target < 0) return item;
  }
  return weights.at(-1)![0];
}

function shuffled<T>(random: Prng, items: readonly T[]): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

function userName(index: number): string {
  const name = userNames[index % userNames.length]!;
  const round = Math.floor(index / userNames.length);
  return round === 0 ? name : `${name}-${round + 1}`;
}

/** A seed per user and slot, so that each draws its own sequence. */
function mix(seed: number, key: number): number {
  let value = (seed ^ Math.imul(key + 1, 0x9e3779b1)) >>> 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b) >>> 0;
  return (value ^ (value >>> 13)) >>> 0;
}

function checkCount(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalid(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
}

function invalid(message: string): MnemoError {
  return new MnemoError({ code: 'INVALID_INPUT', message });
}
