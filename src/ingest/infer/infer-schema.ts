// The JSON contract of the inference call: operations the model may return (ADD, SUPERSEDE, INVALIDATE, NOOP).
import { z } from 'zod';
import { graphFieldsSchema } from './llm-graph-facts.js';

/** Default profile topics; callers may pass their own list. */
export const defaultProfileTopics = [
  'basic_info',
  'preferences',
  'interests',
  'work',
  'relationships',
  'health',
  'goals',
] as const;

const optionalText = z.string().trim().min(1).nullish();
const turnIndexes = z.array(z.number().int().min(0)).nullish();

export const addOperationSchema = z.object({
  op: z.literal('ADD'),
  kind: z.enum(['fact', 'profile', 'procedure']),
  text: z.string().trim().min(1),
  /** Profile only: the topic (e.g. `preferences`) and slot (e.g. `food`) and the slot's value. */
  topic: optionalText,
  slot: optionalText,
  value: optionalText,
  /** When it became true: an ISO date or a phrase such as "last March". */
  validFrom: optionalText,
  importance: z.number().min(0).max(1).nullish(),
  attributedTo: optionalText,
  /** Indexes of the new turns this comes from. */
  sourceTurns: turnIndexes,
  ...graphFieldsSchema,
});

export const supersedeOperationSchema = z.object({
  op: z.literal('SUPERSEDE'),
  /** The short id of a known memory shown in the prompt. */
  id: z.number().int().min(1),
  text: z.string().trim().min(1),
  value: optionalText,
  validFrom: optionalText,
  importance: z.number().min(0).max(1).nullish(),
  sourceTurns: turnIndexes,
  ...graphFieldsSchema,
});

export const invalidateOperationSchema = z.object({
  op: z.literal('INVALIDATE'),
  id: z.number().int().min(1),
  validTo: optionalText,
  reason: z.string().trim().min(1),
  sourceTurns: turnIndexes,
});

export const noopOperationSchema = z.object({
  op: z.literal('NOOP'),
  id: z.number().int().min(1).nullish(),
  reason: z.string().nullish(),
});

export const inferOperationSchema = z.discriminatedUnion('op', [
  addOperationSchema,
  supersedeOperationSchema,
  invalidateOperationSchema,
  noopOperationSchema,
]);

export const inferResponseSchema = z.object({ operations: z.array(inferOperationSchema) });

export type AddOperation = z.infer<typeof addOperationSchema>;
export type SupersedeOperation = z.infer<typeof supersedeOperationSchema>;
export type InvalidateOperation = z.infer<typeof invalidateOperationSchema>;
export type NoopOperation = z.infer<typeof noopOperationSchema>;
export type InferOperation = z.infer<typeof inferOperationSchema>;
export type InferResponse = z.infer<typeof inferResponseSchema>;

/** What happened to one operation the model returned. */
export interface AppliedOperation {
  op: InferOperation['op'];
  /** `applied`, or why it was not: a duplicate, an id the model was not shown, a later op on the same memory. */
  status: 'applied' | 'duplicate' | 'near-duplicate' | 'unknown-id' | 'overridden' | 'noop';
  /** The memory written (ADD, SUPERSEDE) or changed (INVALIDATE). */
  memoryId?: string;
  /** The memory a SUPERSEDE/INVALIDATE targeted, or the duplicate an ADD matched. */
  targetId?: string;
  detail?: string;
}
