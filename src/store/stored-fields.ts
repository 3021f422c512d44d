// Compact stored forms of two memory fields, exact both ways: the index text without the copy of the text it
// usually contains, and the content hash as bytes when it is hex.
//
// Index text: an episode's index text is `speaker: text`, its neighbours' context and dates, so it repeats
// the memory's text. Stored as `\u0001<before>\u0001<after>` when the text occurs in it (and it holds no
// `\u0001`); an index text that starts with `\u0001` or `\u0002` is stored behind a `\u0002`; any other as is.
// Episode text: an episode's text is the content of the message it indexes; stored as `\u0001` when equal
// (read back through the message), other texts as is, behind a `\u0002` when they start with either mark.
// Hash: the sha256 hex digest (64 lower-case hex characters) as its 32 bytes; any other string as is.

const CUT = '\u0001';
const ESCAPE = '\u0002';

/**
 * The stored form of `indexText` for a memory whose text is `text`.
 *
 * @example
 * encodeIndexText('likes tea', 'Ann: likes tea 2024'); // '\u0001Ann: \u0001 2024'
 */
export function encodeIndexText(text: string, indexText: string): string {
  const at = text.length > 2 && !indexText.includes(CUT) ? indexText.indexOf(text) : -1;
  if (at >= 0) return `${CUT}${indexText.slice(0, at)}${CUT}${indexText.slice(at + text.length)}`;
  const leading = indexText.startsWith(ESCAPE) || indexText.startsWith(CUT);
  return leading ? `${ESCAPE}${indexText}` : indexText;
}

/**
 * The index text a stored form stands for.
 *
 * @example
 * decodeIndexText('likes tea', '\u0001Ann: \u0001 2024'); // 'Ann: likes tea 2024'
 */
export function decodeIndexText(text: string, stored: string): string {
  if (stored.startsWith(ESCAPE)) return stored.slice(1);
  if (!stored.startsWith(CUT)) return stored;
  const cut = stored.indexOf(CUT, 1);
  return `${stored.slice(1, cut)}${text}${stored.slice(cut + 1)}`;
}

/**
 * The stored form of a memory's text, given the content of the message an episode indexes (else undefined).
 *
 * @example
 * encodeText('Yes!', 'Yes!'); // '\u0001'
 */
export function encodeText(text: string, messageContent: string | undefined): string {
  if (messageContent !== undefined && text === messageContent) return CUT;
  const leading = text.startsWith(ESCAPE) || text.startsWith(CUT);
  return leading ? `${ESCAPE}${text}` : text;
}

/**
 * The text a stored form stands for, given the content of the episode's message when it was read along.
 *
 * @example
 * decodeText('\u0001', 'Yes!'); // 'Yes!'
 */
export function decodeText(stored: string, messageContent: string | null | undefined): string {
  if (stored === CUT) return messageContent ?? '';
  return stored.startsWith(ESCAPE) ? stored.slice(1) : stored;
}

const HEX_DIGEST = /^[0-9a-f]{64}$/;

/**
 * The stored form of a content hash: 32 bytes for a sha256 hex digest, else the string.
 *
 * @example
 * encodeHash('ab'.repeat(32)).length; // 32
 */
export function encodeHash(hash: string): string | Buffer {
  return HEX_DIGEST.test(hash) ? Buffer.from(hash, 'hex') : hash;
}

/** The hash a stored form stands for. */
export function decodeHash(stored: string | Buffer): string {
  return typeof stored === 'string' ? stored : stored.toString('hex');
}
