import { describe, expect, it } from 'vitest';
import { createUuidV7Generator, isUuid } from './ids.js';

describe('createUuidV7Generator', () => {
  it('makes version-7, variant-1 UUIDs carrying the timestamp', () => {
    const id = createUuidV7Generator(() => 0x0190f3a0b1c2)();
    expect(isUuid(id)).toBe(true);
    expect(id.slice(0, 13)).toBe('0190f3a0-b1c2');
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('is strictly increasing within one millisecond and when the clock goes back', () => {
    let now = 1_700_000_000_000;
    const next = createUuidV7Generator(() => now);
    const ids: string[] = [];
    for (let index = 0; index < 5000; index++) {
      if (index === 2500) now -= 10;
      ids.push(next());
    }
    const sorted = [...ids].sort();
    expect(sorted).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
