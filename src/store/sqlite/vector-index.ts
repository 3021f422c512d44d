// In-memory near-exact cosine index of one partition: 1-bit codes for a coarse pre-pass, int8 vectors to rescore.
import type Database from 'better-sqlite3';
import type { EmbeddingSpace } from '../memory-store.js';
import { blobToVector, vectorElement } from './int8-vectors.js';

/** One scored neighbour: SQLite rowid and cosine similarity (higher is nearer). */
export interface IndexedNeighbour {
  rid: number;
  similarity: number;
}

const INITIAL_CAPACITY = 1024;

/**
 * Binary-quantised vectors of one partition with int8 copies for exact-enough rescoring.
 *
 * Memory per vector: `dimensions` bytes (int8) + `dimensions / 8` bytes (sign bits) + 12 bytes, so
 * 100k vectors of 256 dimensions take about 30 MB (plus the rowid map).
 *
 * @example
 * const index = new PartitionVectorIndex({ dimensions: 3 });
 * index.add(7, new Float32Array([1, 0, 0]));
 * index.search(new Float32Array([1, 0.1, 0]), { candidates: 10 }); // [{ rid: 7, similarity: 0.995… }]
 */
export class PartitionVectorIndex {
  readonly dimensions: number;
  private readonly words: number;
  /** Centre subtracted before taking signs, so codes split the data even when it is not zero-mean. */
  private readonly centre: Float32Array;
  private capacity = 0;
  private count = 0;
  private rids = new Float64Array(0);
  private codes = new Uint32Array(0);
  private values = new Int8Array(0);
  /** Per vector: int8 step divided by the original L2 norm, so dot(q, int8) * factor = cosine * |q|. */
  private factors = new Float32Array(0);
  private readonly slotOf = new Map<number, number>();

  constructor(options: { dimensions: number; centre?: Float32Array }) {
    this.dimensions = options.dimensions;
    this.words = Math.ceil(options.dimensions / 32);
    this.centre = options.centre ?? new Float32Array(options.dimensions);
  }

  get size(): number {
    return this.count;
  }

  /** Approximate bytes held by the typed arrays and the rowid map. */
  get bytes(): number {
    return this.capacity * (8 + this.words * 4 + this.dimensions + 4) + this.count * 40;
  }

  has(rid: number): boolean {
    return this.slotOf.has(rid);
  }

  /** Adds or replaces the vector of `rid`. */
  add(rid: number, vector: Float32Array): void {
    let slot = this.slotOf.get(rid);
    if (slot === undefined) {
      if (this.count === this.capacity) this.grow();
      slot = this.count++;
      this.slotOf.set(rid, slot);
      this.rids[slot] = rid;
    }
    this.encode(slot, vector);
  }

  /** Removes `rid` (no-op when absent) by moving the last vector into its slot. */
  remove(rid: number): void {
    const slot = this.slotOf.get(rid);
    if (slot === undefined) return;
    this.slotOf.delete(rid);
    const last = --this.count;
    if (slot === last) return;
    const lastRid = this.rids[last] ?? 0;
    this.rids[slot] = lastRid;
    this.slotOf.set(lastRid, slot);
    this.codes.copyWithin(slot * this.words, last * this.words, (last + 1) * this.words);
    this.values.copyWithin(slot * this.dimensions, last * this.dimensions, (last + 1) * this.dimensions);
    this.factors[slot] = this.factors[last] ?? 0;
  }

  /**
   * The `candidates` best by query-times-signs score, rescored by cosine on the int8 vectors,
   * nearest first. With `candidates >= size` every vector is rescored, so the order is exact up to int8.
   */
  search(query: Float32Array, options: { candidates: number }): IndexedNeighbour[] {
    let squares = 0;
    for (const value of query) squares += value * value;
    const norm = Math.sqrt(squares);
    if (this.count === 0 || norm === 0) return [];
    const slots =
      options.candidates >= this.count
        ? Array.from({ length: this.count }, (_, slot) => slot)
        : this.coarseNearest(query, options.candidates);
    const scored = slots.map((slot) => ({
      rid: this.rids[slot] ?? 0,
      similarity: this.dot(query, slot) / norm,
    }));
    scored.sort((a, b) => b.similarity - a.similarity || a.rid - b.rid);
    return scored;
  }

  private grow(): void {
    const capacity = Math.max(INITIAL_CAPACITY, this.capacity * 2);
    const rids = new Float64Array(capacity);
    rids.set(this.rids);
    const codes = new Uint32Array(capacity * this.words);
    codes.set(this.codes);
    const values = new Int8Array(capacity * this.dimensions);
    values.set(this.values);
    const factors = new Float32Array(capacity);
    factors.set(this.factors);
    Object.assign(this, { rids, codes, values, factors, capacity });
  }

  private encode(slot: number, vector: Float32Array): void {
    let maxAbs = 0;
    let squares = 0;
    for (let dimension = 0; dimension < this.dimensions; dimension++) {
      const value = vector[dimension] ?? 0;
      maxAbs = Math.max(maxAbs, Math.abs(value));
      squares += value * value;
    }
    const step = maxAbs === 0 ? 1 : maxAbs / 127;
    const base = slot * this.dimensions;
    for (let dimension = 0; dimension < this.dimensions; dimension++)
      this.values[base + dimension] = Math.round((vector[dimension] ?? 0) / step);
    this.factors[slot] = squares === 0 ? 0 : step / Math.sqrt(squares);
    this.writeSignCode(vector, this.codes, slot * this.words);
  }

  /** Writes the sign bits of `vector - centre` into `target` from word `at`. */
  private writeSignCode(vector: Float32Array, target: Uint32Array, at: number): void {
    for (let word = 0; word < this.words; word++) {
      let bits = 0;
      const first = word * 32;
      const end = Math.min(first + 32, this.dimensions);
      for (let dimension = first; dimension < end; dimension++)
        if ((vector[dimension] ?? 0) > (this.centre[dimension] ?? 0)) bits |= 1 << (dimension - first);
      target[at + word] = bits;
    }
  }

  private dot(query: Float32Array, slot: number): number {
    const values = this.values;
    const base = slot * this.dimensions;
    let sum = 0;
    for (let dimension = 0; dimension < this.dimensions; dimension++)
      sum += (query[dimension] ?? 0) * (values[base + dimension] ?? 0);
    return sum * (this.factors[slot] ?? 0);
  }

  /**
   * Slots of the `wanted` best coarse scores, via a histogram of scores (no full sort). The score is
   * asymmetric: the int8-rounded query dotted with each vector's signs (+1/-1), read through one
   * 256-entry table per code byte, so near-zero query dimensions add no noise (unlike Hamming).
   */
  private coarseNearest(query: Float32Array, wanted: number): number[] {
    const table = this.byteTables(query);
    const words = this.words;
    const codes = this.codes;
    const offset = this.dimensions * 127;
    const scores = new Int32Array(this.count);
    const histogram = new Uint32Array(2 * offset + 1);
    for (let slot = 0, base = 0; slot < this.count; slot++, base += words) {
      let score = 0;
      for (let word = 0, row = 0; word < words; word++, row += 1024) {
        const code = codes[base + word] ?? 0;
        score +=
          (table[row | (code & 255)] ?? 0) +
          (table[row | 256 | ((code >>> 8) & 255)] ?? 0) +
          (table[row | 512 | ((code >>> 16) & 255)] ?? 0) +
          (table[row | 768 | (code >>> 24)] ?? 0);
      }
      scores[slot] = score;
      histogram[score + offset] = (histogram[score + offset] ?? 0) + 1;
    }
    let threshold = 2 * offset;
    for (let seen = 0; threshold > 0; threshold--) {
      seen += histogram[threshold] ?? 0;
      if (seen >= wanted) break;
    }
    const above: number[] = [];
    const at: number[] = [];
    for (let slot = 0; slot < this.count; slot++) {
      const bin = (scores[slot] ?? 0) + offset;
      if (bin > threshold) above.push(slot);
      else if (bin === threshold && at.length < wanted) at.push(slot);
    }
    return above.concat(at.slice(0, Math.max(0, wanted - above.length)));
  }

  /** For code byte j and byte value x: the sum over its 8 dimensions of query * (bit set ? 1 : -1). */
  private byteTables(query: Float32Array): Int32Array {
    let maxAbs = 0;
    for (let dimension = 0; dimension < this.dimensions; dimension++)
      maxAbs = Math.max(maxAbs, Math.abs((query[dimension] ?? 0) - (this.centre[dimension] ?? 0)));
    const scale = maxAbs === 0 ? 0 : 127 / maxAbs;
    const bytesPer = this.words * 4;
    const table = new Int32Array(bytesPer * 256);
    const weights = new Int32Array(8);
    for (let byte = 0; byte < bytesPer; byte++) {
      let allClear = 0;
      for (let bit = 0; bit < 8; bit++) {
        const dimension = byte * 8 + bit;
        const value =
          dimension < this.dimensions ? (query[dimension] ?? 0) - (this.centre[dimension] ?? 0) : 0;
        weights[bit] = Math.round(value * scale);
        allClear -= weights[bit] ?? 0;
      }
      const row = byte << 8;
      table[row] = allClear;
      for (let value = 1; value < 256; value++) {
        const lowest = 31 - Math.clz32(value & -value);
        table[row | value] = (table[row | (value & (value - 1))] ?? 0) + 2 * (weights[lowest] ?? 0);
      }
    }
    return table;
  }
}

/** Where a vector sits in sqlite-vec's chunk storage: chunk id * 2^20 + offset. Moves when a row is rewritten. */
type Locations = Map<number, number>;

/** A chunk's slot count, validity bitmap and int64 rowids, as last read. */
interface ChunkState {
  size: number;
  validity: Buffer;
  rowids: Buffer;
}

interface ChunkRow extends ChunkState {
  chunk_id: number;
}

interface CachedPartition {
  index: PartitionVectorIndex;
  locations: Locations;
  chunks: Map<number, ChunkState>;
  stale: boolean;
}

const CHUNK_STRIDE = 1_048_576;

export interface VectorIndexCacheOptions {
  /** Partitions whose vec0 chunks hold fewer slots than this keep the exact vec0 query (default 4096). */
  minVectors?: number;
  /** Cap on the bytes of all cached partitions of one connection, evicted least recently used (default 512 MiB). */
  maxBytes?: number;
}

/**
 * Per-connection cache of partition indexes, kept coherent with the file: writes on this connection
 * mark partitions stale (see `noteVectorWrite`), `PRAGMA data_version` reveals commits by other
 * connections, and a stale partition is refreshed by diffing sqlite-vec's chunk table (rowids and
 * validity bitmaps) against what the index holds, reading only vectors that are new or moved.
 * Reads sqlite-vec 0.1.x shadow tables (`memory_vec_chunks`, `memory_vec_vector_chunks00`) directly,
 * because a full vec0 scan takes seconds at 100k rows; when their layout is not the expected one the
 * caller falls back to the exact vec0 query.
 *
 * @example
 * const hits = vectorIndexCacheFor(db).nearest(db, { partition: 1, space, query, wanted: 400 });
 */
export class VectorIndexCache {
  private readonly minVectors: number;
  private readonly maxBytes: number;
  private spaceKey: string | undefined;
  private dataVersion: number | undefined;
  private readonly partitions = new Map<number, CachedPartition>();

  constructor(options: VectorIndexCacheOptions = {}) {
    this.minVectors = options.minVectors ?? 4096;
    this.maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  }

  /** Bytes held by all cached partitions. */
  get bytes(): number {
    let total = 0;
    for (const cached of this.partitions.values()) total += cached.index.bytes;
    return total;
  }

  /** Marks every cached partition for a refresh; call after this connection writes or deletes vectors. */
  noteVectorWrite(): void {
    for (const cached of this.partitions.values()) cached.stale = true;
  }

  /** Drops every cached partition (the embedding space was replaced). */
  clear(): void {
    this.partitions.clear();
  }

  /** Drops the cached indexes of these partitions (their scope was forgotten). */
  drop(partitions: Iterable<number>): void {
    for (const partition of partitions) this.partitions.delete(partition);
  }

  /**
   * The `wanted` nearest rowids of one partition, nearest first, or undefined when the partition is
   * small (or the vec0 layout unknown) and the caller should run the exact vec0 query instead.
   */
  nearest(
    db: Database.Database,
    input: { partition: number; space: EmbeddingSpace; query: Float32Array; wanted: number },
  ): IndexedNeighbour[] | undefined {
    this.sync(db, input.space);
    const cached = this.partitions.get(input.partition) ?? this.build(db, input.partition, input.space);
    if (cached === undefined) return undefined;
    this.partitions.delete(input.partition);
    this.partitions.set(input.partition, cached);
    if (cached.stale && !refresh(db, input.partition, cached)) {
      this.partitions.delete(input.partition);
      return undefined;
    }
    this.evict(input.partition);
    return cached.index.search(input.query, { candidates: input.wanted });
  }

  private sync(db: Database.Database, space: EmbeddingSpace): void {
    const key = `${space.model}\u0000${space.dimensions}`;
    if (key !== this.spaceKey) {
      this.clear();
      this.spaceKey = key;
    }
    const version = db.pragma('data_version', { simple: true }) as number;
    if (this.dataVersion !== undefined && version !== this.dataVersion) this.noteVectorWrite();
    this.dataVersion = version;
  }

  private build(
    db: Database.Database,
    partition: number,
    space: EmbeddingSpace,
  ): CachedPartition | undefined {
    if (!hasChunkTables(db)) return undefined;
    const capacity = db
      .prepare('SELECT COALESCE(SUM(size), 0) FROM memory_vec_chunks WHERE partition00 = ?')
      .pluck()
      .get(partition) as number;
    if (capacity < this.minVectors) return undefined;
    const cached: CachedPartition = {
      index: new PartitionVectorIndex({ dimensions: space.dimensions }),
      locations: new Map(),
      chunks: new Map(),
      stale: true,
    };
    if (!refresh(db, partition, cached)) return undefined;
    this.partitions.set(partition, cached);
    return cached;
  }

  private evict(keep: number): void {
    let total = this.bytes;
    for (const [partition, cached] of this.partitions) {
      if (total <= this.maxBytes) return;
      if (partition === keep) continue;
      total -= cached.index.bytes;
      this.partitions.delete(partition);
    }
  }
}

function hasChunkTables(db: Database.Database): boolean {
  const rows = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE name IN ('memory_vec_chunks', 'memory_vec_vector_chunks00')`,
    )
    .all();
  return rows.length === 2;
}

/** Valid (rowid, location) pairs of one chunk state. */
function validSlots(chunkId: number, state: ChunkState): Array<{ rid: number; location: number }> {
  // Little-endian int64 rowids read as two uint32 halves of an aligned copy (no BigInt per row).
  const halves = new Uint32Array(new Uint8Array(state.rowids.subarray(0, state.size * 8)).buffer);
  const slots: Array<{ rid: number; location: number }> = [];
  for (let offset = 0; offset < state.size; offset++) {
    if (((state.validity[offset >>> 3] ?? 0) & (1 << (offset & 7))) === 0) continue;
    const rid = (halves[offset * 2] ?? 0) + (halves[offset * 2 + 1] ?? 0) * 4_294_967_296;
    slots.push({ rid, location: chunkId * CHUNK_STRIDE + offset });
  }
  return slots;
}

/**
 * Brings `cached` up to date with the partition's chunks, touching only chunks whose validity bitmap
 * or rowid list changed since the last refresh; false when the chunk layout is unexpected.
 */
function refresh(db: Database.Database, partition: number, cached: CachedPartition): boolean {
  const rows = db
    .prepare('SELECT chunk_id, size, validity, rowids FROM memory_vec_chunks WHERE partition00 = ?')
    .all(partition) as ChunkRow[];
  const gone: Array<{ rid: number; location: number }> = [];
  const fresh = new Map<number, number>();
  const seen = new Set<number>();
  for (const row of rows) {
    if (row.validity.length * 8 < row.size || row.rowids.length < row.size * 8) return false;
    seen.add(row.chunk_id);
    const old = cached.chunks.get(row.chunk_id);
    if (old?.validity.equals(row.validity) && old.rowids.equals(row.rowids)) continue;
    if (old !== undefined) gone.push(...validSlots(row.chunk_id, old));
    for (const slot of validSlots(row.chunk_id, row)) fresh.set(slot.location, slot.rid);
    cached.chunks.set(row.chunk_id, { size: row.size, validity: row.validity, rowids: row.rowids });
  }
  for (const [chunkId, old] of cached.chunks) {
    if (seen.has(chunkId)) continue;
    gone.push(...validSlots(chunkId, old));
    cached.chunks.delete(chunkId);
  }
  const { index, locations } = cached;
  for (const slot of gone) {
    if (fresh.get(slot.location) === slot.rid || locations.get(slot.rid) !== slot.location) continue;
    index.remove(slot.rid);
    locations.delete(slot.rid);
  }
  if (!addFresh(db, cached, fresh)) return false;
  cached.stale = false;
  return true;
}

/** Reads and indexes the vectors at `fresh` locations (location → rowid) the index does not hold yet. */
function addFresh(db: Database.Database, cached: CachedPartition, fresh: Map<number, number>): boolean {
  const { index, locations } = cached;
  const readVectors = db.prepare('SELECT vectors FROM memory_vec_vector_chunks00 WHERE rowid = ?').pluck();
  const vectorBytes = index.dimensions * (vectorElement(db) === 'int8' ? 1 : 4);
  let chunkId = -1;
  let vectors: Buffer | undefined;
  for (const [location, rid] of fresh) {
    if (locations.get(rid) === location) continue;
    const offset = location % CHUNK_STRIDE;
    if (Math.floor(location / CHUNK_STRIDE) !== chunkId) {
      chunkId = Math.floor(location / CHUNK_STRIDE);
      vectors = readVectors.get(chunkId) as Buffer | undefined;
    }
    if (vectors === undefined || vectors.length < (offset + 1) * vectorBytes) return false;
    index.add(
      rid,
      blobToVector(vectors.subarray(offset * vectorBytes, (offset + 1) * vectorBytes), index.dimensions),
    );
    locations.set(rid, location);
  }
  return true;
}

const caches = new WeakMap<Database.Database, VectorIndexCache>();

/**
 * The vector index cache of one connection, created on first use.
 *
 * @example
 * vectorIndexCacheFor(db).noteVectorWrite();
 */
export function vectorIndexCacheFor(
  db: Database.Database,
  options?: VectorIndexCacheOptions,
): VectorIndexCache {
  let cache = caches.get(db);
  if (cache === undefined) {
    cache = new VectorIndexCache(options);
    caches.set(db, cache);
  }
  return cache;
}
