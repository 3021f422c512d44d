// Starts and stops the REST server: listen on host:port, count in-flight requests, shut down gracefully.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { MnemoError } from '../core/errors.js';
import type { Memory } from '../sdk/create-memory.js';
import type { ApiKeyStore } from '../store/keys/api-key-store.js';
import { isLoopbackHost } from './rest/browser-guard.js';
import { createRestApp } from './rest/create-rest-app.js';
import type { RateLimitOptions } from './rest/rate-limit.js';

export interface StartServerOptions {
  memory: Memory;
  /** Default 127.0.0.1. */
  host?: string | undefined;
  /** Default 8787; 0 picks a free port. */
  port?: number | undefined;
  /** False turns authentication off; allowed only on a loopback host. Default true. */
  auth?: boolean | undefined;
  keys?: ApiKeyStore | undefined;
  bodyLimitBytes?: number | undefined;
  /** Requests a minute per API key (per client address without auth); 0 or undefined: no limit. */
  rateLimit?: number | RateLimitOptions | undefined;
  /** How long close() waits for in-flight requests before cutting connections. Default 10 s. */
  shutdownTimeoutMs?: number | undefined;
  onInternalError?: ((error: unknown) => void) | undefined;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** Stops accepting, waits for in-flight requests to finish, then closes every connection. Idempotent. */
  close(): Promise<void>;
}

export { isLoopbackHost } from './rest/browser-guard.js';

/**
 * Serves the REST API of `memory`. The caller owns `memory` and `keys` and closes them after `close()`.
 *
 * @example
 * const server = await startServer({ memory, keys, port: 0 });
 * console.log(server.url);
 * await server.close();
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const auth = options.auth ?? true;
  if (!auth && !isLoopbackHost(host)) {
    throw new MnemoError({
      code: 'INVALID_INPUT',
      message: `Refusing to serve without authentication on ${host}: bind to 127.0.0.1 or create a key with \`mnemo keys create\`.`,
    });
  }
  const app = createRestApp({
    memory: options.memory,
    keys: options.keys,
    auth,
    bodyLimitBytes: options.bodyLimitBytes,
    rateLimit: options.rateLimit,
    onInternalError: options.onInternalError,
  });
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const fetch = async (request: Request, ...rest: unknown[]): Promise<Response> => {
    inFlight += 1;
    try {
      return await app.fetch(request, ...(rest as []));
    } finally {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    }
  };
  // Without `createServer`, @hono/node-server listens with a plain node:http Server.
  const server = await new Promise<Server>((resolve, reject) => {
    const instance = serve({ fetch, hostname: host, port: options.port ?? 8787 }, () =>
      resolve(instance as Server),
    );
    instance.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if (inFlight > 0) {
      const timeout = options.shutdownTimeoutMs ?? 10_000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeout);
        drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // Handlers are done; their responses may still be flushing. Drop connections as they turn idle, and cut
    // whatever is left after the timeout.
    const sweep = setInterval(() => server.closeIdleConnections(), 25);
    const cut = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs ?? 10_000);
    server.closeIdleConnections();
    try {
      await closed;
    } finally {
      clearInterval(sweep);
      clearTimeout(cut);
    }
  };

  return {
    url: `http://${urlHost}:${address.port}`,
    close() {
      closing ??= close();
      return closing;
    },
  };
}
