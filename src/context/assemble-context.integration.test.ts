// context() on a real SQLite store: sections, citations, budget, raw mode.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/clock.js';
import { estimateTokens } from '../models/token-count.js';
import { createMemory, type Memory } from '../sdk/create-memory.js';

let directory: string;
let memory: Memory;
const clock = createFixedClock('2024-06-01T12:00:00Z');

beforeEach(async () => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-context-'));
  memory = await createMemory({ store: path.join(directory, 'mnemo.db'), clock });
  await memory.add(
    [
      { role: 'user', content: 'I moved to Lisbon last March' },
      { role: 'user', content: 'My dog Rex loves the beach' },
      { role: 'user', content: 'I work as a nurse at the city hospital' },
    ],
    { userId: 'alice', sessionId: 'old', observedAt: '2024-05-10T09:00:00Z' },
  );
  for (let turn = 0; turn < 12; turn++) {
    await memory.add(`small talk number ${turn} about the weather`, {
      userId: 'alice',
      sessionId: 'now',
      observedAt: `2024-06-01T10:${String(turn).padStart(2, '0')}:00Z`,
    });
  }
});

afterEach(async () => {
  await memory.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('context', () => {
  it('cites relevant memories with id and date, and recent turns, in raw mode', async () => {
    const result = await memory.context('where does alice live', { userId: 'alice', budgetTokens: 600 });
    const lisbon = result.items.find((item) => item.text.includes('Lisbon'));
    expect(lisbon?.section).toBe('relevant');
    expect(result.text).toContain(`[${lisbon!.id} · 2024-05-10]`);
    expect(result.text).toContain('(March 2024)');
    expect(result.items.some((item) => item.section === 'recent')).toBe(true);
    expect(result.text.indexOf('### Relevant memories')).toBeLessThan(
      result.text.indexOf('### Recent turns'),
    );
  });

  it.each([60, 120, 300, 2000])('never exceeds a budget of %i tokens', async (budgetTokens) => {
    const result = await memory.context('where does alice live', { userId: 'alice', budgetTokens });
    expect(result.tokens).toBe(estimateTokens(result.text));
    expect(result.tokens).toBeLessThanOrEqual(budgetTokens);
  });

  it('drops items that do not fit and says how many', async () => {
    const small = await memory.context('weather', { userId: 'alice', budgetTokens: 80 });
    const large = await memory.context('weather', { userId: 'alice', budgetTokens: 5000 });
    expect(large.items.length).toBeGreaterThan(small.items.length);
    const omitted = Object.values(small.omitted).reduce((sum, count) => sum + count, 0);
    expect(omitted).toBeGreaterThan(0);
  });

  it('returns nothing for another user', async () => {
    const result = await memory.context('where does alice live', { userId: 'bob', budgetTokens: 600 });
    expect(result.items).toEqual([]);
    expect(result.text).toBe('');
  });

  it('rejects a missing scope and a bad budget', async () => {
    await expect(memory.context('x', { budgetTokens: 100 })).rejects.toMatchObject({
      code: 'SCOPE_REQUIRED',
    });
    await expect(memory.context('x', { userId: 'alice', budgetTokens: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
