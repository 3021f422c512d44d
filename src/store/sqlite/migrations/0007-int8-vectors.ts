// Migration 7: stored vectors become int8 (a quarter of float32; see int8-vectors.ts). An existing float
// `memory_vec` table is copied out quantised, recreated as `int8[n]`, and filled again.
import { int8Blob, vectorElement } from '../int8-vectors.js';
import type { SqliteMigration } from '../sqlite-migrations.js';

export const migration0007: SqliteMigration = {
  version: 7,
  name: 'int8-vectors',
  up(db) {
    if (vectorElement(db) !== 'float') return;
    const sql =
      (db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'memory_vec'`).pluck().get() as string) ?? '';
    const dimensions = Number(/float\[(\d+)\]/i.exec(sql)?.[1]);
    db.function('mnemo_int8', { deterministic: true }, (blob: unknown) => {
      const bytes = blob as Buffer;
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return int8Blob(new Float32Array(copy.buffer));
    });
    db.exec(`
      CREATE TEMP TABLE memory_vec_copy AS
        SELECT rowid AS rid, partition_id, mnemo_int8(embedding) AS embedding FROM memory_vec;
      DROP TABLE memory_vec;
      CREATE VIRTUAL TABLE memory_vec USING vec0(
        partition_id INTEGER PARTITION KEY,
        embedding int8[${dimensions}] distance_metric=cosine);
    `);
    // Row by row: an INSERT … SELECT through a sorter loses vec_int8's subtype and sqlite-vec refuses it.
    const insert = db.prepare(
      'INSERT INTO memory_vec (rowid, partition_id, embedding) VALUES (?, ?, vec_int8(?))',
    );
    const page = db.prepare(
      'SELECT rid, partition_id, embedding FROM memory_vec_copy WHERE rid > ? ORDER BY rid LIMIT 1000',
    );
    for (let last = Number.MIN_SAFE_INTEGER; ; ) {
      const rows = page.raw().all(last) as Array<[number, number, Buffer]>;
      for (const [rid, partition, embedding] of rows) insert.run(BigInt(rid), BigInt(partition), embedding);
      const tail = rows[rows.length - 1];
      if (tail === undefined) break;
      last = tail[0];
    }
    db.exec('DROP TABLE memory_vec_copy');
  },
};
