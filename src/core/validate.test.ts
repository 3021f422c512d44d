import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  boundedJson,
  jsonProblem,
  jsonTextNesting,
  metadataLimits,
  parseInput,
  textProblem,
  textSchema,
} from './validate.js';

/** `{"a":{"a":…1…}}`, `levels` objects deep, built without recursion. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level += 1) value = { a: value };
  return value;
}

describe('textProblem', () => {
  it.each([
    ['plain', undefined],
    ['emoji 😀 (a surrogate pair)', undefined],
    ['accents: café', undefined],
  ])('accepts %s', (value, expected) => {
    expect(textProblem(value)).toBe(expected);
  });

  it.each([
    ['a\u0000b', 'NUL'],
    ['lone high \uD800 surrogate', 'surrogates'],
    ['lone low \uDC00 surrogate', 'surrogates'],
    ['reversed pair \uDE00\uD83D', 'surrogates'],
    ['\uD83D', 'surrogates'],
  ])('refuses %j', (value, problem) => {
    expect(textProblem(value)).toContain(problem);
  });

  it('is what textSchema checks, before the chained checks', () => {
    expect(textSchema.max(5).safeParse('ab\u0000').success).toBe(false);
    expect(textSchema.max(5).safeParse('abc').success).toBe(true);
  });
});

describe('jsonProblem', () => {
  it('accepts plain JSON within the limits', () => {
    expect(jsonProblem({ a: [1, 'x', null, true, { b: 2.5 }] }, metadataLimits)).toBeUndefined();
    expect(jsonProblem(nested(32), metadataLimits)).toBeUndefined();
  });

  it.each([
    ['33 levels', nested(33), 'deeper than 32'],
    ['100,000 levels', nested(100_000), 'deeper than 32'],
    ['a NUL in a deep string', { a: { b: ['x', 'y\u0000'] } }, 'NUL'],
    ['a lone surrogate in a key', { a: { '\uD800': 1 } }, 'key must not contain unpaired'],
    ['a too large value', { a: 'x'.repeat(20_000) }, 'at most 16384'],
    ['many small keys', Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, 1])), 'at most'],
    ['a Date', { a: new Date() }, 'must be JSON'],
    ['undefined', { a: undefined }, 'must be JSON'],
    ['Infinity', { a: Number.POSITIVE_INFINITY }, 'finite'],
  ])('refuses %s', (_name, value, message) => {
    expect(jsonProblem(value, metadataLimits)?.message).toContain(message);
  });

  it('names the path of the problem', () => {
    expect(jsonProblem({ a: [0, { b: 'x\u0000' }] }, metadataLimits)?.path).toEqual(['a', 1, 'b']);
  });

  it('stops at a cycle through the depth limit instead of looping', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonProblem(cycle, metadataLimits)?.message).toContain('deeper than 32');
  });
});

describe('boundedJson', () => {
  const schema = boundedJson(metadataLimits, z.record(z.string(), z.json()));

  it('refuses 100,000 levels with an INVALID_INPUT, not a stack overflow', () => {
    expect(() => parseInput(schema, nested(100_000), 'metadata')).toThrow(/deeper than 32/);
  });

  it('passes a valid value to the inner schema', () => {
    expect(parseInput(schema, { a: { b: [1] } }, 'metadata')).toEqual({ a: { b: [1] } });
    expect(schema.safeParse([1]).success).toBe(false);
  });
});

describe('jsonTextNesting', () => {
  it.each([
    ['{}', 1],
    ['{"a":[1,{"b":2}]}', 3],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"\\"[[["}', 1],
    ['[1]', 1],
    ['"text"', 0],
  ])('counts %s as %i', (text, depth) => {
    expect(jsonTextNesting(text, 64)).toBe(depth);
  });

  it('stops counting past the limit', () => {
    expect(jsonTextNesting('['.repeat(1_000_000), 64)).toBe(65);
  });
});
