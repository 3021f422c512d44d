// Re-embedding support for the SQLite store: find memories lacking a current vector, and write new vectors.
import type Database from 'better-sqlite3';
import type { Page } from '../../core/records.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ReembedItem } from '../memory-store.js';
import { freezeAddModels } from './sqlite-history.js';
import { memoryRowById } from './sqlite-memory-writes.js';
import { blobVector, indexTextOf, vectorBlob } from './sqlite-rows.js';
import { checkVector, putVector, readEmbeddingSpace, vectorRowids } from './sqlite-vectors.js';

/** Memories whose vector is missing or from another model, paged by rowid. */
export function listForReembedIn(
  db: Database.Database,
  input: { limit: number; cursor?: string },
): Page<ReembedItem> {
  const space = readEmbeddingSpace(db);
  const after = input.cursor === undefined ? 0 : Number(decodeCursor(input.cursor, 1)[0]);
  const items: ReembedItem[] = [];
  let lastRid = after;
  const page = db.prepare(
    `SELECT m.rid, m.id, m.text, m.index_text, m.embedding_model, g.content AS message_text FROM memories m
     LEFT JOIN messages g ON m.text = char(1) AND g.id = json_extract(m.source, '$.messageIds[0]')
     WHERE m.rid > ? ORDER BY m.rid LIMIT 500`,
  );
  while (items.length < input.limit) {
    const rows = page.all(lastRid) as Array<{
      rid: number;
      id: string;
      text: string;
      message_text: string | null;
      index_text: string;
      embedding_model: string | null;
    }>;
    if (rows.length === 0) return { items };
    const withVector = vectorRowids(
      db,
      rows.map((row) => row.rid),
    );
    for (const row of rows) {
      lastRid = row.rid;
      if (space === undefined || row.embedding_model !== space.model || !withVector.has(row.rid)) {
        items.push({ id: row.id, indexText: indexTextOf(row) });
        if (items.length === input.limit) break;
      }
    }
  }
  const more = db.prepare('SELECT 1 FROM memories WHERE rid > ? LIMIT 1').get(lastRid) !== undefined;
  return more ? { items, nextCursor: encodeCursor([lastRid]) } : { items };
}

/** Stores vectors for existing memories, checking them against the embedding space. */
export function writeEmbeddingsIn(
  db: Database.Database,
  input: { items: Array<{ id: string; embedding: Float32Array }>; model: string },
): void {
  for (const item of input.items) {
    const row = memoryRowById(db, item.id);
    if (row === undefined) continue;
    checkVector(db, item.embedding, input.model);
    putVector(db, row.rid, row.partition_id, item.embedding);
    freezeAddModels(db, { model: input.model, where: 'm.rid = ?', params: [row.rid] });
    db.prepare('UPDATE memories SET embedding_model = ? WHERE rid = ?').run(input.model, row.rid);
  }
}

/** Cached embeddings by content hash, for one model. */
export function readCachedEmbeddings(
  db: Database.Database,
  input: { model: string; hashes: string[] },
): Map<string, Float32Array> {
  const statement = db.prepare('SELECT vector FROM embedding_cache WHERE model = ? AND hash = ?');
  const out = new Map<string, Float32Array>();
  for (const hash of input.hashes) {
    const row = statement.get(input.model, hash) as { vector: Buffer } | undefined;
    if (row !== undefined) out.set(hash, blobVector(row.vector));
  }
  return out;
}

/** Upserts cached embeddings by (model, content hash). */
export function writeCachedEmbeddings(
  db: Database.Database,
  input: { model: string; entries: Array<{ hash: string; embedding: Float32Array }> },
): void {
  const statement = db.prepare(
    'INSERT INTO embedding_cache (model, hash, vector) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET vector = excluded.vector',
  );
  for (const entry of input.entries) statement.run(input.model, entry.hash, vectorBlob(entry.embedding));
}
