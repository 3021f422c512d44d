// Tests for the caching embedder: hits skip the wrapped model, misses are batched, the backend persists.
import { describe, expect, it } from 'vitest';
import { createBuiltinEmbedder } from './builtin-embedder.js';
import { createCachedEmbedder, type EmbeddingCacheBackend, hashText } from './cached-embedder.js';
import { type EmbeddingModel, type EmbedOptions, embeddingModelKey } from './embedding-model.js';

/** A real model (the built-in one) that records every batch it is asked to embed. */
function countingModel(options: { maxEmbeddingsPerCall?: number; learnsDimensions?: boolean } = {}) {
  const builtin = createBuiltinEmbedder({ dimensions: 32 });
  const batches: string[][] = [];
  let dimensions = options.learnsDimensions ? 0 : 32;
  const model: EmbeddingModel = {
    provider: 'counting',
    modelId: 'builtin-32',
    get dimensions() {
      return dimensions;
    },
    maxEmbeddingsPerCall: options.maxEmbeddingsPerCall ?? 100,
    capabilities: builtin.capabilities,
    async embed(embedOptions: EmbedOptions) {
      batches.push([...embedOptions.values]);
      dimensions = 32;
      return builtin.embed(embedOptions);
    },
  };
  return { model, batches };
}

/** A persistent backend kept in a Map, recording what it was asked. */
function mapBackend() {
  const rows = new Map<string, Float32Array>();
  const gets: string[][] = [];
  const backend: EmbeddingCacheBackend = {
    async getCachedEmbeddings({ model, hashes }) {
      gets.push(hashes);
      const found = new Map<string, Float32Array>();
      for (const hash of hashes) {
        const embedding = rows.get(`${model}|${hash}`);
        if (embedding !== undefined) found.set(hash, embedding);
      }
      return found;
    },
    async putCachedEmbeddings({ model, entries }) {
      for (const { hash, embedding } of entries) rows.set(`${model}|${hash}`, embedding);
    },
  };
  return { backend, rows, gets };
}

describe('createCachedEmbedder', () => {
  it('keeps the identity of the wrapped model', () => {
    const { model } = countingModel();
    const cached = createCachedEmbedder({ model });
    expect(embeddingModelKey(cached)).toBe(embeddingModelKey(model));
    expect(cached.capabilities).toEqual(model.capabilities);
  });

  it('sends only misses to the model and reports only the work done', async () => {
    const { model, batches } = countingModel();
    const cached = createCachedEmbedder({ model });
    const first = await cached.embed({ values: ['alpha', 'beta'] });
    const second = await cached.embed({ values: ['beta', 'gamma', 'alpha', 'gamma'] });
    expect(batches).toEqual([['alpha', 'beta'], ['gamma']]);
    expect(first.usage.calls).toBe(1);
    expect(second.usage.calls).toBe(1);
    expect([...second.embeddings[0]!]).toEqual([...first.embeddings[1]!]);
    expect([...second.embeddings[2]!]).toEqual([...first.embeddings[0]!]);
    expect([...second.embeddings[1]!]).toEqual([...second.embeddings[3]!]);
    const third = await cached.embed({ values: ['alpha'] });
    expect(third.usage).toEqual({ tokens: 0, calls: 0 });
    expect(batches).toHaveLength(2);
  });

  it('batches misses by the wrapped model maxEmbeddingsPerCall', async () => {
    const { model, batches } = countingModel({ maxEmbeddingsPerCall: 2 });
    const cached = createCachedEmbedder({ model });
    const result = await cached.embed({ values: ['a', 'b', 'c', 'd', 'e'] });
    expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(result.usage.calls).toBe(3);
  });

  it('returns the same vectors the model would, as copies', async () => {
    const { model } = countingModel();
    const cached = createCachedEmbedder({ model });
    const direct = await model.embed({ values: ['I moved to Lisbon'] });
    const first = await cached.embed({ values: ['I moved to Lisbon'] });
    first.embeddings[0]!.fill(0);
    const second = await cached.embed({ values: ['I moved to Lisbon'] });
    expect([...second.embeddings[0]!]).toEqual([...direct.embeddings[0]!]);
  });

  it('writes to and reads from the persistent backend under the model key', async () => {
    const { backend, rows } = mapBackend();
    const writer = countingModel();
    await createCachedEmbedder({ model: writer.model, cache: backend }).embed({ values: ['persist me'] });
    expect([...rows.keys()]).toEqual([`counting:builtin-32:32|${hashText('persist me')}`]);

    const reader = countingModel();
    const restarted = createCachedEmbedder({ model: reader.model, cache: backend });
    const result = await restarted.embed({ values: ['persist me', 'new text'] });
    expect(reader.batches).toEqual([['new text']]);
    expect(result.embeddings).toHaveLength(2);
    expect(rows.size).toBe(2);
  });

  it('skips the backend for texts already in memory', async () => {
    const { backend, gets } = mapBackend();
    const { model } = countingModel();
    const cached = createCachedEmbedder({ model, cache: backend });
    await cached.embed({ values: ['one'] });
    await cached.embed({ values: ['one', 'two'] });
    expect(gets).toEqual([[hashText('one')], [hashText('two')]]);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const { model, batches } = countingModel();
    const cached = createCachedEmbedder({ model, maxEntries: 2 });
    await cached.embed({ values: ['a', 'b'] });
    await cached.embed({ values: ['a'] }); // 'a' is now the most recent
    await cached.embed({ values: ['c'] }); // evicts 'b'
    await cached.embed({ values: ['a', 'b'] });
    expect(batches).toEqual([['a', 'b'], ['c'], ['b']]);
  });

  it('waits for a model to learn its dimensions before caching under its key', async () => {
    const { backend, rows, gets } = mapBackend();
    const { model, batches } = countingModel({ learnsDimensions: true });
    const cached = createCachedEmbedder({ model, cache: backend });
    expect(cached.dimensions).toBe(0);
    await cached.embed({ values: ['first'] });
    expect(gets).toHaveLength(0);
    expect([...rows.keys()]).toEqual([`counting:builtin-32:32|${hashText('first')}`]);
    expect(cached.dimensions).toBe(32);
    await cached.embed({ values: ['first'] });
    expect(batches).toEqual([['first']]);
  });
});
