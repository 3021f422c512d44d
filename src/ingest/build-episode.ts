// Turns one logged message into an `episode` memory: speaker, grounded dates and entities as attributes,
// and an index text that carries them so date and name questions find the turn.
import { createHash } from 'node:crypto';
import type { JsonObject, MemoryRecord, Message, Origin, Trust } from '../core/records.js';
import { analyze } from '../models/text-analyzer.js';
import { extractEntities } from './entities.js';
import { formatDateIndexText, groundDates } from './time-grounding.js';

const originByRole: Record<Message['role'], Origin> = {
  user: 'user',
  assistant: 'assistant',
  system: 'system',
  tool: 'tool',
};
const trustByRole: Record<Message['role'], Trust> = {
  user: 'high',
  system: 'high',
  assistant: 'medium',
  tool: 'low',
};

export interface EpisodeDraft {
  record: MemoryRecord;
  tokens: string[];
}

export interface BuildEpisodeOptions {
  message: Message;
  id: string;
  now: number;
  importance: number;
  metadata: JsonObject;
  expiresAt?: number;
  origin?: Origin;
}

/** Who said a message: its name, else the user id for user turns, else the role. */
export function speakerOf(message: Message): string {
  return message.name ?? (message.role === 'user' ? (message.scope.userId ?? 'user') : message.role);
}

/** sha256 of kind + whitespace-normalised, lower-cased text: equal hashes mean duplicate content. */
export function contentHash(kind: string, text: string): string {
  return createHash('sha256')
    .update(`${kind}\u0000${text.trim().replace(/\s+/g, ' ').toLowerCase()}`)
    .digest('hex');
}

/**
 * Builds the episode memory for one message.
 *
 * @example
 * buildEpisode({ message, id: uuidV7(), now: Date.now(), importance: 0.5, metadata: {} });
 */
export function buildEpisode(options: BuildEpisodeOptions): EpisodeDraft {
  const { message } = options;
  const speaker = speakerOf(message);
  const reference = Date.parse(message.observedAt);
  const dates = groundDates({ text: message.content, reference });
  const entities = extractEntities(message.content);
  const dateText = formatDateIndexText(dates);
  const indexText =
    dateText.length > 0 ? `${speaker}: ${message.content} ${dateText}` : `${speaker}: ${message.content}`;
  const attributes: JsonObject = {
    role: message.role,
    speaker,
    seq: message.seq,
    dates: dates.map((date) => ({ ...date })),
    entities: { ...entities },
  };
  if (message.scope.sessionId !== undefined) attributes.sessionId = message.scope.sessionId;
  const record: MemoryRecord = {
    id: options.id,
    scope: message.scope,
    kind: 'episode',
    text: message.content,
    indexText,
    attributes,
    metadata: { ...message.metadata, ...options.metadata },
    importance: options.importance,
    confidence: 1,
    source: {
      messageIds: [message.id],
      attributedTo: speaker,
      origin: options.origin ?? originByRole[message.role],
      trust: trustByRole[message.role],
    },
    observedAt: message.observedAt,
    createdAt: new Date(options.now).toISOString(),
    accessCount: 0,
    hash: contentHash('episode', message.content),
  };
  if (options.expiresAt !== undefined) record.expiresAt = new Date(options.expiresAt).toISOString();
  return { record, tokens: analyze(indexText) };
}
