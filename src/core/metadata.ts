// The metadata a caller attaches to messages and memories, and the filter that matches it: validated once.
import { z } from 'zod';
import { boundedJson, metadataLimits, textSchema } from './validate.js';

/** A metadata key: 1-128 characters of valid text. */
const metadataKey = textSchema.min(1).max(128);
const metadataValue = z.union([textSchema, z.number().finite(), z.boolean(), z.null()]);

/**
 * Metadata: a JSON object of at most 32 levels and 16 KiB, every key and string valid text. Checked without
 * recursion before `z.json()` (which recurses) sees it.
 *
 * @example
 * parseInput(metadataSchema, { source: 'slack', thread: { id: 7 } }, 'metadata');
 */
export const metadataSchema = boundedJson(metadataLimits, z.record(metadataKey, z.json()));

/**
 * A metadata filter: flat key → scalar pairs matched exactly.
 *
 * @example
 * parseInput(metadataFilterSchema, { source: 'slack' }, 'metadata filter');
 */
export const metadataFilterSchema = z.record(metadataKey, metadataValue);
