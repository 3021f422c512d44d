// The graph's reads, written once for both dialects, each under the visibility rule: an entity is seen
// through a mention the reader may see, a relation through its own scope, its sources one by one.
import type { Entity, EntityRef, EntityType, Relation } from '../../core/graph.js';
import type { Page } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { EntityQuery, GraphMention, GraphStore, RelationQuery } from '../graph-store.js';
import { type ScopeColumns, scopeOfRow } from '../row-mapping.js';
import type { SqlConnection } from './dialect.js';
import { isoTime } from './rows.js';
import { type SqlFragment, sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

interface EntityRow extends ScopeColumns {
  id: string;
  name: string;
  type: string;
  summary: string | null;
  first_seen: number | string;
  last_seen: number | string;
}

interface RelationRow extends ScopeColumns {
  id: string;
  subject_id: string;
  predicate: string;
  object_id: string | null;
  object_literal: string | null;
  fact: string;
  valid_from: number | string;
  valid_to: number | string | null;
  invalidated_by: string | null;
  observed_at: number | string;
  recorded_at: number | string;
  closed_at: number | string | null;
  confidence: number | string;
}

/** `e` has a mention the reader may see: the one condition that makes an entity visible. */
async function entityVisible(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
): Promise<SqlFragment> {
  const mentions = schema.dialect.table('graph_mentions');
  const visible = await schema.visible(connection, 'gm', scope);
  return sql`e.merged_into IS NULL AND EXISTS (SELECT 1 FROM ${mentions} gm WHERE gm.entity_id = e.id AND ${visible})`;
}

/** Entity rows as records, with their aliases and the reader's count of mentions. */
async function entitiesFromRows(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
  rows: EntityRow[],
): Promise<Entity[]> {
  if (rows.length === 0) return [];
  const { dialect } = schema;
  const ids = rows.map((row) => row.id);
  const aliasRows = await connection.all<{ entity_id: string; alias: string }>(
    sql`SELECT entity_id, alias FROM ${dialect.table('graph_aliases')}
        WHERE ${dialect.anyOf(sql`entity_id`, ids)} ORDER BY entity_id, alias`,
  );
  const visible = await schema.visible(connection, 'gm', scope);
  const counts = await connection.all<{ entity_id: string; n: number | string }>(
    sql`SELECT gm.entity_id, COUNT(*) AS n FROM ${dialect.table('graph_mentions')} gm
        WHERE ${dialect.anyOf(sql`gm.entity_id`, ids)} AND ${visible} GROUP BY gm.entity_id`,
  );
  const countOf = new Map(counts.map((row) => [row.entity_id, Number(row.n)]));
  return rows.map((row) => {
    const aliases = aliasRows
      .filter((alias) => alias.entity_id === row.id && alias.alias !== row.name)
      .map((alias) => alias.alias);
    const entity: Entity = {
      id: row.id,
      scope: scopeOfRow(row),
      name: row.name,
      aliases: [...new Set(aliases)],
      type: row.type as EntityType,
      firstSeen: isoTime(row.first_seen),
      lastSeen: isoTime(row.last_seen),
      mentions: countOf.get(row.id) ?? 0,
    };
    if (row.summary !== null) entity.summary = row.summary;
    return entity;
  });
}

function entitySelect(schema: StoreSchema): SqlFragment {
  const { join, select } = schema.scopes.columns('e');
  return sql`SELECT e.id, e.name, e.type, e.summary, e.first_seen, e.last_seen, ${select}
             FROM ${schema.dialect.table('graph_entities')} e ${join}`;
}

/**
 * The entities a reader may see, most recently mentioned first, a page at a time.
 *
 * @example
 * const page = await listEntitiesIn(schema, connection, { scope, limit: 50 });
 */
export async function listEntitiesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: EntityQuery,
): Promise<Page<Entity>> {
  const clauses = [await entityVisible(schema, connection, input.scope)];
  if (input.type !== undefined) clauses.push(sql`e.type = ${input.type}`);
  if (input.query !== undefined && input.query.trim() !== '') {
    const pattern = `%${input.query
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    clauses.push(
      sql`e.id IN (SELECT entity_id FROM ${schema.dialect.table('graph_aliases')}
                   WHERE alias_key LIKE ${pattern} ESCAPE '\\')`,
    );
  }
  if (input.cursor !== undefined) {
    const [seen, id] = decodeCursor(input.cursor, 2);
    clauses.push(sql`(e.last_seen, e.id) < (${seen}, ${id})`);
  }
  const rows = await connection.all<EntityRow>(
    sql`${entitySelect(schema)} WHERE ${sql.join(clauses, ' AND ')}
        ORDER BY e.last_seen DESC, e.id DESC LIMIT ${input.limit + 1}`,
  );
  const items = rows.slice(0, input.limit);
  const last = items[items.length - 1];
  return {
    items: await entitiesFromRows(schema, connection, input.scope, items),
    ...(rows.length > input.limit && last !== undefined
      ? { nextCursor: encodeCursor([Number(last.last_seen), last.id]) }
      : {}),
  };
}

/**
 * Entities by id (a merged id finds the entity it was merged into), as far as the reader may see them.
 *
 * @example
 * const [emma] = await entitiesByIdIn(schema, connection, { scope, ids: [id] });
 */
export async function entitiesByIdIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; ids: readonly string[] },
): Promise<Entity[]> {
  if (input.ids.length === 0) return [];
  const { dialect } = schema;
  const merged = await connection.all<{ id: string; merged_into: string | null }>(
    sql`SELECT id, merged_into FROM ${dialect.table('graph_entities')} WHERE ${dialect.anyOf(sql`id`, input.ids)}`,
  );
  const live = new Map(merged.map((row) => [row.id, row.merged_into ?? row.id]));
  const wanted = [...new Set(input.ids.flatMap((id) => live.get(id) ?? []))];
  if (wanted.length === 0) return [];
  const visible = await entityVisible(schema, connection, input.scope);
  const rows = await connection.all<EntityRow>(
    sql`${entitySelect(schema)} WHERE ${dialect.anyOf(sql`e.id`, wanted)} AND ${visible}`,
  );
  const entities = await entitiesFromRows(schema, connection, input.scope, rows);
  const byId = new Map(entities.map((entity) => [entity.id, entity]));
  return [...new Set(input.ids.flatMap((id) => live.get(id) ?? []))].flatMap((id) => byId.get(id) ?? []);
}

/**
 * Entities the reader may see with an alias key in `keys`, or whose alias starts like one of `prefixes`
 * (index lookups, never a scan): the candidates of entity resolution and of query linking.
 *
 * @example
 * const candidates = await findEntitiesIn(schema, connection, { scope, keys: ['emma'], prefixes: ['emm'], limit: 20 });
 */
export async function findEntitiesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: Parameters<GraphStore['findEntities']>[0],
): Promise<Entity[]> {
  const { dialect } = schema;
  const prefixes = input.prefixes ?? [];
  if (input.keys.length === 0 && prefixes.length === 0) return [];
  const matches = [];
  if (input.keys.length > 0) matches.push(dialect.anyOf(sql`a.alias_key`, input.keys));
  if (prefixes.length > 0) matches.push(dialect.anyOf(sql`a.prefix`, prefixes));
  const visible = await entityVisible(schema, connection, input.scope);
  const rows = await connection.all<EntityRow>(
    sql`${entitySelect(schema)} WHERE e.id IN (SELECT a.entity_id FROM ${dialect.table('graph_aliases')} a
          WHERE ${sql.join(matches, ' OR ')}) AND ${visible}
        ORDER BY e.last_seen DESC, e.id LIMIT ${input.limit}`,
  );
  return entitiesFromRows(schema, connection, input.scope, rows);
}

/**
 * Relations the reader may see, oldest first; with `asOf`, those valid then, and with `knownAt`, as Mnemo
 * knew them then (a relation closed later was still open).
 *
 * @example
 * const relations = await listRelationsIn(schema, connection, { scope, entityId, limit: 100 });
 */
export async function listRelationsIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: RelationQuery,
): Promise<Relation[]> {
  const { dialect } = schema;
  const { join, select } = schema.scopes.columns('r');
  const clauses = [await schema.visible(connection, 'r', input.scope)];
  const entityIds = input.entityIds ?? [];
  if (entityIds.length > 0) {
    clauses.push(
      sql`(${dialect.anyOf(sql`r.subject_id`, entityIds)} OR ${dialect.anyOf(sql`r.object_id`, entityIds)})`,
    );
  }
  if (input.predicate !== undefined) clauses.push(sql`r.predicate = ${input.predicate}`);
  const known = input.knownAt;
  const validTo =
    known === undefined
      ? sql`r.valid_to`
      : sql`(CASE WHEN r.closed_at > ${known} THEN NULL ELSE r.valid_to END)`;
  if (known !== undefined) clauses.push(sql`r.recorded_at <= ${known}`);
  if (input.asOf !== undefined) {
    clauses.push(sql`r.valid_from <= ${input.asOf} AND (${validTo} IS NULL OR ${validTo} > ${input.asOf})`);
  } else if (input.current === true) {
    clauses.push(sql`${validTo} IS NULL`);
  }
  const rows = await connection.all<RelationRow>(
    sql`SELECT r.id, r.subject_id, r.predicate, r.object_id, r.object_literal, r.fact, r.valid_from,
          ${validTo} AS valid_to, r.invalidated_by, r.observed_at, r.recorded_at,
          ${known === undefined ? sql`r.closed_at` : sql`(CASE WHEN r.closed_at > ${known} THEN NULL ELSE r.closed_at END)`} AS closed_at,
          r.confidence, ${select}
        FROM ${dialect.table('graph_relations')} r ${join}
        WHERE ${sql.join(clauses, ' AND ')} ORDER BY r.valid_from, r.id LIMIT ${input.limit}`,
  );
  return relationsFromRows(schema, connection, input.scope, rows);
}

async function relationsFromRows(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
  rows: RelationRow[],
): Promise<Relation[]> {
  if (rows.length === 0) return [];
  const { dialect } = schema;
  const visibleSource = await schema.visible(connection, 's', scope);
  const sources = await connection.all<{ relation_id: string; memory_id: string }>(
    sql`SELECT s.relation_id, s.memory_id FROM ${dialect.table('graph_relation_sources')} s
        WHERE ${dialect.anyOf(
          sql`s.relation_id`,
          rows.map((row) => row.id),
        )} AND ${visibleSource} ORDER BY s.memory_id`,
  );
  const refs = await entityRefsIn(
    schema,
    connection,
    rows.flatMap((row) => (row.object_id === null ? [row.subject_id] : [row.subject_id, row.object_id])),
  );
  return rows.flatMap((row) => {
    const subject = refs.get(row.subject_id);
    const object = row.object_id === null ? undefined : refs.get(row.object_id);
    if (subject === undefined || (row.object_id !== null && object === undefined)) return [];
    const relation: Relation = {
      id: row.id,
      scope: scopeOfRow(row),
      subject,
      predicate: row.predicate,
      object: object ?? { literal: row.object_literal ?? '' },
      fact: row.fact,
      validFrom: isoTime(row.valid_from),
      observedAt: isoTime(row.observed_at),
      recordedAt: isoTime(row.recorded_at),
      sourceMemoryIds: sources
        .filter((source) => source.relation_id === row.id)
        .map((source) => source.memory_id),
      confidence: Number(row.confidence),
    };
    if (row.valid_to !== null) relation.validTo = isoTime(row.valid_to);
    if (row.invalidated_by !== null && row.valid_to !== null) relation.invalidatedBy = row.invalidated_by;
    if (row.closed_at !== null) relation.closedAt = isoTime(row.closed_at);
    return [relation];
  });
}

/** Names and types of entities by id, merged ones shown as the entity they were merged into. */
async function entityRefsIn(
  schema: StoreSchema,
  connection: SqlConnection,
  ids: readonly string[],
): Promise<Map<string, EntityRef>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const table = schema.dialect.table('graph_entities');
  const rows = await connection.all<{ id: string; name: string; type: string; merged_into: string | null }>(
    sql`SELECT id, name, type, merged_into FROM ${table} WHERE ${schema.dialect.anyOf(sql`id`, unique)}`,
  );
  return new Map(rows.map((row) => [row.id, { id: row.id, name: row.name, type: row.type as EntityType }]));
}

/**
 * The memories that mention `entityIds` and that the reader may see, newest first, at most
 * `limitPerEntity` per entity: the graph's candidates for recall.
 *
 * @example
 * const mentions = await mentionsOfIn(schema, connection, { scope, entityIds: [id], limitPerEntity: 20 });
 */
export async function mentionsOfIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; entityIds: readonly string[]; limitPerEntity: number },
): Promise<GraphMention[]> {
  const entityIds = [...new Set(input.entityIds)];
  if (entityIds.length === 0) return [];
  const visible = await schema.visible(connection, 'gm', input.scope);
  // One statement for every entity: each one's newest mentions, numbered per entity.
  const rows = await connection.all<{ entity_id: string; memory_id: string; observed_at: number | string }>(
    sql`SELECT entity_id, memory_id, observed_at FROM (
          SELECT gm.entity_id, gm.memory_id, gm.observed_at,
            ROW_NUMBER() OVER (PARTITION BY gm.entity_id ORDER BY gm.observed_at DESC, gm.memory_id) AS n
          FROM ${schema.dialect.table('graph_mentions')} gm
          WHERE ${schema.dialect.anyOf(sql`gm.entity_id`, entityIds)} AND ${visible}) ranked
        WHERE n <= ${input.limitPerEntity} ORDER BY entity_id, n`,
  );
  return rows.map((row) => ({
    entityId: row.entity_id,
    memoryId: row.memory_id,
    observedAt: isoTime(row.observed_at),
  }));
}
