// Turns an import file (JSONL messages or dump rows, LoCoMo, LongMemEval) into validated write steps, each
// with a deterministic idempotency key.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { grantRoles, grantTargetSchema, principalRefSchema } from '../core/access.js';
import { invalidInput } from '../core/errors.js';
import { parseScope, type ScopeInput, scopeSchema } from '../core/scope.js';
import { locomoConversationMessages, looksLikeLocomo, parseLocomo } from '../eval/datasets/locomo.js';
import {
  longMemEvalHaystackMessages,
  looksLikeLongMemEval,
  parseLongMemEval,
} from '../eval/datasets/longmemeval.js';
import { readDatasetText } from '../eval/datasets/read-dataset-file.js';
import { MAX_MESSAGES_PER_ADD, type MessageInput, messageInputSchema } from '../ingest/message-input.js';
import type { StoreDumpRow } from '../store/memory-store.js';

export const importFormats = ['jsonl', 'locomo', 'longmemeval'] as const;
export type ImportFormat = (typeof importFormats)[number];

/** One write: messages added to a scope, or dump rows restored verbatim. */
export type ImportStep =
  | { kind: 'add'; scope: ScopeInput; messages: MessageInput[] }
  | { kind: 'restore'; rows: StoreDumpRow[] };

export interface ImportPlan {
  format: ImportFormat;
  steps: ImportStep[];
  /** Messages plus dump rows: the progress bar's total. */
  total: number;
  /**
   * sha256 of the file's content, its format and the scope flags: with the step index, the idempotency
   * key of each add step, so a re-run of a killed import adds each record once.
   */
  fingerprint: string;
}

const scopeLineSchema = z.object({
  tenantId: z.string().optional(),
  userId: z.string().optional(),
  agentId: z.string().optional(),
  sessionId: z.string().optional(),
});
const messageLineSchema = messageInputSchema.extend(scopeLineSchema.shape);

const idPart = scopeSchema.shape.userId.unwrap();
const isoTime = z.iso.datetime();
const dumpRowSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('space'),
    space: z.object({
      id: idPart,
      tenantId: idPart,
      name: z.string().min(1).max(200),
      description: z.string().max(2000).optional(),
      createdAt: isoTime,
    }),
  }),
  z.object({
    type: z.literal('grant'),
    grant: z.object({
      tenantId: idPart,
      principal: principalRefSchema,
      target: grantTargetSchema,
      role: z.enum(grantRoles),
      createdAt: isoTime,
    }),
  }),
  z.object({ type: z.literal('message'), message: z.object({ id: z.string() }).loose() }),
  z
    .object({
      type: z.literal('memory'),
      memory: z.object({ id: z.string() }).loose(),
      tokens: z.array(z.string()),
    })
    .loose(),
  z.object({ type: z.literal('history'), entry: z.object({ id: z.string() }).loose() }),
]);

const RESTORE_BATCH = 500;

/**
 * Reads and validates a whole import file before anything is written, so bad input changes nothing.
 *
 * @example
 * const plan = await planImport({ path: 'export.jsonl', scope: { userId: 'alice' } });
 */
export async function planImport(input: {
  path: string;
  format?: ImportFormat | undefined;
  scope: ScopeInput;
}): Promise<ImportPlan> {
  const text = await readDatasetText(input.path);
  const format = input.format ?? detectFormat(text, input.path);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ format, scope: input.scope }))
    .update('\u0000')
    .update(text)
    .digest('hex');
  if (format === 'jsonl') return { ...planJsonl(text, input.scope), fingerprint };
  const value = parseJson(text, input.path);
  const plan = format === 'locomo' ? planLocomo(value, input) : planLongMemEval(value, input);
  return { ...plan, fingerprint };
}

/**
 * The idempotency key of step `index` of a plan: the same file, format and scope flags give the same keys,
 * so re-running an import (after a kill, within 24 hours) skips the steps that were stored.
 *
 * @example
 * importStepKey(plan, 0); // 'import:3f2a…'
 */
export function importStepKey(plan: Pick<ImportPlan, 'fingerprint'>, index: number): string {
  return `import:${createHash('sha256').update(`${plan.fingerprint}:${index}`).digest('hex').slice(0, 48)}`;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidInput(`${path} is not valid JSON: ${(error as Error).message}`, { path }, error);
  }
}

/** Detects the format: JSON arrays by their fields, `.jsonl` or one-object-per-line as JSONL. */
export function detectFormat(text: string, path: string): ImportFormat {
  const trimmed = text.trimStart();
  if (/\.jsonl(\.gz)?$/i.test(path) || !trimmed.startsWith('[')) return 'jsonl';
  const value = parseJson(text, path);
  if (looksLikeLocomo(value)) return 'locomo';
  if (looksLikeLongMemEval(value)) return 'longmemeval';
  throw invalidInput(`cannot tell the format of ${path}; pass --format jsonl|locomo|longmemeval`);
}

function planJsonl(text: string, flags: ScopeInput): Omit<ImportPlan, 'fingerprint'> {
  const steps: ImportStep[] = [];
  let total = 0;
  let current: { key: string; step: Extract<ImportStep, { kind: 'add' }> } | undefined;
  let rows: StoreDumpRow[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw invalidInput(
        `${where} is not valid JSON: ${(error as Error).message}`,
        { line: index + 1 },
        error,
      );
    }
    total += 1;
    if (value !== null && typeof value === 'object' && 'type' in value) {
      const row = dumpRowSchema.safeParse(value);
      if (!row.success) throw invalidInput(`${where} is not a valid dump row: ${z.prettifyError(row.error)}`);
      current = undefined;
      rows.push(value as StoreDumpRow);
      if (rows.length >= RESTORE_BATCH) {
        steps.push({ kind: 'restore', rows });
        rows = [];
      }
      return;
    }
    if (rows.length > 0) {
      steps.push({ kind: 'restore', rows });
      rows = [];
    }
    const parsed = messageLineSchema.safeParse(value);
    if (!parsed.success)
      throw invalidInput(`${where} is not a valid message: ${z.prettifyError(parsed.error)}`);
    const { tenantId, userId, agentId, sessionId, ...message } = value as z.input<typeof messageLineSchema>;
    const scope = mergeScope(flags, { tenantId, userId, agentId, sessionId });
    parseScope(scope);
    const key = JSON.stringify(scope);
    if (
      current === undefined ||
      current.key !== key ||
      current.step.messages.length >= MAX_MESSAGES_PER_ADD
    ) {
      current = { key, step: { kind: 'add', scope, messages: [] } };
      steps.push(current.step);
    }
    current.step.messages.push(message);
  });
  if (rows.length > 0) steps.push({ kind: 'restore', rows });
  return { format: 'jsonl', steps, total };
}

function mergeScope(flags: ScopeInput, line: ScopeInput): ScopeInput {
  const scope: ScopeInput = {};
  const tenantId = line.tenantId ?? flags.tenantId;
  const userId = line.userId ?? flags.userId;
  const agentId = line.agentId ?? flags.agentId;
  const sessionId = line.sessionId ?? flags.sessionId;
  if (tenantId !== undefined) scope.tenantId = tenantId;
  if (userId !== undefined) scope.userId = userId;
  if (agentId !== undefined) scope.agentId = agentId;
  if (sessionId !== undefined) scope.sessionId = sessionId;
  return scope;
}

function chunkSteps(scope: ScopeInput, messages: MessageInput[]): ImportStep[] {
  const steps: ImportStep[] = [];
  for (let start = 0; start < messages.length; start += MAX_MESSAGES_PER_ADD) {
    steps.push({ kind: 'add', scope, messages: messages.slice(start, start + MAX_MESSAGES_PER_ADD) });
  }
  return steps;
}

function planLocomo(
  value: unknown,
  input: { path: string; scope: ScopeInput },
): Omit<ImportPlan, 'fingerprint'> {
  const steps: ImportStep[] = [];
  let total = 0;
  for (const sample of parseLocomo(value, input.path)) {
    for (const session of locomoConversationMessages(sample)) {
      if (session.messages.length === 0) continue;
      const scope = {
        ...input.scope,
        userId: input.scope.userId ?? sample.sample_id,
        sessionId: session.sessionId,
      };
      steps.push(...chunkSteps(scope, session.messages));
      total += session.messages.length;
    }
  }
  return { format: 'locomo', steps, total };
}

function planLongMemEval(
  value: unknown,
  input: { path: string; scope: ScopeInput },
): Omit<ImportPlan, 'fingerprint'> {
  const steps: ImportStep[] = [];
  let total = 0;
  for (const item of parseLongMemEval(value, input.path)) {
    for (const session of longMemEvalHaystackMessages(item)) {
      if (session.messages.length === 0) continue;
      const scope = {
        ...input.scope,
        userId: input.scope.userId ?? item.question_id,
        sessionId: session.sessionId,
      };
      steps.push(...chunkSteps(scope, session.messages));
      total += session.messages.length;
    }
  }
  return { format: 'longmemeval', steps, total };
}
