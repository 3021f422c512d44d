// What MCP tools hand back: memory summaries, rendered text, and tool results (success or MnemoError).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorCode } from '../../core/errors.js';
import type { JsonObject, MemoryKind, MemoryRecord } from '../../core/records.js';
import { errorResponse } from '../rest/error-response.js';

/** The fields of a memory an agent needs; internal ones (index text, hash, embedding key) stay out. */
export interface MemorySummary {
  id: string;
  kind: MemoryKind;
  text: string;
  /** When it was said or observed, ISO-8601 UTC. */
  observedAt: string;
  userId?: string;
  agentId?: string;
  sessionId?: string;
  /** Set when the memory lives in a shared space rather than a user's scope. */
  spaceId?: string;
  importance: number;
  metadata: JsonObject;
  attributedTo?: string;
  validFrom?: string;
  validTo?: string;
  retiredAt?: string;
  supersededBy?: string;
  supersedes?: string;
}

/** What a tool produced: a text for the model and the same data as structured content. */
export interface ToolOutput {
  text: string;
  structured: Record<string, unknown>;
}

/**
 * Projects a MemoryRecord onto what an agent sees.
 *
 * @example
 * summarizeMemory(record); // { id, kind: 'episode', text: 'I moved to Lisbon', observedAt: '2024-05-10T…', … }
 */
export function summarizeMemory(record: MemoryRecord): MemorySummary {
  const summary: MemorySummary = {
    id: record.id,
    kind: record.kind,
    text: record.text,
    observedAt: record.observedAt,
    importance: record.importance,
    metadata: record.metadata,
  };
  const optional = {
    userId: record.scope.userId,
    agentId: record.scope.agentId,
    sessionId: record.scope.sessionId,
    spaceId: record.scope.spaceId,
    attributedTo: record.source.attributedTo,
    validFrom: record.validFrom,
    validTo: record.validTo,
    retiredAt: record.retiredAt,
    supersededBy: record.supersededBy,
    supersedes: record.supersedes,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (summary as unknown as Record<string, unknown>)[key] = value;
  }
  return summary;
}

/**
 * One line per memory: `- [id · 2024-05-10] text`, plus where it came from when that is a shared space
 * (`· space:research`), and a score or a "retired" mark when given.
 *
 * @example
 * renderMemoryLine(summary, { score: 0.42 }); // '- [0193… · 2024-05-10] I moved to Lisbon (score 0.420)'
 */
export function renderMemoryLine(memory: MemorySummary, options: { score?: number } = {}): string {
  const text = memory.text.replace(/\s+/g, ' ').trim();
  const score = options.score === undefined ? '' : ` (score ${options.score.toFixed(3)})`;
  const retired = memory.retiredAt === undefined ? '' : ` [retired ${memory.retiredAt.slice(0, 10)}]`;
  const space = memory.spaceId === undefined ? '' : ` · space:${memory.spaceId}`;
  return `- [${memory.id} · ${memory.observedAt.slice(0, 10)}${space}] ${text}${score}${retired}`;
}

/** Wraps a tool's output as a successful MCP result (text content plus structured content). */
export function toolSuccess(output: ToolOutput): CallToolResult {
  return { content: [{ type: 'text', text: output.text }], structuredContent: output.structured };
}

/** Called with every error a client only sees as INTERNAL, for logging. */
export type InternalErrorLogger = (error: unknown) => void;

/**
 * The public face of an error, exactly as REST answers it: stable codes keep their message and details;
 * anything else (an unknown error, STORE_FAILED, a bug) becomes INTERNAL with a message that says nothing
 * about internals, and goes to `onInternalError`.
 *
 * @example
 * publicError(new Error('Invalid time value')); // { code: 'INTERNAL', message: 'The server failed to handle this request; see its log.' }
 */
export function publicError(
  error: unknown,
  onInternalError?: InternalErrorLogger,
): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
  const { status, body } = errorResponse(error);
  if (status >= 500 && body.error.code === 'INTERNAL') onInternalError?.(error);
  return body.error;
}

/**
 * Turns anything thrown into an MCP tool error carrying the stable MnemoError code, so the agent can
 * react (fix its arguments on INVALID_INPUT, stop on FORBIDDEN) instead of the server failing the call.
 * Codes and messages are REST's (`publicError`): internal failures never show their text.
 *
 * @example
 * toolError(invalidInput('limit must be at most 50')); // { isError: true, content: [{ text: 'INVALID_INPUT: …' }], … }
 */
export function toolError(error: unknown, onInternalError?: InternalErrorLogger): CallToolResult {
  const body = publicError(error, onInternalError);
  return {
    isError: true,
    content: [{ type: 'text', text: `${body.code}: ${body.message}` }],
    structuredContent: { error: body },
  };
}
