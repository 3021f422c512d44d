// Stored vectors as int8 (sqlite-vec `int8[n]`, a quarter of float32): scaling on the way in, unit-length
// float vectors on the way out. Cosine, the only metric used, does not depend on each vector's scale.
import type Database from 'better-sqlite3';
import { exactStep, maxAbsolute, unitVector } from '../vector-scale.js';

/** The element type of the `memory_vec` table: `int8` since migration 7, `float` in older files. */
export type VectorElement = 'float' | 'int8';

/**
 * Quantises a vector to int8 with its own scale. A vector whose components are small integer multiples of
 * one step (count vectors, one-hot ones) is stored exactly; any other is scaled so its largest component is
 * ±127 (about 0.4% of that component lost at worst).
 *
 * @example
 * quantizeInt8(new Float32Array([0.6, -0.8])); // Int8Array [95, -127]
 */
export function quantizeInt8(vector: Float32Array): Int8Array {
  const out = new Int8Array(vector.length);
  const maxAbs = maxAbsolute(vector);
  if (maxAbs === 0) return out;
  const step = exactStep(vector, 127) ?? maxAbs / 127;
  for (let index = 0; index < vector.length; index++) out[index] = Math.round((vector[index] ?? 0) / step);
  return out;
}

/**
 * The unit-length float vector of stored int8 values (zero stays zero).
 *
 * @example
 * dequantizeInt8(new Int8Array([3, 4])); // Float32Array [0.6, 0.8]
 */
export function dequantizeInt8(values: Int8Array): Float32Array {
  return unitVector(values);
}

/** Bytes of a quantised vector as sqlite-vec takes them (with `vec_int8(?)`). */
export function int8Blob(vector: Float32Array): Buffer {
  const values = quantizeInt8(vector);
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** A stored vector blob of either element type as a float vector (int8 ones unit-length). */
export function blobToVector(blob: Buffer, dimensions: number): Float32Array {
  if (blob.byteLength === dimensions) {
    const values = new Int8Array(dimensions);
    values.set(new Int8Array(blob.buffer, blob.byteOffset, dimensions));
    return dequantizeInt8(values);
  }
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}

/** The element type of the existing `memory_vec` table (undefined when there is none). */
export function vectorElement(db: Database.Database): VectorElement | undefined {
  const row = db.prepare(`SELECT sql FROM sqlite_master WHERE name = 'memory_vec'`).get() as
    | { sql: string }
    | undefined;
  if (row === undefined) return undefined;
  return /\bint8\[/i.test(row.sql) ? 'int8' : 'float';
}
