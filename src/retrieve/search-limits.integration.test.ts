// The caps on the work of one search (searchLimits), end to end through the SDK on a real SQLite file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory, type Memory } from '../sdk/create-memory.js';
import { searchLimits } from './search-options.js';

let directory: string;
let memory: Memory;
const scope = { userId: 'alice', sessionId: 's1' };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mnemo-limits-'));
  memory = await createMemory({ store: join(directory, 'mnemo.db') });
  const turns = Array.from({ length: 600 }, (_, index) => ({
    role: 'user' as const,
    content: `zebra sighting number ${index} near the river`,
  }));
  for (let start = 0; start < turns.length; start += 200) {
    await memory.add(turns.slice(start, start + 200), scope);
  }
}, 60_000);

afterAll(async () => {
  await memory.close();
  await rm(directory, { recursive: true, force: true });
});

describe('searchLimits', () => {
  it(`searches only the first ${searchLimits.queryTerms} distinct terms of a query, and says so`, async () => {
    const filler = Array.from({ length: 100 }, (_, index) => `word${index}x`).join(' ');
    const cut = await memory.search(`${filler} zebra`, { ...scope, limit: 5 });
    expect(cut.warnings.join(' ')).toContain(`only the first ${searchLimits.queryTerms} were searched`);
    const kept = await memory.search(`zebra ${filler}`, { ...scope, limit: 5 });
    expect(kept.results.length).toBeGreaterThan(0);
  });

  it(`returns at most ${searchLimits.expandMessages} expand messages in all, with a warning`, async () => {
    const response = await memory.search('zebra river', { ...scope, limit: 50, expand: 20 });
    const messages = response.results.reduce((total, result) => total + (result.context?.length ?? 0), 0);
    expect(response.results).toHaveLength(50);
    expect(messages).toBeGreaterThan(0);
    expect(messages).toBeLessThanOrEqual(searchLimits.expandMessages);
    expect(response.warnings.join(' ')).toContain(`at most ${searchLimits.expandMessages} messages`);
  });

  it(`refuses more than ${searchLimits.candidates} candidates and more than ${searchLimits.expand} expand turns`, async () => {
    await expect(
      memory.search('zebra', { ...scope, candidates: searchLimits.candidates + 1 }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(memory.search('zebra', { ...scope, expand: searchLimits.expand + 1 })).rejects.toMatchObject(
      {
        code: 'INVALID_INPUT',
      },
    );
  });

  it('keeps MMR results complete when the pool is capped', async () => {
    const response = await memory.search('zebra river', { ...scope, limit: 200, mmr: true });
    expect(response.results).toHaveLength(200);
  });
});
