// The shape of messages handed to add(): validated once here, at the edge.
import { z } from 'zod';
import { messageRoles } from '../core/records.js';
import { timeInputSchema } from '../core/time-input.js';

/** Largest single message Mnemo accepts (characters). Bigger inputs are rejected, not truncated. */
export const MAX_MESSAGE_CHARS = 100_000;
/** Most messages accepted in one add() call. */
export const MAX_MESSAGES_PER_ADD = 1_000;

const metadataValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const metadataSchema = z
  .record(z.string().min(1).max(128), z.json())
  .refine((value) => JSON.stringify(value).length <= 16_384, 'metadata must serialise to at most 16 KiB');
export const metadataFilterSchema = z.record(z.string().min(1).max(128), metadataValue);

export const messageInputSchema = z.object({
  role: z.enum(messageRoles).default('user'),
  content: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_MESSAGE_CHARS)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters'),
  name: z.string().trim().min(1).max(200).optional(),
  observedAt: timeInputSchema.optional(),
  metadata: metadataSchema.optional(),
});

export type MessageInput = z.input<typeof messageInputSchema>;
export type ParsedMessageInput = z.output<typeof messageInputSchema>;

/** A string or a list of messages; a string is one user message. */
export const addContentSchema = z.union([
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_MESSAGE_CHARS)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters'),
  z.array(messageInputSchema).min(1, 'needs at least one message').max(MAX_MESSAGES_PER_ADD),
]);
