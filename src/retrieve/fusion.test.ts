// Table tests for the fusion math: normalisation, weighted RRF, convex score fusion, final combination.
import { describe, expect, it } from 'vitest';
import {
  combineScores,
  convexScoreFusion,
  maxNormalize,
  minMaxNormalize,
  reciprocalRankFusion,
} from './fusion.js';

describe('maxNormalize', () => {
  it.each([
    { scores: [4, 2, 0], expected: [1, 0.5, 0] },
    { scores: [3], expected: [1] },
    { scores: [], expected: [] },
    { scores: [0, 0], expected: [0, 0] },
    { scores: [-1, 2], expected: [0, 1] },
    { scores: [Number.NaN, 5], expected: [0, 1] },
  ])('maps $scores to $expected', ({ scores, expected }) => {
    expect(maxNormalize(scores)).toEqual(expected);
  });
});

describe('minMaxNormalize', () => {
  it.each([
    { scores: [0.9, 0.7, 0.5], expected: [1, 0.5, 0] },
    { scores: [0.3], expected: [1] },
    { scores: [0.4, 0.4], expected: [1, 1] },
    { scores: [-1, 1], expected: [0, 1] },
    { scores: [], expected: [] },
    { scores: [Number.NaN, 2, 4], expected: [0, 0, 1] },
  ])('maps $scores to $expected', ({ scores, expected }) => {
    const actual = minMaxNormalize(scores);
    expect(actual).toHaveLength(expected.length);
    actual.forEach((value, index) => {
      expect(value).toBeCloseTo(expected[index]!, 12);
    });
  });
});

describe('reciprocalRankFusion', () => {
  it.each([
    {
      name: 'a single list: first place scores 1, second 61/62',
      lists: [{ source: 'lexical', ids: ['a', 'b'], weight: 1 }],
      k: 60,
      expected: { a: 1, b: 61 / 62 },
    },
    {
      name: 'first in both lists scores 1',
      lists: [
        { source: 'lexical', ids: ['a', 'b'], weight: 1 },
        { source: 'vector', ids: ['a', 'c'], weight: 1 },
      ],
      k: 60,
      expected: { a: 1, b: 0.5 * (61 / 62), c: 0.5 * (61 / 62) },
    },
    {
      name: 'weights scale each list',
      lists: [
        { source: 'lexical', ids: ['a'], weight: 3 },
        { source: 'vector', ids: ['b'], weight: 1 },
      ],
      k: 60,
      expected: { a: 0.75, b: 0.25 },
    },
    {
      name: 'k = 0 gives plain reciprocal ranks',
      lists: [{ source: 'lexical', ids: ['a', 'b', 'c', 'd'], weight: 1 }],
      k: 0,
      expected: { a: 1, b: 0.5, c: 1 / 3, d: 0.25 },
    },
    {
      name: 'an empty list does not dilute the other one',
      lists: [
        { source: 'lexical', ids: ['a'], weight: 1 },
        { source: 'vector', ids: [], weight: 1 },
      ],
      k: 60,
      expected: { a: 1 },
    },
    {
      name: 'zero weights give zero scores',
      lists: [{ source: 'lexical', ids: ['a'], weight: 0 }],
      k: 60,
      expected: { a: 0 },
    },
  ])('$name', ({ lists, k, expected }) => {
    const fused = reciprocalRankFusion({ lists, k });
    expect(Object.fromEntries(fused.map((entry) => [entry.id, entry.score]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([id, score]) => [id, expect.closeTo(score, 12)])),
    );
  });

  it('orders by score and records each source contribution summing to the score', () => {
    const fused = reciprocalRankFusion({
      lists: [
        { source: 'lexical', ids: ['b', 'a'], weight: 1 },
        { source: 'vector', ids: ['a', 'c'], weight: 1 },
      ],
    });
    expect(fused.map((entry) => entry.id)).toEqual(['a', 'b', 'c']);
    const a = fused[0]!;
    expect(a.contributions.lexical! + a.contributions.vector!).toBeCloseTo(a.score, 12);
    expect(fused[1]!.contributions.vector).toBeUndefined();
  });

  it('breaks ties by id', () => {
    const fused = reciprocalRankFusion({
      lists: [
        { source: 'lexical', ids: ['z'], weight: 1 },
        { source: 'vector', ids: ['m'], weight: 1 },
      ],
    });
    expect(fused.map((entry) => entry.id)).toEqual(['m', 'z']);
  });
});

describe('convexScoreFusion', () => {
  it.each([
    {
      name: 'equal weights average',
      lexical: { a: 1 },
      vector: { a: 0.5 },
      weights: [1, 1],
      expected: { a: 0.75 },
    },
    {
      name: 'missing from one list counts 0 there',
      lexical: { a: 1, b: 0.4 },
      vector: { a: 0 },
      weights: [1, 1],
      expected: { a: 0.5, b: 0.2 },
    },
    {
      name: 'weights are convex',
      lexical: { a: 1 },
      vector: { b: 1 },
      weights: [3, 1],
      expected: { a: 0.75, b: 0.25 },
    },
    {
      name: 'an empty list is not counted',
      lexical: { a: 0.8 },
      vector: {},
      weights: [1, 1],
      expected: { a: 0.8 },
    },
  ])('$name', ({ lexical, vector, weights, expected }) => {
    const fused = convexScoreFusion({
      lists: [
        { source: 'lexical', scores: new Map(Object.entries(lexical)), weight: weights[0]! },
        { source: 'vector', scores: new Map(Object.entries(vector)), weight: weights[1]! },
      ],
    });
    expect(Object.fromEntries(fused.map((entry) => [entry.id, entry.score]))).toEqual(
      Object.fromEntries(Object.entries(expected).map(([id, score]) => [id, expect.closeTo(score, 12)])),
    );
  });
});

const w = (recency: number, importance: number, textMatch: number, answer = 0) => ({
  recency,
  importance,
  textMatch,
  answer,
});

describe('combineScores', () => {
  it.each([
    {
      fusion: 0.8,
      recency: 0.5,
      importance: 1,
      textMatch: 0,
      answer: 1,
      weights: w(0.1, 0.1, 0.1),
      final: 0.95,
    },
    {
      fusion: 1,
      recency: 0,
      importance: 0,
      textMatch: 0.5,
      answer: 0,
      weights: w(0.1, 0.1, 0.1),
      final: 1.05,
    },
    { fusion: 0.2, recency: 1, importance: 1, textMatch: 1, answer: 1, weights: w(0, 0, 0), final: 0.2 },
    {
      fusion: 0,
      recency: 1,
      importance: 0.5,
      textMatch: 1,
      answer: 0,
      weights: w(0.5, 0.2, 0.3),
      final: 0.9,
    },
    {
      fusion: 0.5,
      recency: 0,
      importance: 0,
      textMatch: 0,
      answer: 0.5,
      weights: w(0, 0, 0, 0.2),
      final: 0.6,
    },
  ])(
    'fusion $fusion + recency $recency + importance $importance + text match $textMatch + answer $answer → $final',
    (input) => {
      const score = combineScores(input);
      expect(score.final).toBeCloseTo(input.final, 12);
      expect(
        score.fusion +
          score.recencyContribution +
          score.importanceContribution +
          score.textMatchContribution +
          score.answerContribution,
      ).toBeCloseTo(score.final, 12);
    },
  );
});
