// Tests for the built-in hashing embedder: determinism, unit length, and that similar texts land closer.
import { describe, expect, it } from 'vitest';
import { MnemoError } from '../core/errors.js';
import { createBuiltinEmbedder } from './builtin-embedder.js';
import { conceptsOf } from './concept-lexicon.js';
import { embeddingModelKey } from './embedding-model.js';

function cosine(left: Float32Array, right: Float32Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * right[index]!;
  return sum;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

async function similarity(left: string, right: string): Promise<number> {
  const { embeddings } = await createBuiltinEmbedder().embed({ values: [left, right] });
  return cosine(embeddings[0]!, embeddings[1]!);
}

describe('createBuiltinEmbedder', () => {
  it('describes itself as an offline, deterministic, non-neural model', () => {
    const model = createBuiltinEmbedder();
    expect(embeddingModelKey(model)).toBe('builtin:hash-ngram-v1:256');
    expect(model.capabilities).toEqual({
      semantic: false,
      offline: true,
      deterministic: true,
      similarityFloor: 0.2,
    });
  });

  it('returns the same vector for the same text, across instances', async () => {
    const first = await createBuiltinEmbedder().embed({ values: ['Alice moved to Lisbon in 2021'] });
    const second = await createBuiltinEmbedder().embed({ values: ['Alice moved to Lisbon in 2021'] });
    expect([...first.embeddings[0]!]).toEqual([...second.embeddings[0]!]);
  });

  it.each([
    'I moved to Lisbon',
    'a',
    '',
    '   ?!  ',
    'what is it',
    'Ünïcödé naïve café 東京',
    'word '.repeat(500),
  ])('returns a unit-length vector of the right size for %j', async (text) => {
    const model = createBuiltinEmbedder({ dimensions: 64 });
    const { embeddings } = await model.embed({ values: [text] });
    expect(embeddings[0]).toHaveLength(64);
    expect(norm(embeddings[0]!)).toBeCloseTo(1, 5);
  });

  it('embeds every empty text to one fixed vector, far from real text', async () => {
    const model = createBuiltinEmbedder();
    const { embeddings } = await model.embed({ values: ['', '...', 'I moved to Lisbon'] });
    expect(cosine(embeddings[0]!, embeddings[1]!)).toBeCloseTo(1, 5);
    expect(Math.abs(cosine(embeddings[0]!, embeddings[2]!))).toBeLessThan(0.3);
  });

  it.each([
    ['where do you live?', 'I moved to Lisbon last year', 'my favourite food is pizza'],
    ['what does she do for work', 'she got hired as a nurse by a hospital', 'we adopted a puppy'],
    ['does he have kids', 'his daughter started school this week', 'the weather was rainy'],
    ['favourite music', 'I play guitar in a jazz band', 'the flight to Tokyo was delayed'],
    ['moving house', 'we moved into a new house', 'the concert was loud'],
    ['running a marathon', 'she runs every morning', 'I bought a new phone'],
    ['recieve the package', 'did you receive the package', 'the cat sleeps all day'],
  ])('scores %j closer to %j than to %j', async (query, related, unrelated) => {
    expect(await similarity(query, related)).toBeGreaterThan(await similarity(query, unrelated));
  });

  it('gives inflections of a word a high similarity', async () => {
    expect(await similarity('moving', 'moved')).toBeGreaterThan(0.5);
    expect(await similarity('moving', 'pizza')).toBeLessThan(0.2);
  });

  it('finds the concept of an inflected word through the lexicon', () => {
    expect(conceptsOf('moved')).toContain('residence');
    expect(conceptsOf('daughter')).toContain('family');
  });

  it('reports one call and estimated tokens, and no call for no values', async () => {
    const model = createBuiltinEmbedder();
    const result = await model.embed({ values: ['one two three', 'four'] });
    expect(result.usage.calls).toBe(1);
    expect(result.usage.tokens).toBeGreaterThan(0);
    expect(await model.embed({ values: [] })).toEqual({ embeddings: [], usage: { tokens: 0, calls: 0 } });
  });

  it('rejects impossible dimensions', () => {
    expect(() => createBuiltinEmbedder({ dimensions: 3 })).toThrow(MnemoError);
    expect(() => createBuiltinEmbedder({ dimensions: 100.5 })).toThrow(/dimensions/);
  });

  it('stops when the abort signal has fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      createBuiltinEmbedder().embed({ values: ['x'], abortSignal: controller.signal }),
    ).rejects.toThrow();
  });

  it('embeds a large batch (throughput is printed, not asserted)', async () => {
    const model = createBuiltinEmbedder();
    const values = Array.from(
      { length: 10_000 },
      (_, index) => `On day ${index} I went to the market with my sister and bought fresh apples`,
    );
    const started = performance.now();
    const { embeddings } = await model.embed({ values });
    const seconds = (performance.now() - started) / 1000;
    console.log(`builtin embedder: ${Math.round(values.length / seconds)} short texts/s on one core`);
    expect(embeddings).toHaveLength(values.length);
  });
});
