// Row-mapping helpers shared by every SQL backend: scope columns with '' for absent levels, ms ⇄ ISO.
import { type Scope, scopeFromLevels } from '../core/scope.js';

/** The four scope columns of a row ('' for an absent level). */
export interface ScopeColumns {
  tenant_id: string;
  user_id: string;
  agent_id: string;
  session_id: string;
}

/** The scope a row belongs to; '' in a level column means the level is absent. */
export function scopeOfRow(row: ScopeColumns): Scope {
  return scopeFromLevels({
    tenantId: row.tenant_id,
    userLevel: row.user_id,
    agentId: row.agent_id,
    sessionId: row.session_id,
  });
}

/** Epoch ms (or ISO) of an optional ISO time, for storage; null when absent. */
export const msOrNull = (value: string | undefined): number | null =>
  value === undefined ? null : Date.parse(value);

/** Keeps only index-safe token text (letters, digits, underscore), lower-cased; splits anything else. */
export function cleanTokens(tokens: string[]): string[] {
  return tokens.flatMap((token) => token.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);
}
