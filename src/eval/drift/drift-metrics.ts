// Drift metrics: which statements each current memory stands for, and from that the duplicate rate, the
// stale-fact rate and the recall of current truths, overall and per statement type. Pure functions.
import type { DriftStatement, StatementType } from './drift-stream.js';

/** A current memory as the metrics see it: its id and, for a merge, the ids of the memories it merged. */
export interface CurrentMemory {
  id: string;
  mergedFrom?: readonly string[] | undefined;
}

/** The statement types as reported: restatements split by form. */
export const driftTypeKeys = [
  'new',
  'restatement/verbatim',
  'restatement/filler',
  'restatement/reorder',
  'restatement/paraphrase',
  'change',
  'flip',
  'correction',
] as const;
export type DriftTypeKey = (typeof driftTypeKeys)[number];

/** What makes a value stale: the kinds of statement that replace one. */
export const replacingTypes = ['change', 'flip', 'correction'] as const;
type ReplacingType = (typeof replacingTypes)[number];

/** A slot's value at the end of the stream, and the statement that set it. */
export interface SlotTruth {
  userId: string;
  slot: string;
  value: string;
  setBy: DriftStatement;
}

/** Counts over the statements of one type. */
export interface TypeMeasurement {
  statements: number;
  /** Statements some current memory stands for. */
  represented: number;
  /** Statements whose every current memory is redundant (another, earlier one stands for the same value). */
  redundant: number;
  /** Represented statements whose value is no longer the slot's. */
  stale: number;
  /** Restatements that one current memory holds together with the statement they repeat (merged or deduplicated). */
  withRestated: number;
  /** Slots whose value at the end was set by a statement of this type, and how many of them are recalled. */
  truths: number;
  truthsRecalled: number;
}

export interface DriftMeasurement {
  currentMemories: number;
  /** Current memories that stand for no statement of the stream. */
  unattributed: number;
  /** Current memories that stand for more than one slot value (a merge of different facts). */
  conflated: number;
  duplicates: number;
  /** Share of current memories that are redundant: an earlier current memory stands for the same slot value. */
  duplicateRate: number;
  stale: number;
  /** Share of current memories that stand for a value a later statement replaced. */
  staleRate: number;
  truths: number;
  truthsRecalled: number;
  /** Share of slots whose value at the end some current memory stands for. */
  recall: number;
  /** Share of slot questions whose top k search results include a memory standing for the slot's value. */
  searchRecall: { k: number; questions: number; hits: number; rate: number } | null;
  byType: Record<DriftTypeKey, TypeMeasurement>;
  /** Statements whose value was replaced, by what replaced it, and how many still stand as current. */
  staleBy: Record<ReplacingType, { statements: number; stillCurrent: number }>;
  /** The same per slot family (`home`, `employer`, `likes`…: the slot up to its colon). */
  staleByFamily: Record<string, { statements: number; stillCurrent: number }>;
  /** The slot values no current memory stands for. */
  missingTruths: Array<{ userId: string; slot: string; value: string }>;
}

export interface MeasureDriftInput {
  statements: readonly DriftStatement[];
  /** Memory id → the statements whose add returned it (a verbatim repeat returns the memory it repeats). */
  written: ReadonlyMap<string, readonly string[]>;
  /** Merges reported by upkeep (merged id → source ids); the current memories' own `mergedFrom` are added. */
  merges?: ReadonlyMap<string, readonly string[]> | undefined;
  current: readonly CurrentMemory[];
  /** The memory ids search ranked for each slot's question, best first; absent when not measured. */
  searches?: ReadonlyArray<{ userId: string; slot: string; memoryIds: readonly string[] }> | undefined;
  /** The cut-off of search recall (default 5). */
  k?: number | undefined;
}

/**
 * The key of a user's slot.
 *
 * @example
 * slotKey('maya', 'home'); // 'maya/home'
 */
export function slotKey(userId: string, slot: string): string {
  return `${userId}/${slot}`;
}

/**
 * The type a statement is reported under: its type, restatements with their form.
 *
 * @example
 * typeKey({ type: 'restatement', form: 'filler' }); // 'restatement/filler'
 */
export function typeKey(statement: Pick<DriftStatement, 'type' | 'form'>): DriftTypeKey {
  if (statement.type !== 'restatement') return statement.type;
  return `restatement/${statement.form ?? 'paraphrase'}`;
}

/**
 * Each slot's value at the end of the stream (its latest statement's), with the statement that set it:
 * the first of the final run of statements with that value.
 *
 * @example
 * const truths = latestTruths(stream.statements);
 * truths.get('maya/home')?.value; // 'Porto'
 */
export function latestTruths(statements: readonly DriftStatement[]): Map<string, SlotTruth> {
  const truths = new Map<string, SlotTruth>();
  for (const statement of inTimeOrder(statements)) {
    const key = slotKey(statement.userId, statement.slot);
    const known = truths.get(key);
    if (known !== undefined && known.value === statement.value) continue;
    truths.set(key, {
      userId: statement.userId,
      slot: statement.slot,
      value: statement.value,
      setBy: statement,
    });
  }
  return truths;
}

/**
 * The statements a memory stands for: those whose add returned it, and for a merge, those of its sources,
 * recursively.
 *
 * @example
 * statementsOf('m3', { written: new Map([['m1', ['s1']], ['m2', ['s2']]]), merges: new Map([['m3', ['m1', 'm2']]]) });
 * // ['s1', 's2']
 */
export function statementsOf(
  memoryId: string,
  sources: {
    written: ReadonlyMap<string, readonly string[]>;
    merges: ReadonlyMap<string, readonly string[]>;
  },
): string[] {
  const found = new Set<string>();
  const seen = new Set<string>();
  const visit = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const statement of sources.written.get(id) ?? []) found.add(statement);
    for (const source of sources.merges.get(id) ?? []) visit(source);
  };
  visit(memoryId);
  return [...found];
}

/**
 * Measures the current memories against the stream's ground truth. A memory is redundant when an earlier
 * current memory (by its earliest statement) already stands for every slot value it stands for; stale when
 * one of its values is not its slot's value at the end. Rates are shares of current memories (recall: of
 * slots); a rate over nothing is 0.
 *
 * @example
 * const before = measureDrift({ statements: stream.statements, written, current: [{ id: 'm1' }, { id: 'm2' }] });
 * before.duplicateRate; // 0.5 when m2 restates m1
 */
export function measureDrift(input: MeasureDriftInput): DriftMeasurement {
  const byId = new Map(input.statements.map((statement) => [statement.id, statement]));
  const truths = latestTruths(input.statements);
  const merges = new Map(input.merges ?? []);
  for (const memory of input.current) {
    if (memory.mergedFrom !== undefined) merges.set(memory.id, memory.mergedFrom);
  }
  const sources = { written: input.written, merges };
  const memories = input.current.map((memory) => {
    const statements = statementsOf(memory.id, sources).flatMap((id) => byId.get(id) ?? []);
    const values = new Set(statements.map((statement) => valueKey(statement)));
    const earliest = statements.map((statement) => statement.observedAt).sort()[0] ?? '';
    return { id: memory.id, statements, values, earliest };
  });
  const attributed = memories
    .filter((memory) => memory.statements.length > 0)
    .sort((left, right) => left.earliest.localeCompare(right.earliest) || left.id.localeCompare(right.id));
  const covered = new Set<string>();
  const redundantIds = new Set<string>();
  let stale = 0;
  for (const memory of attributed) {
    if ([...memory.values].every((value) => covered.has(value))) redundantIds.add(memory.id);
    for (const value of memory.values) covered.add(value);
    const isStale = memory.statements.some(
      (statement) => truths.get(slotKey(statement.userId, statement.slot))?.value !== statement.value,
    );
    if (isStale) stale += 1;
  }
  const memoriesOfStatement = new Map<string, string[]>();
  for (const memory of attributed) {
    for (const statement of memory.statements) {
      memoriesOfStatement.set(statement.id, [...(memoriesOfStatement.get(statement.id) ?? []), memory.id]);
    }
  }
  const recalled = (truth: SlotTruth) => covered.has(valueKey(truth));
  const truthList = [...truths.values()];
  const truthsRecalled = truthList.filter(recalled).length;
  const count = input.current.length;
  return {
    currentMemories: count,
    unattributed: memories.length - attributed.length,
    conflated: attributed.filter((memory) => memory.values.size > 1).length,
    duplicates: redundantIds.size,
    duplicateRate: ratio(redundantIds.size, count),
    stale,
    staleRate: ratio(stale, count),
    truths: truthList.length,
    truthsRecalled,
    recall: ratio(truthsRecalled, truthList.length),
    searchRecall: searchRecall(input, truths, sources, byId),
    byType: typeMeasurements(input.statements, truths, memoriesOfStatement, redundantIds, recalled),
    ...staleByReplacement(input.statements, truths, memoriesOfStatement),
    missingTruths: truthList
      .filter((truth) => !recalled(truth))
      .map(({ userId, slot, value }) => ({ userId, slot, value })),
  };
}

/**
 * The slot values a current memory stood for before and no longer does after.
 *
 * @example
 * lostTruths(before, after); // [{ userId: 'maya', slot: 'home', value: 'Porto' }] when upkeep lost it
 */
export function lostTruths(
  before: Pick<DriftMeasurement, 'missingTruths'>,
  after: Pick<DriftMeasurement, 'missingTruths'>,
): DriftMeasurement['missingTruths'] {
  const missingBefore = new Set(before.missingTruths.map((truth) => valueKey(truth)));
  return after.missingTruths.filter((truth) => !missingBefore.has(valueKey(truth)));
}

function typeMeasurements(
  statements: readonly DriftStatement[],
  truths: ReadonlyMap<string, SlotTruth>,
  memoriesOfStatement: ReadonlyMap<string, readonly string[]>,
  redundantIds: ReadonlySet<string>,
  recalled: (truth: SlotTruth) => boolean,
): Record<DriftTypeKey, TypeMeasurement> {
  const byType = Object.fromEntries(
    driftTypeKeys.map((key) => [
      key,
      {
        statements: 0,
        represented: 0,
        redundant: 0,
        stale: 0,
        withRestated: 0,
        truths: 0,
        truthsRecalled: 0,
      },
    ]),
  ) as Record<DriftTypeKey, TypeMeasurement>;
  for (const statement of statements) {
    const row = byType[typeKey(statement)];
    row.statements += 1;
    const memories = memoriesOfStatement.get(statement.id) ?? [];
    if (memories.length === 0) continue;
    row.represented += 1;
    if (memories.every((id) => redundantIds.has(id))) row.redundant += 1;
    if (truths.get(slotKey(statement.userId, statement.slot))?.value !== statement.value) row.stale += 1;
    const restated =
      statement.type === 'restatement' ? memoriesOfStatement.get(statement.refersTo ?? '') : undefined;
    if (restated?.some((id) => memories.includes(id)) === true) row.withRestated += 1;
  }
  for (const truth of truths.values()) {
    const row = byType[typeKey(truth.setBy)];
    row.truths += 1;
    if (recalled(truth)) row.truthsRecalled += 1;
  }
  return byType;
}

/**
 * For each statement whose value was replaced by the end: the type of the first later statement that
 * replaced it, and its slot's family.
 */
function staleByReplacement(
  statements: readonly DriftStatement[],
  truths: ReadonlyMap<string, SlotTruth>,
  memoriesOfStatement: ReadonlyMap<string, readonly string[]>,
): Pick<DriftMeasurement, 'staleBy' | 'staleByFamily'> {
  const staleBy = Object.fromEntries(
    replacingTypes.map((type) => [type, { statements: 0, stillCurrent: 0 }]),
  ) as DriftMeasurement['staleBy'];
  const staleByFamily: DriftMeasurement['staleByFamily'] = {};
  const bySlot = new Map<string, DriftStatement[]>();
  for (const statement of inTimeOrder(statements)) {
    const key = slotKey(statement.userId, statement.slot);
    bySlot.set(key, [...(bySlot.get(key) ?? []), statement]);
  }
  for (const [key, slotStatements] of bySlot) {
    const truth = truths.get(key);
    for (const [index, statement] of slotStatements.entries()) {
      if (statement.value === truth?.value) continue;
      const replacing = slotStatements.slice(index + 1).find((later) => later.value !== statement.value);
      const type = replacing?.type as StatementType | undefined;
      if (type !== 'change' && type !== 'flip' && type !== 'correction') continue;
      const familyName = statement.slot.split(':')[0]!;
      const family = staleByFamily[familyName] ?? { statements: 0, stillCurrent: 0 };
      staleByFamily[familyName] = family;
      const stillCurrent = (memoriesOfStatement.get(statement.id) ?? []).length > 0 ? 1 : 0;
      staleBy[type].statements += 1;
      staleBy[type].stillCurrent += stillCurrent;
      family.statements += 1;
      family.stillCurrent += stillCurrent;
    }
  }
  return { staleBy, staleByFamily };
}

function searchRecall(
  input: MeasureDriftInput,
  truths: ReadonlyMap<string, SlotTruth>,
  sources: Parameters<typeof statementsOf>[1],
  byId: ReadonlyMap<string, DriftStatement>,
): DriftMeasurement['searchRecall'] {
  if (input.searches === undefined) return null;
  const k = input.k ?? 5;
  let hits = 0;
  for (const search of input.searches) {
    const truth = truths.get(slotKey(search.userId, search.slot));
    if (truth === undefined) continue;
    const found = search.memoryIds.slice(0, k).some((id) =>
      statementsOf(id, sources).some((statementId) => {
        const statement = byId.get(statementId);
        return statement !== undefined && valueKey(statement) === valueKey(truth);
      }),
    );
    if (found) hits += 1;
  }
  const questions = input.searches.length;
  return { k, questions, hits, rate: ratio(hits, questions) };
}

function valueKey(value: { userId: string; slot: string; value: string }): string {
  return `${slotKey(value.userId, value.slot)}=${value.value}`;
}

function inTimeOrder(statements: readonly DriftStatement[]): DriftStatement[] {
  return statements
    .map((statement, index) => ({ statement, index }))
    .sort(
      (left, right) =>
        left.statement.observedAt.localeCompare(right.statement.observedAt) || left.index - right.index,
    )
    .map((entry) => entry.statement);
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
