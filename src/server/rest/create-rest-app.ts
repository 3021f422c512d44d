// The Hono app of the REST API: browser guard, body limit, authentication, rate limits, the /v1 routes,
// openapi.json and one error shape.
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MnemoError } from '../../core/errors.js';
import type { Memory } from '../../sdk/create-memory.js';
import type { ApiKeyStore } from '../../store/keys/api-key-store.js';
import { createDashboardRoutes } from '../dashboard/dashboard-routes.js';
import { createMcpHttpHandler, mcpTenantOf } from '../mcp/mcp-http-handler.js';
import { browserGuard } from './browser-guard.js';
import { errorResponse } from './error-response.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { createRateLimiter, enforceRateLimit, type RateLimitOptions, rateLimit } from './rate-limit.js';
import { authenticate, createKeyCheck, type RestVariables, requireRole } from './rest-auth.js';
import { honoPath } from './rest-route.js';
import { restRoutes } from './rest-routes.js';

/** Default largest request body: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

export interface RestAppOptions {
  memory: Memory;
  /** Where API keys are checked. Required unless `auth` is false. */
  keys?: ApiKeyStore | undefined;
  /**
   * False turns authentication off (every request is an admin of any tenant): loopback only, so requests must
   * be addressed to a loopback Host and come from no other Origin (403). Default true.
   */
  auth?: boolean | undefined;
  /**
   * Requests a minute per API key (per client address without auth), as a number or with a burst; 429 with
   * `Retry-After` past it. Default (and 0): no limit. `mnemo serve` sets 600.
   */
  rateLimit?: number | RateLimitOptions | undefined;
  bodyLimitBytes?: number | undefined;
  /** Called with every error that became a 500, for logging. */
  onInternalError?: ((error: unknown) => void) | undefined;
  /** Serve MCP (streamable HTTP, stateless) at `/mcp` behind the same keys. Default true. */
  mcp?: boolean | undefined;
  /** Serve the web dashboard at `/` (static assets; its API calls carry the user's key). Default true. */
  dashboard?: boolean | undefined;
  now?: (() => number) | undefined;
  version?: string | undefined;
}

/**
 * Builds the REST app. Use `app.request()` in tests or hand `app.fetch` to a server.
 *
 * @example
 * const app = createRestApp({ memory, keys });
 * const response = await app.request('/healthz');
 */
export function createRestApp(options: RestAppOptions): Hono<{ Variables: RestVariables }> {
  const auth = options.auth ?? true;
  if (auth && options.keys === undefined) {
    throw new MnemoError({
      code: 'CONFIG_INVALID',
      message: 'createRestApp needs `keys` (an ApiKeyStore) unless `auth: false`.',
    });
  }
  const limit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const routes = restRoutes(options.memory);
  const app = new Hono<{ Variables: RestVariables }>();

  app.onError((error, c) => {
    const { status, body, headers } = errorResponse(error);
    if (status >= 500) options.onInternalError?.(error);
    return c.json(body, status, headers);
  });
  app.notFound((c) =>
    c.json({ error: { code: 'NOT_FOUND', message: `No route ${c.req.method} ${c.req.path}` } }, 404),
  );

  // Before anything else: a page on another site must not be able to write, nor (without auth) read.
  app.use('*', browserGuard({ loopbackOnly: !auth }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  if (options.dashboard ?? true) app.route('/', createDashboardRoutes());
  const document = buildOpenApiDocument({ routes, version: options.version ?? '0.1.0' });
  app.get('/openapi.json', (c) => c.json(document));

  const limitBody = bodyLimit({
    maxSize: limit,
    onError: (c) =>
      c.json(
        {
          error: {
            code: 'PAYLOAD_TOO_LARGE',
            message: `The body exceeds ${limit} bytes.`,
            details: { limit },
          },
        },
        413,
      ),
  });
  const keyOptions = { keys: auth ? options.keys : undefined, now: options.now ?? Date.now };
  const authenticateKey = authenticate(keyOptions);
  const limiter = rateLimiterOf(options.rateLimit);
  app.use('/v1/*', limitBody, authenticateKey);
  if (limiter !== undefined) app.use('/v1/*', rateLimit(limiter));

  for (const route of routes) {
    app.on(route.method.toUpperCase(), honoPath(route.path), requireRole(route.role), async (c) => {
      const result = await route.handle(c, options.memory);
      return c.json(result as object, route.status);
    });
  }
  if (options.mcp ?? true) {
    const checkKey = createKeyCheck(keyOptions);
    // The Hono context of each MCP request, for the client address the rate limit counts without auth.
    const currentRequest = new WeakMap<Request, Context>();
    const mcp = createMcpHttpHandler({
      memory: options.memory,
      version: options.version,
      // Checked here, inside the handler's per-session queue, so that a session's calls are authenticated
      // and applied in arrival order. The key's tenant binds every tool call, `read` keys only recall, and
      // every tool call carries the key's Caller (its binding and grants are checked in the store).
      resolveTenant: async (request) => {
        const principal = await checkKey(request.headers);
        if (limiter !== undefined) enforceRateLimit(limiter, principal, currentRequest.get(request));
        return mcpTenantOf(principal);
      },
      onInternalError: options.onInternalError,
    });
    app.use('/mcp', limitBody);
    app.all('/mcp', async (c) => {
      currentRequest.set(c.req.raw, c);
      return mcp(c.req.raw);
    });
  }
  return app;
}

function rateLimiterOf(option: RestAppOptions['rateLimit']) {
  if (option === undefined || option === 0) return undefined;
  const settings = typeof option === 'number' ? { requestsPerMinute: option } : option;
  return settings.requestsPerMinute === 0 ? undefined : createRateLimiter(settings);
}
