// createMcpHttpHandler(): Mnemo's MCP server over streamable HTTP (stateless, JSON responses), per tenant,
// with each Mcp-Session-Id's requests applied one after another in arrival order.
import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Caller } from '../../core/access.js';
import { MnemoError } from '../../core/errors.js';
import { DEFAULT_TENANT } from '../../core/scope.js';
import { errorResponse as restErrorResponse } from '../rest/error-response.js';
import { callerOf, type Principal } from '../rest/rest-auth.js';
import { createMnemoMcpServer } from './create-mnemo-mcp-server.js';
import type { InternalErrorLogger } from './mcp-results.js';
import type { McpMemory } from './mcp-tool.js';
import { createKeyedSerialQueue } from './serial-queue.js';

/** Who a request acts for: its tenant, who is calling, and optionally the user and agent calls default to. */
export interface McpTenant {
  tenantId: string;
  defaultUserId?: string | undefined;
  defaultAgentId?: string | undefined;
  /** Only the recall tools, e.g. for an API key with role `read`. */
  readOnly?: boolean | undefined;
  /**
   * The caller every tool call is made as (the API key's role and binding: `callerOf(principal, 'mcp')`);
   * the store checks it on every read and write. Default `{ surface: 'mcp' }`, the store's owner.
   */
  caller?: Caller | undefined;
}

/**
 * What `/mcp` serves an authenticated REST principal: the key's tenant, only the recall tools for a `read`
 * key, and the key's Caller on every tool call, so a key bound to a user, agent or space acts only as it
 * (naming another agent is FORBIDDEN) and spaces need its grants, exactly as over REST.
 *
 * @example
 * resolveTenant: async (request) => mcpTenantOf(await checkKey(request.headers)),
 * // { tenantId: 't1', readOnly: true, caller: { surface: 'mcp', keyId: 'k1', role: 'read', boundAgentId: 'reader' } }
 */
export function mcpTenantOf(principal: Principal): McpTenant {
  return {
    tenantId: principal.tenantId ?? DEFAULT_TENANT,
    readOnly: principal.role === 'read',
    caller: callerOf(principal, 'mcp'),
  };
}

export interface CreateMcpHttpHandlerOptions {
  memory: McpMemory;
  /**
   * Authenticates the request (e.g. from its `Authorization: Bearer` API key) and returns its tenant (with
   * `readOnly: true` for keys that may only read, and the key's `caller`: see `mcpTenantOf`), or throws a
   * MnemoError `UNAUTHORIZED` (→ 401) or `FORBIDDEN` (→ 403).
   */
  resolveTenant(request: Request): string | McpTenant | Promise<string | McpTenant>;
  /** Reported to clients as the server version. */
  version?: string | undefined;
  /** Called with every failure a client only sees as INTERNAL (its text never reaches the client). */
  onInternalError?: InternalErrorLogger | undefined;
}

const SESSION_HEADER = 'mcp-session-id';
/** What the MCP spec allows in a session id: visible ASCII. Ours are UUIDs; longer ones are not ours. */
const SESSION_ID = /^[\x21-\x7E]{1,128}$/;

/**
 * A web-standard `(request) => Promise<Response>` serving MCP over streamable HTTP in stateless mode: each
 * POST gets a fresh server bound to the tenant `resolveTenant` returns. GET/DELETE (SSE streams, session
 * termination) answer 405, which MCP clients accept. Mount it on any framework that speaks Request/Response.
 *
 * The answer to `initialize` carries an `Mcp-Session-Id`; the requests a client then sends with it are
 * handled one after another in the order they reach this handler (a search sent right after an add sees
 * it), while other sessions run concurrently. The id carries no state: any id is accepted, and one that
 * was never issued (e.g. from before a restart) just orders its own requests.
 *
 * @example
 * const mcp = createMcpHttpHandler({ memory, resolveTenant: (request) => tenantFromApiKey(request) });
 * app.all('/mcp', (c) => mcp(c.req.raw)); // Hono
 */
export function createMcpHttpHandler(
  options: CreateMcpHttpHandlerOptions,
): (request: Request) => Promise<Response> {
  const sessions = createKeyedSerialQueue();
  return (request) => {
    const sessionId = request.headers.get(SESSION_HEADER);
    // Only POSTs carry JSON-RPC to apply. They are queued before any await (authentication included), so
    // that arrival order is the order applied.
    if (request.method !== 'POST' || sessionId === null || !SESSION_ID.test(sessionId)) {
      return handle(request, options);
    }
    return sessions.run(sessionId, () => handle(request, options));
  };
}

async function handle(request: Request, options: CreateMcpHttpHandlerOptions): Promise<Response> {
  let tenant: McpTenant;
  try {
    const resolved = await options.resolveTenant(request);
    tenant = typeof resolved === 'string' ? { tenantId: resolved } : resolved;
  } catch (error) {
    return errorResponse(toAuthError(error), options);
  }
  if (request.method !== 'POST') {
    return errorResponse(
      new MnemoError({
        code: 'UNSUPPORTED',
        message: `${request.method} is not supported: this MCP endpoint is stateless, send JSON-RPC with POST.`,
      }),
      options,
      { status: 405, headers: { allow: 'POST' } },
    );
  }
  try {
    return await handleOne(request, tenant, options);
  } catch (error) {
    return errorResponse(error, options);
  }
}

async function handleOne(
  request: Request,
  tenant: McpTenant,
  options: CreateMcpHttpHandlerOptions,
): Promise<Response> {
  const server = createMnemoMcpServer({
    memory: options.memory,
    scope: { tenantId: tenant.tenantId },
    defaultUserId: tenant.defaultUserId,
    defaultAgentId: tenant.defaultAgentId,
    caller: tenant.caller ?? { surface: 'mcp' },
    readOnly: tenant.readOnly,
    version: options.version,
    onInternalError: options.onInternalError,
  });
  // No sessionIdGenerator: stateless, a fresh transport per request.
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
  try {
    await server.connect(transport);
    // With JSON responses the transport resolves once every answer to this POST is ready.
    const response = await transport.handleRequest(request);
    // A fresh server knows its client only if this POST was `initialize`: its answer opens a session.
    if (!response.ok || server.server.getClientVersion() === undefined) return response;
    const headers = new Headers(response.headers);
    headers.set(SESSION_HEADER, randomUUID());
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  } finally {
    await server.close();
  }
}

/**
 * Errors from `resolveTenant`: MnemoErrors keep their code; an HTTP-style error (e.g. Hono's HTTPException)
 * with status 401/403 becomes UNAUTHORIZED/FORBIDDEN; anything else is an INTERNAL failure, not a denial.
 */
function toAuthError(error: unknown): unknown {
  if (error instanceof MnemoError) return error;
  const status =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined;
  if (status === 401 || status === 403) {
    return new MnemoError({
      code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
      message:
        status === 401
          ? 'Send a valid API key as `Authorization: Bearer <key>`.'
          : 'This API key may not use the MCP endpoint.',
      cause: error,
    });
  }
  return error;
}

/** REST's status, body and headers for `error` (internal failures say nothing about internals). */
function errorResponse(
  error: unknown,
  options: { onInternalError?: InternalErrorLogger | undefined },
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  const response = restErrorResponse(error);
  if (response.body.error.code === 'INTERNAL') options.onInternalError?.(error);
  const status = init.status ?? response.status;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...response.headers,
    ...init.headers,
  };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  return new Response(JSON.stringify(response.body), { status, headers });
}
