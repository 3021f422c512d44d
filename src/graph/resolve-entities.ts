// Entity resolution, bounded: a write's new names are compared only with the candidates the alias index
// returns for their keys and three-letter prefixes (one lookup per batch, at most MAX_CANDIDATES), never with
// the whole graph. Exact keys, possessives and case are the store's (core/graph.ts `entityKey`); here a
// nickname ("Mel" for Melanie), a first name for a full one ("Emma" for Emma Stone) and a near spelling
// ("Carolin") join the one candidate they fit. When several fit, embeddings decide: the memory's vector
// against the stored vectors of each candidate's recent memories; without a clear winner nothing is
// resolved — a wrong merge costs more than a duplicate, which `mergeEntities` can fix later.
import { aliasPrefix, type Entity, type EntityMention, entityKey, type GraphFacts } from '../core/graph.js';
import type { Scope } from '../core/scope.js';
import { cosineSimilarity } from '../core/vectors.js';
import type { GraphStore } from '../store/graph-store.js';
import type { MemoryStore } from '../store/memory-store.js';

const MAX_CANDIDATES = 200;
const MIN_SIMILARITY = 0.92;

/**
 * Jaro-Winkler similarity of two strings, 0..1. Written here (30 lines) rather than taken from a package:
 * the maintained string-distance packages bring dozens of metrics for this one.
 *
 * @example
 * jaroWinkler('caroline', 'carolin'); // ≈ 0.975
 */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = new Array<boolean>(a.length).fill(false);
  const bMatched = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i += 1) {
    for (let j = Math.max(0, i - window); j < Math.min(b.length, i + window + 1); j += 1) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = true;
      bMatched[j] = true;
      matches += 1;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let k = 0;
  for (let i = 0; i < a.length; i += 1) {
    if (!aMatched[i]) continue;
    while (!bMatched[k]) k += 1;
    if (a[i] !== b[k]) transpositions += 1;
    k += 1;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < Math.min(4, a.length, b.length) && a[prefix] === b[prefix]) prefix += 1;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** A candidate with the lookup keys of its name and aliases, computed once per batch. */
interface KeyedCandidate {
  entity: Entity;
  keys: string[];
  prefixes: Set<string>;
}

function keyed(entity: Entity): KeyedCandidate {
  const keys = [entity.name, ...entity.aliases].map(entityKey);
  return { entity, keys, prefixes: new Set(keys.map(aliasPrefix)) };
}

/**
 * Why a candidate fits a name, or undefined.
 *
 * @example
 * fitOf('mel', 'person', melanie); // 'nickname'
 */
export function fitOf(key: string, type: Entity['type'], candidate: Entity): string | undefined {
  return fitOfKeys(key, type, keyed(candidate));
}

function fitOfKeys(key: string, type: Entity['type'], candidate: KeyedCandidate): string | undefined {
  const compatible = candidate.entity.type === type || candidate.entity.type === 'thing' || type === 'thing';
  if (!compatible) return undefined;
  const names = candidate.keys;
  if (names.includes(key)) return 'alias';
  const single = !key.includes(' ');
  for (const name of names) {
    const first = name.split(' ')[0] ?? '';
    if (type === 'person' && single && key.length >= 3) {
      if (first !== key && (first.startsWith(key) || key.startsWith(first)) && first.length >= 3)
        return 'nickname';
      if (name.includes(' ') && first === key) return 'first name';
    }
    if (key.length >= 5 && jaroWinkler(key, name) >= MIN_SIMILARITY) return 'spelling';
  }
  return undefined;
}

/** How much closer one candidate's context must be than the next for an ambiguous name to join it. */
const CONTEXT_MARGIN = 0.05;
/** Memories per candidate whose stored vectors describe its context. */
const CONTEXT_MEMORIES = 5;

/**
 * Of several candidates a name fits ("Emma" for Emma Stone and Emma Watson), the one whose recent memories
 * are closest in meaning to the memory that names it (cosine of stored vectors), when it is clearly closer
 * than the next; undefined when the store keeps no vectors or the contexts do not tell them apart. Bounded:
 * it runs only for ambiguous names, on at most five memories per candidate.
 */
async function closestInContext(
  store: GraphStore & Partial<Pick<MemoryStore, 'getVectors'>>,
  scope: Scope,
  embedding: Float32Array,
  candidates: readonly Entity[],
): Promise<Entity | undefined> {
  if (store.getVectors === undefined) return undefined;
  const mentions = await store.listMentions({
    scope,
    entityIds: candidates.map((candidate) => candidate.id),
    limitPerEntity: CONTEXT_MEMORIES,
  });
  const vectors = await store.getVectors({
    scope,
    ids: [...new Set(mentions.map((mention) => mention.memoryId))],
  });
  const scored = candidates
    .map((candidate) => {
      const similarities = mentions
        .filter((mention) => mention.entityId === candidate.id)
        .flatMap((mention) => {
          const vector = vectors.get(mention.memoryId);
          return vector === undefined || vector.length !== embedding.length
            ? []
            : [cosineSimilarity(embedding, vector)];
        });
      return { candidate, score: similarities.length === 0 ? -1 : Math.max(...similarities) };
    })
    .sort((a, b) => b.score - a.score);
  const [best, next] = scored;
  if (best === undefined || best.score < 0) return undefined;
  return next === undefined || best.score - next.score >= CONTEXT_MARGIN ? best.candidate : undefined;
}

/**
 * Within one batch, a person's short name that begins exactly one longer name of the batch ("Mel" and
 * "Melanie") is written as that name, keeping the short one as an alias.
 */
function nicknamesWithinBatch(mentions: EntityMention[]): void {
  const people = mentions.filter((mention) => mention.type === 'person');
  const names = [...new Set(people.map((mention) => entityKey(mention.name)))];
  for (const mention of people) {
    const key = entityKey(mention.name);
    if (key.includes(' ') || key.length < 3) continue;
    const longer = names.filter((name) => name !== key && (name.split(' ')[0] ?? '').startsWith(key));
    const [only, ...others] = longer;
    if (only === undefined || others.length > 0) continue;
    const full = people.find((candidate) => entityKey(candidate.name) === only);
    if (full === undefined) continue;
    mention.aliases = [...new Set([...(mention.aliases ?? []), mention.name])];
    mention.name = full.name;
  }
}

/**
 * Points each new name in `facts` at the one stored entity it fits (sets `entityId`, keeps the name as an
 * alias), after one bounded index lookup.
 *
 * @example
 * await resolveEntities({ store, scope, facts: [extractGraph({ text: 'Mel came over', speaker: 'Caroline', observedAt, tagger })] });
 */
export async function resolveEntities(input: {
  store: GraphStore & Partial<Pick<MemoryStore, 'getVectors'>>;
  scope: Scope;
  facts: ReadonlyArray<GraphFacts | undefined>;
  /** The embedding of each memory the facts come from (same order), to tell apart two fitting candidates. */
  embeddings?: ReadonlyArray<Float32Array | undefined>;
}): Promise<void> {
  const embeddingOf = new Map<EntityMention, Float32Array>();
  const mentions: EntityMention[] = input.facts.flatMap((facts, index) => {
    const open = (facts?.entities ?? []).filter(
      (mention) => mention.mustExist !== true && mention.entityId === undefined,
    );
    const embedding = input.embeddings?.[index];
    if (embedding !== undefined) for (const mention of open) embeddingOf.set(mention, embedding);
    return open;
  });
  if (mentions.length === 0) return;
  nicknamesWithinBatch(mentions);
  const keys = [...new Set(mentions.map((mention) => entityKey(mention.name)).filter((key) => key !== ''))];
  const candidates = await input.store.findEntities({
    scope: input.scope,
    keys,
    prefixes: [...new Set(keys.map(aliasPrefix).filter((prefix) => prefix.length === 3))],
    limit: MAX_CANDIDATES,
  });
  if (candidates.length === 0) return;
  const keyedCandidates = candidates.map(keyed);
  const aliasKeys = new Set(keyedCandidates.flatMap((candidate) => candidate.keys));
  for (const mention of mentions) {
    const key = entityKey(mention.name);
    // A stored alias: the store links it by key.
    if (aliasKeys.has(key)) continue;
    // Only candidates found through this name's own prefix are compared (the index's answer for it).
    const prefix = aliasPrefix(key);
    const fits = keyedCandidates.filter(
      (candidate) => candidate.prefixes.has(prefix) && fitOfKeys(key, mention.type, candidate) !== undefined,
    );
    const [only, ...others] = fits;
    if (only === undefined) continue;
    if (others.length === 0) {
      mention.entityId = only.entity.id;
      continue;
    }
    const embedding = embeddingOf.get(mention);
    if (embedding === undefined) continue;
    const chosen = await closestInContext(
      input.store,
      input.scope,
      embedding,
      fits.map((fit) => fit.entity),
    );
    if (chosen !== undefined) mention.entityId = chosen.id;
  }
}
