// LoCoMo (official locomo10.json format): a tolerant zod schema, loader and conversation → messages.
import { z } from 'zod';
import { invalidInput } from '../../core/errors.js';
import { readDatasetJson } from './read-dataset-file.js';

const scalarText = z.union([z.string(), z.number()]).transform((value) => String(value));

export const locomoTurnSchema = z
  .object({
    speaker: z.string(),
    dia_id: scalarText.optional(),
    text: z.string().default(''),
    img_url: z.unknown().optional(),
    blip_caption: z.string().nullish(),
  })
  .loose();
export type LocomoTurn = z.output<typeof locomoTurnSchema>;

export const locomoQaSchema = z
  .object({
    question: z.string(),
    answer: scalarText.optional(),
    adversarial_answer: scalarText.optional(),
    category: z.number().int(),
    /** Dialogue ids such as `D1:3`; a few in the official file are malformed, so anything is kept as text. */
    evidence: z
      .array(z.unknown())
      .default([])
      .transform((items) => items.map((item) => String(item))),
  })
  .loose();
export type LocomoQa = z.output<typeof locomoQaSchema>;

export const locomoSampleSchema = z
  .object({
    sample_id: scalarText,
    conversation: z.record(z.string(), z.unknown()),
    qa: z.array(locomoQaSchema).default([]),
  })
  .loose();
export type LocomoSample = z.output<typeof locomoSampleSchema>;

export const locomoDatasetSchema = z.array(locomoSampleSchema);

/** One message of a LoCoMo session, ready for `memory.add`. */
export interface LocomoMessage {
  role: 'user';
  name: string;
  content: string;
  /** Epoch ms: the session's date-time plus one second per turn. */
  observedAt: number;
  metadata: { dia_id: string };
}

export interface LocomoSession {
  /** `session_1`, `session_2`, … */
  sessionId: string;
  index: number;
  /** The raw `session_N_date_time` text, when present. */
  dateText?: string;
  /** Epoch ms of the session start, when the date parsed. */
  startedAt?: number;
  messages: LocomoMessage[];
}

const months = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/**
 * Parses a LoCoMo session date-time such as `1:56 pm on 8 May, 2023` as UTC; undefined when unreadable.
 *
 * @example
 * parseLocomoDateTime('1:56 pm on 8 May, 2023'); // Date.UTC(2023, 4, 8, 13, 56)
 */
export function parseLocomoDateTime(text: string): number | undefined {
  const match = /(\d{1,2}):(\d{2})\s*(am|pm)?\s*on\s+(\d{1,2})\s+([a-z]+),?\s+(\d{4})/i.exec(text.trim());
  if (match === null) {
    const fallback = Date.parse(text);
    return Number.isFinite(fallback) ? fallback : undefined;
  }
  const [, hourText, minuteText, meridiem, dayText, monthText, yearText] = match;
  const month = months.findIndex((name) => name.startsWith((monthText ?? '').toLowerCase().slice(0, 3)));
  if (month < 0) return undefined;
  let hour = Number(hourText) % 12;
  if (meridiem === undefined) hour = Number(hourText);
  else if (meridiem.toLowerCase() === 'pm') hour += 12;
  return Date.UTC(Number(yearText), month, Number(dayText), hour, Number(minuteText));
}

/**
 * Loads a LoCoMo file (JSON, optionally gzipped) and validates it.
 *
 * @example
 * const samples = await loadLocomo('locomo10.json');
 */
export async function loadLocomo(path: string): Promise<LocomoSample[]> {
  return parseLocomo(await readDatasetJson(path), path);
}

/** Validates already-parsed LoCoMo JSON. */
export function parseLocomo(value: unknown, source = 'LoCoMo data'): LocomoSample[] {
  const parsed = locomoDatasetSchema.safeParse(value);
  if (!parsed.success) {
    throw invalidInput(`${source} is not in LoCoMo format: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** True when a parsed JSON value looks like a LoCoMo file (a list of `{ sample_id, conversation }`). */
export function looksLikeLocomo(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  const first: unknown = value[0];
  return first !== null && typeof first === 'object' && 'sample_id' in first && 'conversation' in first;
}

/**
 * The sessions of one LoCoMo conversation as messages, in session order. Dates listed without a
 * session (conv-26 has extras) are ignored; turns that fail to parse are skipped.
 *
 * @example
 * for (const session of locomoConversationMessages(sample)) await memory.add(session.messages, { userId: sample.sample_id, sessionId: session.sessionId });
 */
export function locomoConversationMessages(sample: LocomoSample): LocomoSession[] {
  const sessions: LocomoSession[] = [];
  for (const [key, value] of Object.entries(sample.conversation)) {
    const match = /^session_(\d+)$/.exec(key);
    if (match === null || !Array.isArray(value)) continue;
    const index = Number(match[1]);
    const dateValue = sample.conversation[`${key}_date_time`];
    const dateText = typeof dateValue === 'string' ? dateValue : undefined;
    const startedAt = dateText === undefined ? undefined : parseLocomoDateTime(dateText);
    const session: LocomoSession = { sessionId: key, index, messages: [] };
    if (dateText !== undefined) session.dateText = dateText;
    if (startedAt !== undefined) session.startedAt = startedAt;
    session.messages = sessionMessages(value, { index, startedAt });
    sessions.push(session);
  }
  return sessions.sort((left, right) => left.index - right.index);
}

function sessionMessages(
  turns: unknown[],
  context: { index: number; startedAt: number | undefined },
): LocomoMessage[] {
  const messages: LocomoMessage[] = [];
  // Sessions without a date are placed on a fixed day per session index so their order survives.
  const base = context.startedAt ?? Date.UTC(2000, 0, 1) + context.index * 86_400_000;
  turns.forEach((raw, position) => {
    const parsed = locomoTurnSchema.safeParse(raw);
    if (!parsed.success) return;
    const turn = parsed.data;
    const caption = turn.blip_caption?.trim();
    const content = [turn.text.trim(), caption ? `[shares a photo: ${caption}]` : '']
      .filter((part) => part !== '')
      .join(' ');
    if (content === '') return;
    messages.push({
      role: 'user',
      name: turn.speaker,
      content,
      observedAt: base + position * 1000,
      metadata: { dia_id: turn.dia_id ?? `D${context.index}:${position + 1}` },
    });
  });
  return messages;
}
