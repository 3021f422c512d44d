// Times selected methods of an object (a store, an embedder) without changing it: a Proxy that adds up
// how long each named async method took, so the benchmark can say which step of a search dominates.

/** Accumulated time and call count per method name. */
export interface CallTimer {
  /** Milliseconds and calls per method since the last reset. */
  snapshot(): Record<string, { totalMs: number; calls: number }>;
  reset(): void;
  record(name: string, ms: number): void;
}

/**
 * Creates an empty timer.
 *
 * @example
 * const timer = createCallTimer();
 * const store = timeMethods(rawStore, ['searchLexical', 'searchVector'], timer);
 */
export function createCallTimer(): CallTimer {
  let totals = new Map<string, { totalMs: number; calls: number }>();
  return {
    snapshot: () => Object.fromEntries([...totals].map(([name, entry]) => [name, { ...entry }])),
    reset() {
      totals = new Map();
    },
    record(name, ms) {
      const entry = totals.get(name) ?? { totalMs: 0, calls: 0 };
      entry.totalMs += ms;
      entry.calls += 1;
      totals.set(name, entry);
    },
  };
}

/**
 * Wraps `target` so calls to the named methods are timed into `timer` (awaiting returned promises).
 * Other properties and methods pass through unchanged, bound to the original object.
 *
 * @example
 * const timed = timeMethods(embedder, ['embed'], timer);
 * await timed.embed({ values: ['hi'] }); // timer.snapshot().embed.calls === 1
 */
export function timeMethods<T extends object>(target: T, methods: readonly string[], timer: CallTimer): T {
  const timed = new Set(methods);
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property !== 'string' || !timed.has(property)) return method.bind(object);
      return (...args: unknown[]) => {
        const started = performance.now();
        const result = method.apply(object, args);
        if (result instanceof Promise) {
          return result.finally(() => timer.record(property, performance.now() - started));
        }
        timer.record(property, performance.now() - started);
        return result;
      };
    },
  });
}
