import { describe, expect, it } from 'vitest';
import { readTimeInput, timeInputSchema, timeRange } from './time-input.js';

describe('readTimeInput', () => {
  it.each([
    ['2024-05-10', Date.UTC(2024, 4, 10)],
    ['2024-05-10T14:00:00Z', Date.UTC(2024, 4, 10, 14)],
    ['2024-05-10T14:00:00.123+02:00', Date.UTC(2024, 4, 10, 12, 0, 0, 123)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2000-02-29', Date.UTC(2000, 1, 29)],
    ['2024', Date.UTC(2024, 0, 1)],
    ['0001-01-01T00:00:00Z', timeRange.min],
    ['9999-12-31T23:59:59.999Z', timeRange.max],
    [1_715_299_200_000, 1_715_299_200_000],
    [new Date(Date.UTC(2024, 4, 10)), Date.UTC(2024, 4, 10)],
  ])('reads %s', (input, expected) => {
    expect(readTimeInput(input)).toEqual({ ms: expected });
  });

  it.each([
    ['2024-02-30', 'has no day 30'],
    ['2023-02-29', 'has no day 29'],
    ['1900-02-29', 'has no day 29'],
    ['2024-04-31T10:00:00Z', 'has no day 31'],
    ['2024-13-01', 'month must be 01-12'],
    ['2024-05-10T24:00:00Z', 'hour must be 00-23'],
    ['2024-05-10T10:60:00Z', 'minute must be 00-59'],
    ['+275760-09-13T00:00:00Z', 'out of range'],
    ['0000-12-31', 'out of range'],
    ['May 10 2024', 'use ISO-8601'],
    ['1700000000000', 'use ISO-8601'],
    [9e15, 'out of range'],
    [-8.64e15, 'out of range'],
    [1.5, 'whole number'],
    [Number.NaN, 'not a valid time'],
    [new Date(Number.NaN), 'invalid Date'],
  ])('refuses %s', (input, problem) => {
    const read = readTimeInput(input);
    expect('problem' in read && read.problem).toContain(problem);
  });
});

describe('timeInputSchema', () => {
  it('turns every refusal into one zod issue with the reason', () => {
    const parsed = timeInputSchema.safeParse('2024-02-30');
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toContain('2024-02 has no day 30');
  });
});
