// Serves the web dashboard's static assets: `/` is the page, `/dashboard/<file>` its scripts and stylesheet.
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { MnemoError } from '../../core/errors.js';

/** The folder of the dashboard assets; the same depth from src/server/dashboard and dist/server/dashboard. */
export const DEFAULT_DASHBOARD_DIR = new URL('../../../assets/dashboard/', import.meta.url);

/**
 * The files the dashboard serves; nothing else in the folder is reachable. A Map, not an object literal, so
 * that `constructor` or `__proto__` are just names it does not hold (404), not the object's prototype.
 */
const assetFiles = new Map<string, string>([
  ['index.html', 'text/html; charset=utf-8'],
  ['app.js', 'text/javascript; charset=utf-8'],
  ['api.js', 'text/javascript; charset=utf-8'],
  ['render.js', 'text/javascript; charset=utf-8'],
  ['working-set.js', 'text/javascript; charset=utf-8'],
  ['styles.css', 'text/css; charset=utf-8'],
]);

/** Same-origin only: no inline script, no third-party anything, no framing. */
const securityHeaders: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export interface DashboardRoutesOptions {
  /** Where the assets are. Default: the package's `assets/dashboard/`. */
  assetsDir?: URL | undefined;
}

/**
 * The dashboard routes, to mount in front of the REST app (`app.route('/', createDashboardRoutes())`).
 * Files are read on first request and then kept in memory.
 *
 * @example
 * const app = new Hono();
 * app.route('/', createDashboardRoutes());
 * app.route('/', createRestApp({ memory, keys }));
 */
export function createDashboardRoutes(options: DashboardRoutesOptions = {}): Hono {
  const dir = options.assetsDir ?? DEFAULT_DASHBOARD_DIR;
  const cache = new Map<string, Promise<string>>();

  const load = (name: string): Promise<string> => {
    let content = cache.get(name);
    if (content === undefined) {
      content = readFile(new URL(name, dir), 'utf8').catch((error: unknown) => {
        cache.delete(name);
        throw new MnemoError({
          code: 'INTERNAL',
          message: `The dashboard asset ${name} is missing from ${dir.pathname}; reinstall the package.`,
          cause: error,
        });
      });
      cache.set(name, content);
    }
    return content;
  };

  const serveAsset = async (name: string): Promise<Response> => {
    const type = assetFiles.get(name);
    if (type === undefined) {
      return Response.json(
        { error: { code: 'NOT_FOUND', message: `No dashboard file ${name}` } },
        { status: 404 },
      );
    }
    const body = await load(name);
    return new Response(body, { headers: { 'content-type': type, ...securityHeaders } });
  };

  const app = new Hono();
  app.get('/', () => serveAsset('index.html'));
  app.get('/dashboard', (c) => c.redirect('/'));
  app.get('/dashboard/:file', (c) => serveAsset(c.req.param('file')));
  return app;
}
