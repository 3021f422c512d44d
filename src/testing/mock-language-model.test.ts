// Tests for the public mocks of `mnemo/testing`.
import { describe, expect, it } from 'vitest';
import { MnemoError } from '../core/errors.js';
import { createMockEmbedder, createMockLanguageModel } from './index.js';

describe('createMockLanguageModel', () => {
  it('replays responses in order, records calls and estimates usage', async () => {
    const model = createMockLanguageModel({
      responses: ['first', ({ index, options }) => `call ${index}: ${options.messages[0]?.content}`],
    });
    const one = await model.generate({ system: 'sys', messages: [{ role: 'user', content: 'hello there' }] });
    const two = await model.generate({ messages: [{ role: 'user', content: 'again' }] });
    expect(one.text).toBe('first');
    expect(two.text).toBe('call 1: again');
    expect(one.usage.inputTokens).toBeGreaterThan(0);
    expect(one.usage.outputTokens).toBeGreaterThan(0);
    expect(model.calls.map((call) => call.messages[0]?.content)).toEqual(['hello there', 'again']);
    expect(model.calls[0]?.system).toBe('sys');
    expect(model.remaining).toBe(0);
  });

  it('throws a scripted error and still records the call', async () => {
    const failure = new MnemoError({ code: 'LLM_FAILED', message: 'scripted outage' });
    const model = createMockLanguageModel({ responses: [failure, 'after'] });
    await expect(model.generate({ messages: [] })).rejects.toBe(failure);
    await expect(model.generate({ messages: [] })).resolves.toMatchObject({ text: 'after' });
    expect(model.calls).toHaveLength(2);
  });

  it('throws a clear error when the script runs out', async () => {
    const model = createMockLanguageModel({ responses: ['only'] });
    await model.generate({ messages: [] });
    await expect(model.generate({ messages: [] })).rejects.toThrow(
      /call #2 has no scripted response \(1 scripted\)/,
    );
  });

  it('reports the configured structured-output capability', () => {
    const model = createMockLanguageModel({ responses: [], structuredOutput: 'prompt-only' });
    expect(model.capabilities.structuredOutput).toBe('prompt-only');
    expect(model.provider).toBe('mock');
  });
});

describe('createMockEmbedder', () => {
  it('is deterministic, unit-length and records calls', async () => {
    const embedder = createMockEmbedder({ dimensions: 16 });
    const first = await embedder.embed({ values: ['Lisbon', 'Porto'] });
    const second = await embedder.embed({ values: ['Lisbon'] });
    expect(first.embeddings[0]).toEqual(second.embeddings[0]);
    expect(first.embeddings[0]).not.toEqual(first.embeddings[1]);
    const norm = Math.hypot(...(first.embeddings[0] ?? []));
    expect(norm).toBeCloseTo(1, 5);
    expect(first.embeddings[0]).toHaveLength(16);
    expect(embedder.calls.map((call) => call.values)).toEqual([['Lisbon', 'Porto'], ['Lisbon']]);
    expect(embedder.capabilities.deterministic).toBe(true);
  });

  it('returns given vectors normalised, and infers dimensions from them', async () => {
    const embedder = createMockEmbedder({ vectors: { Lisbon: [3, 4, 0] } });
    expect(embedder.dimensions).toBe(3);
    const { embeddings } = await embedder.embed({ values: ['Lisbon', 'other'] });
    expect(Array.from(embeddings[0] ?? [])).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0]);
    expect(embeddings[1]).toHaveLength(3);
  });

  it('rejects a vector of the wrong length', () => {
    expect(() => createMockEmbedder({ dimensions: 4, vectors: { a: [1, 2] } })).toThrow(/expected 4/);
  });
});
