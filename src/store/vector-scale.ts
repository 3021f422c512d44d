// How every backend scales a vector before storing it in a compact type (SQLite int8, pgvector halfvec):
// cosine does not depend on scale, so each vector gets its own, chosen to lose as little as possible.

/**
 * The step that maps a vector onto integers no larger than `maxUnits` exactly, when its components are
 * small integer multiples of one value (count vectors, one-hot ones); else undefined.
 *
 * @example
 * exactStep(new Float32Array([0.5, -1, 0]), 127); // 0.5
 */
export function exactStep(vector: Float32Array, maxUnits: number): number | undefined {
  let maxAbs = 0;
  let minAbs = Number.POSITIVE_INFINITY;
  for (const value of vector) {
    const size = Math.abs(value);
    if (size > maxAbs) maxAbs = size;
    if (size > 0 && size < minAbs) minAbs = size;
  }
  if (maxAbs === 0 || maxAbs / minAbs > maxUnits + 0.5) return undefined;
  for (const value of vector) {
    const units = value / minAbs;
    if (Math.abs(units - Math.round(units)) > 1e-4) return undefined;
  }
  return minAbs;
}

/** The largest absolute component (0 for a zero vector). */
export function maxAbsolute(vector: Float32Array): number {
  let maxAbs = 0;
  for (const value of vector) maxAbs = Math.max(maxAbs, Math.abs(value));
  return maxAbs;
}

/**
 * `values` scaled to unit length (a zero vector stays zero).
 *
 * @example
 * unitVector([3, 4]); // Float32Array [0.6, 0.8]
 */
export function unitVector(values: ArrayLike<number>): Float32Array {
  let squares = 0;
  for (let index = 0; index < values.length; index++) squares += (values[index] ?? 0) ** 2;
  const out = new Float32Array(values.length);
  if (squares === 0) return out;
  const scale = 1 / Math.sqrt(squares);
  for (let index = 0; index < values.length; index++) out[index] = (values[index] ?? 0) * scale;
  return out;
}
