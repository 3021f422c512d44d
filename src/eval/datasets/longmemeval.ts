// LongMemEval (longmemeval_s/m/oracle format): a tolerant zod schema, loader and haystack → messages.
import { z } from 'zod';
import { invalidInput } from '../../core/errors.js';
import { readDatasetJson } from './read-dataset-file.js';

const scalarText = z.union([z.string(), z.number()]).transform((value) => String(value));

export const longMemEvalTurnSchema = z
  .object({
    role: z.enum(['user', 'assistant', 'system']).catch('user'),
    content: z.string().default(''),
    has_answer: z.boolean().optional(),
  })
  .loose();
export type LongMemEvalTurn = z.output<typeof longMemEvalTurnSchema>;

export const longMemEvalItemSchema = z
  .object({
    question_id: scalarText,
    question_type: z.string().optional(),
    question: z.string().optional(),
    answer: scalarText.optional(),
    question_date: z.string().optional(),
    haystack_session_ids: z.array(scalarText).default([]),
    haystack_dates: z.array(z.string()).default([]),
    haystack_sessions: z.array(z.array(z.unknown())).default([]),
    answer_session_ids: z.array(scalarText).default([]),
  })
  .loose();
export type LongMemEvalItem = z.output<typeof longMemEvalItemSchema>;

export const longMemEvalDatasetSchema = z.array(longMemEvalItemSchema);

/** One message of a haystack session, ready for `memory.add`. */
export interface LongMemEvalMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
  /** Epoch ms: the session date plus one second per turn. */
  observedAt: number;
  metadata: { turn: number };
}

export interface LongMemEvalSession {
  sessionId: string;
  /** Position in the haystack (0-based). */
  index: number;
  dateText?: string;
  startedAt?: number;
  messages: LongMemEvalMessage[];
}

/**
 * Parses a LongMemEval date such as `2023/05/20 (Sat) 02:21` as UTC; undefined when unreadable.
 *
 * @example
 * parseLongMemEvalDate('2023/05/20 (Sat) 02:21'); // Date.UTC(2023, 4, 20, 2, 21)
 */
export function parseLongMemEvalDate(text: string): number | undefined {
  const match = /(\d{4})\/(\d{1,2})\/(\d{1,2})(?:\s*\([A-Za-z]+\))?(?:\s+(\d{1,2}):(\d{2}))?/.exec(
    text.trim(),
  );
  if (match === null) {
    const fallback = Date.parse(text);
    return Number.isFinite(fallback) ? fallback : undefined;
  }
  const [, year, month, day, hour, minute] = match;
  return Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0));
}

/**
 * Loads a LongMemEval file (JSON or `.json.gz`) and validates it.
 *
 * @example
 * const items = await loadLongMemEval('longmemeval_s.json.gz');
 */
export async function loadLongMemEval(path: string): Promise<LongMemEvalItem[]> {
  return parseLongMemEval(await readDatasetJson(path), path);
}

/** Validates already-parsed LongMemEval JSON. */
export function parseLongMemEval(value: unknown, source = 'LongMemEval data'): LongMemEvalItem[] {
  const parsed = longMemEvalDatasetSchema.safeParse(value);
  if (!parsed.success) {
    throw invalidInput(`${source} is not in LongMemEval format: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** True when a parsed JSON value looks like LongMemEval (a list of `{ question_id, haystack_sessions }`). */
export function looksLikeLongMemEval(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  const first: unknown = value[0];
  return (
    first !== null && typeof first === 'object' && 'question_id' in first && 'haystack_sessions' in first
  );
}

/**
 * The haystack sessions of one question as messages. Empty turns are skipped; a session without an
 * id is named `session_<index>`; a missing date falls back to the question date.
 *
 * @example
 * for (const session of longMemEvalHaystackMessages(item)) await memory.add(session.messages, { userId: item.question_id, sessionId: session.sessionId });
 */
export function longMemEvalHaystackMessages(item: LongMemEvalItem): LongMemEvalSession[] {
  const questionDate =
    item.question_date === undefined ? undefined : parseLongMemEvalDate(item.question_date);
  return item.haystack_sessions.map((turns, index) => {
    const dateText = item.haystack_dates[index];
    const startedAt = (dateText === undefined ? undefined : parseLongMemEvalDate(dateText)) ?? questionDate;
    const base = startedAt ?? Date.UTC(2000, 0, 1) + index * 86_400_000;
    const messages: LongMemEvalMessage[] = [];
    turns.forEach((raw, turn) => {
      const parsed = longMemEvalTurnSchema.safeParse(raw);
      if (!parsed.success || parsed.data.content.trim() === '') return;
      messages.push({
        role: parsed.data.role,
        content: parsed.data.content,
        observedAt: base + turn * 1000,
        metadata: { turn },
      });
    });
    const session: LongMemEvalSession = {
      sessionId: item.haystack_session_ids[index] ?? `session_${index}`,
      index,
      messages,
    };
    if (dateText !== undefined) session.dateText = dateText;
    if (startedAt !== undefined) session.startedAt = startedAt;
    return session;
  });
}
