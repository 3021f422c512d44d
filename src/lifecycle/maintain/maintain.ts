// maintain(): one upkeep run. Expired memories are erased first; then each exact scope inside the request
// is claimed (one process per scope at a time), consolidated from where its last run stopped (watermark)
// and swept for faded memories; then each long-term scope (user, agent) re-checks its insights and, when
// enough is new, reflects. Bounded by the budget; what it could not reach is reported as left.
import type { Usage } from '../../core/records.js';
import { type Scope, scopeKey } from '../../core/scope.js';
import type { MaintenanceScopeInfo, MaintenanceWatermark } from '../../store/maintenance-store.js';
import { consolidateScope } from './consolidate.js';
import { decayScope } from './decay.js';
import type { MaintainProgress, MaintainReport, MaintainStep } from './maintain-report.js';
import { reflectionDefaults, reflectScope } from './reflect.js';
import type { UpkeepContext, UpkeepDeps } from './upkeep-context.js';

export const maintainDefaults = {
  maxLlmCalls: 8,
  maxMemories: 2_000,
  /** How long a run holds a scope before another process may take it over. */
  leaseMs: 10 * 60_000,
} as const;

export interface MaintainRequest {
  /** The scope to maintain (every exact scope inside it); undefined = every tenant. */
  scope: Scope | undefined;
  steps: ReadonlySet<MaintainStep>;
  maxLlmCalls: number;
  maxMemories: number;
  /** Examine every current memory again, ignoring where the last run stopped. */
  full: boolean;
  onProgress?: ((progress: MaintainProgress) => void) | undefined;
}

const emptyUsage = (): Usage => ({
  llmCalls: 0,
  inputTokens: 0,
  outputTokens: 0,
  embeddingCalls: 0,
  latencyMs: 0,
});

function emptyReport(now: number): MaintainReport {
  const at = new Date(now).toISOString();
  return {
    startedAt: at,
    finishedAt: at,
    scopes: { examined: 0, skipped: 0 },
    examined: 0,
    purged: 0,
    auditPurged: 0,
    merged: [],
    superseded: [],
    refused: [],
    insights: { written: [], retired: [], kept: [] },
    archived: [],
    usage: emptyUsage(),
    remaining: { memories: 0, scopes: 0, reflections: 0 },
    complete: true,
  };
}

/**
 * Runs upkeep once over `request.scope` and reports what it did, what it cost and what it left.
 *
 * @example
 * const report = await runMaintenance(deps, { scope: parseScope({ userId: 'h' }), steps: new Set(maintainSteps),
 *   maxLlmCalls: 8, maxMemories: 2000, full: false });
 */
export async function runMaintenance(deps: UpkeepDeps, request: MaintainRequest): Promise<MaintainReport> {
  const started = performance.now();
  const now = deps.clock.now();
  const context: UpkeepContext = {
    ...deps,
    budget: { llmCalls: request.maxLlmCalls, memories: request.maxMemories },
    report: emptyReport(now),
    skipped: new Set(),
    now,
  };
  const { store } = deps;
  const { report } = context;
  if (request.steps.has('expire')) {
    request.onProgress?.({ step: 'expire', done: 0, total: 1, scope: request.scope });
    report.purged = (await store.purgeExpired({ now, scope: request.scope })).purged;
    const scope = request.scope;
    const wholeTenant =
      scope === undefined ||
      (scope.userId === undefined &&
        scope.agentId === undefined &&
        scope.sessionId === undefined &&
        scope.spaceId === undefined);
    if (wholeTenant && deps.auditRetentionMs !== undefined) {
      const before = now - deps.auditRetentionMs;
      report.auditPurged = (await store.access.purgeAudit({ before, tenantId: scope?.tenantId })).purged;
    }
    request.onProgress?.({ step: 'expire', done: 1, total: 1, scope: request.scope });
  }
  const scopes = await store.listMaintenanceScopes({ scope: request.scope });
  const owner = `maintain:${deps.ids()}`;
  for (const [index, info] of scopes.entries()) {
    request.onProgress?.({ step: 'consolidate', done: index, total: scopes.length, scope: info.scope });
    if (context.budget.memories <= 0) {
      report.remaining.scopes += 1;
      continue;
    }
    await recordingUsage(context, info.scope, () => maintainScope(context, request, info, owner));
  }
  request.onProgress?.({ step: 'consolidate', done: scopes.length, total: scopes.length });
  if (request.steps.has('reflect')) await reflectAll(context, request, scopes, owner);
  report.remaining.memories = Math.max(0, report.remaining.memories);
  report.complete =
    report.remaining.memories === 0 &&
    report.remaining.scopes === 0 &&
    report.remaining.reflections === 0 &&
    report.scopes.skipped === 0;
  report.usage.latencyMs = Math.round((performance.now() - started) * 100) / 100;
  report.finishedAt = new Date(deps.clock.now()).toISOString();
  return report;
}

/** Consolidates and sweeps one claimed exact scope, then records how far it got. */
async function maintainScope(
  context: UpkeepContext,
  request: MaintainRequest,
  info: MaintenanceScopeInfo,
  owner: string,
): Promise<void> {
  const { store, report, now } = context;
  const state = await store.claimMaintenance({
    scope: info.scope,
    owner,
    now,
    leaseMs: maintainDefaults.leaseMs,
  });
  if (state === undefined) {
    skip(context, info.scope);
    return;
  }
  let watermark: MaintenanceWatermark | undefined = state.watermark;
  try {
    const start = request.full ? undefined : state.watermark;
    const changed = start === undefined || info.latestCreatedAt >= start.at;
    if (request.steps.has('consolidate') && changed) {
      const progress = await consolidateScope(context, info.scope, start);
      watermark = progress.watermark ?? watermark;
      report.remaining.memories += progress.left;
    }
    if (request.steps.has('decay') && (await decayScope(context, info.scope))) {
      // Decay did not get through this scope: it is not fully reached.
      report.remaining.scopes += 1;
    }
    report.scopes.examined += 1;
  } finally {
    await store.releaseMaintenance({ scope: info.scope, owner, at: now, watermark });
  }
}

/** Counts a scope another process holds, once per run however many steps met its claim. */
function skip(context: UpkeepContext, scope: Scope): void {
  const key = scopeKey(scope);
  if (context.skipped.has(key)) return;
  context.skipped.add(key);
  context.report.scopes.skipped += 1;
}

/** The long-term scope (user and agent, no session) a scope's memories are reflected in; none tenant-wide. */
function longTermOf(scope: Scope): Scope | undefined {
  if (scope.spaceId !== undefined) return { tenantId: scope.tenantId, spaceId: scope.spaceId };
  if (scope.userId === undefined && scope.agentId === undefined) return undefined;
  const longTerm: Scope = { tenantId: scope.tenantId };
  if (scope.userId !== undefined) longTerm.userId = scope.userId;
  if (scope.agentId !== undefined) longTerm.agentId = scope.agentId;
  return longTerm;
}

async function reflectAll(
  context: UpkeepContext,
  request: MaintainRequest,
  scopes: MaintenanceScopeInfo[],
  owner: string,
): Promise<void> {
  const totals = new Map<string, { scope: Scope; memories: number }>();
  for (const info of scopes) {
    const longTerm = longTermOf(info.scope);
    if (longTerm === undefined) continue;
    const key = scopeKey(longTerm);
    const entry = totals.get(key) ?? { scope: longTerm, memories: 0 };
    entry.memories += info.memories;
    totals.set(key, entry);
  }
  let done = 0;
  for (const { scope, memories } of totals.values()) {
    request.onProgress?.({ step: 'reflect', done: done++, total: totals.size, scope });
    const { store, now, report } = context;
    const state = await store.claimMaintenance({ scope, owner, now, leaseMs: maintainDefaults.leaseMs });
    if (state === undefined) {
      skip(context, scope);
      continue;
    }
    let reflectedCount: number | undefined;
    try {
      const due = request.full || memories - state.reflectedCount >= reflectionDefaults.every;
      const outcome = await recordingUsage(context, scope, () =>
        reflectScope(context, scope, { reflect: due }),
      );
      if (outcome.reflected) reflectedCount = memories;
      if (outcome.deferred) report.remaining.reflections += 1;
    } finally {
      await store.releaseMaintenance({ scope, owner, at: now, reflectedCount });
    }
  }
  request.onProgress?.({ step: 'reflect', done: totals.size, total: totals.size });
}

/** Runs `work` and adds the model usage it spent to the running totals of exactly `scope`. */
async function recordingUsage<T>(context: UpkeepContext, scope: Scope, work: () => Promise<T>): Promise<T> {
  const before = { ...context.report.usage };
  const started = performance.now();
  const result = await work();
  const after = context.report.usage;
  const usage: Usage = {
    llmCalls: after.llmCalls - before.llmCalls,
    inputTokens: after.inputTokens - before.inputTokens,
    outputTokens: after.outputTokens - before.outputTokens,
    embeddingCalls: after.embeddingCalls - before.embeddingCalls,
    latencyMs: Math.round((performance.now() - started) * 100) / 100,
  };
  if (usage.llmCalls > 0 || usage.embeddingCalls > 0) {
    await context.store.recordUsage({ scope, usage, at: context.now });
  }
  return result;
}
