// The shape of messages handed to add(): validated once here, at the edge.
import { z } from 'zod';
import { metadataSchema } from '../core/metadata.js';
import { messageRoles } from '../core/records.js';
import { timeInputSchema } from '../core/time-input.js';
import { textSchema } from '../core/validate.js';

/** Largest single message Mnemo accepts (characters). Bigger inputs are rejected, not truncated. */
export const MAX_MESSAGE_CHARS = 100_000;
/** Most messages accepted in one add() call. */
export const MAX_MESSAGES_PER_ADD = 1_000;

/** The text of a message: trimmed, not empty, at most `MAX_MESSAGE_CHARS`, no NUL or lone surrogate. */
export const messageContentSchema = textSchema.trim().min(1, 'must not be empty').max(MAX_MESSAGE_CHARS);

export const messageInputSchema = z
  .object({
    role: z.enum(messageRoles).default('user'),
    content: messageContentSchema,
    name: textSchema.trim().min(1).max(200).optional(),
    observedAt: timeInputSchema.optional(),
    metadata: metadataSchema.optional(),
  })
  .strict();

export type MessageInput = z.input<typeof messageInputSchema>;
export type ParsedMessageInput = z.output<typeof messageInputSchema>;

/** A string or a list of messages; a string is one user message. */
export const addContentSchema = z.union([
  messageContentSchema,
  z.array(messageInputSchema).min(1, 'needs at least one message').max(MAX_MESSAGES_PER_ADD),
]);
