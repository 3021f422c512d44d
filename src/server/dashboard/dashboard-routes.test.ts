// Tests of the dashboard asset routes: content types, security headers, and nothing outside the asset list.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createDashboardRoutes } from './dashboard-routes.js';

const app = createDashboardRoutes();

describe('createDashboardRoutes', () => {
  it('serves the page at / with a same-origin content security policy', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>Mnemo — memory dashboard</title>');
  });

  it.each([
    ['app.js', 'text/javascript; charset=utf-8'],
    ['api.js', 'text/javascript; charset=utf-8'],
    ['render.js', 'text/javascript; charset=utf-8'],
    ['working-set.js', 'text/javascript; charset=utf-8'],
    ['graph.js', 'text/javascript; charset=utf-8'],
    ['graph-panel.js', 'text/javascript; charset=utf-8'],
    ['sharing.js', 'text/javascript; charset=utf-8'],
    ['styles.css', 'text/css; charset=utf-8'],
  ])('serves /dashboard/%s as %s', async (file, type) => {
    const response = await app.request(`/dashboard/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(type);
  });

  it('serves the graph library from its installed package with the same security headers', async () => {
    const response = await app.request('/dashboard/vendor/cytoscape.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const installed = await readFile(
      new URL(import.meta.resolve('cytoscape/dist/cytoscape.esm.min.mjs')),
      'utf8',
    );
    expect(await response.text()).toBe(installed);
    expect(installed).toMatch(/export\s*\{\s*\w+ as default\s*\}/);
  });

  it.each([
    'vendor/secret.db',
    'vendor/..%2F..%2Fpackage.json',
    'vendor/cytoscape.min.js',
    'vendor/constructor',
    'vendor/__proto__',
    'cytoscape.js',
  ])('answers 404 for /dashboard/%s', async (file) => {
    const response = await app.request(`/dashboard/${file}`);
    expect(response.status).toBe(404);
  });

  it.each([
    'secret.db',
    '..%2F..%2Fpackage.json',
    'index.html.bak',
    // Names of Object.prototype: an asset table that is a plain object would "find" them (and fail with 500).
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
  ])('answers 404 for /dashboard/%s', async (file) => {
    const response = await app.request(`/dashboard/${file}`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('serves every file the page and its modules reference', async () => {
    const page = await (await app.request('/')).text();
    const referenced = [...page.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((match) => match[1]);
    for (const module of ['app.js', 'render.js', 'working-set.js', 'graph.js', 'graph-panel.js']) {
      const source = await (await app.request(`/dashboard/${module}`)).text();
      referenced.push(...[...source.matchAll(/(?:from |import\()'\.\/([^']+)'/g)].map((match) => match[1]));
    }
    expect(referenced).toEqual(
      expect.arrayContaining(['working-set.js', 'graph.js', 'graph-panel.js', 'vendor/cytoscape.js']),
    );
    for (const file of referenced) {
      expect((await app.request(`/dashboard/${file}`)).status, file).toBe(200);
    }
  });
});
