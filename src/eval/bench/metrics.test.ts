import { describe, expect, it } from 'vitest';
import {
  averageRows,
  dedupeRanked,
  mean,
  ndcgAtK,
  parseEvidenceIds,
  parseKList,
  recallAllAtK,
  recallAtK,
} from './metrics.js';

describe('parseEvidenceIds', () => {
  it.each([
    { evidence: ['D1:3'], expected: ['D1:3'] },
    { evidence: ['D1:9', 'D1:11'], expected: ['D1:9', 'D1:11'] },
    { evidence: ['D8:6; D9:17'], expected: ['D8:6', 'D9:17'] },
    { evidence: ['D:11:26'], expected: ['D11:26'] },
    { evidence: ['D1:3:'], expected: ['D1:3'] },
    { evidence: ['D'], expected: [] },
    { evidence: ['D2:1', 'D2:1'], expected: ['D2:1'] },
    { evidence: [' D02:7 '], expected: ['D2:7'] },
    { evidence: 'D4:5', expected: ['D4:5'] },
    { evidence: [], expected: [] },
    { evidence: undefined, expected: [] },
    { evidence: [42, null], expected: [] },
  ])('parses $evidence into $expected', ({ evidence, expected }) => {
    expect(parseEvidenceIds(evidence)).toEqual(expected);
  });
});

describe('recallAtK', () => {
  it.each([
    { ranked: ['a', 'b', 'c'], gold: ['a'], k: 1, expected: 1 },
    { ranked: ['a', 'b', 'c'], gold: ['c'], k: 2, expected: 0 },
    { ranked: ['a', 'x', 'b'], gold: ['a', 'b'], k: 2, expected: 0.5 },
    { ranked: ['a', 'x', 'b'], gold: ['a', 'b'], k: 3, expected: 1 },
    { ranked: ['a', 'b'], gold: ['a', 'b', 'c', 'd'], k: 10, expected: 0.5 },
    { ranked: [], gold: ['a'], k: 5, expected: 0 },
    { ranked: ['a'], gold: [], k: 5, expected: 1 },
    { ranked: ['a', 'a'], gold: ['a', 'a', 'b'], k: 2, expected: 0.5 },
  ])('recall@$k of $ranked against $gold is $expected', ({ ranked, gold, k, expected }) => {
    expect(recallAtK({ ranked, gold, k })).toBeCloseTo(expected, 10);
  });
});

describe('recallAllAtK', () => {
  it.each([
    { ranked: ['a', 'b', 'c'], gold: ['a', 'c'], k: 2, expected: 0 },
    { ranked: ['a', 'b', 'c'], gold: ['a', 'c'], k: 3, expected: 1 },
    { ranked: ['x', 'a'], gold: ['a'], k: 1, expected: 0 },
    { ranked: ['x', 'a'], gold: ['a'], k: 2, expected: 1 },
    { ranked: [], gold: [], k: 5, expected: 1 },
  ])('recall_all@$k of $ranked against $gold is $expected', ({ ranked, gold, k, expected }) => {
    expect(recallAllAtK({ ranked, gold, k })).toBe(expected);
  });
});

describe('ndcgAtK', () => {
  const inverseLog = (rank: number) => 1 / Math.log2(rank + 1);
  it.each([
    { ranked: ['a', 'b'], gold: ['a'], k: 2, expected: 1 },
    { ranked: ['x', 'a'], gold: ['a'], k: 2, expected: inverseLog(2) },
    { ranked: ['x', 'a'], gold: ['a'], k: 1, expected: 0 },
    { ranked: ['a', 'x', 'b'], gold: ['a', 'b'], k: 3, expected: (1 + inverseLog(3)) / (1 + inverseLog(2)) },
    // Only min(|gold|, k) gold items fit in the ideal ranking.
    { ranked: ['a', 'x'], gold: ['a', 'b', 'c'], k: 1, expected: 1 },
    { ranked: ['x', 'y', 'a'], gold: ['a', 'b'], k: 3, expected: inverseLog(3) / (1 + inverseLog(2)) },
    // A repeated gold key counts once.
    { ranked: ['a', 'a'], gold: ['a', 'b'], k: 2, expected: 1 / (1 + inverseLog(2)) },
    { ranked: ['x'], gold: [], k: 5, expected: 1 },
  ])('ndcg@$k of $ranked against $gold', ({ ranked, gold, k, expected }) => {
    expect(ndcgAtK({ ranked, gold, k })).toBeCloseTo(expected, 10);
  });
});

describe('dedupeRanked', () => {
  it.each([
    { keys: ['s2', 's1', 's2', 's3', 's1'], expected: ['s2', 's1', 's3'] },
    { keys: [], expected: [] },
  ])('keeps the first occurrence of each key in $keys', ({ keys, expected }) => {
    expect(dedupeRanked(keys)).toEqual(expected);
  });
});

describe('mean and averageRows', () => {
  it.each([
    { values: [1, 0, 0.5], expected: 0.5 },
    { values: [], expected: 0 },
  ])('mean of $values is $expected', ({ values, expected }) => {
    expect(mean(values)).toBe(expected);
  });

  it('averages metric rows key by key', () => {
    expect(
      averageRows([
        { 'recall@5': 1, 'recall@10': 1 },
        { 'recall@5': 0, 'recall@10': 0.5 },
      ]),
    ).toEqual({
      'recall@5': 0.5,
      'recall@10': 0.75,
    });
    expect(averageRows([])).toEqual({});
  });
});

describe('parseKList', () => {
  it.each([
    { text: '5,10,25,50', expected: [5, 10, 25, 50] },
    { text: '10, 5,10', expected: [5, 10] },
  ])('parses "$text"', ({ text, expected }) => {
    expect(parseKList(text)).toEqual(expected);
  });

  it.each(['', '0', '5,x', '2.5', '201'])('rejects "%s" as INVALID_INPUT', (text) => {
    expect(() => parseKList(text)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
