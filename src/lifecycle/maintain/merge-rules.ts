// The offline consolidation rules: when two current memories are clearly the same statement (merge), the
// same statement negated (a contradiction: the newer one stands), or neither. Pure functions over records
// and their content units, tested with tables (merge-rules.test.ts).
import type { MemoryRecord } from '../../core/records.js';
import { cosineSimilarity } from '../../core/vectors.js';
import { predicatesOfCueWord } from '../../graph/relation-patterns.js';
import { conceptsOf } from '../../models/concept-lexicon.js';
import { type ContentUnits, coverage, hasUnit, NEGATION, unitJaccard } from './loss-guard.js';

/**
 * Offline thresholds (cosine is a sanity gate only: the built-in embedder scores "the dog bit the man" /
 * "the man bit the dog" 0.9 and a reordered restatement 0.75; the unit rules decide). Two memories of the same kind and exact scope, both negated or neither, liking the
 * same way, are merged when
 * - (restatement) their content units overlap by Jaccard >= `jaccard` (0.6: three shared of four distinct),
 *   the vectors (when both have one) have cosine >= `cosine` (0.7), one's units contain every unit of the
 *   other, and the one that says more names nobody the other does not (so "my sister lives in Denver" never
 *   absorbs "I live in Denver"); or
 * - (paraphrase) they name the same people, places and numbers, each's other words are found in the other
 *   literally or through a shared relation concept (`predicateConcepts`, at most half reworded), and the vectors
 *   have cosine >= `paraphraseCosine` (0.5);
 *   or they like (or dislike) the very same thing in other words ("I adore olives" / "I love olives").
 */
export const offlineMergeThresholds = { jaccard: 0.6, cosine: 0.7, paraphraseCosine: 0.5 } as const;

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
  const a = left.units;
  const b = right.units;
  const negated = a.all.has(NEGATION) !== b.all.has(NEGATION);
  const sameTopic = a.topic.size > 0 && sameUnits(a.topic, b.topic);
  // The same statement negated, or the same thing liked and then disliked: the newer one stands.
  if (
    (negated && sameTopic && a.polarity === 0 && b.polarity === 0) ||
    (sameTopic && a.polarity * b.polarity === -1)
  ) {
    return { verdict: 'contradiction', newer, older };
  }
  const jaccard = unitJaccard(a.all, b.all);
  const cosine =
    left.vector !== undefined && right.vector !== undefined
      ? cosineSimilarity(left.vector, right.vector)
      : undefined;
  const agree = !negated && a.polarity === b.polarity;
  if (agree && jaccard >= offlineMergeThresholds.jaccard && (cosine ?? 1) >= offlineMergeThresholds.cosine) {
    const leftInRight = coverage(a, b, { strict: true }).kept && namesNoOneNew(right, left);
    const rightInLeft = coverage(b, a, { strict: true }).kept && namesNoOneNew(left, right);
    // Equal content: the newer wording stands. Otherwise the one that says more.
    if (leftInRight && rightInLeft) return { verdict: 'merge', keep: newer };
    if (leftInRight) return { verdict: 'merge', keep: right };
    if (rightInLeft) return { verdict: 'merge', keep: left };
  }
  // The same thing liked (or disliked) in other words: "I adore olives" / "I love olives".
  const samePreference = agree && a.polarity !== 0 && sameTopic;
  if (samePreference || (agree && isParaphrase(left, right, cosine))) {
    const keep = a.all.size === b.all.size ? newer : a.all.size > b.all.size ? left : right;
    return { verdict: 'merge', keep };
  }
  return jaccard >= 0.3 || (cosine ?? 0) >= 0.6 ? { verdict: 'related' } : { verdict: 'distinct' };
}

/** Same units, up to `sameUnit`. */
function sameUnits(left: ReadonlySet<string>, right: ReadonlySet<string>): boolean {
  return [...left].every((unit) => hasUnit(right, unit)) && [...right].every((unit) => hasUnit(left, unit));
}

/** `kept` refers to no person (name, relative, partner, friend) that `other` does not. */
function namesNoOneNew(kept: Judged, other: Judged): boolean {
  return [...kept.units.persons].every((unit) => hasUnit(other.units.all, unit));
}

/**
 * Concepts of the words that state a relation rather than name its object: "live" / "home" (residence),
 * "work at" / "employed by" (work), "love" / "adore" (preference), "partner" / "dating" (partner). Offline, only
 * these may be reworded: "cycling" and "skiing" share a concept (sport) but are different things.
 */
export const predicateConcepts: ReadonlySet<string> = new Set(['residence', 'work', 'preference', 'partner']);

/**
 * The relation concepts of a unit: its lexicon concepts among `predicateConcepts`, and the graph predicates
 * whose cues use it ("based" and "live" both say `lives_in`).
 */
function relationConceptsOf(unit: string): readonly string[] {
  return [
    ...conceptsOf(unit).filter((id) => predicateConcepts.has(id)),
    ...predicatesOfCueWord(unit).map((predicate) => `relation:${predicate}`),
  ];
}

/**
 * The same statement in other words: the same names, numbers and people (a name found in either text must be
 * in both, whatever its case; at least one), and every other word of each found in the other literally or
 * through a shared relation concept (`predicateConcepts`, or a graph predicate whose cues use both words).
 */
function isParaphrase(left: Judged, right: Judged, cosine: number | undefined): boolean {
  if ((cosine ?? 1) < offlineMergeThresholds.paraphraseCosine) return false;
  const a = left.units;
  const b = right.units;
  // Names, numbers and relatives pin what it is about; a partner's title ("partner", "wife") may be reworded.
  const rewordable = (unit: string) =>
    !a.strict.has(unit) && !b.strict.has(unit) && relationConceptsOf(unit).length > 0;
  const pinned = new Set(
    [...a.strict, ...b.strict, ...a.persons, ...b.persons].filter((unit) => !rewordable(unit)),
  );
  pinned.delete(NEGATION);
  if (pinned.size === 0) return false;
  for (const unit of pinned) if (!hasUnit(a.all, unit) || !hasUnit(b.all, unit)) return false;
  const topicOf = (units: typeof a) => ({ ...units, all: units.topic });
  const options = { strict: false, conceptsOf: relationConceptsOf };
  return coverage(topicOf(a), topicOf(b), options).kept && coverage(topicOf(b), topicOf(a), options).kept;
}

/** A group to write as one memory: the member whose text stands, and every member (it included). */
export interface MergeGroup {
  keep: Judged;
  members: Judged[];
}

/**
 * Groups memories joined by `pairs` (union-find) and picks, in each group, the member with the most content
 * units; members that `mergeable` says may be written as that member's text join the merge, the others stay
 * out (and stay current). By default a member may when the kept text contains every unit of it.
 *
 * @example
 * const groups = mergeGroups(judgedById, [['a', 'b'], ['b', 'c']]);
 */
export function mergeGroups(
  byId: ReadonlyMap<string, Judged>,
  pairs: ReadonlyArray<readonly [string, string]>,
  mergeable: (member: Judged, keep: Judged) => boolean = (member, keep) =>
    coverage(member.units, keep.units, { strict: true }).kept,
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
    const joined = ranked.filter((member) => member === keep || mergeable(member, keep));
    if (joined.length >= 2) groups.push({ keep, members: joined });
  }
  return groups;
}
