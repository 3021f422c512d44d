// Tests for the content hash (duplicates) and the text hash (embedding-cache key).
import { describe, expect, it } from 'vitest';
import { contentHash, hashText } from './hashing.js';

describe('contentHash', () => {
  it('hashes content case- and whitespace-insensitively, per kind', () => {
    expect(contentHash('fact', 'I like  Tea')).toBe(contentHash('fact', 'i like tea'));
    expect(contentHash('fact', 'I like tea')).not.toBe(contentHash('episode', 'I like tea'));
  });
});

describe('hashText', () => {
  it('is the sha256 hex of the UTF-8 text, so a changed character is another key', () => {
    expect(hashText('hello')).toBe('2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
    expect(hashText('café')).not.toBe(hashText('cafe'));
  });
});
