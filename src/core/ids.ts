// UUIDv7 ids (RFC 9562): time-ordered, so ids sort by creation and index well.
import { randomBytes } from 'node:crypto';

export type IdGenerator = () => string;

const hex: string[] = Array.from({ length: 256 }, (_, index) => index.toString(16).padStart(2, '0'));

/**
 * Creates a UUIDv7 generator. Ids from one generator are strictly increasing even within one
 * millisecond (a 12-bit counter in `rand_a`, as RFC 9562 §6.2 method 1 allows).
 */
export function createUuidV7Generator(now: () => number = Date.now): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  return () => {
    let ms = now();
    if (ms <= lastMs) {
      counter += 1;
      if (counter > 0xfff) {
        lastMs += 1;
        counter = 0;
      }
      ms = lastMs;
    } else {
      lastMs = ms;
      counter = randomBytes(1)[0]! & 0x7f;
    }
    const bytes = randomBytes(16);
    bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
    bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
    bytes[2] = (ms >>> 24) & 0xff;
    bytes[3] = (ms >>> 16) & 0xff;
    bytes[4] = (ms >>> 8) & 0xff;
    bytes[5] = ms & 0xff;
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | (bytes[8]! & 0x3f);
    let out = '';
    for (let index = 0; index < 16; index++) {
      if (index === 4 || index === 6 || index === 8 || index === 10) out += '-';
      out += hex[bytes[index]!];
    }
    return out;
  };
}

export const uuidV7: IdGenerator = createUuidV7Generator();

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
