// Time grounding for the write path: finds date expressions in a message and resolves them to absolute UTC intervals.
import * as chrono from 'chrono-node';
import { MnemoError } from '../core/errors.js';
import type { GroundedDate } from '../core/records.js';

/*
 * Conventions (all deterministic, all in UTC):
 * - Weeks run Monday–Sunday; a week is labelled by its Monday ("week of 6 May 2024").
 * - "last X"/"next X" (weekday, month, season) is the nearest one strictly before/after the reference.
 *   "this <weekday>" is the one in the reference's week. A bare weekday ("on Friday") is the most recent
 *   past one, or the nearest future one when its sentence is future tense (will, 'll, going to, next, …).
 * - A bare or prepositional month ("in March") is the nearest past one (this year's if the reference is in
 *   that month), or the nearest future one (from this month on) in a future-tense sentence.
 *   "May" needs a preposition, a day or a year ("I may go" is not a date); "March" followed by a verb
 *   particle ("March on!", "march to the gate") is read as the verb and ignored.
 * - Seasons are meteorological, northern hemisphere: spring Mar–May, summer Jun–Aug, autumn/fall Sep–Nov,
 *   winter Dec–Feb (winter Y runs Dec Y – Feb Y+1). "last summer" is the latest one that ended before the
 *   reference day. Seasons are reported with granularity 'month' (a three-month interval).
 * - Approximate counts: "a couple of" = 2, "a few" = 2–5, "several" = 3–7; a range becomes one interval.
 * - "this weekend" is the coming (or current) Saturday–Sunday, "next weekend" the one after it, "last
 *   weekend" the one before the current or coming one; a weekend has granularity 'week' and the label
 *   "weekend of 11 May 2024".
 * - A month name without a preposition must be capitalised. Weekday names are always dates, so
 *   "Sunday school" grounds to a Sunday (a known false positive); plurals ("Mondays") are ignored.
 * - "the week before"/"the week after" are read against the reference (same as last/next week); the
 *   anaphoric meaning would need discourse context the write path does not have.
 * - Bare four-digit years need a preposition ("in 2022", "since 2019"); absolute day dates
 *   ("May 7, 2023", "7 May 2023", "2023-05-07") come from chrono-node, which runs only when a cheap
 *   pre-check sees a numeric or month-and-number date.
 */

export interface GroundDatesInput {
  text: string;
  /** When the message was said, epoch milliseconds. */
  reference: number;
  /** Only UTC is supported: dates are resolved on the reference's UTC calendar day. */
  timeZone?: 'UTC' | undefined;
}

const DAY_MS = 86_400_000;
const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const MONTH_ALT = MONTH_NAMES.join('|');
const WEEKDAY_ALT = WEEKDAY_NAMES.join('|');
const COUNT_ALT =
  '\\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:a )?couple(?: of)?|(?:a )?few|several';
const SEASON_START: Record<string, number> = { spring: 2, summer: 5, autumn: 8, fall: 8, winter: 11 };
const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

const PRECHECK = new RegExp(
  `\\d|\\b(?:day|week|month|year|today|tonight|tomorrow|yesterday|night|morning|afternoon|evening|ago|weekend|${WEEKDAY_ALT}|${MONTH_ALT}|spring|summer|autumn|fall|winter)`,
  'i',
);
const CHRONO_PRECHECK = new RegExp(
  `\\d{4}-\\d{1,2}-\\d{1,2}|\\d{1,2}/\\d{1,2}/\\d{2,4}|\\b(?:${MONTH_ALT}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\\.?\\s+\\d|\\d(?:st|nd|rd|th)?\\s+(?:of\\s+)?(?:${MONTH_ALT}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\\b`,
  'i',
);
const FUTURE_TENSE =
  /\b(?:will|shall|going to|gonna|plan(?:s|ning)? to|next|upcoming|coming|tomorrow)\b|'ll\b|\bwon't\b/i;
const MARCH_VERB = /^\s+(?:on|forward|off|into|in|to|down|up|along|with|through|past|out|back|around)\b/i;

/** An interval in epoch days (UTC), inclusive. */
interface Interval {
  start: number;
  end: number;
  granularity: GroundedDate['granularity'];
  /** Overrides the default label (seasons, weekends). */
  label?: string;
}

interface Candidate extends Interval {
  text: string;
  index: number;
  length: number;
}

interface RuleContext {
  text: string;
  today: number;
}

type Rule = {
  pattern: RegExp;
  resolve: (match: RegExpExecArray, context: RuleContext) => Interval | undefined;
  /** Report the whole match as the phrase ("in 2 weeks"); by default a leading preposition is dropped. */
  keepPreposition?: boolean;
};

// ---------- calendar math on epoch days ----------

const dayOf = (year: number, monthIndex: number, day: number): number =>
  Math.floor(Date.UTC(year, monthIndex, day) / DAY_MS);
const dateOf = (day: number): Date => new Date(day * DAY_MS);
const weekdayOf = (day: number): number => (((day + 4) % 7) + 7) % 7;
const mondayOf = (day: number): number => day - ((weekdayOf(day) + 6) % 7);
const isoOf = (day: number): string => dateOf(day).toISOString().slice(0, 10);

function monthInterval(year: number, monthIndex: number, count = 1): Interval {
  return { start: dayOf(year, monthIndex, 1), end: dayOf(year, monthIndex + count, 0), granularity: 'month' };
}
const dayInterval = (day: number): Interval => ({ start: day, end: day, granularity: 'day' });
const yearInterval = (year: number): Interval => ({
  start: dayOf(year, 0, 1),
  end: dayOf(year, 11, 31),
  granularity: 'year',
});

/** Year and month index of the reference, shifted by `delta` months. */
function shiftMonth(today: number, delta: number): { year: number; monthIndex: number } {
  const date = dateOf(today);
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() + delta;
  return { year: Math.floor(total / 12), monthIndex: ((total % 12) + 12) % 12 };
}

function dayLabel(day: number): string {
  const date = dateOf(day);
  return `${date.getUTCDate()} ${MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

function labelOf(interval: Interval): string {
  if (interval.label !== undefined) return interval.label;
  const single = (day: number): string => {
    const date = dateOf(day);
    switch (interval.granularity) {
      case 'day':
        return dayLabel(day);
      case 'week':
        return `week of ${dayLabel(mondayOf(day))}`;
      case 'month':
        return `${MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
      case 'year':
        return String(date.getUTCFullYear());
    }
  };
  const first = single(interval.start);
  const last = single(interval.end);
  return first === last ? first : `${first} – ${last}`;
}

// ---------- helpers for rules ----------

function countRange(word: string): [number, number] {
  const normal = word.toLowerCase().replace(/^a /, '').replace(/ of$/, '');
  if (normal === 'couple') return [2, 2];
  if (normal === 'few') return [2, 5];
  if (normal === 'several') return [3, 7];
  const value = NUMBER_WORDS[normal] ?? Number.parseInt(normal, 10);
  return [value, value];
}

/** The interval `from`..`to` units away from today (negative = past), at the unit's granularity. */
function unitOffset(today: number, unit: string, from: number, to: number): Interval {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  switch (unit.toLowerCase()) {
    case 'day':
      return { start: today + lo, end: today + hi, granularity: 'day' };
    case 'week':
      return { start: mondayOf(today + 7 * lo), end: mondayOf(today + 7 * hi) + 6, granularity: 'week' };
    case 'month': {
      const first = shiftMonth(today, lo);
      const last = shiftMonth(today, hi);
      return {
        ...monthInterval(first.year, first.monthIndex),
        end: monthInterval(last.year, last.monthIndex).end,
      };
    }
    default: {
      const year = dateOf(today).getUTCFullYear();
      return { start: yearInterval(year + lo).start, end: yearInterval(year + hi).end, granularity: 'year' };
    }
  }
}

function sentenceAround(text: string, index: number): string {
  let start = index;
  while (start > 0 && !/[.!?\n]/.test(text.charAt(start - 1))) start -= 1;
  let end = index;
  while (end < text.length && !/[.!?\n]/.test(text.charAt(end))) end += 1;
  return text.slice(start, end);
}

const isFuture = (context: RuleContext, index: number): boolean =>
  FUTURE_TENSE.test(sentenceAround(context.text, index));
const monthIndexOf = (name: string): number =>
  MONTH_NAMES.findIndex((month) => month.toLowerCase() === name.toLowerCase());

function weekdayDay(today: number, weekday: number, mode: 'last' | 'next' | 'this'): number {
  const current = weekdayOf(today);
  if (mode === 'this') return mondayOf(today) + ((weekday + 6) % 7);
  if (mode === 'last') return today - ((current - weekday + 7) % 7 || 7);
  return today + ((weekday - current + 7) % 7 || 7);
}

function seasonInterval(season: string, year: number): Interval {
  const startMonth = SEASON_START[season.toLowerCase()] ?? 0;
  const name = season.toLowerCase() === 'fall' ? 'fall' : season.toLowerCase();
  const yearLabel = startMonth === 11 ? `${year}–${String((year + 1) % 100).padStart(2, '0')}` : String(year);
  return { ...monthInterval(year, startMonth, 3), label: `${name} ${yearLabel}` };
}

function relativeSeason(today: number, season: string, mode: string): Interval {
  const year = dateOf(today).getUTCFullYear();
  const instances = [year - 2, year - 1, year, year + 1].map((y) => seasonInterval(season, y));
  if (mode === 'last' || mode === 'this past')
    return instances.filter((s) => s.end < today).at(-1) as Interval;
  if (mode === 'next' || mode === 'this coming') return instances.find((s) => s.start > today) as Interval;
  return instances.find((s) => s.end >= today) as Interval;
}

// ---------- rules ----------

const rules: Rule[] = [
  {
    pattern:
      /\b(the day before yesterday|the day after tomorrow|yesterday|today|tonight|tomorrow|last night|this (?:morning|afternoon|evening))\b/gi,
    resolve: (match, { today }) => {
      const phrase = (match[1] ?? '').toLowerCase();
      const offsets: Record<string, number> = {
        'the day before yesterday': -2,
        'the day after tomorrow': 2,
        yesterday: -1,
        'last night': -1,
        tomorrow: 1,
      };
      return dayInterval(today + (offsets[phrase] ?? 0));
    },
  },
  {
    pattern: /\b(last|this|next|the) (week|month|year|weekend)(?: (before|after)\b)?\b/gi,
    resolve: (match, { today }) => {
      const mode = (match[1] ?? '').toLowerCase();
      const unit = (match[2] ?? '').toLowerCase();
      const relation = match[3]?.toLowerCase();
      if (mode === 'the' && (unit !== 'week' || relation === undefined)) return undefined;
      const delta =
        mode === 'last' || relation === 'before' ? -1 : mode === 'next' || relation === 'after' ? 1 : 0;
      if (unit === 'weekend') return weekend(today, delta);
      return unitOffset(today, unit, delta, delta);
    },
  },
  {
    pattern: new RegExp(`\\b(${COUNT_ALT}) (day|week|month|year)s? ago\\b`, 'gi'),
    resolve: (match, { today }) => {
      const [from, to] = countRange(match[1] ?? '');
      return unitOffset(today, match[2] ?? 'day', -from, -to);
    },
  },
  {
    pattern: new RegExp(`\\bin (${COUNT_ALT}) (day|week|month|year)s?\\b`, 'gi'),
    resolve: (match, { today }) => {
      const [from, to] = countRange(match[1] ?? '');
      return unitOffset(today, match[2] ?? 'day', from, to);
    },
    keepPreposition: true,
  },
  {
    pattern: /\bthe other day\b/gi,
    resolve: (_match, { today }) => ({ start: today - 5, end: today - 1, granularity: 'day' }),
  },
  {
    pattern: new RegExp(`\\b(?:(last|this|next|on)\\s+)?(${WEEKDAY_ALT})\\b`, 'gi'),
    resolve: (match, context) => {
      const weekday = WEEKDAY_NAMES.findIndex(
        (name) => name.toLowerCase() === (match[2] ?? '').toLowerCase(),
      );
      const modifier = match[1]?.toLowerCase();
      const mode =
        modifier === 'last' || modifier === 'next' || modifier === 'this'
          ? modifier
          : isFuture(context, match.index)
            ? 'next'
            : 'last';
      return dayInterval(weekdayDay(context.today, weekday, mode));
    },
  },
  {
    pattern: new RegExp(`\\b(${MONTH_ALT}),?\\s+(?:of\\s+)?((?:19|20)\\d{2})\\b`, 'gi'),
    resolve: (match) => monthInterval(Number(match[2]), monthIndexOf(match[1] ?? '')),
  },
  {
    pattern: new RegExp(
      `\\b(?:(last|this|next|in|since|until|till|by|during|from|through|before|after|early|late|mid|of)[\\s-]+)?(${MONTH_ALT})\\b`,
      'gi',
    ),
    resolve: (match, context) => resolveMonth(match, context),
  },
  {
    pattern:
      /\b(?:in|since|during|from|until|till|by|before|after|around|throughout|circa|of|year)\s+((?:19|20)\d{2})\b/gi,
    resolve: (match) => yearInterval(Number(match[1])),
  },
  {
    pattern: /\b(last|this past|this coming|this|next)\s+(spring|summer|autumn|fall|winter)\b/gi,
    resolve: (match, { today }) => relativeSeason(today, match[2] ?? '', (match[1] ?? '').toLowerCase()),
  },
  {
    pattern: /\b(spring|summer|autumn|fall|winter)\s+(?:of\s+)?((?:19|20)\d{2})\b/gi,
    resolve: (match) => seasonInterval(match[1] ?? '', Number(match[2])),
  },
];

function weekend(today: number, delta: number): Interval {
  const weekday = weekdayOf(today);
  const saturday =
    weekday === 6
      ? today
      : weekday === 0
        ? today - 1
        : delta < 0
          ? today - (weekday + 1)
          : today + (6 - weekday);
  const shift = weekday === 6 || weekday === 0 ? delta : delta < 0 ? delta + 1 : delta;
  const start = saturday + 7 * shift;
  return { start, end: start + 1, granularity: 'week', label: `weekend of ${dayLabel(start)}` };
}

function resolveMonth(match: RegExpExecArray, context: RuleContext): Interval | undefined {
  const word = match[2] ?? '';
  const modifier = match[1]?.toLowerCase();
  const monthIndex = monthIndexOf(word);
  if (modifier === undefined) {
    const capitalised = word.charAt(0) === word.charAt(0).toUpperCase();
    const verbMarch = monthIndex === 2 && MARCH_VERB.test(context.text.slice(match.index + match[0].length));
    if (!capitalised || monthIndex === 4 || verbMarch) return undefined;
  }
  const reference = dateOf(context.today);
  const year = reference.getUTCFullYear();
  const current = reference.getUTCMonth();
  if (modifier === 'last') return monthInterval(monthIndex < current ? year : year - 1, monthIndex);
  if (modifier === 'next') return monthInterval(monthIndex > current ? year : year + 1, monthIndex);
  if (modifier === 'this') return monthInterval(year, monthIndex);
  if (isFuture(context, match.index))
    return monthInterval(monthIndex >= current ? year : year + 1, monthIndex);
  return monthInterval(monthIndex <= current ? year : year - 1, monthIndex);
}

/** Phrase text reported for a rule match: prepositions are dropped, relative modifiers kept. */
function phraseText(match: RegExpExecArray): string {
  return match[0].replace(
    /^(?:in|on|since|until|till|by|during|from|through|before|after|around|throughout|circa|of|year)\s+/i,
    '',
  );
}

/**
 * Absolute day dates from chrono-node. When the year is not written, the date is the nearest past one,
 * or the nearest future one in a future-tense sentence (the same policy as bare months).
 */
function chronoCandidates(context: RuleContext): Candidate[] {
  const { text, today } = context;
  if (!CHRONO_PRECHECK.test(text)) return [];
  const results = chrono.parse(text, { instant: dateOf(today), timezone: 0 });
  const out: Candidate[] = [];
  for (const result of results) {
    if (!result.start.isCertain('day') || !result.start.isCertain('month')) continue;
    if (!CHRONO_PRECHECK.test(result.text)) continue;
    const year = result.start.get('year');
    const month = result.start.get('month');
    const day = result.start.get('day');
    if (year === null || month === null || day === null) continue;
    let value = dayOf(year, month - 1, day);
    if (!result.start.isCertain('year')) {
      const options = [year - 1, year, year + 1].map((y) => dayOf(y, month - 1, day));
      value = isFuture(context, result.index)
        ? (options.find((option) => option >= today) ?? value)
        : (options.filter((option) => option <= today).at(-1) ?? value);
    }
    out.push({ ...dayInterval(value), text: result.text, index: result.index, length: result.text.length });
  }
  return out;
}

/** Keeps the longest of overlapping candidates, then orders by position. */
function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  const sorted = [...candidates].sort((a, b) => b.length - a.length || a.index - b.index);
  const kept: Candidate[] = [];
  for (const candidate of sorted) {
    const overlaps = kept.some(
      (k) => candidate.index < k.index + k.length && k.index < candidate.index + candidate.length,
    );
    if (!overlaps) kept.push(candidate);
  }
  return kept.sort((a, b) => a.index - b.index);
}

/**
 * Finds relative and absolute date expressions in `text` and grounds them against `reference` (UTC).
 * Results are in text order, without duplicate intervals.
 *
 * @example
 * groundDates({ text: 'I moved to Lisbon last March', reference: Date.parse('2024-05-10T12:00:00Z') })
 * // [{ text: 'last March', start: '2024-03-01', end: '2024-03-31', granularity: 'month', label: 'March 2024' }]
 */
export function groundDates(input: GroundDatesInput): GroundedDate[] {
  if (!Number.isFinite(input.reference)) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: 'groundDates: `reference` must be a finite epoch-milliseconds number.',
    });
  }
  if (input.timeZone !== undefined && input.timeZone !== 'UTC') {
    throw new MnemoError({
      code: 'UNSUPPORTED',
      message: `groundDates: timeZone '${String(input.timeZone)}' is not supported; use 'UTC'.`,
    });
  }
  const { text } = input;
  if (text.length === 0 || !PRECHECK.test(text)) return [];
  const context: RuleContext = { text, today: Math.floor(input.reference / DAY_MS) };
  const candidates: Candidate[] = chronoCandidates(context);
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    for (let match = rule.pattern.exec(text); match !== null; match = rule.pattern.exec(text)) {
      const interval = rule.resolve(match, context);
      if (interval !== undefined) {
        candidates.push({
          ...interval,
          text: rule.keepPreposition === true ? match[0] : phraseText(match),
          index: match.index,
          length: match[0].length,
        });
      }
    }
  }
  const seen = new Set<string>();
  const out: GroundedDate[] = [];
  for (const candidate of resolveOverlaps(candidates)) {
    const key = `${candidate.start}:${candidate.end}:${candidate.granularity}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      text: candidate.text,
      start: isoOf(candidate.start),
      end: isoOf(candidate.end),
      granularity: candidate.granularity,
      label: labelOf(candidate),
    });
  }
  return out;
}

function indexEntry(date: GroundedDate): string {
  if (date.granularity === 'day' && date.start === date.end) {
    return `${date.label} (${date.start}, ${WEEKDAY_NAMES[new Date(`${date.start}T00:00:00Z`).getUTCDay()]})`;
  }
  if (date.granularity === 'month' && date.start.slice(0, 7) === date.end.slice(0, 7)) {
    return `${date.label} (${date.start.slice(0, 7)})`;
  }
  if (date.granularity === 'year' && date.start.slice(0, 4) === date.end.slice(0, 4)) return date.label;
  const months = new Set(
    [date.start, date.end].map((iso) => `${MONTH_NAMES[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`),
  );
  return `${date.label} (${date.start} to ${date.end}; ${[...months].join(', ')})`;
}

/**
 * A short suffix for the indexed text so lexical and vector search match date questions.
 * Returns '' when there are no dates.
 *
 * @example
 * formatDateIndexText(groundDates({ text: 'yesterday', reference: Date.parse('2024-05-10T12:00:00Z') }))
 * // '[dates: 9 May 2024 (2024-05-09, Thursday)]'
 */
export function formatDateIndexText(dates: GroundedDate[]): string {
  if (dates.length === 0) return '';
  const entries = [...new Set(dates.map(indexEntry))];
  return `[dates: ${entries.join('; ')}]`;
}
