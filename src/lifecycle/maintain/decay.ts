// Decay: memories nobody recalls fade (core/strength.ts); below the threshold they are archived — hidden
// from default reads, kept with their history, restorable — never deleted.
import { type MemoryKind, memoryKinds } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { archiveIdleUnitMs, durableKinds, memoryStrength } from '../../core/strength.js';
import { type UpkeepContext, unlessMoot } from './upkeep-context.js';

/** Kinds that can fade: all but core blocks, profile slots and procedures. */
export const fadingKinds: readonly MemoryKind[] = memoryKinds.filter((kind) => !durableKinds.has(kind));

/** Candidates read per page. */
const PAGE = 500;

/**
 * Archives the memories of exactly `scope` whose strength fell below the policy's threshold (the store reads
 * only those past the archive line; each is checked again here), least recently touched first, within the
 * budget.
 * Returns whether the sweep was cut short by the budget (candidates may be left for the next run).
 *
 * @example
 * const left = await decayScope(context, scope);
 */
export async function decayScope(context: UpkeepContext, scope: Scope): Promise<boolean> {
  const policy = context.strength;
  if (policy === undefined || policy.archiveBelow <= 0) return false;
  if (context.budget.memories <= 0) return true;
  const candidates = await context.store.listFading({
    scope,
    idleUnitMs: archiveIdleUnitMs(policy),
    kinds: fadingKinds,
    limit: Math.min(PAGE, context.budget.memories),
    now: context.now,
  });
  context.budget.memories -= candidates.length;
  context.report.examined += candidates.length;
  for (const record of candidates) {
    const strength = memoryStrength(record, context.now, policy);
    if (strength.value >= policy.archiveBelow) continue;
    const rounded = Math.round(strength.value * 1000) / 1000;
    const archived = await unlessMoot(() =>
      context.store.archiveMemory({
        scope: record.scope,
        id: record.id,
        at: context.now,
        actor: context.actor,
        reason: `strength ${rounded} < ${policy.archiveBelow} (idle ${Math.round(strength.idleDays)} days, half-life ${Math.round(strength.halfLifeDays ?? 0)} days)`,
      }),
    );
    if (archived !== undefined) context.report.archived.push({ id: record.id, strength: rounded });
  }
  return candidates.length === PAGE && context.budget.memories <= 0;
}
