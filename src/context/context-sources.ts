// Gathers the agent's working set for context(): core blocks, working memory, profile, procedures,
// relevant long-term memories, the session summary and the session's recent turns.
import type { MemoryRecord, WorkingEntry } from '../core/records.js';
import { ownScope, type Scope } from '../core/scope.js';
import { getProfile, type Profile } from '../ingest/infer/get-profile.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { type SearchOptions, type SearchResult, searchMemories } from '../retrieve/search-memories.js';
import type { MemoryStore } from '../store/memory-store.js';
import { visibleCoreBlocks } from './core-blocks.js';

export interface ContextSourcesInput {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  query: string;
  scope: Scope;
  now: number;
  /** How many recent turns to consider (default 10). */
  recentTurns: number;
  /** Search relevant memories in the read scope only, not across the user's sessions. */
  sessionOnly: boolean;
  search?: SearchOptions | undefined;
}

/** Everything context() may show, before the budget is applied. */
export interface ContextSources {
  core: MemoryRecord[];
  working: WorkingEntry[];
  profile: Profile;
  profileRecords: Map<string, MemoryRecord>;
  procedures: MemoryRecord[];
  relevant: SearchResult[];
  summary: MemoryRecord[];
  /** Newest first. */
  recent: MemoryRecord[];
  warnings: string[];
}

/** Long-term memory is searched over the whole user (all sessions) and the agent, not one session. */
export function longTermScope(scope: Scope): Scope {
  if (scope.sessionId === undefined || (scope.userId === undefined && scope.agentId === undefined))
    return scope;
  const { sessionId: _session, ...rest } = scope;
  return rest;
}

/** Reads every source in parallel; relevant memories leave out what another section already shows. */
export async function gatherContextSources(input: ContextSourcesInput): Promise<ContextSources> {
  const { store, scope, now } = input;
  // The conversation (recent turns, summary, working memory) and the profile are the caller's own; core
  // blocks, procedures and relevant memories also come from the spaces it was granted.
  const own = { ...input, scope: ownScope(scope) };
  const list = async (kinds: MemoryRecord['kind'][], limit: number) =>
    (await store.listMemories({ scope, filter: { now, kinds }, limit })).items;
  const [core, working, profile, procedures, summary, recent, searched] = await Promise.all([
    visibleCoreBlocks({ store, now }, scope),
    scope.sessionId === undefined ? [] : store.listWorkingEntries({ scope: own.scope, now }),
    getProfile({ store, scope: own.scope, now }),
    list(['procedure'], 50),
    sessionSummary(own),
    recentTurns(own),
    searchMemories({
      store,
      embedder: input.embedder,
      query: input.query,
      scope: input.sessionOnly ? scope : longTermScope(scope),
      options: { limit: 20, ...input.search },
      now,
    }),
  ]);
  const profileIds = new Set(
    Object.values(profile).flatMap((slots) => Object.values(slots).map((slot) => slot.memoryId)),
  );
  const shown = new Set([...core, ...procedures, ...summary, ...recent].map((record) => record.id));
  for (const id of profileIds) shown.add(id);
  const profileRecords = new Map(
    (await store.getMemories({ scope, ids: [...profileIds] })).map((record) => [record.id, record]),
  );
  return {
    core,
    working,
    profile,
    profileRecords,
    procedures: procedures.sort((a, b) => b.importance - a.importance),
    relevant: searched.results.filter(
      (result) => !shown.has(result.memory.id) && result.memory.kind !== 'core',
    ),
    summary,
    recent,
    warnings: searched.warnings,
  };
}

/** The session's current summary (what came before the recent turns), when the read names a session. */
async function sessionSummary(input: ContextSourcesInput): Promise<MemoryRecord[]> {
  const session = input.scope.sessionId;
  if (session === undefined) return [];
  const page = await input.store.listMemories({
    scope: input.scope,
    filter: { now: input.now, kinds: ['summary'] },
    limit: 20,
  });
  return page.items.filter((record) => record.scope.sessionId === session).slice(0, 1);
}

/**
 * The newest turns, newest first: of the session when the read names one (the user's session-less
 * turns are long-term memory, not this conversation), else of the whole scope.
 */
async function recentTurns(input: ContextSourcesInput): Promise<MemoryRecord[]> {
  if (input.recentTurns === 0) return [];
  const session = input.scope.sessionId;
  const turns: MemoryRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 5 && turns.length < input.recentTurns; page++) {
    const found = await input.store.listMemories({
      scope: input.scope,
      filter: { now: input.now, kinds: ['episode'] },
      limit: input.recentTurns * 2,
      cursor,
    });
    for (const record of found.items) {
      if (session === undefined || record.scope.sessionId === session) turns.push(record);
    }
    cursor = found.nextCursor;
    if (cursor === undefined) break;
  }
  return turns.slice(0, input.recentTurns);
}
