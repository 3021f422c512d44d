// Turns one logged message into an `episode` memory: speaker, grounded dates and entities as attributes,
// and an index text that carries them so date and name questions find the turn.
import { contentHash } from '../core/hashing.js';
import type { JsonObject, MemoryRecord, Message, Origin, Trust } from '../core/records.js';
import { speakerOf } from '../core/speaker.js';
import { analyze } from '../models/text-analyzer.js';
import { extractEntities } from './entities.js';
import { formatDateIndexText, groundDates } from './time-grounding.js';
import { type TurnNeighbours, turnContext } from './turn-context.js';

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
  expiresAt?: number | undefined;
  origin?: Origin | undefined;
  /** The turns around this one in its session; a short turn is indexed with them (`turn-context.ts`). */
  neighbours?: TurnNeighbours | undefined;
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
  const dates = groundDates({ text: message.content, reference: Date.parse(message.observedAt) });
  const entities = extractEntities(message.content);
  const { indexText, tokens } = episodeIndex(message, options.neighbours ?? {}, dates);
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
  return { record, tokens };
}

/**
 * What an episode is indexed by: `speaker: content`, the neighbouring turns' context when the turn is
 * short (its own words then count twice in the tokens), and the absolute dates its relative ones ground to. Deterministic, so an episode can be
 * re-indexed when a later turn arrives.
 *
 * @example
 * episodeIndex(message, { before: 'Did you paint that?' }).indexText
 * // 'Melanie: Yes, last year! Did you paint that? 2022'
 */
export function episodeIndex(
  message: Message,
  neighbours: TurnNeighbours,
  dates = groundDates({ text: message.content, reference: Date.parse(message.observedAt) }),
): { indexText: string; tokens: string[] } {
  const own = `${speakerOf(message)}: ${message.content}`;
  const context = turnContext(message.content, neighbours);
  const indexText = [own, context, formatDateIndexText(dates)].filter((part) => part.length > 0).join(' ');
  // With borrowed context, the turn's own words count twice in the full-text index (BM25F with field
  // weights 2 and 1): the context helps the turn be found, but the turn that says it still ranks first.
  const tokens = context === '' ? analyze(indexText) : [...analyze(own), ...analyze(indexText)];
  return { indexText, tokens };
}
