// Builds one inferred memory record (fact, profile, procedure) with provenance, grounded dates and index text.
import type { GraphFacts } from '../../core/graph.js';
import { contentHash } from '../../core/hashing.js';
import type { JsonObject, MemoryKind, MemoryRecord, Message, Origin, Trust } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { speakerOf } from '../../core/speaker.js';
import { analyze } from '../../models/text-analyzer.js';
import { defaultValidFrom } from '../direct-memory.js';
import { formatDateIndexText, groundDates } from '../time-grounding.js';

const trustByRole: Record<Message['role'], Trust> = {
  user: 'high',
  system: 'high',
  assistant: 'medium',
  tool: 'low',
};

export interface InferredMemoryDraft {
  record: MemoryRecord;
  tokens: string[];
  /** Entities and relations the model named for it (or read offline before the write). */
  graph?: GraphFacts | undefined;
}

export interface BuildInferredMemoryOptions {
  id: string;
  scope: Scope;
  kind: Extract<MemoryKind, 'fact' | 'profile' | 'procedure'>;
  text: string;
  /** The turns it came from (at least one); the latest one's `observedAt` is the memory's. */
  sources: Message[];
  attributedTo?: string | undefined;
  importance: number;
  /** Epoch ms. */
  validFrom?: number | undefined;
  /** Extra attributes (profile: topic, slot, value; explicit: true). */
  attributes?: JsonObject | undefined;
  metadata?: JsonObject | undefined;
  now: number;
}

/**
 * Parses a date the model gave (`2024-05-01`, `2024-05`, or a phrase like "last March") against the
 * turn's time; undefined when it cannot be read.
 *
 * @example
 * parseModelDate('last March', Date.parse('2024-06-01T00:00:00Z')) // Date.parse('2024-03-01T00:00:00Z')
 */
export function parseModelDate(value: string | null | undefined, reference: number): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d{4}-\d{2}(-\d{2})?([T ][\d:.]+Z?)?$/.test(text)) {
    const parsed = Date.parse(text.length === 7 ? `${text}-01` : text);
    if (Number.isFinite(parsed)) return parsed;
  }
  const grounded = groundDates({ text, reference })[0];
  return grounded === undefined ? undefined : Date.parse(`${grounded.start}T00:00:00Z`);
}

/**
 * Builds an inferred memory: attributes carry the grounded dates of its text (against the source
 * turn's time), the source turns' seq and session, and profile topic/slot/value; the index text adds
 * the speaker, profile slot and absolute dates so lexical and vector search find it.
 *
 * @example
 * buildInferredMemory({ id: uuidV7(), scope, kind: 'fact', text: 'Alice moved to Lisbon last March.',
 *   sources: [message], importance: 0.7, now: Date.now() });
 */
export function buildInferredMemory(options: BuildInferredMemoryOptions): InferredMemoryDraft {
  const latest = options.sources.reduce((best, message) =>
    Date.parse(message.observedAt) > Date.parse(best.observedAt) ? message : best,
  );
  const reference = Date.parse(latest.observedAt);
  const dates = groundDates({ text: options.text, reference });
  const attributedTo = options.attributedTo ?? speakerOf(latest);
  const attributes: JsonObject = {
    inferred: true,
    speaker: attributedTo,
    dates: dates.map((date) => ({ ...date })),
    sourceSeqs: options.sources.map((message) => message.seq),
    ...(options.attributes ?? {}),
  };
  if (latest.scope.sessionId !== undefined) attributes.sessionId = latest.scope.sessionId;
  const { topic, slot } = attributes;
  const slotText = options.kind === 'profile' && typeof topic === 'string' ? ` (${topic} ${slot ?? ''})` : '';
  const dateText = formatDateIndexText(dates);
  const indexText = `${attributedTo}: ${options.text}${slotText}${dateText === '' ? '' : ` ${dateText}`}`;
  const roles = new Set(options.sources.map((message) => message.role));
  const origin: Origin =
    roles.size === 1 && roles.has('user') ? 'user' : latest.role === 'user' ? 'user' : 'assistant';
  const trust = options.sources
    .map((message) => trustByRole[message.role])
    .reduce<Trust>((low, next) => (rank(next) < rank(low) ? next : low), 'high');
  const record: MemoryRecord = {
    id: options.id,
    scope: options.scope,
    kind: options.kind,
    text: options.text,
    indexText,
    attributes,
    metadata: options.metadata ?? {},
    importance: Math.min(1, Math.max(0, options.importance)),
    confidence: 0.8,
    source: {
      messageIds: options.sources.map((message) => message.id),
      attributedTo,
      origin,
      trust,
    },
    observedAt: latest.observedAt,
    createdAt: new Date(options.now).toISOString(),
    accessCount: 0,
    hash: contentHash(options.kind, options.text),
  };
  // When the model gives no date, the statement's own grounded date (if any, and not in the future) says
  // when it became true — the same default as memories written by hand.
  const validFrom = options.validFrom ?? defaultValidFrom(dates, reference);
  if (validFrom !== undefined) record.validFrom = new Date(validFrom).toISOString();
  return { record, tokens: analyze(indexText) };
}

function rank(trust: Trust): number {
  return trust === 'high' ? 2 : trust === 'medium' ? 1 : 0;
}
