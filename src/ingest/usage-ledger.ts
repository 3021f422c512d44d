// Usage accounting for one call that writes: what each scope spent, summed for the caller and added to the store.
import type { Usage } from '../core/records.js';
import type { Scope } from '../core/scope.js';
import type { MemoryStore } from '../store/memory-store.js';

/** Zero usage. */
export function emptyUsage(): Usage {
  return { llmCalls: 0, inputTokens: 0, outputTokens: 0, embeddingCalls: 0, latencyMs: 0 };
}

/**
 * `left + right`, field by field (latency rounded to hundredths of a millisecond).
 *
 * @example
 * const total = results.map((result) => result.usage).reduce(addUsage, emptyUsage());
 */
export function addUsage(left: Usage, right: Usage): Usage {
  return {
    llmCalls: left.llmCalls + right.llmCalls,
    inputTokens: left.inputTokens + right.inputTokens,
    outputTokens: left.outputTokens + right.outputTokens,
    embeddingCalls: left.embeddingCalls + right.embeddingCalls,
    latencyMs: Math.round((left.latencyMs + right.latencyMs) * 100) / 100,
  };
}

/** Collects the usage of one SDK call per scope; `total()` is what the call returns. */
export interface UsageLedger {
  add(scope: Scope, usage: Usage): void;
  total(): Usage;
  /** Adds each scope's share to the store's running totals (one write per scope). */
  record(store: MemoryStore, at: number): Promise<void>;
}

/**
 * Creates an empty ledger.
 *
 * @example
 * const ledger = createUsageLedger();
 * ledger.add(scope, raw.usage);
 * await ledger.record(store, clock.now());
 * return { ...result, usage: ledger.total() };
 */
export function createUsageLedger(): UsageLedger {
  const byScope = new Map<string, { scope: Scope; usage: Usage }>();
  return {
    add(scope, usage) {
      const key = JSON.stringify([scope.tenantId, scope.userId, scope.agentId, scope.sessionId]);
      const entry = byScope.get(key);
      byScope.set(key, { scope, usage: addUsage(entry?.usage ?? emptyUsage(), usage) });
    },
    total() {
      let total = emptyUsage();
      for (const entry of byScope.values()) total = addUsage(total, entry.usage);
      return total;
    },
    async record(store, at) {
      for (const entry of byScope.values())
        await store.recordUsage({ scope: entry.scope, usage: entry.usage, at });
    },
  };
}
