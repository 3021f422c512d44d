// The rate limit's token bucket and the JSON content-type rule, as tables.
import { describe, expect, it } from 'vitest';
import { isJsonContentType } from './browser-guard.js';
import { createRateLimiter } from './rate-limit.js';

describe('createRateLimiter', () => {
  it('lets a burst through, then refills at the per-minute rate', () => {
    let now = 0;
    const limiter = createRateLimiter({ requestsPerMinute: 60, burst: 2, now: () => now });
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 500;
    expect(limiter.take('k').allowed).toBe(false);
    now += 500;
    expect(limiter.take('k').allowed).toBe(true);
  });

  it('keeps one bucket per caller', () => {
    const limiter = createRateLimiter({ requestsPerMinute: 1, burst: 1, now: () => 0 });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('b').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('defaults the burst to ten seconds of the rate', () => {
    expect(createRateLimiter({ requestsPerMinute: 600 }).burst).toBe(100);
    expect(createRateLimiter({ requestsPerMinute: 3 }).burst).toBe(1);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a rate of %d as CONFIG_INVALID', (rate) => {
    expect(() => createRateLimiter({ requestsPerMinute: rate })).toThrow(/positive number/);
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/merge-patch+json', true],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['application/jsonx', false],
    [undefined, false],
  ])('%s → %s', (type, expected) => {
    expect(isJsonContentType(type)).toBe(expected);
  });
});
