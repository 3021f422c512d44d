import { describe, expect, it } from 'vitest';
import { createCallTimer, timeMethods } from './call-timer.js';

class Counter {
  value = 0;
  async add(amount: number): Promise<number> {
    this.value += amount;
    return this.value;
  }
  peek(): number {
    return this.value;
  }
}

describe('timeMethods', () => {
  it('counts calls of the named methods and leaves results and `this` intact', async () => {
    const timer = createCallTimer();
    const counter = timeMethods(new Counter(), ['add'], timer);
    expect(await counter.add(2)).toBe(2);
    expect(await counter.add(3)).toBe(5);
    expect(counter.peek()).toBe(5);
    const snapshot = timer.snapshot();
    expect(snapshot.add?.calls).toBe(2);
    expect(snapshot.add?.totalMs).toBeGreaterThanOrEqual(0);
    expect(snapshot.peek).toBeUndefined();
  });

  it('records a call that rejects, and passes the rejection on', async () => {
    const timer = createCallTimer();
    const target = timeMethods({ fail: async () => Promise.reject(new Error('boom')) }, ['fail'], timer);
    await expect(target.fail()).rejects.toThrow('boom');
    expect(timer.snapshot().fail?.calls).toBe(1);
  });

  it('starts from zero after reset()', async () => {
    const timer = createCallTimer();
    const counter = timeMethods(new Counter(), ['add'], timer);
    await counter.add(1);
    timer.reset();
    expect(timer.snapshot()).toEqual({});
  });
});
