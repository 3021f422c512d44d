// The two changes consolidation makes, each one transaction through the store: a merge (one new memory
// superseding several) and the retirement of a statement a newer one contradicts.
import type { MemoryRecord } from '../../core/records.js';
import { embedWrites } from '../../ingest/embed-documents.js';
import type { MergeGroup } from './merge-rules.js';
import { buildMergedWrite } from './merge-write.js';
import { type UpkeepContext, unlessMoot } from './upkeep-context.js';

/**
 * Writes a merge: one new current memory with `text`, superseding every member. Returns the ids retired
 * (none when another writer got there first).
 *
 * @example
 * const retired = await writeMerge(context, group, { text: group.keep.record.text, by: 'offline' });
 */
export async function writeMerge(
  context: UpkeepContext,
  group: MergeGroup,
  merge: { text: string; by: 'offline' | 'llm' },
): Promise<string[]> {
  const sources = group.members.map((member) => member.record);
  const write = buildMergedWrite({
    id: context.ids(),
    base: group.keep.record,
    sources,
    text: merge.text,
    now: context.now,
    by: merge.by,
  });
  const reused = merge.text === group.keep.record.text ? group.keep.vector : undefined;
  if (reused !== undefined && group.keep.record.embeddingModel !== undefined) {
    write.embedding = reused;
    write.record.embeddingModel = group.keep.record.embeddingModel;
  } else {
    const embedded = await embedWrites({
      store: context.store,
      embedder: context.embedder,
      memories: [write],
    });
    context.report.usage.embeddingCalls += embedded.calls;
  }
  await context.graph?.([write]);
  const ids = sources.map((source) => source.id);
  const done = await unlessMoot(() =>
    context.store.mergeMemories({
      scope: group.keep.record.scope,
      ids,
      replacement: write,
      at: context.now,
      actor: context.actor,
      reason: `merged ${ids.length} memories that say the same (${merge.by})`,
    }),
  );
  if (done === undefined) return [];
  context.report.merged.push({ id: done.merged.id, sources: ids, text: done.merged.text, by: merge.by });
  return ids;
}

/**
 * Retires `older` because `newer` says otherwise: its validity ends where the newer statement's begins
 * (history `invalidate`, the reason names the newer memory). The two are not chained, so forgetting one never
 * erases the other. False when another writer got there first.
 *
 * @example
 * await retireContradicted(context, { newer, older, rule: 'negation' });
 */
export async function retireContradicted(
  context: UpkeepContext,
  input: { newer: MemoryRecord; older: MemoryRecord; rule: 'negation' | 'relation' | 'llm' },
): Promise<boolean> {
  const start = (record: MemoryRecord) => Date.parse(record.validFrom ?? record.observedAt);
  const validTo = Math.max(start(input.newer), start(input.older));
  const done = await unlessMoot(() =>
    context.store.invalidateMemory({
      scope: input.older.scope,
      id: input.older.id,
      validTo,
      at: context.now,
      actor: context.actor,
      reason: `superseded by the newer statement ${input.newer.id} (${input.rule})`,
    }),
  );
  if (done === undefined) return false;
  context.report.superseded.push({ id: input.older.id, by: input.newer.id, rule: input.rule });
  return true;
}
