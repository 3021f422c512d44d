// The SDK's inferred mode: add() stores raw turns, then one model call adds facts and profile slots;
// a broken model leaves the raw turns stored and says so.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMockLanguageModel } from '../testing/index.js';
import { createMemory, type Memory } from './create-memory.js';

let directory: string;
let memory: Memory;

beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-sdk-infer-'));
});
afterEach(async () => {
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('createMemory with a language model', () => {
  it('adds raw turns and inferred facts and profile slots in one model call, with usage', async () => {
    const llm = createMockLanguageModel({
      responses: [
        JSON.stringify({
          operations: [
            { op: 'ADD', kind: 'fact', text: 'Alice lives in Lisbon', importance: 0.8, sourceTurns: [0] },
            {
              op: 'ADD',
              kind: 'profile',
              text: 'Home city: Lisbon',
              topic: 'basic_info',
              slot: 'city',
              value: 'Lisbon',
              sourceTurns: [0],
            },
          ],
        }),
      ],
    });
    memory = await createMemory({ store: path.join(directory, 'mnemo.db'), llm });
    const result = await memory.add('I moved to Lisbon last March', {
      userId: 'alice',
      observedAt: '2024-05-10',
    });
    expect(result.memories.map((record) => record.kind).sort()).toEqual(['episode', 'fact', 'profile']);
    expect(result.usage.llmCalls).toBe(1);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(llm.calls).toHaveLength(1);
    const profile = await memory.getProfile({ userId: 'alice' });
    expect(profile.basic_info?.city?.value).toBe('Lisbon');
    const { results } = await memory.search('where does alice live', { userId: 'alice', kinds: ['fact'] });
    expect(results[0]?.memory.text).toBe('Alice lives in Lisbon');
  });

  it('keeps the raw turns and reports the typed error when the model answers garbage twice', async () => {
    const llm = createMockLanguageModel({ responses: ['not json at all', 'still {not json'] });
    memory = await createMemory({ store: path.join(directory, 'mnemo.db'), llm });
    const result = await memory.add('I adopted a cat named Miso', { userId: 'alice' });
    expect(result.extractionError?.code).toBe('LLM_OUTPUT_INVALID');
    expect(result.warnings.join(' ')).toContain('reprocessed');
    expect(result.memories.map((record) => record.kind)).toEqual(['episode']);
    expect((await memory.list({ userId: 'alice' })).items.map((record) => record.text)).toEqual([
      'I adopted a cat named Miso',
    ]);
  });

  it('stays in raw mode when asked, even with a model', async () => {
    const llm = createMockLanguageModel({ responses: [] });
    memory = await createMemory({ store: path.join(directory, 'mnemo.db'), llm });
    const result = await memory.add('just log this', { userId: 'alice', infer: false });
    expect(result.usage.llmCalls).toBe(0);
    expect(llm.calls).toHaveLength(0);
  });
});
