// The graph's share of forgetting, written once: erased memories take with them their mentions and sources,
// the relations that rested only on them (a relation they closed reopens), and the entities left with no
// mention and no relation. Forgetting a scope removes its graph the same way.
import type { Scope } from '../../core/scope.js';
import type { SqlConnection } from './dialect.js';
import { entityScopeOf } from './graph-writes.js';
import { sql } from './sql.js';
import type { StoreSchema } from './store-schema.js';

/** What an erase touched, to look for what it left without a source. */
interface Touched {
  relationIds: string[];
  entityIds: string[];
}

/**
 * Erases the graph rows of erased memories, inside the erase's transaction.
 *
 * @example
 * await eraseGraphOfMemoriesIn(schema, connection, ['0190…']);
 */
export async function eraseGraphOfMemoriesIn(
  schema: StoreSchema,
  connection: SqlConnection,
  memoryIds: readonly string[],
): Promise<void> {
  if (memoryIds.length === 0) return;
  const { dialect } = schema;
  const sources = dialect.table('graph_relation_sources');
  const mentions = dialect.table('graph_mentions');
  const relationRows = await connection.all<{ relation_id: string }>(
    sql`SELECT DISTINCT relation_id FROM ${sources} WHERE ${dialect.anyOf(sql`memory_id`, memoryIds)}`,
  );
  const entityRows = await connection.all<{ entity_id: string }>(
    sql`SELECT DISTINCT entity_id FROM ${mentions} WHERE ${dialect.anyOf(sql`memory_id`, memoryIds)}`,
  );
  await connection.run(sql`DELETE FROM ${sources} WHERE ${dialect.anyOf(sql`memory_id`, memoryIds)}`);
  await connection.run(sql`DELETE FROM ${mentions} WHERE ${dialect.anyOf(sql`memory_id`, memoryIds)}`);
  await eraseUnsourcedIn(schema, connection, {
    relationIds: relationRows.map((row) => row.relation_id),
    entityIds: entityRows.map((row) => row.entity_id),
  });
}

/**
 * Erases the graph inside `scope` (forgetScope): its mentions, sources and relations, then the entities of
 * the scope's user and agent left with nothing.
 *
 * @example
 * await eraseGraphWithinIn(schema, connection, { tenantId: 't', userId: 'alice' });
 */
export async function eraseGraphWithinIn(
  schema: StoreSchema,
  connection: SqlConnection,
  scope: Scope,
): Promise<void> {
  const { dialect, scopes } = schema;
  const within = await scopes.within(connection, scope);
  const sources = dialect.table('graph_relation_sources');
  const mentions = dialect.table('graph_mentions');
  const relations = dialect.table('graph_relations');
  const relationRows = await connection.all<{ id: string }>(
    sql`SELECT relation_id AS id FROM ${sources} WHERE ${within}
        UNION SELECT id FROM ${relations} WHERE ${within}`,
  );
  await connection.run(sql`DELETE FROM ${sources} WHERE ${within}`);
  await connection.run(sql`DELETE FROM ${mentions} WHERE ${within}`);
  const entityWithin = await scopes.within(connection, entityScopeOf(scope));
  const entityRows = await connection.all<{ id: string }>(
    sql`SELECT id FROM ${dialect.table('graph_entities')} WHERE ${entityWithin}`,
  );
  await eraseUnsourcedIn(schema, connection, {
    relationIds: relationRows.map((row) => row.id),
    entityIds: entityRows.map((row) => row.id),
  });
}

async function eraseUnsourcedIn(
  schema: StoreSchema,
  connection: SqlConnection,
  touched: Touched,
): Promise<void> {
  const { dialect } = schema;
  const relations = dialect.table('graph_relations');
  const sources = dialect.table('graph_relation_sources');
  const entities = new Set(touched.entityIds);
  if (touched.relationIds.length > 0) {
    const orphans = await connection.all<{ id: string; subject_id: string; object_id: string | null }>(
      sql`SELECT r.id, r.subject_id, r.object_id FROM ${relations} r
          WHERE ${dialect.anyOf(sql`r.id`, touched.relationIds)}
            AND NOT EXISTS (SELECT 1 FROM ${sources} s WHERE s.relation_id = r.id)`,
    );
    const orphanIds = orphans.map((row) => row.id);
    if (orphanIds.length > 0) {
      // What an erased relation closed held on, as far as what is left can tell.
      await connection.run(
        sql`UPDATE ${relations} SET valid_to = NULL, invalidated_by = NULL, closed_at = NULL
            WHERE ${dialect.anyOf(sql`invalidated_by`, orphanIds)}`,
      );
      await connection.run(sql`DELETE FROM ${relations} WHERE ${dialect.anyOf(sql`id`, orphanIds)}`);
    }
    for (const row of orphans) {
      entities.add(row.subject_id);
      if (row.object_id !== null) entities.add(row.object_id);
    }
  }
  if (entities.size === 0) return;
  const mentions = dialect.table('graph_mentions');
  const entityTable = dialect.table('graph_entities');
  const left = await connection.all<{ id: string }>(
    sql`SELECT e.id FROM ${entityTable} e WHERE ${dialect.anyOf(sql`e.id`, [...entities])}
        AND NOT EXISTS (SELECT 1 FROM ${mentions} gm WHERE gm.entity_id = e.id)
        AND NOT EXISTS (SELECT 1 FROM ${relations} r WHERE r.subject_id = e.id OR r.object_id = e.id)`,
  );
  if (left.length === 0) return;
  // Entities merged into an erased one go with it (they have no rows of their own left).
  const merged = await connection.all<{ id: string }>(
    sql`SELECT id FROM ${entityTable} WHERE ${dialect.anyOf(
      sql`merged_into`,
      left.map((row) => row.id),
    )}`,
  );
  const ids = [...left, ...merged].map((row) => row.id);
  await connection.run(
    sql`DELETE FROM ${dialect.table('graph_aliases')} WHERE ${dialect.anyOf(sql`entity_id`, ids)}`,
  );
  await connection.run(
    sql`DELETE FROM ${dialect.table('graph_merges')}
        WHERE ${dialect.anyOf(sql`kept_id`, ids)} OR ${dialect.anyOf(sql`merged_id`, ids)}`,
  );
  await connection.run(sql`DELETE FROM ${entityTable} WHERE ${dialect.anyOf(sql`id`, ids)}`);
}
