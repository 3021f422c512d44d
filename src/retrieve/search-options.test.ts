// Search options: defaults, time inputs, and INVALID_INPUT for bad values.
import { describe, expect, it } from 'vitest';
import { MnemoError } from '../core/errors.js';
import { buildMemoryFilter } from './search-memories.js';
import { parseSearchOptions, searchDefaults } from './search-options.js';

describe('parseSearchOptions', () => {
  it('fills in the documented defaults', () => {
    const options = parseSearchOptions({});
    expect(options).toEqual({
      limit: 10,
      includeHistory: false,
      explain: false,
      expand: 0,
      weights: {
        lexical: 1,
        vector: 1,
        graph: 0.25,
        recency: 0.1,
        importance: 0.1,
        textMatch: 0.1,
        answer: 0.1,
      },
      minScore: 0,
      recencyHalfLifeDays: 30,
      fusion: 'score',
      candidates: 50,
      feedback: { docs: 5, weight: 0.5 },
    });
  });

  it('turns query feedback off or tunes it', () => {
    expect(parseSearchOptions({ feedback: false }).feedback).toBeUndefined();
    expect(parseSearchOptions({ feedback: true }).feedback).toEqual({ docs: 5, weight: 0.5 });
    expect(parseSearchOptions({ feedback: { docs: 3 } }).feedback).toEqual({ docs: 3, weight: 0.5 });
    expect(() => parseSearchOptions({ feedback: { docs: 0 } })).toThrow(/feedback/);
    expect(() => parseSearchOptions({ feedback: { depth: 2 } })).toThrow(/feedback/);
  });

  it('grows the candidate pool with the limit', () => {
    expect(parseSearchOptions({ limit: 40 }).candidates).toBe(200);
  });

  it('turns times into epoch ms and mmr into a lambda', () => {
    const options = parseSearchOptions({
      asOf: '2024-01-01T00:00:00Z',
      filters: {
        observedFrom: new Date('2023-01-01T00:00:00Z'),
        observedTo: 1_700_000_000_000,
        metadata: { topic: 'x' },
      },
      mmr: true,
      weights: { recency: 0 },
    });
    expect(options.asOf).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(options.observedFrom).toBe(Date.parse('2023-01-01T00:00:00Z'));
    expect(options.observedTo).toBe(1_700_000_000_000);
    expect(options.metadata).toEqual({ topic: 'x' });
    expect(options.mmrLambda).toBe(searchDefaults.mmrLambda);
    expect(options.weights).toEqual({
      lexical: 1,
      vector: 1,
      graph: 0.25,
      recency: 0,
      importance: 0.1,
      textMatch: 0.1,
      answer: 0.1,
    });
    expect(parseSearchOptions({ mmr: { lambda: 0.3 } }).mmrLambda).toBe(0.3);
    expect(parseSearchOptions({ mmr: false }).mmrLambda).toBeUndefined();
  });

  it.each([
    { name: 'limit 0', options: { limit: 0 } },
    { name: 'limit 201', options: { limit: 201 } },
    { name: 'a fractional limit', options: { limit: 2.5 } },
    { name: 'an unknown kind', options: { kinds: ['fact', 'dream'] } },
    { name: 'expand 21', options: { expand: 21 } },
    { name: 'a bad asOf', options: { asOf: 'yesterday-ish' } },
    { name: 'a negative weight', options: { weights: { lexical: -1 } } },
    { name: 'an unknown fusion', options: { fusion: 'magic' } },
    { name: 'an unknown option', options: { limt: 5 } },
    { name: 'mmr lambda above 1', options: { mmr: { lambda: 2 } } },
    { name: 'a zero half-life', options: { recencyHalfLifeDays: 0 } },
    { name: 'an inverted time range', options: { filters: { observedFrom: 2000, observedTo: 1000 } } },
  ])('rejects $name with INVALID_INPUT', ({ options }) => {
    let caught: unknown;
    try {
      parseSearchOptions(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MnemoError);
    expect((caught as MnemoError).code).toBe('INVALID_INPUT');
    expect((caught as MnemoError).message).toMatch(/^Invalid search options: /);
  });

  it('names the offending field in the message', () => {
    expect(() => parseSearchOptions({ limit: 0 })).toThrow(/limit/);
  });
});

describe('buildMemoryFilter', () => {
  it('asks for current memories at now by default', () => {
    expect(buildMemoryFilter(parseSearchOptions({}), 1000)).toEqual({ now: 1000 });
  });

  it('passes kinds, asOf, history, time range and metadata through', () => {
    const options = parseSearchOptions({
      kinds: ['fact'],
      asOf: 500,
      includeHistory: true,
      filters: { observedFrom: 100, observedTo: 400, metadata: { topic: null } },
    });
    expect(buildMemoryFilter(options, 1000)).toEqual({
      now: 1000,
      kinds: ['fact'],
      asOf: 500,
      includeHistory: true,
      observedFrom: 100,
      observedTo: 400,
      metadata: { topic: null },
    });
  });
});
