// The offline consolidation rules: when two current memories are clearly the same statement (merge), the
// same statement negated (a contradiction: the newer one stands), or neither. Pure functions over records
// and their content units, tested with tables (merge-rules.test.ts).
import type { MemoryRecord } from '../../core/records.js';
import { cosineSimilarity } from '../../core/vectors.js';
import { type ContentUnits, coverage, NEGATION, unitJaccard } from './loss-guard.js';

/**
 * Offline thresholds. Two memories of the same kind and exact scope are merged when
 * - their content units overlap by Jaccard >= `jaccard` (0.6: three shared of four distinct),
 * - the vectors, when both have one, have cosine >= `cosine` (0.8), and
 * - one's units contain every unit of the other (so the merged text, the larger one, loses nothing).
 */
export const offlineMergeThresholds = { jaccard: 0.6, cosine: 0.8 } as const;

/** A memory with what the rules read of it. */
export interface Judged {
  record: MemoryRecord;
  units: ContentUnits;
  vector?: Float32Array | undefined;
}

export type PairVerdict =
  /** Clearly the same: `keep` says the text that stands for both. */
  | { verdict: 'merge'; keep: Judged }
  /** The same statement negated: `newer` stands, `older` is retired. */
  | { verdict: 'contradiction'; newer: Judged; older: Judged }
  /** Related (close in meaning or words) but not clearly either: a question for a model. */
  | { verdict: 'related' }
  | { verdict: 'distinct' };

/** Said later (observedAt, then createdAt, then id): the statement that stands when two disagree. */
export function isNewer(left: MemoryRecord, right: MemoryRecord): boolean {
  const order = (record: MemoryRecord) => [Date.parse(record.observedAt), Date.parse(record.createdAt)];
  const [lo, lc] = order(left);
  const [ro, rc] = order(right);
  if (lo !== ro) return (lo as number) > (ro as number);
  if (lc !== rc) return (lc as number) > (rc as number);
  return left.id > right.id;
}

const withoutNegation = (units: ReadonlySet<string>) => [...units].filter((unit) => unit !== NEGATION);

/**
 * The offline verdict on two memories of the same exact scope.
 *
 * @example
 * judgePair(judged('I enjoy hiking in the Alps'), judged('I really enjoy hiking in the Alps')).verdict; // 'merge'
 * judgePair(judged('I like sushi'), judged("I don't like sushi")).verdict; // 'contradiction'
 */
export function judgePair(left: Judged, right: Judged): PairVerdict {
  if (left.record.kind !== right.record.kind) return { verdict: 'distinct' };
  const [newer, older] = isNewer(left.record, right.record) ? [left, right] : [right, left];
  const leftPlain = withoutNegation(left.units.all);
  const rightPlain = new Set(withoutNegation(right.units.all));
  const negated = left.units.all.has(NEGATION) !== right.units.all.has(NEGATION);
  if (
    negated &&
    leftPlain.length > 0 &&
    leftPlain.length === rightPlain.size &&
    leftPlain.every((unit) => rightPlain.has(unit))
  ) {
    return { verdict: 'contradiction', newer, older };
  }
  const jaccard = unitJaccard(left.units.all, right.units.all);
  const cosine =
    left.vector !== undefined && right.vector !== undefined
      ? cosineSimilarity(left.vector, right.vector)
      : undefined;
  const close = jaccard >= offlineMergeThresholds.jaccard && (cosine ?? 1) >= offlineMergeThresholds.cosine;
  if (close && !negated) {
    const leftInRight = coverage(left.units, right.units, { strict: true }).kept;
    const rightInLeft = coverage(right.units, left.units, { strict: true }).kept;
    // Equal content: the newer wording stands. Otherwise the one that says more.
    if (leftInRight && rightInLeft) return { verdict: 'merge', keep: newer };
    if (leftInRight) return { verdict: 'merge', keep: right };
    if (rightInLeft) return { verdict: 'merge', keep: left };
  }
  return jaccard >= 0.3 || (cosine ?? 0) >= 0.6 ? { verdict: 'related' } : { verdict: 'distinct' };
}

/** A group to write as one memory: the member whose text stands, and every member (it included). */
export interface MergeGroup {
  keep: Judged;
  members: Judged[];
}

/**
 * Groups memories joined by `pairs` (union-find) and picks, in each group, the member whose units contain
 * every other member's; members it does not cover stay out of the merge (and stay current). With
 * `requireCover: false` every member of a connected group is kept (groups of related memories).
 *
 * @example
 * const groups = mergeGroups(judgedById, [['a', 'b'], ['b', 'c']]);
 */
export function mergeGroups(
  byId: ReadonlyMap<string, Judged>,
  pairs: ReadonlyArray<readonly [string, string]>,
  options: { requireCover: boolean } = { requireCover: true },
): MergeGroup[] {
  const parent = new Map<string, string>();
  const find = (id: string): string => {
    const up = parent.get(id) ?? id;
    if (up === id) return id;
    const root = find(up);
    parent.set(id, root);
    return root;
  };
  for (const [a, b] of pairs) {
    const [ra, rb] = [find(a), find(b)];
    if (ra === rb) continue;
    const [low, high] = ra < rb ? [ra, rb] : [rb, ra];
    parent.set(high, low);
  }
  const clusters = new Map<string, Judged[]>();
  for (const id of new Set(pairs.flat())) {
    const judged = byId.get(id);
    if (judged === undefined) continue;
    const root = find(id);
    clusters.set(root, [...(clusters.get(root) ?? []), judged]);
  }
  const groups: MergeGroup[] = [];
  for (const members of clusters.values()) {
    const ranked = [...members].sort(
      (a, b) => b.units.all.size - a.units.all.size || (isNewer(a.record, b.record) ? -1 : 1),
    );
    const keep = ranked[0] as Judged;
    const covered = ranked.filter(
      (member) =>
        !options.requireCover || member === keep || coverage(member.units, keep.units, { strict: true }).kept,
    );
    if (covered.length >= 2) groups.push({ keep, members: covered });
  }
  return groups;
}
