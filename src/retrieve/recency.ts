// Pure time and importance signals: exponential recency decay with a half-life, clamped importance.

const DAY_MS = 86_400_000;

/**
 * Exponential recency decay: `0.5 ^ (ageDays / halfLifeDays)`, where age is `reference - at`.
 * A time in the future of the reference (clock skew, a planned event) counts as age 0, so 1.
 * A missing or unparsable time gives 0: no evidence of being recent.
 *
 * @example
 * recencyDecay({ at: '2024-01-01T00:00:00Z', reference: Date.parse('2024-01-31T00:00:00Z'), halfLifeDays: 30 }) // 0.5
 */
export function recencyDecay(input: {
  at: string | number | undefined;
  reference: number;
  halfLifeDays: number;
}): number {
  if (input.at === undefined) return 0;
  const at = typeof input.at === 'number' ? input.at : Date.parse(input.at);
  if (!Number.isFinite(at) || !Number.isFinite(input.reference)) return 0;
  if (!(input.halfLifeDays > 0)) throw new RangeError(`halfLifeDays must be > 0, got ${input.halfLifeDays}`);
  const ageDays = Math.max(0, input.reference - at) / DAY_MS;
  return 0.5 ** (ageDays / input.halfLifeDays);
}

/** Age in days of `at` relative to `reference` (negative for the future), or undefined when unknown. */
export function ageInDays(input: { at: string | number | undefined; reference: number }): number | undefined {
  if (input.at === undefined) return undefined;
  const at = typeof input.at === 'number' ? input.at : Date.parse(input.at);
  return Number.isFinite(at) ? (input.reference - at) / DAY_MS : undefined;
}

/**
 * The importance signal: the memory's importance clamped to [0, 1]; NaN counts as 0.
 *
 * @example
 * importanceSignal(1.7) // 1
 */
export function importanceSignal(importance: number): number {
  if (Number.isNaN(importance)) return 0;
  return Math.min(1, Math.max(0, importance));
}
