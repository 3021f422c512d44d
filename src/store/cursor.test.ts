// Tests for the opaque cursor codec.
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.js';

describe('cursor codec', () => {
  it('round-trips a sort key through an opaque base64url string', () => {
    const cursor = encodeCursor([1_700_000_000_000, 'id-1']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 2)).toEqual([1_700_000_000_000, 'id-1']);
  });

  it.each([
    ['not json', 'garbage!'],
    ['wrong length', encodeCursor([1])],
    ['wrong element type', Buffer.from(JSON.stringify([{}, 1])).toString('base64url')],
  ])('rejects a cursor that is %s with INVALID_INPUT', (_label, cursor) => {
    expect(() => decodeCursor(cursor, 2)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
