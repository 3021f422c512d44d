// A new version of a memory with new text: same kind, scope and provenance, freshly grounded and indexed.
import type { MemoryRecord } from '../core/records.js';
import { analyze } from '../models/text-analyzer.js';
import { contentHash } from './build-episode.js';
import { extractEntities } from './entities.js';
import { formatDateIndexText, groundDates } from './time-grounding.js';

export interface BuildRevisionOptions {
  previous: MemoryRecord;
  text: string;
  id: string;
  now: number;
  actor: string;
}

/**
 * Builds the replacement record for `update(id, { text })`.
 *
 * @example
 * const { record, tokens } = buildRevision({ previous, text: 'I live in Porto now', id: uuidV7(), now, actor: 'sdk' });
 */
export function buildRevision(options: BuildRevisionOptions): { record: MemoryRecord; tokens: string[] } {
  const { previous, text, now } = options;
  const speaker = typeof previous.attributes.speaker === 'string' ? previous.attributes.speaker : undefined;
  const dates = groundDates({ text, reference: now });
  const dateText = formatDateIndexText(dates);
  const body = speaker === undefined ? text : `${speaker}: ${text}`;
  const indexText = dateText.length > 0 ? `${body} ${dateText}` : body;
  const record: MemoryRecord = {
    ...previous,
    id: options.id,
    text,
    indexText,
    attributes: {
      ...previous.attributes,
      dates: dates.map((date) => ({ ...date })),
      entities: { ...extractEntities(text) },
      editedBy: options.actor,
    },
    observedAt: new Date(now).toISOString(),
    createdAt: new Date(now).toISOString(),
    accessCount: 0,
    hash: contentHash(previous.kind, text),
  };
  delete record.retiredAt;
  delete record.supersededBy;
  delete record.validTo;
  delete record.lastAccessedAt;
  delete record.embeddingModel;
  record.supersedes = previous.id;
  return { record, tokens: analyze(indexText) };
}
