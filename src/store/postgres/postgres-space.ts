// The embedding space of a PostgreSQL store: one model and dimension count, recorded in the meta table;
// the vector table (pgvector, HNSW cosine) is created for that dimension and dropped when it is replaced.
import type pg from 'pg';
import { MnemoError } from '../../core/errors.js';
import type { EmbeddingSpace } from '../memory-store.js';
import { freezeAddModels } from './postgres-history.js';
import type { Tables } from './postgres-writes.js';

export class PostgresSpace {
  current: EmbeddingSpace | undefined;

  constructor(private readonly tables: Tables) {}

  /** Reads the declared space (another process may have declared it since). */
  async load(db: pg.Pool | pg.PoolClient): Promise<void> {
    const result = await db.query<{ value: string }>(
      `SELECT value FROM ${this.tables.meta} WHERE key = 'embedding_space'`,
    );
    const value = result.rows[0]?.value;
    this.current = value === undefined ? undefined : (JSON.parse(value) as EmbeddingSpace);
  }

  async declare(client: pg.PoolClient, space: EmbeddingSpace, replace: boolean): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`mnemo:space:${this.tables.schema}`]);
    await this.load(client);
    const current = this.current;
    if (current !== undefined && current.model === space.model && current.dimensions === space.dimensions)
      return;
    if (current !== undefined && !replace) {
      throw new MnemoError({
        code: 'EMBEDDING_MISMATCH',
        message: `The store holds vectors from ${current.model}; ${space.model} cannot be mixed in. Run \`mnemo reembed\` to switch.`,
        details: { stored: current, requested: space },
      });
    }
    if (!Number.isInteger(space.dimensions) || space.dimensions < 1 || space.dimensions > 16_000) {
      throw new MnemoError({
        code: 'INVALID_INPUT',
        message: `Embedding dimensions must be 1..16000, got ${space.dimensions}.`,
      });
    }
    await client.query(`DROP TABLE IF EXISTS ${this.tables.vectors}`);
    await client.query(
      `CREATE TABLE ${this.tables.vectors} (memory_id text PRIMARY KEY, tenant_id text NOT NULL, user_id text NOT NULL,
        agent_id text NOT NULL, session_id text NOT NULL, embedding halfvec(${space.dimensions}) NOT NULL)`,
    );
    await client.query(`CREATE INDEX ON ${this.tables.vectors} (tenant_id, user_id, agent_id)`);
    // Half-precision vectors (half the bytes; see vectorLiteral). HNSW indexes cover up to 4,000 of their
    // dimensions; larger spaces fall back to exact scans.
    if (space.dimensions <= 4000) {
      await client.query(`CREATE INDEX ON ${this.tables.vectors} USING hnsw (embedding halfvec_cosine_ops)`);
    }
    await freezeAddModels(client, this.tables, { model: null, where: 'true', params: [] });
    await client.query(`UPDATE ${this.tables.memories} SET embedding_model = NULL`);
    await client.query(
      `INSERT INTO ${this.tables.meta} (key, value) VALUES ('embedding_space', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [JSON.stringify(space)],
    );
    this.current = space;
  }

  /** Declares the space from the first vector written (as SQLite does), then checks the vector against it. */
  async ensure(client: pg.PoolClient, vector: Float32Array, model: string | undefined): Promise<void> {
    if (this.current === undefined) await this.load(client);
    if (this.current === undefined && model !== undefined) {
      await this.declare(client, { model, dimensions: vector.length }, false);
    }
    this.check(vector, model);
  }

  /** Throws EMBEDDING_MISMATCH for a vector outside the space. */
  check(vector: Float32Array, model: string | undefined): void {
    const space = this.current;
    if (space === undefined) {
      throw new MnemoError({
        code: 'EMBEDDING_MISMATCH',
        message: 'No embedding space is declared; call setEmbeddingSpace() first.',
      });
    }
    if (vector.length !== space.dimensions || (model !== undefined && model !== space.model)) {
      throw new MnemoError({
        code: 'EMBEDDING_MISMATCH',
        message: `A ${vector.length}-dimension vector from ${model ?? 'an unknown model'} does not fit the store's space ${space.model}.`,
        details: { stored: space },
      });
    }
  }
}
