// The graph's writes, written once for both dialects: a memory's GraphFacts resolved to entities (by id,
// then by name and alias inside the user's graph), mentions linked, relations opened, and a functional
// relation that a newer one contradicts closed (validTo, invalidatedBy), never overwritten.

import { MnemoError } from '../../core/errors.js';
import {
  aliasPrefix,
  type EntityMention,
  entityKey,
  functionalPredicates,
  type GraphFacts,
} from '../../core/graph.js';
import { createUuidV7Generator } from '../../core/ids.js';
import type { MemoryRecord } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import type { SqlConnection } from './dialect.js';
import type { ScopeKey } from './scope-storage.js';
import { type SqlFragment, sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

const graphIds = createUuidV7Generator();

/** The scope an entity is resolved in: the memory's tenant, user and agent, never its session. */
export function entityScopeOf(scope: Scope): Scope {
  const entityScope: Scope = { tenantId: scope.tenantId };
  if (scope.userId !== undefined) entityScope.userId = scope.userId;
  if (scope.spaceId !== undefined) entityScope.spaceId = scope.spaceId;
  if (scope.agentId !== undefined) entityScope.agentId = scope.agentId;
  return entityScope;
}

/** Where a memory's graph rows go: the entity partition and the memory's own scope. */
export interface GraphPlace {
  entityKey: ScopeKey;
  entityExact: SqlFragment;
  memoryKey: ScopeKey;
}

async function placeOf(schema: StoreSchema, connection: SqlConnection, scope: Scope): Promise<GraphPlace> {
  const entityScope = entityScopeOf(scope);
  const entityKeyColumns = await schema.scopes.key(connection, entityScope);
  const entityExact = await schema.scopes.exact(connection, entityScope);
  if (entityExact === undefined) {
    throw new MnemoError({ code: 'INTERNAL', message: 'The graph scope just created cannot be read back.' });
  }
  return { entityKey: entityKeyColumns, entityExact, memoryKey: await schema.scopes.key(connection, scope) };
}

/** Adds aliases to entities of one partition, in one statement; a key an entity already has is kept. */
export async function insertAliasesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { key: ScopeKey; aliases: ReadonlyArray<{ entityId: string; alias: string }> },
): Promise<void> {
  const rows = input.aliases.flatMap(({ entityId, alias }) => {
    const key = entityKey(alias);
    return key === ''
      ? []
      : [sql`(${entityId}, ${input.key.values}, ${alias.trim()}, ${key}, ${aliasPrefix(key)})`];
  });
  if (rows.length === 0) return;
  await connection.run(
    sql`INSERT INTO ${schema.dialect.table('graph_aliases')} (entity_id, ${input.key.columns}, alias, alias_key, prefix)
        VALUES ${sql.join(rows, ', ')} ON CONFLICT DO NOTHING`,
  );
}

/**
 * The entities the mentions of one memory stand for, found or created with a handful of statements whatever
 * their number: ids chosen by resolution are re-checked, every name and alias is looked up in one query,
 * and new entities, first/last seen and new aliases are each written in one statement. A mention that must
 * exist and does not is undefined.
 */
async function entitiesFor(
  schema: StoreSchema,
  connection: SqlConnection,
  place: GraphPlace,
  mentions: readonly EntityMention[],
  times: { seen: number; at: number },
): Promise<Array<string | undefined>> {
  const { dialect } = schema;
  const entities = dialect.table('graph_entities');
  const live = new Map<string, string>();
  const chosen = [...new Set(mentions.flatMap((mention) => mention.entityId ?? []))];
  if (chosen.length > 0) {
    const rows = await connection.all<{ id: string; merged_into: string | null }>(
      sql`SELECT id, merged_into FROM ${entities} WHERE ${dialect.anyOf(sql`id`, chosen)} AND ${place.entityExact}`,
    );
    for (const row of rows) live.set(row.id, row.merged_into ?? row.id);
  }
  const keysOf = mentions.map((mention) =>
    [mention.name, ...(mention.aliases ?? [])].map(entityKey).filter((key) => key !== ''),
  );
  const allKeys = [...new Set(keysOf.flat())];
  const byKey = new Map<string, string>();
  const known = new Map<string, Set<string>>();
  if (allKeys.length > 0) {
    const rows = await connection.all<{ entity_id: string; alias_key: string }>(
      sql`SELECT entity_id, alias_key FROM ${dialect.table('graph_aliases')} WHERE ${place.entityExact}
          AND ${dialect.anyOf(sql`alias_key`, allKeys)} ORDER BY entity_id, alias_key`,
    );
    for (const row of rows) {
      if (!byKey.has(row.alias_key)) byKey.set(row.alias_key, row.entity_id);
      known.set(row.entity_id, (known.get(row.entity_id) ?? new Set()).add(row.alias_key));
    }
  }
  const created: Array<{ id: string; mention: EntityMention }> = [];
  const seenAgain = new Set<string>();
  const aliasRows: Array<{ entityId: string; alias: string }> = [];
  const ids = mentions.map((mention, index) => {
    const keys = keysOf[index] ?? [];
    let id = mention.entityId === undefined ? undefined : live.get(mention.entityId);
    id ??= keys.flatMap((key) => byKey.get(key) ?? []).sort()[0];
    if (id === undefined) {
      if (mention.mustExist === true) return undefined;
      id = graphIds();
      created.push({ id, mention });
    } else if (!created.some((entry) => entry.id === id)) {
      seenAgain.add(id);
    }
    const has = known.get(id) ?? new Set<string>();
    known.set(id, has);
    for (const alias of [mention.name, ...(mention.aliases ?? [])]) {
      const key = entityKey(alias);
      if (key === '' || has.has(key)) continue;
      has.add(key);
      if (!byKey.has(key)) byKey.set(key, id);
      aliasRows.push({ entityId: id, alias });
    }
    return id;
  });
  const { seen, at } = times;
  if (created.length > 0) {
    const rows = created.map(
      ({ id, mention }) =>
        sql`(${id}, ${place.entityKey.values}, ${mention.name.trim()}, ${mention.type}, ${seen}, ${seen}, ${at})`,
    );
    await connection.run(
      sql`INSERT INTO ${entities} (id, ${place.entityKey.columns}, name, type, first_seen, last_seen, created_at)
          VALUES ${sql.join(rows, ', ')}`,
    );
  }
  if (seenAgain.size > 0) {
    await connection.run(
      sql`UPDATE ${entities} SET
            first_seen = CASE WHEN first_seen > ${seen} THEN ${seen} ELSE first_seen END,
            last_seen = CASE WHEN last_seen < ${seen} THEN ${seen} ELSE last_seen END
          WHERE ${dialect.anyOf(sql`id`, [...seenAgain])} AND (first_seen > ${seen} OR last_seen < ${seen})`,
    );
  }
  await insertAliasesIn(schema, connection, { key: place.entityKey, aliases: aliasRows });
  return ids;
}

interface OpenRelation {
  id: string;
  object_id: string | null;
  object_literal: string | null;
  valid_from: number | string;
}

/**
 * Applies the graph facts of one memory inside its write transaction.
 *
 * @example
 * await applyGraphFactsIn(schema, connection, { record, facts, at: Date.now() });
 */
export async function applyGraphFactsIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: {
    record: MemoryRecord;
    facts: GraphFacts;
    at: number;
    /** Scopes already resolved in this transaction (a batch's memories share one). */
    places?: Map<string, GraphPlace> | undefined;
  },
): Promise<void> {
  const { record, facts, at } = input;
  if (facts.entities.length === 0) return;
  const placeKey = JSON.stringify(record.scope);
  let place = input.places?.get(placeKey);
  if (place === undefined) {
    place = await placeOf(schema, connection, record.scope);
    input.places?.set(placeKey, place);
  }
  const observed = Date.parse(record.observedAt);
  const ids = await entitiesFor(schema, connection, place, facts.entities, { seen: observed, at });
  const linked = [...new Set(ids.flatMap((id) => id ?? []))];
  if (linked.length > 0) {
    const rows = linked.map((id) => sql`(${id}, ${record.id}, ${place.memoryKey.values}, ${observed})`);
    await connection.run(
      sql`INSERT INTO ${schema.dialect.table('graph_mentions')} (entity_id, memory_id, ${place.memoryKey.columns}, observed_at)
          VALUES ${sql.join(rows, ', ')} ON CONFLICT DO NOTHING`,
    );
  }
  for (const relation of facts.relations) {
    const subject = ids[relation.subject];
    const objectId = 'entity' in relation.object ? ids[relation.object.entity] : undefined;
    if (subject === undefined || ('entity' in relation.object && objectId === undefined)) continue;
    if (objectId === subject) continue;
    await relateIn(schema, connection, {
      place,
      memoryId: record.id,
      subject,
      predicate: relation.predicate,
      objectId,
      literal: 'literal' in relation.object ? relation.object.literal : undefined,
      fact: relation.fact,
      validFrom:
        relation.validFrom ?? (record.validFrom === undefined ? observed : Date.parse(record.validFrom)),
      validTo: relation.validTo,
      observed,
      confidence: relation.confidence,
      at,
    });
  }
}

interface RelateInput {
  place: GraphPlace;
  memoryId: string;
  subject: string;
  predicate: string;
  objectId: string | undefined;
  literal: string | undefined;
  fact: string;
  validFrom: number;
  validTo: number | undefined;
  observed: number;
  confidence: number;
  at: number;
}

/** Opens one relation, or adds a source to the same one already open; closes what it contradicts. */
async function relateIn(schema: StoreSchema, connection: SqlConnection, input: RelateInput): Promise<void> {
  const relations = schema.dialect.table('graph_relations');
  const open = await connection.all<OpenRelation>(
    sql`SELECT id, object_id, object_literal, valid_from FROM ${relations}
        WHERE subject_id = ${input.subject} AND predicate = ${input.predicate} AND valid_to IS NULL
        ORDER BY valid_from, id`,
  );
  const literalKey = input.literal === undefined ? undefined : entityKey(input.literal);
  const same = open.find((row) =>
    input.objectId !== undefined
      ? row.object_id === input.objectId
      : row.object_literal !== null && entityKey(row.object_literal) === literalKey,
  );
  if (same !== undefined && input.validTo === undefined) {
    await addSourceIn(schema, connection, same.id, input);
    await connection.run(
      sql`UPDATE ${relations} SET confidence = CASE WHEN confidence < ${input.confidence}
            THEN ${input.confidence} ELSE confidence END WHERE id = ${same.id}`,
    );
    return;
  }
  const id = graphIds();
  let validTo = input.validTo ?? null;
  let invalidatedBy: string | null = null;
  let closedAt: number | null = validTo === null ? null : input.at;
  if (functionalPredicates.has(input.predicate)) {
    for (const other of open) {
      const otherFrom = Number(other.valid_from);
      if (otherFrom <= input.validFrom) {
        await connection.run(
          sql`UPDATE ${relations} SET valid_to = ${input.validFrom}, invalidated_by = ${id}, closed_at = ${input.at}
              WHERE id = ${other.id}`,
        );
      } else if (validTo === null || otherFrom < validTo) {
        // Told late about an older value: it held until the newer one began.
        validTo = otherFrom;
        invalidatedBy = other.id;
        closedAt = input.at;
      }
    }
  }
  await connection.run(
    sql`INSERT INTO ${relations} (id, ${input.place.memoryKey.columns}, subject_id, predicate, object_id,
          object_literal, fact, valid_from, valid_to, invalidated_by, observed_at, recorded_at, closed_at, confidence)
        VALUES (${id}, ${input.place.memoryKey.values}, ${input.subject}, ${input.predicate}, ${input.objectId ?? null},
          ${input.literal ?? null}, ${input.fact}, ${input.validFrom}, ${validTo}, ${invalidatedBy}, ${input.observed},
          ${input.at}, ${closedAt}, ${input.confidence})`,
  );
  await addSourceIn(schema, connection, id, input);
}

async function addSourceIn(
  schema: StoreSchema,
  connection: SqlConnection,
  relationId: string,
  input: RelateInput,
): Promise<void> {
  await connection.run(
    sql`INSERT INTO ${schema.dialect.table('graph_relation_sources')} (relation_id, memory_id, ${input.place.memoryKey.columns})
        VALUES (${relationId}, ${input.memoryId}, ${input.place.memoryKey.values}) ON CONFLICT DO NOTHING`,
  );
}
