// Serves the web dashboard's static assets: `/` is the page, `/dashboard/<file>` its scripts and stylesheet,
// `/dashboard/vendor/<file>` the browser builds of its libraries from their installed packages.
import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { MnemoError } from '../../core/errors.js';

/** The folder of the dashboard assets; the same depth from src/server/dashboard and dist/server/dashboard. */
export const DEFAULT_DASHBOARD_DIR = new URL('../../../assets/dashboard/', import.meta.url);

const JAVASCRIPT = 'text/javascript; charset=utf-8';

/**
 * The files the dashboard serves; nothing else in the folder is reachable. A Map, not an object literal, so
 * that `constructor` or `__proto__` are just names it does not hold (404), not the object's prototype.
 */
const assetFiles = new Map<string, string>([
  ['index.html', 'text/html; charset=utf-8'],
  ['app.js', JAVASCRIPT],
  ['api.js', JAVASCRIPT],
  ['render.js', JAVASCRIPT],
  ['working-set.js', JAVASCRIPT],
  ['graph.js', JAVASCRIPT],
  ['graph-panel.js', JAVASCRIPT],
  ['sharing.js', JAVASCRIPT],
  ['styles.css', 'text/css; charset=utf-8'],
]);

/**
 * Libraries the page loads, by the name it asks for under /dashboard/vendor/: the module specifier of the
 * browser build in the installed package (its version pinned in package.json), so nothing comes from a CDN.
 * cytoscape's package exports its ESM build only under the `import` condition, which is why these are
 * resolved with `import.meta.resolve` rather than `createRequire`.
 */
const vendorFiles = new Map<string, { type: string; specifier: string }>([
  ['cytoscape.js', { type: JAVASCRIPT, specifier: 'cytoscape/dist/cytoscape.esm.min.mjs' }],
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

/** A servable file: its content type, where it is, and what to say when it is not there. */
interface DashboardFile {
  type: string;
  locate: () => URL;
  missing: string;
}

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

  /** Reads a file once (`locate` runs on its first request, not at startup) and keeps it. */
  const load = (key: string, file: DashboardFile): Promise<string> => {
    let content = cache.get(key);
    if (content === undefined) {
      content = Promise.resolve()
        .then(() => readFile(file.locate(), 'utf8'))
        .catch((error: unknown) => {
          cache.delete(key);
          throw new MnemoError({ code: 'INTERNAL', message: file.missing, cause: error });
        });
      cache.set(key, content);
    }
    return content;
  };

  /** The file with its content type and security headers, or 404 when it is not one of the listed files. */
  const serve = async (key: string, file: DashboardFile | undefined): Promise<Response> => {
    if (file === undefined) {
      return Response.json(
        { error: { code: 'NOT_FOUND', message: `No dashboard file ${key}` } },
        { status: 404 },
      );
    }
    const body = await load(key, file);
    return new Response(body, { headers: { 'content-type': file.type, ...securityHeaders } });
  };

  const asset = (name: string): DashboardFile | undefined => {
    const type = assetFiles.get(name);
    if (type === undefined) return undefined;
    return {
      type,
      locate: () => new URL(name, dir),
      missing: `The dashboard asset ${name} is missing from ${dir.pathname}; reinstall the package.`,
    };
  };

  const vendor = (name: string): DashboardFile | undefined => {
    const library = vendorFiles.get(name);
    if (library === undefined) return undefined;
    return {
      type: library.type,
      locate: () => new URL(import.meta.resolve(library.specifier)),
      missing: `The dashboard library ${library.specifier} is not installed; run \`npm install\` in the package.`,
    };
  };

  const app = new Hono();
  app.get('/', () => serve('index.html', asset('index.html')));
  app.get('/dashboard', (c) => c.redirect('/'));
  app.get('/dashboard/vendor/:file', (c) => {
    const name = c.req.param('file');
    return serve(`vendor/${name}`, vendor(name));
  });
  app.get('/dashboard/:file', (c) => {
    const name = c.req.param('file');
    return serve(name, asset(name));
  });
  return app;
}
