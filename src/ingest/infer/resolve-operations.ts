// Turns the model's operations into a plan on real memories: short ids mapped back, unknown ids and conflicts dropped.
import type { MemoryRecord, Message } from '../../core/records.js';
import type {
  AddOperation,
  AppliedOperation,
  InferOperation,
  InvalidateOperation,
  SupersedeOperation,
} from './infer-schema.js';

/** One change the plan will try to write, with the operation's index for reporting. */
export type PlannedChange =
  | { type: 'add'; index: number; op: AddOperation }
  | { type: 'supersede'; index: number; op: SupersedeOperation | AddOperation; target: MemoryRecord }
  | { type: 'invalidate'; index: number; op: InvalidateOperation; target: MemoryRecord };

export interface OperationPlan {
  changes: PlannedChange[];
  /** Reports for operations already settled (NOOP, unknown id, overridden), by operation index. */
  settled: Map<number, AppliedOperation>;
  warnings: string[];
}

/** Explicit "remember that …" at the start of a sentence; the clause is what to remember. */
const REMEMBER_PATTERN = /(?:^|[.!?]\s+)(?:please\s+)?(?:remember|note|don't forget)\s+that\s+([^.!?]+)/i;

/** The clause a user turn explicitly asks to remember, if any. */
export function explicitRememberClause(message: Message): string | undefined {
  if (message.role !== 'user') return undefined;
  const match = REMEMBER_PATTERN.exec(message.content);
  const clause = match?.[1]?.trim();
  return clause === undefined || clause === '' ? undefined : clause;
}

function slotKey(topic: string | null | undefined, slot: string | null | undefined): string | undefined {
  if (topic === undefined || topic === null || slot === undefined || slot === null) return undefined;
  return `${topic.trim().toLowerCase()}/${slot.trim().toLowerCase()}`;
}

function recordSlotKey(record: MemoryRecord): string | undefined {
  const { topic, slot } = record.attributes;
  return typeof topic === 'string' && typeof slot === 'string' ? slotKey(topic, slot) : undefined;
}

/**
 * Resolves operations against the known memories (ids 1..N) and the current profile:
 * - an id the model was not shown is skipped with a warning;
 * - when several operations target one memory, the last one wins (later turns are newer);
 * - a profile ADD for a topic/slot that already has a current value supersedes that value, and of
 *   several ADDs for one slot in a batch only the last is kept.
 */
export function resolveOperations(input: {
  operations: InferOperation[];
  known: MemoryRecord[];
  currentProfile: MemoryRecord[];
}): OperationPlan {
  const settled = new Map<number, AppliedOperation>();
  const warnings: string[] = [];
  const byTarget = new Map<string, PlannedChange>();
  const bySlot = new Map<string, PlannedChange>();
  const adds: PlannedChange[] = [];
  const profileBySlot = new Map<string, MemoryRecord>();
  for (const record of [...input.currentProfile, ...input.known]) {
    const key = record.kind === 'profile' ? recordSlotKey(record) : undefined;
    if (key !== undefined) profileBySlot.set(key, record);
  }
  const override = (previous: PlannedChange | undefined, by: number) => {
    if (previous === undefined) return;
    settled.set(previous.index, {
      op: previous.op.op,
      status: 'overridden',
      detail: `replaced by operation ${by} on the same memory`,
    });
  };

  input.operations.forEach((op, index) => {
    if (op.op === 'NOOP') {
      settled.set(index, { op: 'NOOP', status: 'noop', ...(op.reason ? { detail: op.reason } : {}) });
      return;
    }
    if (op.op === 'ADD') {
      const key = op.kind === 'profile' ? slotKey(op.topic, op.slot) : undefined;
      if (key === undefined) {
        adds.push({ type: 'add', index, op });
        return;
      }
      override(bySlot.get(key), index);
      const existing = profileBySlot.get(key);
      bySlot.set(
        key,
        existing === undefined
          ? { type: 'add', index, op }
          : { type: 'supersede', index, op, target: existing },
      );
      return;
    }
    const target = input.known[op.id - 1];
    if (target === undefined) {
      warnings.push(
        `Operation ${index} (${op.op}) names memory ${op.id}, which was not among the ${input.known.length} shown; skipped.`,
      );
      settled.set(index, { op: op.op, status: 'unknown-id', detail: `id ${op.id} was not shown` });
      return;
    }
    override(byTarget.get(target.id), index);
    byTarget.set(
      target.id,
      op.op === 'SUPERSEDE'
        ? { type: 'supersede', index, op, target }
        : { type: 'invalidate', index, op, target },
    );
  });
  // A slot change that also targets a memory through an explicit id: the explicit operation wins.
  const changes: PlannedChange[] = [...adds, ...byTarget.values()];
  for (const change of bySlot.values()) {
    const clash = change.type === 'supersede' ? byTarget.get(change.target.id) : undefined;
    if (clash !== undefined) {
      settled.set(change.index, {
        op: change.op.op,
        status: 'overridden',
        detail: `memory already changed by operation ${clash.index}`,
      });
      continue;
    }
    changes.push(change);
  }
  changes.sort((left, right) => left.index - right.index);
  return { changes, settled, warnings };
}
