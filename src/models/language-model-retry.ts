// Per-attempt timeouts and exponential-backoff retries shared by the remote LanguageModel adapters.
import { APICallError } from 'ai';

export interface RetryOptions<T> {
  /** One attempt; it must honour `signal` (the caller's signal combined with the attempt timeout). */
  attempt: (signal: AbortSignal) => Promise<T>;
  /** Retries after the first attempt (0 disables). */
  maxRetries: number;
  /** Each attempt is aborted after this long and counts as a retryable failure. */
  timeoutMs: number;
  /** The first backoff; it doubles on every retry. */
  baseDelayMs: number;
  abortSignal?: AbortSignal | undefined;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | {
      ok: false;
      error: unknown;
      attempts: number;
      reason: 'aborted' | 'timeout' | 'not-retryable' | 'exhausted';
    };

/**
 * True for failures worth another try: HTTP 408/409/429/5xx and network errors, as the AI SDK
 * classifies them (`APICallError.isRetryable`).
 *
 * @example
 * isRetryableModelError(error) // true for a 503
 */
export function isRetryableModelError(error: unknown): boolean {
  return APICallError.isInstance(error) && error.isRetryable;
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, milliseconds);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, the caller aborts, an error is not retryable, or `maxRetries`
 * retries are spent. It never throws: the outcome says why it stopped, so each adapter can word its
 * own error.
 *
 * @example
 * const outcome = await callWithRetries({ attempt: (signal) => send(signal), maxRetries: 2, timeoutMs: 60_000, baseDelayMs: 500 });
 */
export async function callWithRetries<T>(options: RetryOptions<T>): Promise<RetryOutcome<T>> {
  let attempts = 0;
  for (;;) {
    attempts++;
    const timeoutSignal = AbortSignal.timeout(options.timeoutMs);
    const signal =
      options.abortSignal === undefined
        ? timeoutSignal
        : AbortSignal.any([options.abortSignal, timeoutSignal]);
    try {
      const value = await options.attempt(signal);
      return { ok: true, value, attempts };
    } catch (error) {
      if (options.abortSignal?.aborted) return { ok: false, error, attempts, reason: 'aborted' };
      const timedOut = timeoutSignal.aborted;
      if (!timedOut && !isRetryableModelError(error)) {
        return { ok: false, error, attempts, reason: 'not-retryable' };
      }
      if (attempts > options.maxRetries) {
        return { ok: false, error, attempts, reason: timedOut ? 'timeout' : 'exhausted' };
      }
      await sleep(options.baseDelayMs * 2 ** (attempts - 1), options.abortSignal);
    }
  }
}
