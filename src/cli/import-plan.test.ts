// Tests import planning: format detection and validation of the whole file before any write.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, importStepKey, planImport } from './import-plan.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'mnemo-plan-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function fixture(name: string, text: string): Promise<string> {
  const file = path.join(directory, name);
  await writeFile(file, text);
  return file;
}

describe('detectFormat', () => {
  it.each([
    ['{"role":"user","content":"hi"}\n', 'x.txt', 'jsonl'],
    ['[{"sample_id":"c","conversation":{}}]', 'x.json', 'locomo'],
    ['[{"question_id":"q","haystack_sessions":[]}]', 'x.json', 'longmemeval'],
    ['[{"question_id":"q","haystack_sessions":[]}]', 'x.jsonl', 'jsonl'],
  ])('detects %s named %s as %s', (text, name, expected) => {
    expect(detectFormat(text, name)).toBe(expected);
  });

  it('refuses an unknown JSON array', () => {
    expect(() => detectFormat('[{"a":1}]', 'x.json')).toThrow(/--format/);
  });
});

describe('planImport', () => {
  it('groups consecutive messages of one scope and splits restore rows into their own steps', async () => {
    const file = await fixture(
      'mixed.jsonl',
      [
        '{"role":"user","content":"one"}',
        '{"role":"assistant","content":"two"}',
        '{"role":"user","content":"three","userId":"carol"}',
        '{"type":"message","message":{"id":"m1"}}',
      ].join('\n'),
    );
    const plan = await planImport({ path: file, scope: { userId: 'dave' } });
    expect(plan.total).toBe(4);
    expect(
      plan.steps.map((step) =>
        step.kind === 'add' ? [step.scope.userId, step.messages.length] : ['restore', step.rows.length],
      ),
    ).toEqual([
      ['dave', 2],
      ['carol', 1],
      ['restore', 1],
    ]);
  });

  it('names the bad line and refuses messages without a scope', async () => {
    const bad = await fixture('bad.jsonl', '{"role":"user","content":"ok"}\n{"role":"user","content":""}\n');
    await expect(planImport({ path: bad, scope: { userId: 'dave' } })).rejects.toThrow(/line 2/);
    const unscoped = await fixture('unscoped.jsonl', '{"role":"user","content":"ok"}\n');
    await expect(planImport({ path: unscoped, scope: {} })).rejects.toMatchObject({ code: 'SCOPE_REQUIRED' });
  });
});

describe('planImport of sharing rows', () => {
  const space = { id: 'research', tenantId: 't1', name: 'research', createdAt: '2026-12-06T10:00:00.000Z' };
  const grant = {
    tenantId: 't1',
    principal: { type: 'agent', id: 'reader' },
    target: { type: 'space', id: 'research' },
    role: 'read',
    createdAt: '2026-12-06T10:00:00.000Z',
  };

  it('restores the spaces and grants of an export', async () => {
    const lines = [
      { type: 'space', space },
      { type: 'grant', grant },
    ].map((row) => JSON.stringify(row));
    const plan = await planImport({
      path: await fixture('sharing.jsonl', `${lines.join('\n')}\n`),
      scope: {},
    });
    expect(plan.steps).toEqual([
      {
        kind: 'restore',
        rows: [
          { type: 'space', space },
          { type: 'grant', grant },
        ],
      },
    ]);
  });

  it.each([
    ['an unknown role', { type: 'grant', grant: { ...grant, role: 'owner' } }],
    [
      'a principal of no known type',
      { type: 'grant', grant: { ...grant, principal: { type: 'team', id: 'x' } } },
    ],
    ['a space id with a control character', { type: 'space', space: { ...space, id: 'bad\u0001id' } }],
    ['a space without a creation time', { type: 'space', space: { ...space, createdAt: 'yesterday' } }],
  ])('refuses %s before anything is written', async (_name, row) => {
    const file = await fixture('bad-sharing.jsonl', `${JSON.stringify(row)}\n`);
    await expect(planImport({ path: file, scope: {} })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('importStepKey', () => {
  it('gives the same keys for the same file and scope, and other keys for another scope or content', async () => {
    const file = await fixture('keys.jsonl', '{"role":"user","content":"one"}\n');
    const same = await planImport({ path: file, scope: { userId: 'dave' } });
    const again = await planImport({ path: file, scope: { userId: 'dave' } });
    const otherScope = await planImport({ path: file, scope: { userId: 'erin' } });
    const otherFile = await fixture('keys-2.jsonl', '{"role":"user","content":"two"}\n');
    const otherContent = await planImport({ path: otherFile, scope: { userId: 'dave' } });
    expect(importStepKey(again, 0)).toBe(importStepKey(same, 0));
    expect(importStepKey(same, 1)).not.toBe(importStepKey(same, 0));
    expect(importStepKey(otherScope, 0)).not.toBe(importStepKey(same, 0));
    expect(importStepKey(otherContent, 0)).not.toBe(importStepKey(same, 0));
    expect(importStepKey(same, 0)).toMatch(/^import:[0-9a-f]{48}$/);
  });
});
