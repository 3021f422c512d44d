// Opening a store an older version wrote: repair messages a crash left without their episode, and say so.
import type { Clock } from '../core/clock.js';
import { toMnemoError } from '../core/errors.js';
import type { IdGenerator } from '../core/ids.js';
import { repairOrphans } from '../ingest/repair-orphans.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import type { MemoryStore } from '../store/memory-store.js';

/**
 * Repairs orphaned messages when the store may hold some, and says what it did (for `status()`). A failed
 * repair does not stop the store from opening: it is reported, and the next open tries again.
 *
 * @example
 * const warnings = await repairAtOpen({ store, embedder, clock: systemClock, ids: uuidV7 });
 */
export async function repairAtOpen(input: {
  store: MemoryStore;
  embedder: EmbeddingModel | undefined;
  clock: Clock;
  ids: IdGenerator;
}): Promise<string[]> {
  try {
    const { repaired, warnings } = await repairOrphans({
      ...input,
      actor: 'system:repair',
    });
    const done =
      repaired === 0
        ? []
        : [
            `Repaired ${repaired} message(s) that an interrupted write of an older version had left without ` +
              'their episode; they are indexed again (importance 0.5, without the metadata of their add).',
          ];
    return [...done, ...warnings];
  } catch (error) {
    const failure = toMnemoError(error);
    return [
      `Messages left without their episode by an older version could not be repaired (${failure.code}: ` +
        `${failure.message}); the next open tries again.`,
    ];
  }
}
