// context(): the agent's working set — core blocks, working memory, profile, procedures, relevant
// long-term memories, the session summary and the recent turns — as one cited prompt section that fits
// a token budget.
import type { MemoryRecord, WorkingEntry } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import type { EmbeddingModel } from '../models/embedding-model.js';
import { estimateTokens } from '../models/token-count.js';
import type { SearchOptions } from '../retrieve/search-memories.js';
import type { MemoryStore } from '../store/memory-store.js';
import { type ContextSources, gatherContextSources } from './context-sources.js';
import {
  type ContextCandidate,
  type ContextItem,
  type ContextSection,
  type FittedContext,
  fitContext,
} from './fit-context.js';

export type { ContextItem, ContextSection } from './fit-context.js';
export { contextSections } from './fit-context.js';

/** The assembled section: text to place in a prompt, the items it cites, and what was left out. */
export type ContextResult = FittedContext;

export interface AssembleContextInput {
  store: MemoryStore;
  embedder?: EmbeddingModel | undefined;
  query: string;
  scope: Scope;
  budgetTokens: number;
  now: number;
  /** How many recent turns to consider (default 10). */
  recentTurns?: number | undefined;
  /** Search relevant memories in the read scope only (this session and above), not the user's other sessions. */
  sessionOnly?: boolean | undefined;
  /** Options for the relevance search (default limit 20). */
  search?: SearchOptions | undefined;
}

const day = (iso: string): string => iso.slice(0, 10);
const flat = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** The memories an insight was derived from (undefined for any other memory). */
function derivedSources(record: MemoryRecord): string[] | undefined {
  if (record.kind !== 'insight') return undefined;
  const sources = record.attributes.derivedFrom;
  return Array.isArray(sources) ? sources.filter((id): id is string => typeof id === 'string') : [];
}

function candidate(item: Omit<ContextItem, 'tokens'>, line: string): ContextCandidate {
  return { item: { ...item, tokens: estimateTokens(line) }, line };
}

/**
 * `- [id · date · origin] speaker: text (grounded dates)` for a memory. Text that is not highly trusted — an
 * assistant's, a tool's, an import's — is fenced as a quoted string, so whatever it says (a fake heading,
 * "ignore previous instructions", a speaker named "Mnemo core") stays inside the quotes as data.
 */
function memoryCandidate(section: ContextSection, record: MemoryRecord, score?: number): ContextCandidate {
  const speaker = typeof record.attributes.speaker === 'string' ? record.attributes.speaker : undefined;
  const dates = Array.isArray(record.attributes.dates)
    ? (record.attributes.dates as Array<{ label?: unknown }>)
        .map((date) => date.label)
        .filter((label) => typeof label === 'string')
    : [];
  const grounded = dates.length > 0 ? ` (${dates.join('; ')})` : '';
  const { origin, trust } = record.source;
  const derivedFrom = derivedSources(record);
  // An insight is Mnemo's own reading of other memories: labelled as derived, with what it rests on.
  const provenance = trust === 'high' ? origin : `${origin}, ${trust} trust`;
  const mark =
    derivedFrom === undefined
      ? provenance
      : derivedFrom.length === 0
        ? `insight, ${provenance}`
        : `derived from ${derivedFrom.length} memor${derivedFrom.length === 1 ? 'y' : 'ies'}, confidence ${record.confidence}`;
  const said = speaker === undefined ? flat(record.text) : `${flat(speaker)}: ${flat(record.text)}`;
  const body = trust === 'high' ? said : `quoted ${JSON.stringify(said)}`;
  // A memory of a shared space says so: the agent must know it is the team's, not the user's.
  const from = record.scope.spaceId === undefined ? undefined : `space:${record.scope.spaceId}`;
  const shared = from === undefined ? '' : ` · ${from}`;
  const line = `- [${record.id} · ${day(record.observedAt)}${shared} · ${mark}] ${body}${grounded}`;
  return candidate(
    {
      section,
      id: record.id,
      kind: record.kind,
      date: record.observedAt,
      text: record.text,
      origin,
      trust,
      ...(score === undefined ? {} : { score }),
      ...(derivedFrom === undefined ? {} : { derivedFrom }),
      ...(from === undefined ? {} : { from }),
    },
    line,
  );
}

function coreCandidate(record: MemoryRecord): ContextCandidate {
  const label = typeof record.attributes.label === 'string' ? record.attributes.label : 'core';
  const owner = record.scope.userId === undefined ? ` · agent ${record.scope.agentId}` : '';
  return candidate(
    { section: 'core', id: record.id, kind: 'core', date: record.createdAt, text: record.text, label },
    `- [${record.id} · ${label}${owner}] ${flat(record.text)}`,
  );
}

function workingCandidate(entry: WorkingEntry): ContextCandidate {
  const value = typeof entry.value === 'string' ? entry.value : JSON.stringify(entry.value);
  return candidate(
    {
      section: 'working',
      id: `working:${entry.key}`,
      kind: 'working',
      date: entry.updatedAt,
      text: value,
      label: entry.key,
    },
    `- [${entry.key} · ${day(entry.updatedAt)}] ${flat(value)}`,
  );
}

function profileCandidates(sources: ContextSources): ContextCandidate[] {
  return Object.entries(sources.profile).flatMap(([topic, slots]) =>
    Object.entries(slots).map(([slot, entry]) => {
      const label = `${topic}.${slot}`;
      const record = sources.profileRecords.get(entry.memoryId);
      const source = record?.source ?? { origin: 'user' as const, trust: 'high' as const };
      const mark = source.trust === 'high' ? source.origin : `${source.origin}, ${source.trust} trust`;
      const value =
        source.trust === 'high' ? flat(entry.value) : `quoted ${JSON.stringify(flat(entry.value))}`;
      return candidate(
        {
          section: 'profile',
          id: entry.memoryId,
          kind: record?.kind ?? 'profile',
          date: entry.observedAt,
          text: entry.value,
          label,
          origin: source.origin,
          trust: source.trust,
        },
        `- [${entry.memoryId} · ${day(entry.observedAt)} · ${mark}] ${label}: ${value}`,
      );
    }),
  );
}

/**
 * Assembles a budgeted, cited memory section for a prompt, in this order: core blocks (the user's and
 * the agent's), the session's working memory, the profile, procedures, relevant long-term memories
 * (searched over the user's whole memory — every session — and the agent's; only results with evidence,
 * so nothing irrelevant fills the budget), the session's summary, and its most recent turns (the newest
 * kept first, printed oldest to newest). Works in raw mode (episodes only) and with inferred memories.
 *
 * @example
 * const { text, omitted } = await assembleContext({ store, embedder, query: 'plan my trip', scope, budgetTokens: 800, now: Date.now() });
 */
export async function assembleContext(input: AssembleContextInput): Promise<ContextResult> {
  const sources = await gatherContextSources({
    store: input.store,
    embedder: input.embedder,
    query: input.query,
    scope: input.scope,
    now: input.now,
    recentTurns: input.recentTurns ?? 10,
    sessionOnly: input.sessionOnly ?? false,
    search: input.search,
  });
  return fitContext(
    {
      core: sources.core.map(coreCandidate),
      working: sources.working.map(workingCandidate),
      profile: profileCandidates(sources),
      procedures: sources.procedures.map((record) => memoryCandidate('procedures', record)),
      relevant: sources.relevant.map((result) => memoryCandidate('relevant', result.memory, result.score)),
      summary: sources.summary.map((record) => memoryCandidate('summary', record)),
      recent: sources.recent.map((record) => memoryCandidate('recent', record)),
    },
    input.budgetTokens,
    sources.warnings,
  );
}
