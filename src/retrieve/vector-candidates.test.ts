import { describe, expect, it } from 'vitest';
import type { Scope } from '../core/scope.js';
import type { MemoryStore } from '../store/memory-store.js';
import { feedbackQuery } from './vector-candidates.js';

const scope: Scope = { tenantId: 'default', userId: 'u' };

/** A store that only answers getVectors, from a fixed table, and records what it was asked. */
function vectorStore(table: Record<string, number[]>): { store: MemoryStore; asked: string[][] } {
  const asked: string[][] = [];
  const store = {
    async getVectors(input: { scope: Scope; ids: string[] }) {
      asked.push(input.ids);
      return new Map(
        input.ids.flatMap((id) =>
          table[id] === undefined ? [] : [[id, Float32Array.from(table[id]!)] as const],
        ),
      );
    },
  } as unknown as MemoryStore;
  return { store, asked };
}

const norm = (vector: Float32Array) => Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));

describe('feedbackQuery', () => {
  it('moves the query toward the mean of the best candidates, by weight, at unit length', async () => {
    const { store, asked } = vectorStore({ a: [0, 1, 0], b: [0, 0, 1] });
    const refined = await feedbackQuery({
      store,
      scope,
      embedding: Float32Array.from([1, 0, 0]),
      bestIds: ['a', 'b', 'missing'],
      weight: 0.5,
    });
    expect(asked).toEqual([['a', 'b', 'missing']]);
    // 1·q + 0.5 · mean(a, b) = [1, 0.25, 0.25], normalised.
    const length = Math.sqrt(1 + 0.25 ** 2 * 2);
    expect([...refined!].map((value) => value * length)).toEqual([
      expect.closeTo(1, 6),
      expect.closeTo(0.25, 6),
      expect.closeTo(0.25, 6),
    ]);
    expect(norm(refined!)).toBeCloseTo(1, 6);
  });

  it('gives up when no candidate has a stored vector', async () => {
    const { store } = vectorStore({});
    const refined = await feedbackQuery({
      store,
      scope,
      embedding: Float32Array.from([1, 0]),
      bestIds: ['x'],
      weight: 0.5,
    });
    expect(refined).toBeUndefined();
  });
});
