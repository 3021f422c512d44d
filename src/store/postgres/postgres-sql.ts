// Row ⇄ record mapping and Scope/MemoryFilter → SQL for the PostgreSQL store (numbered parameters).
import { type Scope, type ScopeAccess, userLevelOf, visibleScopePatterns } from '../../core/scope.js';
import type { MemoryFilter } from '../memory-store.js';
import type { HistoryColumns, MemoryColumns, MessageColumns } from '../sql/rows.js';
import { exactStep, maxAbsolute, unitVector } from '../vector-scale.js';

/** Collects positional parameters and hands out `$n` placeholders. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A memory row of the PostgreSQL store: the shared columns and its tokens (text[]). */
export interface MemoryRow extends MemoryColumns {
  tokens: string[];
}

export type MessageRow = MessageColumns;
export type HistoryRow = HistoryColumns;

export const MEMORY_COLUMNS =
  'm.id, m.tenant_id, m.user_id, m.agent_id, m.session_id, m.kind, m.text, m.index_text, m.attributes, m.metadata, ' +
  'm.importance, m.confidence, m.source, m.observed_at, m.valid_from, m.valid_to, m.created_at, m.retired_at, ' +
  'm.superseded_by, m.supersedes, m.expires_at, m.access_count, m.last_accessed_at, m.archived_at, m.embedding_model, m.hash, m.tokens';

/** The four scope columns of a write, with '' for levels the scope leaves out. */
export function scopeColumns(scope: Scope): [string, string, string, string] {
  return [scope.tenantId, userLevelOf(scope) ?? '', scope.agentId ?? '', scope.sessionId ?? ''];
}

/**
 * The visibility rule (core/scope.ts `visibleScopePatterns`) as SQL over the scope columns of `alias`:
 * one AND per pattern, OR'ed ('' stores an absent level).
 */
export function visibleSql(
  alias: string,
  scope: Scope,
  params: SqlParams,
  access: ScopeAccess = 'read',
): string {
  const tenant = params.add(scope.tenantId);
  const patterns = visibleScopePatterns(scope, access).map((pattern) => {
    const clauses = [`${alias}.tenant_id = ${tenant}`];
    for (const [column, value] of [
      ['user_id', pattern.userId],
      ['agent_id', pattern.agentId],
      ['session_id', pattern.sessionId],
    ] as const) {
      if (value !== undefined) clauses.push(`${alias}.${column} = ${params.add(value ?? '')}`);
    }
    return `(${clauses.join(' AND ')})`;
  });
  return `(${patterns.join(' OR ')})`;
}

/**
 * Containment, not visibility: `alias.tenant_id = $n AND …` for every level the scope names — the scope and
 * everything below it (forgetScope, usage, stats, dumps, the message log).
 */
export function scopeSql(alias: string, scope: Scope, params: SqlParams): string {
  const clauses = [`${alias}.tenant_id = ${params.add(scope.tenantId)}`];
  const userLevel = userLevelOf(scope);
  if (userLevel !== undefined) clauses.push(`${alias}.user_id = ${params.add(userLevel)}`);
  if (scope.agentId !== undefined) clauses.push(`${alias}.agent_id = ${params.add(scope.agentId)}`);
  if (scope.sessionId !== undefined) clauses.push(`${alias}.session_id = ${params.add(scope.sessionId)}`);
  return clauses.join(' AND ');
}

/** The documented MemoryFilter semantics over alias `m` (same as the SQLite path). */
export function filterSql(filter: MemoryFilter, params: SqlParams): string {
  const clauses = [`(m.expires_at IS NULL OR m.expires_at > ${params.add(filter.now)})`];
  if (filter.knownAt !== undefined) clauses.push(`m.created_at <= ${params.add(filter.knownAt)}`);
  if (!filter.includeHistory) {
    const known = params.add(filter.knownAt ?? filter.now);
    // The end of the memory's validity as known at `known` (see matchesMemoryFilter).
    const end = `(CASE WHEN m.retired_at > ${known} THEN NULL ELSE COALESCE(m.valid_to, m.retired_at) END)`;
    if (filter.asOf !== undefined) {
      const at = params.add(filter.asOf);
      clauses.push(`COALESCE(m.valid_from, m.observed_at) <= ${at}`, `(${end} IS NULL OR ${end} > ${at})`);
    } else {
      clauses.push(`m.observed_at <= ${known}`, `(${end} IS NULL OR ${end} > ${known})`);
    }
  }
  if (filter.kinds !== undefined) clauses.push(`m.kind = ANY(${params.add(filter.kinds)}::text[])`);
  if (filter.observedFrom !== undefined) clauses.push(`m.observed_at >= ${params.add(filter.observedFrom)}`);
  if (filter.observedTo !== undefined) clauses.push(`m.observed_at <= ${params.add(filter.observedTo)}`);
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    // jsonb containment compares type and value exactly, like the SQLite json_type checks.
    clauses.push(`m.metadata @> ${params.add(JSON.stringify({ [key]: value }))}::jsonb`);
  }
  return clauses.join(' AND ');
}

/**
 * pgvector's text form of a vector as stored (`halfvec`): scaled by its own step, so small integer ratios
 * (count vectors) are exact and any other vector keeps about three significant digits per component.
 */
export function vectorLiteral(vector: Float32Array): string {
  const step = exactStep(vector, 2048) ?? (maxAbsolute(vector) || 1);
  return `[${Array.from(vector, (value) => value / step).join(',')}]`;
}

/** A stored vector read back from its text form, unit length (stored vectors are scaled, see vectorLiteral). */
export function parseVectorLiteral(text: string): Float32Array {
  return unitVector(text.slice(1, -1).split(',').map(Number));
}

export const HISTORY_COLUMNS =
  'h.rid, h.id, h.memory_id, h.tenant_id, h.user_id, h.agent_id, h.session_id, h.event, h.before_json, h.after_json, h.at, h.actor, h.reason';
