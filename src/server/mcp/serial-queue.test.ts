// Serial queues: order, isolation of failures, independence of keys, and nothing kept for idle keys.
import { describe, expect, it } from 'vitest';
import { createKeyedSerialQueue, createSerialQueue } from './serial-queue.js';
import { deferred, delay } from './test-support/mcp-test-client.js';

describe('createSerialQueue', () => {
  it('runs tasks one at a time in the order they were queued, whatever their durations', async () => {
    const queue = createSerialQueue();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await delay(ms);
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      queue.run(task('a', 30)),
      queue.run(task('b', 0)),
      queue.run(task('c', 10)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('rejects a failed task to its caller and still runs the next one', async () => {
    const queue = createSerialQueue();
    const failed = queue.run(() => Promise.reject(new Error('boom')));
    const next = queue.run(async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });

  it('counts the tasks not yet settled', async () => {
    const queue = createSerialQueue();
    const gate = deferred();
    const first = queue.run(() => gate.promise);
    const second = queue.run(async () => undefined);
    expect(queue.size).toBe(2);
    gate.resolve();
    await first;
    expect(queue.size).toBe(1);
    await second;
    expect(queue.size).toBe(0);
  });
});

describe('createKeyedSerialQueue', () => {
  it('runs different keys concurrently while one key waits', async () => {
    const queues = createKeyedSerialQueue();
    const gate = deferred();
    const held = queues.run('session-a', () => gate.promise.then(() => 'a'));
    await expect(queues.run('session-b', async () => 'b')).resolves.toBe('b');
    const behind = queues.run('session-a', async () => 'a2');
    let behindDone = false;
    void behind.then(() => {
      behindDone = true;
    });
    await delay(10);
    expect(behindDone).toBe(false);
    gate.resolve();
    await expect(Promise.all([held, behind])).resolves.toEqual(['a', 'a2']);
  });

  it('keeps nothing for a key once its tasks have settled', async () => {
    const queues = createKeyedSerialQueue();
    const gate = deferred();
    const running = queues.run('session-a', () => gate.promise);
    expect(queues.activeKeys).toBe(1);
    gate.resolve();
    await running;
    expect(queues.activeKeys).toBe(0);
    await queues.run('session-a', () => Promise.reject(new Error('boom'))).catch(() => undefined);
    expect(queues.activeKeys).toBe(0);
  });
});
