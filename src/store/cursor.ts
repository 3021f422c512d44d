// Opaque pagination cursors: base64url JSON of the last row's sort key, shared by every store backend.
import { invalidInput } from '../core/errors.js';

export type CursorKey = Array<string | number>;

/**
 * Encodes a sort key into an opaque cursor.
 *
 * @example
 * const cursor = encodeCursor([1700000000000, 'id-1']);
 * decodeCursor(cursor, 2); // [1700000000000, 'id-1']
 */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by `encodeCursor`, checking it holds `length` strings or numbers.
 *
 * @example
 * decodeCursor(encodeCursor([5, 'a']), 2); // [5, 'a']
 */
export function decodeCursor(cursor: string, length: number): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalidInput(
      'The cursor is not valid; pass back a nextCursor returned by the store.',
      { cursor },
      error,
    );
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== length ||
    !parsed.every((value) => typeof value === 'string' || typeof value === 'number')
  ) {
    throw invalidInput('The cursor is not valid; pass back a nextCursor returned by the store.', { cursor });
  }
  return parsed as CursorKey;
}
