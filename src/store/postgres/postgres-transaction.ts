// One PostgreSQL transaction on a pooled client, retried on serialization failures and deadlocks.
import type pg from 'pg';

/** Serialization failure, deadlock, lock not available: safe to retry the whole transaction. */
const retryableCodes = new Set(['40001', '40P01', '55P03']);

/**
 * Runs `work` inside BEGIN/COMMIT on one client of `pool` (ROLLBACK on error), retrying retryable
 * failures with jittered exponential backoff up to `attempts` times in all.
 *
 * @example
 * const id = await inTransaction(pool, async (client) => (await client.query('SELECT 1 AS id')).rows[0].id);
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  attempts = 5,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK');
      const code = (error as { code?: string }).code;
      if (code === undefined || !retryableCodes.has(code) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (0.5 + Math.random())));
    } finally {
      client.release();
    }
  }
}
