// End-to-end test of the dashboard's graph view: memories seeded through the SDK on a real server on
// 127.0.0.1, drawn by cytoscape in Chromium, an entity's panel, the as-of date, search, merge and undo.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guardChromium,
  launchChromium,
  startDashboardServer,
  type TestServer,
} from '../test-support/dashboard-browser.js';
import { createRestFixture, type RestFixture } from '../test-support/rest-fixture.js';

const ARTIFACTS = path.resolve('test-artifacts');
const hasChromium = guardChromium('dashboard graph e2e');
const HOSTILE = 'Tom visited Rome <img src=x onerror="window.__pwned=1">';

/** What graph.js reports through `window.__mnemoGraph.snapshot()`. */
interface GraphSnapshot {
  nodes: { id: string; label: string; type: string; selected: boolean; x: number; y: number }[];
  edges: { id: string; source: string; target: string; label: string; closed: boolean }[];
}

describe.runIf(hasChromium)('dashboard graph e2e (Chromium)', () => {
  let fixture: RestFixture;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  const failedResponses: string[] = [];

  beforeAll(async () => {
    fixture = await createRestFixture();
    const scope = { tenantId: 'acme', userId: 'dana' };
    await fixture.memory.add('My sister Emma lives in Berlin.', { ...scope, observedAt: '2024-01-10' });
    await fixture.memory.add('Emma moved to Paris last month.', { ...scope, observedAt: '2024-06-05' });
    await fixture.memory.add('I met Emmy at the café.', { ...scope, observedAt: '2024-06-20' });
    await fixture.memory.add(HOSTILE, { ...scope, observedAt: '2024-07-01' });
    server = await startDashboardServer(fixture, { auth: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Content-Security-Policy violations are reported as console errors.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('request', (request) => requests.push(request.url()));
    page.on('response', (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${response.url()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fixture?.cleanup();
  });

  const status = () => page.locator('#status');
  const panel = () => page.locator('#graph-panel');
  const snapshot = () =>
    page.evaluate(
      () =>
        (
          globalThis as unknown as { __mnemoGraph?: { snapshot(): GraphSnapshot } }
        ).__mnemoGraph?.snapshot() ?? {
          nodes: [],
          edges: [],
        },
    );
  const labels = async () => (await snapshot()).nodes.map((node) => node.label).sort();
  const edgesBetween = async (source: string, target: string) => {
    const { nodes, edges } = await snapshot();
    const id = (label: string) => nodes.find((node) => node.label === label)?.id;
    return edges.filter((edge) => edge.source === id(source) && edge.target === id(target));
  };

  it('serves the graph library from the server itself as JavaScript under the same policy', async () => {
    const response = await fetch(`${server.url}/dashboard/vendor/cytoscape.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('lf.version="3.35.0"');
  });

  it('draws the entities as nodes by type and the relations as edges labelled by predicate', async () => {
    await page.goto(`${server.url}/`);
    await page.getByLabel('API key').fill(fixture.secrets.acmeWrite);
    await page.getByLabel('User id').fill('dana');
    await page.getByLabel('User id').press('Enter');
    await expect.poll(() => status().textContent()).toBe('Showing memories of dana.');
    await page.getByRole('button', { name: 'Graph', exact: true }).click();
    expect(await page.locator('#memories-view').isHidden()).toBe(true);
    expect(await page.getByRole('button', { name: 'Graph', exact: true }).getAttribute('aria-pressed')).toBe(
      'true',
    );

    await expect.poll(labels).toEqual(expect.arrayContaining(['Berlin', 'Emma', 'Emmy', 'Paris']));
    const { nodes } = await snapshot();
    const typeOf = (label: string) => nodes.find((node) => node.label === label)?.type;
    expect([typeOf('Emma'), typeOf('Berlin'), typeOf('Paris')]).toEqual(['person', 'place', 'place']);
    expect(await edgesBetween('Emma', 'Berlin')).toEqual([
      expect.objectContaining({ label: 'lives in (until 2024-05-01)', closed: true }),
    ]);
    expect(await edgesBetween('Emma', 'Paris')).toEqual([
      expect.objectContaining({ label: 'lives in', closed: false }),
    ]);
    expect(await page.locator('#graph-summary').textContent()).toMatch(/relations \(1 closed, dashed\)/);
    expect(await page.locator('#graph-entities button').allTextContents()).toContainEqual(
      expect.stringMatching(/^Emma\s*person$/),
    );
  }, 30_000);

  it('opens the panel of an entity clicked on the canvas: relations over time and their memories', async () => {
    const emma = (await snapshot()).nodes.find((node) => node.label === 'Emma');
    expect(emma).toBeDefined();
    await page.mouse.click(emma!.x, emma!.y);
    await expect.poll(() => panel().isVisible()).toBe(true);
    expect(await page.locator('#graph-panel-heading').textContent()).toBe('Emmaperson');
    expect(await panel().locator('.aliases').textContent()).toBe("dana's sister");
    expect(await panel().locator('dd time').allTextContents()).toEqual(['2024-01-10', '2024-06-05']);
    await expect
      .poll(async () => (await snapshot()).nodes.find((node) => node.label === 'Emma')?.selected)
      .toBe(true);

    const livesIn = panel()
      .locator('.relation')
      .filter({ has: page.locator('.relation-text', { hasText: 'lives in' }) });
    const [berlin, paris] = [livesIn.nth(0), livesIn.nth(1)];
    expect(await livesIn.locator('.relation-text').allTextContents()).toEqual([
      'Emma lives in Berlin',
      'Emma lives in Paris',
    ]);
    expect(await paris.getAttribute('class')).toContain('current');
    expect(await paris.locator('.validity').textContent()).toBe('current since 2024-05-01');
    expect(await berlin.getAttribute('class')).toContain('closed');
    expect(await berlin.locator('.validity').textContent()).toBe(
      'closed 2024-01-10 → 2024-05-01 · closed by Emma lives in Paris said 2024-06-05',
    );

    await expect
      .poll(() => berlin.locator('.source-memory').textContent())
      .toBe('My sister Emma lives in Berlin. said 2024-01-10');
    await expect
      .poll(() => paris.locator('.source-memory').textContent())
      .toBe('Emma moved to Paris last month. said 2024-06-05');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-graph.png'), fullPage: true });
  }, 30_000);

  it('renders names and memory text as text, never as HTML', async () => {
    await page.locator('#graph-entities button', { hasText: 'Tom' }).click();
    await expect.poll(() => page.locator('#graph-panel-heading').textContent()).toBe('Tomperson');
    await expect.poll(() => panel().locator('.source-memory .text').textContent()).toBe(HOSTILE);
    expect(await panel().locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
  }, 30_000);

  it('redraws the graph as of a date', async () => {
    await page.getByLabel('As of').fill('2024-03-01');
    await expect.poll(labels).not.toContain('Paris');
    expect(await edgesBetween('Emma', 'Berlin')).toEqual([
      expect.objectContaining({ label: 'lives in', closed: false }),
    ]);
    expect(await page.locator('#graph-summary').textContent()).toContain('as of 2024-03-01');

    await page.getByLabel('As of').fill('2024-05-15');
    await expect.poll(() => edgesBetween('Emma', 'Paris')).toHaveLength(1);
    expect(await edgesBetween('Emma', 'Berlin')).toEqual([]);

    await page.getByRole('button', { name: 'Now', exact: true }).click();
    await expect.poll(() => edgesBetween('Emma', 'Berlin')).toHaveLength(1);
    expect(await page.getByLabel('As of').inputValue()).toBe('');
  }, 30_000);

  it('filters the graph to the entities a search finds and what they relate to', async () => {
    await page.getByLabel('Find entities').fill('Berlin');
    await page.getByLabel('Find entities').press('Enter');
    await expect.poll(labels).toEqual(['Berlin', 'Emma']);
    expect(await page.locator('#graph-summary').textContent()).toContain('matching “Berlin”');
    await page.getByLabel('Find entities').fill('');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(labels).toContain('Paris');
  }, 30_000);

  it('merges an entity into another, lists the merge and undoes it', async () => {
    await page.locator('#graph-entities button', { hasText: 'Emmy' }).click();
    await expect.poll(() => page.locator('#graph-panel-heading').textContent()).toBe('Emmyperson');
    await page.getByLabel('Merge Emmy into…').selectOption({ label: 'Emma (person)' });
    await panel().getByRole('button', { name: 'Merge', exact: true }).click();
    await expect.poll(() => status().textContent()).toMatch(/^Merged Emmy into Emma\./);
    await expect.poll(() => page.locator('#graph-panel-heading').textContent()).toBe('Emmaperson');
    expect(await labels()).not.toContain('Emmy');
    expect(await panel().locator('.aliases').textContent()).toContain('Emmy');
    const merge = panel().locator('.merge-list li', { hasText: 'Emmy' });
    expect(await merge.textContent()).toMatch(/^Emmy merged in \d{4}-\d{2}-\d{2} by /);

    await panel().getByRole('button', { name: 'Undo merge of Emmy' }).click();
    await expect.poll(() => status().textContent()).toMatch(/^Undid the merge of Emmy/);
    await expect.poll(labels).toContain('Emmy');
    await expect.poll(() => merge.textContent()).toContain('undone');
    expect(await panel().getByRole('button', { name: 'Undo merge of Emmy' }).count()).toBe(0);
    expect(await panel().locator('.aliases').textContent()).not.toContain('Emmy');
  }, 30_000);

  it('loads nothing from outside 127.0.0.1 and reports no errors or policy violations', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith(`${server.url}/`))).toEqual([]);
    expect(requests).toContain(`${server.url}/dashboard/vendor/cytoscape.js`);
    expect(failedResponses).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
