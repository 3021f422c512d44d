// The clock seam: core code asks an injected clock for the time, so tests and benchmarks control it.

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that stands still until moved; for tests and replays. */
export function createFixedClock(
  start: number | string | Date,
): Clock & { set(at: number | string | Date): void; advance(ms: number): void } {
  let current = toEpochMs(start);
  return {
    now: () => current,
    set: (at) => {
      current = toEpochMs(at);
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export function toEpochMs(value: number | string | Date): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  return Date.parse(value);
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
