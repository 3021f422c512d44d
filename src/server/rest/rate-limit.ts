// Per-caller rate limits: a token bucket per API key (per client address without authentication), in memory.
import type { Context, MiddlewareHandler } from 'hono';
import { MnemoError } from '../../core/errors.js';
import type { RestVariables } from './rest-auth.js';

/** `mnemo serve`'s default: 600 requests a minute per key (10 a second), in bursts of up to 100. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 600;

export interface RateLimitOptions {
  /** Sustained requests a minute per caller. */
  requestsPerMinute: number;
  /** Requests a caller may make at once after being idle. Default: 10 seconds' worth (at least 1). */
  burst?: number | undefined;
  now?: (() => number) | undefined;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface RateLimiter {
  readonly requestsPerMinute: number;
  readonly burst: number;
  /** Takes one token from `caller`'s bucket, or says how long until one is free. */
  take(caller: string): RateDecision;
}

/** Buckets kept before idle (full) ones are dropped. */
const MAX_BUCKETS = 10_000;

/**
 * A token bucket per caller: each holds up to `burst` tokens and refills at `requestsPerMinute / 60` a second;
 * a request takes one.
 *
 * @example
 * const limiter = createRateLimiter({ requestsPerMinute: 600 });
 * limiter.take('key-id'); // { allowed: true }
 */
export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const { requestsPerMinute } = options;
  if (!(Number.isFinite(requestsPerMinute) && requestsPerMinute > 0)) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: `The rate limit must be a positive number of requests a minute, got ${requestsPerMinute}.`,
    });
  }
  const burst = Math.max(1, Math.floor(options.burst ?? requestsPerMinute / 6));
  const perMs = requestsPerMinute / 60_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const refill = (bucket: { tokens: number; at: number }, at: number) => {
    bucket.tokens = Math.min(burst, bucket.tokens + (at - bucket.at) * perMs);
    bucket.at = at;
  };
  const sweep = (at: number) => {
    for (const [caller, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= burst) buckets.delete(caller);
    }
  };

  return {
    requestsPerMinute,
    burst,
    take(caller) {
      const at = now();
      let bucket = buckets.get(caller);
      if (bucket === undefined) {
        if (buckets.size >= MAX_BUCKETS) sweep(at);
        bucket = { tokens: burst, at };
        buckets.set(caller, bucket);
      } else {
        refill(bucket, at);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)),
      };
    },
  };
}

/** The 429 error of a refused request; `details.retryAfterSeconds` is also sent as `Retry-After`. */
export function rateLimited(limiter: RateLimiter, retryAfterSeconds: number, who: string): MnemoError {
  return new MnemoError({
    code: 'RATE_LIMITED',
    message:
      `Too many requests for ${who}: at most ${limiter.requestsPerMinute} a minute (bursts of ${limiter.burst}). ` +
      `Retry after ${retryAfterSeconds} s, or raise the server's --rate-limit (MNEMO_RATE_LIMIT).`,
    details: { retryAfterSeconds, requestsPerMinute: limiter.requestsPerMinute, burst: limiter.burst },
  });
}

/**
 * The caller a request is counted against: its API key, else (authentication off) the client's address.
 *
 * @example
 * rateCaller({ keyId: 'k1' }, c); // 'key:k1'
 */
export function rateCaller(principal: { keyId: string | undefined }, c: Context | undefined): string {
  if (principal.keyId !== undefined) return `key:${principal.keyId}`;
  const incoming = (c?.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return `address:${incoming?.socket?.remoteAddress ?? 'local'}`;
}

/**
 * Takes one token for the request's caller, or throws RATE_LIMITED (429; `details.retryAfterSeconds` becomes
 * `Retry-After`). `/mcp` calls it after its key check.
 *
 * @example
 * enforceRateLimit(limiter, principal, c);
 */
export function enforceRateLimit(
  limiter: RateLimiter,
  principal: { keyId: string | undefined },
  c: Context | undefined,
): void {
  const decision = limiter.take(rateCaller(principal, c));
  if (!decision.allowed) {
    const who = principal.keyId === undefined ? 'this client' : `API key ${principal.keyId}`;
    throw rateLimited(limiter, decision.retryAfterSeconds, who);
  }
}

/**
 * Middleware after authentication: one token per request from the caller's bucket, or 429 with `Retry-After`.
 *
 * @example
 * app.use('/v1/*', authenticate(options), rateLimit(createRateLimiter({ requestsPerMinute: 600 })));
 */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<{ Variables: RestVariables }> {
  return async (c, next) => {
    enforceRateLimit(limiter, c.get('principal'), c);
    return next();
  };
}
