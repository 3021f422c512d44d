// Reads a dataset or import file as text, gunzipping `.gz` (detected by its magic bytes).
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { invalidInput } from '../../core/errors.js';

/**
 * Reads a file as UTF-8 text; gzip content (any name) is decompressed.
 *
 * @example
 * const text = await readDatasetText('data/longmemeval_s.json.gz');
 */
export async function readDatasetText(path: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw invalidInput(`cannot read ${path}: ${(error as Error).message}`, { path }, error);
  }
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  return (gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
}

/** Reads and parses a JSON file (gzip allowed); a parse failure is INVALID_INPUT. */
export async function readDatasetJson(path: string): Promise<unknown> {
  const text = await readDatasetText(path);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidInput(`${path} is not valid JSON: ${(error as Error).message}`, { path }, error);
  }
}
