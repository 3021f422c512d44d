// How strongly a memory is held: an Ebbinghaus-style forgetting curve (as MemoryBank's) over record time.
// Strength starts at 1 when a memory is written or recalled and halves every `halfLife` days untouched; the
// half-life grows with importance and with every recall, so what is used stays and what is never read fades.
import type { MemoryKind, MemoryRecord } from './records.js';

export interface StrengthPolicy {
  /** Days for an unread memory of importance 0.5 to fall to strength 0.5. */
  halfLifeDays: number;
  /** Strength below which upkeep archives a memory; 0 never archives. */
  archiveBelow: number;
}

export const strengthDefaults: StrengthPolicy = { halfLifeDays: 90, archiveBelow: 0.05 };

/** Kinds that never fade: pinned core blocks, profile slots, how the user wants the agent to behave. */
export const durableKinds: ReadonlySet<MemoryKind> = new Set(['core', 'profile', 'procedure']);

const DAY_MS = 86_400_000;

export interface Strength {
  /** 0..1; 1 for memories exempt from decay. */
  value: number;
  /** The memory's half-life in days (undefined when exempt). */
  halfLifeDays?: number;
  /** Days since it was last written or recalled. */
  idleDays: number;
  /** Why it never fades: `durable-kind`, `remembered` (importance 1: written on purpose) or `pinned`. */
  exempt?: 'durable-kind' | 'remembered' | 'pinned';
}

/**
 * The strength of `record` at `now`:
 *   halfLife = halfLifeDays × (0.5 + importance) × (1 + accessCount)
 *   strength = 0.5 ^ (idleDays / halfLife), idleDays since max(createdAt, lastAccessedAt).
 * Record time, not valid time: an imported conversation from 2023 is fresh when it is imported. Core blocks,
 * profile slots, procedures, memories of importance 1 (written on purpose, "remember that …") and memories
 * with `metadata.pinned = true` are exempt.
 *
 * @example
 * memoryStrength(record, Date.now()).value; // 1 right after a write, 0.5 one half-life later
 */
export function memoryStrength(
  record: Pick<
    MemoryRecord,
    'kind' | 'importance' | 'accessCount' | 'createdAt' | 'lastAccessedAt' | 'metadata'
  >,
  now: number,
  policy: StrengthPolicy = strengthDefaults,
): Strength {
  const touched = Math.max(
    Date.parse(record.createdAt),
    record.lastAccessedAt === undefined ? 0 : Date.parse(record.lastAccessedAt),
  );
  const idleDays = Math.max(0, (now - touched) / DAY_MS);
  const exempt = exemption(record);
  if (exempt !== undefined) return { value: 1, idleDays, exempt };
  const halfLifeDays = halfLifeOf(record, policy);
  return { value: 0.5 ** (idleDays / halfLifeDays), halfLifeDays, idleDays };
}

/**
 * The archive line as an idle time: a memory is weaker than `policy.archiveBelow` once it has been idle longer
 * than `idleUnitMs × (0.5 + importance) × (1 + accessCount)`. Infinity when nothing is ever archived.
 *
 * @example
 * archiveIdleUnitMs(strengthDefaults); // 90 days × log2(20) ≈ 389 days, in ms
 */
export function archiveIdleUnitMs(policy: StrengthPolicy): number {
  if (policy.archiveBelow <= 0) return Number.POSITIVE_INFINITY;
  if (policy.archiveBelow >= 1) return 0;
  return policy.halfLifeDays * Math.log2(1 / policy.archiveBelow) * DAY_MS;
}

function halfLifeOf(record: Pick<MemoryRecord, 'importance' | 'accessCount'>, policy: StrengthPolicy) {
  return policy.halfLifeDays * (0.5 + record.importance) * (1 + Math.max(0, record.accessCount));
}

function exemption(
  record: Pick<MemoryRecord, 'kind' | 'importance' | 'metadata'>,
): Strength['exempt'] | undefined {
  if (durableKinds.has(record.kind)) return 'durable-kind';
  if (record.importance >= 1) return 'remembered';
  if (record.metadata.pinned === true) return 'pinned';
  return undefined;
}
