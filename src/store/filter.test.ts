// Table tests for the pure MemoryFilter predicate.
import { describe, expect, it } from 'vitest';
import { matchesMemoryFilter } from './filter.js';
import type { MemoryFilter } from './memory-store.js';
import { makeMemoryWrite, T0 } from './test-support/fixtures.js';

const HOUR = 3_600_000;
const iso = (value: number) => new Date(value).toISOString();
const base = makeMemoryWrite({
  scope: { tenantId: 't', userId: 'u' },
  text: 'x',
  observedAt: T0,
  metadata: { a: 1, b: null },
}).record;

describe('matchesMemoryFilter', () => {
  it.each<[string, Partial<typeof base>, MemoryFilter, boolean]>([
    ['current memory', {}, { now: T0 + HOUR }, true],
    ['observed after asOf', {}, { now: T0 + HOUR, asOf: T0 - 1 }, false],
    ['retired before now', { retiredAt: iso(T0 + 1) }, { now: T0 + HOUR }, false],
    ['retired, asOf before retirement', { retiredAt: iso(T0 + 10) }, { now: T0 + HOUR, asOf: T0 + 5 }, true],
    ['validity ended', { validTo: iso(T0 + 1) }, { now: T0 + HOUR }, false],
    [
      'retired but includeHistory',
      { retiredAt: iso(T0 + 1) },
      { now: T0 + HOUR, includeHistory: true },
      true,
    ],
    [
      'expired even with includeHistory',
      { expiresAt: iso(T0 + 1) },
      { now: T0 + HOUR, includeHistory: true },
      false,
    ],
    ['kind not wanted', {}, { now: T0 + HOUR, kinds: ['episode'] }, false],
    ['before observedFrom', {}, { now: T0 + HOUR, observedFrom: T0 + 1 }, false],
    ['metadata equal', {}, { now: T0 + HOUR, metadata: { a: 1, b: null } }, true],
    ['metadata differs', {}, { now: T0 + HOUR, metadata: { a: '1' } }, false],
    ['metadata key missing', {}, { now: T0 + HOUR, metadata: { c: null } }, false],
  ])('%s', (_label, overrides, filter, expected) => {
    expect(matchesMemoryFilter({ ...base, ...overrides }, filter)).toBe(expected);
  });
});
