// Table tests for recency decay and the importance signal.
import { describe, expect, it } from 'vitest';
import { ageInDays, importanceSignal, recencyDecay } from './recency.js';

const reference = Date.parse('2024-03-31T00:00:00Z');
const day = 86_400_000;

describe('recencyDecay', () => {
  it.each([
    { name: 'now', at: reference, halfLifeDays: 30, expected: 1 },
    { name: 'one half-life ago', at: reference - 30 * day, halfLifeDays: 30, expected: 0.5 },
    { name: 'two half-lives ago', at: reference - 60 * day, halfLifeDays: 30, expected: 0.25 },
    { name: 'an ISO string', at: '2024-03-30T00:00:00Z', halfLifeDays: 1, expected: 0.5 },
    { name: 'the future counts as now', at: reference + 5 * day, halfLifeDays: 30, expected: 1 },
    { name: 'a missing time gives 0', at: undefined, halfLifeDays: 30, expected: 0 },
    { name: 'an unparsable time gives 0', at: 'not a date', halfLifeDays: 30, expected: 0 },
    { name: 'a long half-life decays slowly', at: reference - 365 * day, halfLifeDays: 365, expected: 0.5 },
  ])('$name → $expected', ({ at, halfLifeDays, expected }) => {
    expect(recencyDecay({ at, reference, halfLifeDays })).toBeCloseTo(expected, 12);
  });

  it('rejects a non-positive half-life', () => {
    expect(() => recencyDecay({ at: reference, reference, halfLifeDays: 0 })).toThrow(RangeError);
  });
});

describe('ageInDays', () => {
  it.each([
    { at: reference - 2 * day, expected: 2 },
    { at: reference + day, expected: -1 },
    { at: undefined, expected: undefined },
  ])('$at → $expected', ({ at, expected }) => {
    expect(ageInDays({ at, reference })).toBe(expected);
  });
});

describe('importanceSignal', () => {
  it.each([
    { importance: 0.5, expected: 0.5 },
    { importance: 1.7, expected: 1 },
    { importance: -0.2, expected: 0 },
    { importance: Number.NaN, expected: 0 },
    { importance: 0, expected: 0 },
  ])('$importance → $expected', ({ importance, expected }) => {
    expect(importanceSignal(importance)).toBe(expected);
  });
});
