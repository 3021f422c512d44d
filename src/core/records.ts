// Domain records: Message (the immutable episodic log), MemoryRecord, HistoryEntry.
import type { Scope } from './scope.js';

export const memoryKinds = [
  'episode',
  'fact',
  'profile',
  'procedure',
  'core',
  'summary',
  'insight',
  'resource',
] as const;
export type MemoryKind = (typeof memoryKinds)[number];

export const messageRoles = ['user', 'assistant', 'system', 'tool'] as const;
export type MessageRole = (typeof messageRoles)[number];

export const origins = ['user', 'assistant', 'tool', 'system', 'import'] as const;
export type Origin = (typeof origins)[number];

export const trustLevels = ['high', 'medium', 'low'] as const;
export type Trust = (typeof trustLevels)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One logged message. Immutable once written; `seq` orders messages within a scope+session. */
export interface Message {
  id: string;
  scope: Scope;
  role: MessageRole;
  /** Who spoke (a person's or tool's name), when known. */
  name?: string;
  content: string;
  /** When the message was said, ISO-8601 UTC. */
  observedAt: string;
  /** Position in the session's log, starting at 1. */
  seq: number;
  metadata: JsonObject;
  /** When Mnemo stored it, ISO-8601 UTC. */
  createdAt: string;
}

/** Where a memory came from. Recalled memory is data for the model, never instructions. */
export interface Provenance {
  messageIds: string[];
  /** The person or agent the content is attributed to. */
  attributedTo?: string;
  origin: Origin;
  trust: Trust;
}

/** A grounded date mention: the phrase, and the absolute interval it denotes. */
export interface GroundedDate {
  /** The words in the text, e.g. "last March". */
  text: string;
  /** Inclusive start, ISO date `YYYY-MM-DD`. */
  start: string;
  /** Inclusive end, ISO date `YYYY-MM-DD`. */
  end: string;
  granularity: 'day' | 'week' | 'month' | 'year';
  /** A readable absolute label, e.g. "March 2024" or "10 May 2024". */
  label: string;
}

export interface MemoryRecord {
  id: string;
  scope: Scope;
  kind: MemoryKind;
  /** The memory as a person would read it. */
  text: string;
  /** What was indexed for search: the text plus speaker, grounded dates and entities. */
  indexText: string;
  /** Derived, structured facts about the memory (speaker, dates, entities, role, seq, …). */
  attributes: JsonObject;
  /** Caller-supplied metadata; filterable in search and list. */
  metadata: JsonObject;
  /** 0..1, how much it matters. */
  importance: number;
  /** 0..1, how sure Mnemo is that it is right. */
  confidence: number;
  source: Provenance;
  /** When it was said or observed, ISO-8601 UTC. */
  observedAt: string;
  /** When it became true in the world, when known. */
  validFrom?: string;
  /** When it stopped being true in the world, when known. */
  validTo?: string;
  /** When Mnemo stored it. */
  createdAt: string;
  /** When Mnemo retired it (superseded or invalidated). */
  retiredAt?: string;
  /** The memory that replaced this one. */
  supersededBy?: string;
  /** The memory this one replaced. */
  supersedes?: string;
  /** After this instant the memory is hidden, then purged. */
  expiresAt?: string;
  accessCount: number;
  lastAccessedAt?: string;
  /**
   * When upkeep archived it (its strength faded below the threshold): hidden from default reads like a
   * retired memory, kept with its history, restorable (`memory.restore`).
   */
  archivedAt?: string;
  /** `provider:model:dimensions` of the embedder that embedded it, when embedded. */
  embeddingModel?: string;
  /** sha256 of kind + normalised text, for dedupe. */
  hash: string;
}

export const historyEvents = [
  'add',
  'supersede',
  'invalidate',
  'update',
  'forget',
  'restore',
  'expire',
  'merge',
  'unmerge',
  'archive',
] as const;
export type HistoryEvent = (typeof historyEvents)[number];

/** One change to one memory. `before`/`after` are snapshots; a forget leaves only a tombstone. */
export interface HistoryEntry {
  id: string;
  memoryId: string;
  scope: Scope;
  event: HistoryEvent;
  before?: MemoryRecord;
  after?: MemoryRecord;
  at: string;
  actor: string;
  reason?: string;
}

/**
 * One entry of a session's working memory: a scratchpad the agent keeps while it works (a plan, variables,
 * intermediate results). It belongs to exactly one scope (tenant, user, agent, session) and is not part
 * of long-term memory: never searched, never exported, erased with its session.
 */
export interface WorkingEntry {
  key: string;
  value: JsonValue;
  scope: Scope;
  /** ISO-8601 UTC. */
  createdAt: string;
  updatedAt: string;
  /** After this instant the entry is gone. */
  expiresAt?: string;
}

/** A page of results; pass `nextCursor` back to continue. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/** What model work cost: LLM calls and tokens, embedding calls, time. Returned by every write. */
export interface Usage {
  llmCalls: number;
  inputTokens: number;
  outputTokens: number;
  embeddingCalls: number;
  latencyMs: number;
}

/** Usage accumulated by a scope (summed over every narrower scope inside it). */
export interface UsageTotals extends Usage {
  /** When the first usage inside the scope was recorded, ISO-8601 UTC (absent when none was). */
  firstAt?: string;
  /** When the latest usage was recorded. */
  lastAt?: string;
}
