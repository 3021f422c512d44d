// Merging two entities and undoing it, written once: a merge moves the aliases, mentions and relations of
// one entity onto another and records exactly what moved, so `unmerge` puts each row back.
import { MnemoError } from '../../core/errors.js';
import type { EntityMerge } from '../../core/graph.js';
import { createUuidV7Generator } from '../../core/ids.js';
import type { Scope } from '../../core/scope.js';
import { scopeOfRow } from '../row-mapping.js';
import type { SqlConnection } from './dialect.js';
import { insertAliasesIn } from './graph-writes.js';
import { isoTime } from './rows.js';
import { sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

const mergeIds = createUuidV7Generator();

/** What a merge moved, stored with it (JSON). */
interface Moved {
  /** Aliases of the merged entity: [alias, key]. */
  aliases: [string, string][];
  /** Alias keys the kept entity gained. */
  addedKeys: string[];
  mentions: string[];
  subjects: string[];
  objects: string[];
}

interface MergeRow {
  id: string;
  kept_id: string;
  merged_id: string;
  moved: string;
  at: number | string;
  actor: string;
  undone_at: number | string | null;
  merged_name: string;
}

const notFound = (what: string, id: string) =>
  new MnemoError({
    code: 'NOT_FOUND',
    message: `${what} ${id} was not found in this scope.`,
    details: { id },
  });

/** The live entities `ids` as a writer with `scope` may change them. */
async function writableEntities(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
  ids: readonly string[],
): Promise<Map<string, { id: string; name: string; scope: Scope; merged_into: string | null }>> {
  const { join, select } = schema.scopes.columns('e');
  const visible = await schema.visible(connection, 'e', scope, 'write');
  const rows = await connection.all<{
    id: string;
    name: string;
    merged_into: string | null;
    tenant_id: string;
    user_id: string;
    agent_id: string;
    session_id: string;
  }>(
    sql`SELECT e.id, e.name, e.merged_into, ${select} FROM ${schema.dialect.table('graph_entities')} e ${join}
        WHERE ${schema.dialect.anyOf(sql`e.id`, ids)} AND ${visible}`,
  );
  return new Map(rows.map((row) => [row.id, { ...row, scope: scopeOfRow(row) }]));
}

function mergeFromRow(row: MergeRow): EntityMerge {
  const merge: EntityMerge = {
    id: row.id,
    keptId: row.kept_id,
    mergedId: row.merged_id,
    mergedName: row.merged_name,
    at: isoTime(row.at),
    actor: row.actor,
  };
  if (row.undone_at !== null) merge.undoneAt = isoTime(row.undone_at);
  return merge;
}

/**
 * Merges entity `mergeId` into `keepId` (both live, in the same user's graph, writable by `scope`).
 *
 * @example
 * const merge = await mergeEntitiesIn(schema, connection, { scope, keepId, mergeId, at, actor: 'cli' });
 */
export async function mergeEntitiesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; keepId: string; mergeId: string; at: number; actor: string },
): Promise<EntityMerge> {
  if (input.keepId === input.mergeId) {
    throw new MnemoError({ code: 'INVALID_INPUT', message: 'An entity cannot be merged into itself.' });
  }
  const { dialect } = schema;
  const found = await writableEntities(schema, connection, input.scope, [input.keepId, input.mergeId]);
  const kept = found.get(input.keepId);
  const merged = found.get(input.mergeId);
  if (kept === undefined || kept.merged_into !== null) throw notFound('Entity', input.keepId);
  if (merged === undefined || merged.merged_into !== null) throw notFound('Entity', input.mergeId);
  if (JSON.stringify(kept.scope) !== JSON.stringify(merged.scope)) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: 'Only entities of the same user and agent can be merged.',
      details: { keptScope: kept.scope, mergedScope: merged.scope },
    });
  }
  const aliases = dialect.table('graph_aliases');
  const mentions = dialect.table('graph_mentions');
  const relations = dialect.table('graph_relations');
  const mergedAliases = await connection.all<{ alias: string; alias_key: string }>(
    sql`SELECT alias, alias_key FROM ${aliases} WHERE entity_id = ${merged.id}`,
  );
  const keptKeys = new Set(
    (
      await connection.all<{ alias_key: string }>(
        sql`SELECT alias_key FROM ${aliases} WHERE entity_id = ${kept.id}`,
      )
    ).map((row) => row.alias_key),
  );
  const movedMentions = await connection.all<{ memory_id: string }>(
    sql`SELECT memory_id FROM ${mentions} WHERE entity_id = ${merged.id}
        AND memory_id NOT IN (SELECT memory_id FROM ${mentions} WHERE entity_id = ${kept.id})`,
  );
  const subjects = await connection.all<{ id: string }>(
    sql`SELECT id FROM ${relations} WHERE subject_id = ${merged.id}`,
  );
  const objects = await connection.all<{ id: string }>(
    sql`SELECT id FROM ${relations} WHERE object_id = ${merged.id}`,
  );
  const moved: Moved = {
    aliases: mergedAliases.map((row) => [row.alias, row.alias_key]),
    addedKeys: [...new Set(mergedAliases.map((row) => row.alias_key).filter((key) => !keptKeys.has(key)))],
    mentions: movedMentions.map((row) => row.memory_id),
    subjects: subjects.map((row) => row.id),
    objects: objects.map((row) => row.id),
  };
  const key = await schema.scopes.key(connection, kept.scope);
  await connection.run(sql`DELETE FROM ${aliases} WHERE entity_id = ${merged.id}`);
  await insertAliasesIn(schema, connection, {
    key,
    aliases: mergedAliases.map((row) => ({ entityId: kept.id, alias: row.alias })),
  });
  if (moved.mentions.length > 0) {
    await connection.run(
      sql`UPDATE ${mentions} SET entity_id = ${kept.id}
          WHERE entity_id = ${merged.id} AND ${dialect.anyOf(sql`memory_id`, moved.mentions)}`,
    );
  }
  await connection.run(sql`UPDATE ${relations} SET subject_id = ${kept.id} WHERE subject_id = ${merged.id}`);
  await connection.run(sql`UPDATE ${relations} SET object_id = ${kept.id} WHERE object_id = ${merged.id}`);
  const entities = dialect.table('graph_entities');
  await connection.run(
    sql`UPDATE ${entities} SET
          first_seen = (SELECT MIN(first_seen) FROM ${entities} WHERE ${dialect.anyOf(sql`id`, [kept.id, merged.id])}),
          last_seen = (SELECT MAX(last_seen) FROM ${entities} WHERE ${dialect.anyOf(sql`id`, [kept.id, merged.id])})
        WHERE id = ${kept.id}`,
  );
  await connection.run(sql`UPDATE ${entities} SET merged_into = ${kept.id} WHERE id = ${merged.id}`);
  const id = mergeIds();
  await connection.run(
    sql`INSERT INTO ${dialect.table('graph_merges')} (id, ${key.columns}, kept_id, merged_id, moved, at, actor)
        VALUES (${id}, ${key.values}, ${kept.id}, ${merged.id}, ${JSON.stringify(moved)}, ${input.at}, ${input.actor})`,
  );
  return {
    id,
    keptId: kept.id,
    mergedId: merged.id,
    mergedName: merged.name,
    at: new Date(input.at).toISOString(),
    actor: input.actor,
  };
}

/**
 * Undoes merge `mergeId`: every alias, mention and relation it moved goes back to the merged entity.
 *
 * @example
 * await unmergeEntitiesIn(schema, connection, { scope, mergeId, at: Date.now() });
 */
export async function unmergeEntitiesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; mergeId: string; at: number },
): Promise<EntityMerge> {
  const { dialect } = schema;
  const row = await mergeRow(schema, connection, input.scope, input.mergeId);
  if (row === undefined) throw notFound('Merge', input.mergeId);
  if (row.undone_at !== null) {
    throw new MnemoError({
      code: 'CONFLICT',
      message: `Merge ${input.mergeId} was already undone.`,
      details: { id: input.mergeId, undoneAt: isoTime(row.undone_at) },
    });
  }
  const found = await writableEntities(schema, connection, input.scope, [row.kept_id, row.merged_id]);
  const kept = found.get(row.kept_id);
  const merged = found.get(row.merged_id);
  if (
    kept === undefined ||
    merged === undefined ||
    merged.merged_into !== kept.id ||
    kept.merged_into !== null
  ) {
    throw new MnemoError({
      code: 'CONFLICT',
      message: `Merge ${input.mergeId} cannot be undone: its entities changed since (undo later merges first).`,
      details: { id: input.mergeId },
    });
  }
  const moved = JSON.parse(row.moved) as Moved;
  const aliases = dialect.table('graph_aliases');
  if (moved.addedKeys.length > 0) {
    await connection.run(
      sql`DELETE FROM ${aliases} WHERE entity_id = ${kept.id} AND ${dialect.anyOf(sql`alias_key`, moved.addedKeys)}`,
    );
  }
  const key = await schema.scopes.key(connection, merged.scope);
  await insertAliasesIn(schema, connection, {
    key,
    aliases: moved.aliases.map(([alias]) => ({ entityId: merged.id, alias })),
  });
  const relations = dialect.table('graph_relations');
  if (moved.mentions.length > 0) {
    await connection.run(
      sql`UPDATE ${dialect.table('graph_mentions')} SET entity_id = ${merged.id}
          WHERE entity_id = ${kept.id} AND ${dialect.anyOf(sql`memory_id`, moved.mentions)}`,
    );
  }
  if (moved.subjects.length > 0) {
    await connection.run(
      sql`UPDATE ${relations} SET subject_id = ${merged.id}
          WHERE subject_id = ${kept.id} AND ${dialect.anyOf(sql`id`, moved.subjects)}`,
    );
  }
  if (moved.objects.length > 0) {
    await connection.run(
      sql`UPDATE ${relations} SET object_id = ${merged.id}
          WHERE object_id = ${kept.id} AND ${dialect.anyOf(sql`id`, moved.objects)}`,
    );
  }
  await connection.run(
    sql`UPDATE ${dialect.table('graph_entities')} SET merged_into = NULL WHERE id = ${merged.id}`,
  );
  await reseenIn(schema, connection, [kept.id, merged.id]);
  await connection.run(
    sql`UPDATE ${dialect.table('graph_merges')} SET undone_at = ${input.at} WHERE id = ${row.id}`,
  );
  return mergeFromRow({ ...row, undone_at: input.at });
}

/** First and last seen of entities from the mentions they hold (kept as they are for one with none). */
async function reseenIn(
  schema: StoreSchema,
  connection: SqlConnection,
  ids: readonly string[],
): Promise<void> {
  const entities = schema.dialect.table('graph_entities');
  const mentions = schema.dialect.table('graph_mentions');
  for (const id of ids) {
    await connection.run(
      sql`UPDATE ${entities} SET
            first_seen = COALESCE((SELECT MIN(observed_at) FROM ${mentions} WHERE entity_id = ${id}), first_seen),
            last_seen = COALESCE((SELECT MAX(observed_at) FROM ${mentions} WHERE entity_id = ${id}), last_seen)
          WHERE id = ${id}`,
    );
  }
}

/** Merge `id` when the caller may change it (its own tenant and user), else undefined. */
async function mergeRow(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
  id: string,
): Promise<MergeRow | undefined> {
  const { dialect } = schema;
  const visible = await schema.visible(connection, 'g', scope, 'write');
  return connection.get<MergeRow>(
    sql`SELECT g.id, g.kept_id, g.merged_id, ${dialect.jsonText(sql`g.moved`)} AS moved, g.at, g.actor, g.undone_at,
          e.name AS merged_name
        FROM ${dialect.table('graph_merges')} g JOIN ${dialect.table('graph_entities')} e ON e.id = g.merged_id
        WHERE g.id = ${id} AND ${visible}`,
  );
}

/**
 * The merges of entities the reader may change, newest first.
 *
 * @example
 * const merges = await listMergesIn(schema, connection, { scope, entityId });
 */
export async function listMergesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  input: { scope: Scope; entityId?: string | undefined; limit: number },
): Promise<EntityMerge[]> {
  const { dialect } = schema;
  const visible = await schema.visible(connection, 'g', input.scope, 'write');
  const entity =
    input.entityId === undefined
      ? sql`1 = 1`
      : sql`(g.kept_id = ${input.entityId} OR g.merged_id = ${input.entityId})`;
  const rows = await connection.all<MergeRow>(
    sql`SELECT g.id, g.kept_id, g.merged_id, ${dialect.jsonText(sql`g.moved`)} AS moved, g.at, g.actor, g.undone_at,
          e.name AS merged_name
        FROM ${dialect.table('graph_merges')} g JOIN ${dialect.table('graph_entities')} e ON e.id = g.merged_id
        WHERE ${visible} AND ${entity} ORDER BY g.at DESC, g.id DESC LIMIT ${input.limit}`,
  );
  return rows.map(mergeFromRow);
}
