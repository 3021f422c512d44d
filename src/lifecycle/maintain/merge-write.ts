// The memory a merge writes: one current memory that stands for its sources and cites every one of them.
import { contentHash } from '../../core/hashing.js';
import type { JsonObject, MemoryRecord, Trust } from '../../core/records.js';
import { formatDateIndexText, groundDates } from '../../ingest/time-grounding.js';
import { analyze } from '../../models/text-analyzer.js';
import type { MemoryWrite } from '../../store/memory-store.js';

const trustRank: Record<Trust, number> = { low: 0, medium: 1, high: 2 };

const earliest = (values: number[]) => Math.min(...values);
const latest = (values: number[]) => Math.max(...values);

/**
 * The write of a merge: `text` (a source's own text offline, a model's paraphrase otherwise) with the
 * provenance of all `sources` — message ids united, the newest statement's time, validity from the earliest,
 * the highest importance, confidence and trust, recall counts summed, metadata folded oldest to newest,
 * `attributes.mergedFrom` listing the sources. It expires only when every source does (the latest expiry).
 *
 * @example
 * const write = buildMergedWrite({ id: uuidV7(), base: keep, sources: [keep, other], text: keep.text, now: Date.now(), by: 'offline' });
 */
export function buildMergedWrite(input: {
  id: string;
  /** The source whose wording and scope the merged memory takes. */
  base: MemoryRecord;
  sources: readonly MemoryRecord[];
  text: string;
  now: number;
  by: 'offline' | 'llm';
}): MemoryWrite {
  const { base, sources, text } = input;
  const observedAt = latest(sources.map((source) => Date.parse(source.observedAt)));
  const validFrom = earliest(sources.map((source) => Date.parse(source.validFrom ?? source.observedAt)));
  const metadata: JsonObject = {};
  for (const source of [...sources].sort((a, b) => Date.parse(a.observedAt) - Date.parse(b.observedAt))) {
    Object.assign(metadata, source.metadata);
  }
  const attributes: JsonObject = {
    ...base.attributes,
    mergedFrom: sources.map((source) => source.id),
    mergedBy: input.by,
  };
  let indexText = base.indexText;
  if (text !== base.text) {
    const dates = groundDates({ text, reference: observedAt });
    attributes.dates = dates.map((date) => ({ ...date }));
    const at = base.indexText.indexOf(base.text);
    const prefix = at > 0 ? base.indexText.slice(0, at) : '';
    indexText = [`${prefix}${text}`, formatDateIndexText(dates)].filter((part) => part !== '').join(' ');
  }
  const accessed = sources.flatMap((source) =>
    source.lastAccessedAt === undefined ? [] : [Date.parse(source.lastAccessedAt)],
  );
  const expiries = sources.map((source) =>
    source.expiresAt === undefined ? undefined : Date.parse(source.expiresAt),
  );
  const trust = sources
    .map((source) => source.source.trust)
    .reduce((best, next) => (trustRank[next] > trustRank[best] ? next : best), base.source.trust);
  const record: MemoryRecord = {
    id: input.id,
    scope: base.scope,
    kind: base.kind,
    text,
    indexText,
    attributes,
    metadata,
    importance: latest(sources.map((source) => source.importance)),
    confidence: latest(sources.map((source) => source.confidence)),
    source: {
      ...base.source,
      messageIds: [...new Set(sources.flatMap((source) => source.source.messageIds))],
      trust,
    },
    observedAt: new Date(observedAt).toISOString(),
    createdAt: new Date(input.now).toISOString(),
    accessCount: sources.reduce((sum, source) => sum + source.accessCount, 0),
    hash: contentHash(base.kind, text),
  };
  if (validFrom < observedAt) record.validFrom = new Date(validFrom).toISOString();
  if (accessed.length > 0) record.lastAccessedAt = new Date(latest(accessed)).toISOString();
  if (expiries.every((expiry) => expiry !== undefined)) {
    record.expiresAt = new Date(latest(expiries as number[])).toISOString();
  }
  return { record, tokens: analyze(indexText) };
}
