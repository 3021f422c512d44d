// What one maintain() run did, what it cost and what it left: the report every surface returns as is
// (SDK, `mnemo maintain --json`, `POST /v1/maintain`, the scheduled runs' log line).
import type { Usage } from '../../core/records.js';
import type { Scope } from '../../core/scope.js';

/** The steps of a run, in the order they run in each scope. */
export const maintainSteps = ['expire', 'consolidate', 'reflect', 'decay'] as const;
export type MaintainStep = (typeof maintainSteps)[number];

/** Several current memories written as one: `id` is the new memory, `sources` the memories it supersedes. */
export interface MergeReport {
  id: string;
  sources: string[];
  text: string;
  /** `offline`: the rule of documented thresholds; `llm`: proposed by the model, checked by the loss guard. */
  by: 'offline' | 'llm';
}

/** A current memory retired because a newer statement contradicts it. */
export interface SupersessionReport {
  /** The older memory, now retired (history `invalidate`). */
  id: string;
  /** The newer memory that stays current. */
  by: string;
  /** `negation`: the same statement negated; `relation`: a newer value of the same relation; `llm`. */
  rule: 'negation' | 'relation' | 'llm';
}

/** A merge the loss guard refused: the result would drop words or entities of a source. */
export interface RefusedMergeReport {
  ids: string[];
  /** Content words or entities of a source the proposed text does not keep. */
  missing: string[];
  by: 'offline' | 'llm';
}

export interface InsightReport {
  id: string;
  text: string;
  sources: string[];
}

export interface MaintainReport {
  /** ISO-8601 UTC. */
  startedAt: string;
  finishedAt: string;
  scopes: {
    /** Exact scopes (tenant, user, agent, session) worked on. */
    examined: number;
    /** Scopes another process held (its claim still running): left for the next run. */
    skipped: number;
  };
  /** Memories examined (new since the last run, and fading candidates). */
  examined: number;
  /** Expired memories erased. */
  purged: number;
  /** Audit rows past their retention erased (runs over a whole tenant or store only). */
  auditPurged: number;
  merged: MergeReport[];
  superseded: SupersessionReport[];
  refused: RefusedMergeReport[];
  insights: {
    written: InsightReport[];
    /** Insights whose sources were forgotten or superseded and that no longer stand. */
    retired: string[];
    /** Insights re-checked against what is left of their sources and kept. */
    kept: string[];
  };
  /** Memories whose strength fell below the threshold: hidden from default reads, kept, restorable. */
  archived: Array<{ id: string; strength: number }>;
  usage: Usage;
  /** What the budget left for the next run. */
  remaining: {
    /** New memories not yet examined. */
    memories: number;
    /** Scopes not reached. */
    scopes: number;
    /** Reflections skipped for want of LLM calls. */
    reflections: number;
  };
  /** True when nothing was left for the next run. */
  complete: boolean;
}

/**
 * One progress tick: `done` of `total` units of a phase and the scope being worked on. Phases: `expire` (one
 * unit), `consolidate` (each exact scope: consolidation, then decay), `reflect` (each long-term scope). Each
 * phase ends with a tick where `done === total`.
 */
export interface MaintainProgress {
  step: MaintainStep;
  done: number;
  total: number;
  scope?: Scope | undefined;
}
