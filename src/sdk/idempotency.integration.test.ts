// add(…, { idempotencyKey }): a retry writes nothing and returns the first result, across restarts; a key
// names one request; inference is not run again; a forgotten user leaves no key behind.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMnemoError } from '../core/errors.js';
import { createSqliteStore } from '../store/sqlite/sqlite-store.js';
import { createMemory, type Memory } from './create-memory.js';
import { createRoutingModel, operations } from './test-support/inference-fixture.js';

let directory: string;
let file: string;
let memory: Memory | undefined;

beforeEach(() => {
  directory = mkdtempSync(path.join(os.tmpdir(), 'mnemo-idempotency-'));
  file = path.join(directory, 'mnemo.db');
});
afterEach(async () => {
  await memory?.close();
  memory = undefined;
  rmSync(directory, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  return isMnemoError(error) ? [error.code, error.details?.reason] : error;
}

describe('add with an idempotency key', () => {
  it('stores once: a retry, even after a restart, writes nothing and returns the first result', async () => {
    memory = await createMemory({ store: file });
    const first = await memory.add('I moved to Lisbon', {
      userId: 'ana',
      sessionId: 's1',
      idempotencyKey: 'k-1',
    });
    expect(first.replayed).toBeUndefined();
    const again = await memory.add('I moved to Lisbon', {
      userId: 'ana',
      sessionId: 's1',
      idempotencyKey: 'k-1',
    });
    expect(again.replayed).toBe(true);
    expect(again.messages.map((message) => message.id)).toEqual(first.messages.map((message) => message.id));
    expect(again.memories.map((record) => record.id)).toEqual(first.memories.map((record) => record.id));
    await memory.close();

    memory = await createMemory({ store: file });
    const afterRestart = await memory.add('I moved to Lisbon', {
      userId: 'ana',
      sessionId: 's1',
      idempotencyKey: 'k-1',
    });
    expect(afterRestart.replayed).toBe(true);
    expect((await memory.status()).store.stats.messages).toBe(1);
    const unkeyed = await memory.add('I moved to Lisbon', { userId: 'ana', sessionId: 's1' });
    expect(unkeyed.replayed).toBeUndefined();
    expect((await memory.status()).store.stats.messages).toBe(2);
  });

  it('refuses the same key for a different request, and keeps keys per tenant', async () => {
    memory = await createMemory({ store: file });
    await memory.add('first', { userId: 'ana', idempotencyKey: 'shared' });
    expect(await codeOf(memory.add('second', { userId: 'ana', idempotencyKey: 'shared' }))).toEqual([
      'CONFLICT',
      'idempotency-key-reused',
    ]);
    expect(await codeOf(memory.add('first', { userId: 'bea', idempotencyKey: 'shared' }))).toEqual([
      'CONFLICT',
      'idempotency-key-reused',
    ]);
    const otherTenant = await memory.add('first', {
      tenantId: 'acme',
      userId: 'ana',
      idempotencyKey: 'shared',
    });
    expect(otherTenant.replayed).toBeUndefined();
    expect((await memory.status()).store.stats.messages).toBe(2);
  });

  it('rejects a key that is empty, too long or not printable ASCII', async () => {
    memory = await createMemory({ store: file });
    for (const key of ['', 'x'.repeat(256), 'with space', 'ключ']) {
      expect(await codeOf(memory.add('hello', { userId: 'ana', idempotencyKey: key }))).toEqual([
        'INVALID_INPUT',
        undefined,
      ]);
    }
    expect((await memory.status()).store.stats.messages).toBe(0);
  });

  it('covers memories written by hand', async () => {
    memory = await createMemory({ store: file });
    const first = await memory.add('Ana is allergic to peanuts', {
      userId: 'ana',
      kind: 'fact',
      idempotencyKey: 'f',
    });
    const again = await memory.add('Ana is allergic to peanuts', {
      userId: 'ana',
      kind: 'fact',
      idempotencyKey: 'f',
    });
    expect(again).toMatchObject({ replayed: true, operations: [{ op: 'ADD', status: 'applied' }] });
    expect(again.memories.map((record) => record.id)).toEqual(first.memories.map((record) => record.id));
  });

  it('does not run inference again on a retry, and returns the inferred memories too', async () => {
    const llm = createRoutingModel({
      extract: (turns) =>
        operations([{ op: 'ADD', kind: 'fact', text: `Fact: ${turns[0]}`, sourceTurns: [0] }]),
    });
    memory = await createMemory({ store: file, llm, summaries: false });
    const first = await memory.add('I adopted a cat', { userId: 'ana', idempotencyKey: 'infer-1' });
    expect(first.memories.map((record) => record.kind).sort()).toEqual(['episode', 'fact']);
    const again = await memory.add('I adopted a cat', { userId: 'ana', idempotencyKey: 'infer-1' });
    expect(llm.extractions).toHaveLength(1);
    expect(again.replayed).toBe(true);
    expect(again.memories.map((record) => record.id).sort()).toEqual(
      first.memories.map((record) => record.id).sort(),
    );
    expect(again.usage.llmCalls).toBe(1);
  });

  it('does not queue buffered messages twice', async () => {
    const llm = createRoutingModel();
    memory = await createMemory({ store: file, llm, summaries: false, buffer: { minBatch: 10 } });
    const first = await memory.add('one', {
      userId: 'ana',
      sessionId: 's',
      buffer: true,
      idempotencyKey: 'b',
    });
    const again = await memory.add('one', {
      userId: 'ana',
      sessionId: 's',
      buffer: true,
      idempotencyKey: 'b',
    });
    expect(first.pending).toBe(1);
    expect(again).toMatchObject({ replayed: true, pending: 1 });
    expect((await memory.status()).inference.queue.pending).toBe(1);
  });

  it('says so when the first call stopped between its raw write and its inference', async () => {
    // The process "dies" while writing inferred memories (after the raw write committed).
    const real = createSqliteStore({ path: file });
    await real.init();
    const store = new Proxy(real, {
      get(target, property, receiver) {
        if (property === 'insertMemories') return () => Promise.reject(new Error('the process went away'));
        return Reflect.get(target, property, receiver);
      },
    });
    const llm = createRoutingModel({
      extract: (turns) =>
        operations([{ op: 'ADD', kind: 'fact', text: `Fact: ${turns[0]}`, sourceTurns: [0] }]),
    });
    memory = await createMemory({ store, llm, summaries: false });
    await expect(memory.add('I adopted a cat', { userId: 'ana', idempotencyKey: 'cut' })).rejects.toThrow(
      'the process went away',
    );
    const retry = await memory.add('I adopted a cat', { userId: 'ana', idempotencyKey: 'cut' });
    expect(retry.replayed).toBe(true);
    expect(retry.messages).toHaveLength(1);
    expect(retry.warnings.join(' ')).toContain('reprocess');
    expect(llm.extractions).toHaveLength(1);
    expect((await memory.status()).store.stats.messages).toBe(1);
  });

  it('leaves no key of a forgotten user: after forgetScope the same key stores again', async () => {
    memory = await createMemory({ store: file });
    await memory.add('secret', { userId: 'ana', sessionId: 's1', idempotencyKey: 'gone' });
    await memory.forgetScope({ userId: 'ana' });
    expect(
      await memory.store.getIdempotencyRecord({ tenantId: 'default', key: 'gone', now: Date.now() }),
    ).toBe(undefined);
    const again = await memory.add('secret', { userId: 'ana', sessionId: 's1', idempotencyKey: 'gone' });
    expect(again.replayed).toBeUndefined();
    expect(again.messages).toHaveLength(1);
  });
});
