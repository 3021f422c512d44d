// What keeps a web page from using the server behind the user's back: JSON-only write bodies (no CORS
// "simple request" can write) and, without authentication, loopback-only Host and Origin (no DNS rebinding).
import type { Context, MiddlewareHandler } from 'hono';
import { MnemoError } from '../../core/errors.js';

/** True for 127.0.0.1 (any 127/8), ::1 and localhost, with or without brackets. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare);
}

/** True for `application/json` and `application/<anything>+json`, with or without parameters. */
export function isJsonContentType(header: string | undefined | null): boolean {
  if (header === undefined || header === null) return false;
  const type = header.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
}

/** The 415 every non-JSON body gets. */
export function unsupportedMediaType(header: string | undefined | null): MnemoError {
  return new MnemoError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: `Send request bodies as JSON with \`Content-Type: application/json\` (got ${header ? `"${header.slice(0, 100)}"` : 'no content type'}).`,
  });
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface BrowserGuardOptions {
  /**
   * Also refuse (403) any request whose `Host` is not a loopback name, or whose `Origin`, when present, is
   * not that same loopback origin: for servers without authentication, which only loopback may reach.
   */
  loopbackOnly: boolean;
}

/**
 * Middleware: a write (POST, PUT, PATCH, DELETE) that declares a content type other than JSON is refused with
 * 415 before anything else runs (`readJsonBody` refuses a non-empty body without one), so a cross-site form
 * or `text/plain` fetch cannot write. With `loopbackOnly`, Host and Origin must name this loopback server.
 *
 * @example
 * app.use('*', browserGuard({ loopbackOnly: !auth }));
 */
export function browserGuard(options: BrowserGuardOptions): MiddlewareHandler {
  return async (c, next) => {
    if (options.loopbackOnly) checkLoopback(c);
    const type = c.req.header('content-type');
    if (WRITE_METHODS.has(c.req.method) && type !== undefined && !isJsonContentType(type)) {
      throw unsupportedMediaType(type);
    }
    return next();
  };
}

function forbidden(message: string): MnemoError {
  return new MnemoError({ code: 'FORBIDDEN', message });
}

/** The Host the request was sent to: its header, else (in-process requests) the URL's authority. */
function requestHost(c: Context): string {
  return c.req.header('host') ?? new URL(c.req.url).host;
}

function hostnameOf(authority: string): string | undefined {
  try {
    return new URL(`http://${authority}`).hostname;
  } catch {
    return undefined;
  }
}

function checkLoopback(c: Context): void {
  const host = requestHost(c);
  const hostname = hostnameOf(host);
  if (hostname === undefined || !isLoopbackHost(hostname)) {
    throw forbidden(
      `This server runs without authentication and answers only requests addressed to localhost, 127.0.0.1 or [::1] (Host was "${host.slice(0, 100)}").`,
    );
  }
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  let allowed = false;
  try {
    const url = new URL(origin);
    allowed =
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      isLoopbackHost(url.hostname) &&
      url.host === new URL(`http://${host}`).host;
  } catch {
    allowed = false;
  }
  if (!allowed) {
    throw forbidden(
      `This server runs without authentication and answers only pages it serves itself (Origin was "${origin.slice(0, 100)}").`,
    );
  }
}
