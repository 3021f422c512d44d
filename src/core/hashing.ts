// Content hashes: duplicate detection (`contentHash`) and the embedding-cache key (`hashText`), written once.
import { createHash } from 'node:crypto';

/**
 * sha256 of kind + whitespace-normalised, lower-cased text: equal hashes mean duplicate content.
 *
 * @example
 * contentHash('fact', 'I like  Tea') === contentHash('fact', 'i like tea') // true
 */
export function contentHash(kind: string, text: string): string {
  return createHash('sha256')
    .update(`${kind}\u0000${text.trim().replace(/\s+/g, ' ').toLowerCase()}`)
    .digest('hex');
}

/**
 * The embedding-cache key of a text: sha256 of its UTF-8 bytes, in hex. The cached embedder stores under
 * it and the store erases a forgotten text's cached embedding with it, so both must use this function.
 *
 * @example
 * hashText('hello') // '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'
 */
export function hashText(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
