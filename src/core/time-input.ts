// Time values at the edges: ISO strings, Dates or epoch ms in; whole epoch ms of years 0001-9999 inside.
import { z } from 'zod';

/** The times Mnemo accepts: 0001-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z, in epoch ms. */
export const timeRange = { min: -62_135_596_800_000, max: 253_402_300_799_999 } as const;

/**
 * ISO-8601 as Mnemo reads it: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally `T` (or a space) `hh:mm`, `:ss`,
 * `.fraction`, and a zone `Z` or `±hh:mm` (a date-time without a zone is local time, as in JavaScript).
 */
const ISO_TIME =
  /^([+-]\d{6}|\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):?(\d{2}))?)?)?)?$/i;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1]!;
}

/** Why an ISO string names no real time (`2024-02-30`, `25:00`), or undefined when its fields are valid. */
function calendarProblem(match: RegExpExecArray): string | undefined {
  const [, year, month, day, hour, minute, second, , offsetHours, offsetMinutes] = match;
  const y = Number(year);
  const m = month === undefined ? 1 : Number(month);
  if (m < 1 || m > 12) return `month must be 01-12, got ${month}`;
  if (day !== undefined) {
    const d = Number(day);
    if (d < 1 || d > daysInMonth(y, m)) return `${year}-${month} has no day ${day}`;
  }
  if (hour !== undefined && Number(hour) > 23) return `hour must be 00-23, got ${hour}`;
  if (minute !== undefined && Number(minute) > 59) return `minute must be 00-59, got ${minute}`;
  if (second !== undefined && Number(second) > 59) return `second must be 00-59, got ${second}`;
  if (offsetHours !== undefined && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) {
    return `zone offset ${offsetHours}:${offsetMinutes} does not exist`;
  }
  return undefined;
}

/**
 * Reads one time input as whole epoch milliseconds, or says why it is not one: strings must be ISO-8601
 * naming a real calendar date (no `2024-02-30` rolled over into March), numbers whole milliseconds, and every
 * time within years 0001-9999 (what ISO strings, JavaScript and both stores represent alike).
 *
 * @example
 * readTimeInput('2024-05-10'); // { ms: 1715299200000 }
 * readTimeInput('2024-02-30'); // { problem: 'not a valid date/time: 2024-02-30 (2024-02 has no day 30)' }
 */
export function readTimeInput(value: string | number | Date): { ms: number } | { problem: string } {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { problem: `not a valid time: ${value}` };
    if (!Number.isInteger(value))
      return { problem: `epoch milliseconds must be a whole number, got ${value}` };
    ms = value;
  } else if (typeof value === 'string') {
    const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
    const match = ISO_TIME.exec(value.trim());
    if (match === null) {
      return {
        problem: `not a valid date/time: ${shown} (use ISO-8601 such as 2024-05-10 or 2024-05-10T14:00:00Z, or epoch milliseconds)`,
      };
    }
    const problem = calendarProblem(match);
    if (problem !== undefined) return { problem: `not a valid date/time: ${shown} (${problem})` };
    ms = Date.parse(value.trim());
    if (!Number.isFinite(ms)) return { problem: `not a valid date/time: ${shown}` };
  } else {
    ms = value.getTime();
    if (!Number.isFinite(ms)) return { problem: 'not a valid date/time: an invalid Date' };
  }
  if (ms < timeRange.min || ms > timeRange.max) {
    return { problem: `time out of range: ${String(value)} (Mnemo accepts years 0001 to 9999)` };
  }
  return { ms };
}

/** Accepts an ISO-8601 string, a Date, or epoch milliseconds (see `readTimeInput`); yields epoch ms. */
export const timeInputSchema = z.union([z.string(), z.date(), z.number()]).transform((value, context) => {
  const read = readTimeInput(value);
  if ('problem' in read) {
    context.addIssue({ code: 'custom', message: read.problem });
    return z.NEVER;
  }
  return read.ms;
});

export type TimeInput = z.input<typeof timeInputSchema>;
