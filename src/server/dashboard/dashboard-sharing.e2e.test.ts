// End-to-end test of the dashboard's Sharing view: spaces, grants and audited operations seeded through the
// SDK on a real server on 127.0.0.1, shown in Chromium, the audit trail filtered, and the view at 390 px.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MnemoError } from '../../core/errors.js';
import {
  guardChromium,
  launchChromium,
  startDashboardServer,
  type TestServer,
} from '../test-support/dashboard-browser.js';
import { createRestFixture, type RestFixture } from '../test-support/rest-fixture.js';

const ARTIFACTS = path.resolve('test-artifacts');
const hasChromium = guardChromium('dashboard sharing e2e');
const tenantId = 'acme';
const HOSTILE = 'Runbooks <img src=x onerror="window.__pwned=1">';

/**
 * The text of every cell of the rows of a table, by row, as rendered: `innerText`, so that list items and
 * badges read apart as on screen (and the column labels of narrow screens, pseudo-elements, stay out).
 */
function rowsOf(page: Page, selector: string): Promise<string[][]> {
  return page.locator(`${selector} tbody tr`).evaluateAll((rows) =>
    rows.map((row) =>
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is asserted.
      [...row.querySelectorAll('td')].map((cell) => cell.innerText.replace(/\s+/g, ' ').trim()),
    ),
  );
}

describe.runIf(hasChromium)('dashboard sharing e2e (Chromium)', () => {
  let fixture: RestFixture;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    fixture = await createRestFixture();
    const { memory } = fixture;
    await memory.spaces.create({ tenantId, name: 'research', description: 'What the research agents found' });
    await memory.spaces.create({ tenantId, name: 'ops', description: HOSTILE });
    const grant = (
      type: 'agent' | 'user',
      id: string,
      target: 'space' | 'user',
      targetId: string,
      role: string,
    ) =>
      memory.grants.grant({
        tenantId,
        principal: { type, id },
        target: { type: target, id: targetId },
        role: role as 'read' | 'write' | 'admin',
      });
    await grant('agent', 'writer', 'space', 'research', 'write');
    await grant('agent', 'reader', 'space', 'research', 'read');
    await grant('user', 'carol', 'space', 'ops', 'admin');
    await grant('agent', 'support', 'user', 'bob', 'read');
    // Audited operations: the writer over MCP, the reader over REST (a read, then a refused write), and bob.
    await memory.add('The assay works best at 37 degrees', {
      tenantId,
      spaceId: 'research',
      kind: 'fact',
      caller: { surface: 'mcp', boundAgentId: 'writer' },
    });
    await memory.search('assay', {
      tenantId,
      spaceId: 'research',
      caller: { surface: 'rest', boundAgentId: 'reader' },
    });
    const refused = await memory
      .add('Reader tries to write', {
        tenantId,
        spaceId: 'research',
        kind: 'fact',
        caller: { surface: 'rest', boundAgentId: 'reader' },
      })
      .catch((error: unknown) => error);
    expect(refused instanceof MnemoError && refused.code === 'FORBIDDEN').toBe(true);
    await memory.add('Bob likes green tea', { tenantId, userId: 'bob', kind: 'fact' });
    await memory.add('Alice adopted a border collie named Pixel, who loves the beach at Nazaré', {
      tenantId,
      userId: 'alice',
    });

    server = await startDashboardServer(fixture, { auth: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fixture?.cleanup();
  });

  /** Opens the dashboard on `tab` with `key` and switches to the Sharing view. */
  async function openSharing(tab: Page, key: string): Promise<void> {
    await tab.goto(`${server.url}/`);
    await tab.getByLabel('API key').fill(key);
    await tab.getByLabel('User id').fill('alice');
    await tab.getByLabel('User id').press('Enter');
    await expect.poll(() => tab.locator('#status').textContent()).toBe('Showing memories of alice.');
    await tab.getByRole('button', { name: 'Sharing' }).click();
    await expect.poll(() => tab.locator('#sharing-view').isVisible()).toBe(true);
  }

  it('shows the tenant’s spaces with name, id, description and who has access', async () => {
    await openSharing(page, fixture.secrets.acmeAdmin);
    await expect.poll(() => page.locator('#status').textContent()).toBe('2 spaces, 4 grants.');
    expect(await rowsOf(page, '#spaces-list')).toEqual([
      ['ops', 'ops', HOSTILE, 'user:carol admin', 'Audit trail'],
      [
        'research',
        'research',
        'What the research agents found',
        'agent:writer write agent:reader read',
        'Audit trail',
      ],
    ]);
    // Text stays text: the description's markup is shown, not run.
    expect(await page.locator('#spaces-list img').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
  }, 30_000);

  it('shows who can do what: every grant on spaces and users with principal, target and role', async () => {
    expect(await rowsOf(page, '#grants-list')).toEqual([
      [
        expect.stringMatching(/^user:carol$/),
        'space ops',
        'admin',
        expect.stringMatching(/^\d{4}-\d{2}-\d{2} /),
      ],
      ['agent:writer', 'space research', 'write', expect.any(String)],
      ['agent:reader', 'space research', 'read', expect.any(String)],
      ['agent:support', 'user’s memory bob', 'read', expect.any(String)],
    ]);
    expect(
      await page.locator('#grants-list tr[data-principal="agent:support"]').getAttribute('data-target'),
    ).toBe('user:bob');
  }, 30_000);

  it('shows the audit trail newest first: time, principal, surface, action, operation, scope, count', async () => {
    const rows = await rowsOf(page, '#audit-rows');
    const columns = (row: string[]) => row.slice(1);
    expect(rows.map(columns)).toContainEqual(['agent:writer', 'mcp', 'write', 'add', 'space:research', '1']);
    expect(rows.map(columns)).toContainEqual([
      'agent:reader',
      'rest',
      'read',
      'search',
      'space:research',
      '1',
    ]);
    expect(rows.map(columns)).toContainEqual(['user:bob', 'sdk', 'write', 'add', 'user:bob', '1']);
    const denied = rows.find((row) => row[3] === 'denied');
    expect(denied?.slice(1, 3)).toEqual(['agent:reader', 'rest']);
    expect(denied?.[4]).toMatch(/^add.*holds "read" on space "research"/);
    expect(rows.map(columns)).toContainEqual([
      'owner',
      'sdk',
      'admin',
      expect.stringMatching(/^space\.create/),
      'space:research',
      '1',
    ]);
    const times = await page
      .locator('#audit-rows tbody tr time:first-child')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('datetime') ?? ''));
    expect(times.length).toBe(rows.length);
    expect([...times].sort().reverse()).toEqual(times);
    expect(await page.locator('#audit-count').textContent()).toBe(`${rows.length} rows shown`);
  }, 30_000);

  it('filters the audit trail by space, by scope and by action', async () => {
    await page.getByLabel('Space', { exact: true }).selectOption('research');
    expect(await page.getByLabel('User', { exact: true }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(async () => (await rowsOf(page, '#audit-rows')).every((row) => row[5] === 'space:research'))
      .toBe(true);
    const research = await rowsOf(page, '#audit-rows');
    expect(research.map((row) => row[4]?.split(' ')[0])).toEqual(
      expect.arrayContaining(['add', 'search', 'grant', 'space.create']),
    );

    await page.getByLabel('Action', { exact: true }).selectOption('denied');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(async () => (await rowsOf(page, '#audit-rows')).map((row) => row[3]))
      .toEqual(['denied']);

    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => page.getByLabel('User', { exact: true }).isDisabled()).toBe(false);
    await page.getByLabel('User', { exact: true }).fill('bob');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(async () => (await rowsOf(page, '#audit-rows')).map((row) => row[5]))
      .toEqual(expect.arrayContaining(['user:bob']));
    expect((await rowsOf(page, '#audit-rows')).every((row) => row[5]?.startsWith('user:bob'))).toBe(true);

    // A space's own button narrows the trail to it.
    await page.getByRole('button', { name: 'Show the audit trail of space ops' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Audit trail of space ops.');
    expect(await page.getByLabel('Space', { exact: true }).inputValue()).toBe('ops');
    expect((await rowsOf(page, '#audit-rows')).every((row) => row[5] === 'space:ops')).toBe(true);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-sharing.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 30_000);

  it('stays usable at 390 px wide: nothing wider than the screen, every row readable', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await openSharing(phone, fixture.secrets.acmeAdmin);
      await phone.getByRole('button', { name: 'Memories' }).click();
      // The memory table is wider than a phone: it scrolls inside its panel, the page keeps the screen's width.
      await expect.poll(() => phone.locator('#memories tbody tr').count()).toBe(1);
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await phone.getByRole('button', { name: 'Sharing' }).click();
      await expect.poll(async () => (await rowsOf(phone, '#audit-rows')).length).toBeGreaterThan(3);
      expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      for (const selector of ['#spaces-list', '#grants-list', '#audit-rows', '#audit-form']) {
        const box = await phone.locator(selector).boundingBox();
        expect(box, selector).not.toBeNull();
        expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 390, selector).toBe(true);
      }
      // No cell's content runs past it (long ids and descriptions wrap).
      const overflowing = await phone
        .locator('#sharing-view td')
        .evaluateAll((cells) =>
          cells.filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent),
        );
      expect(overflowing).toEqual([]);
      // Each cell is labelled with its column on a narrow screen.
      const label = await phone.evaluate(
        "getComputedStyle(document.querySelector('#audit-rows tbody tr td:nth-child(2)'), '::before').content",
      );
      expect(label).toBe('"Principal"');
      await phone.getByLabel('Space', { exact: true }).selectOption('research');
      await phone.getByRole('button', { name: 'Filter' }).click();
      await expect
        .poll(async () => (await rowsOf(phone, '#audit-rows')).every((row) => row[5] === 'space:research'))
        .toBe(true);
      await phone.screenshot({ path: path.join(ARTIFACTS, 'dashboard-sharing-390.png'), fullPage: true });
    } finally {
      await phone.close();
    }
  }, 30_000);

  it('shows spaces and grants to a write key, and why its audit trail is refused', async () => {
    const tab = await browser.newPage();
    try {
      await openSharing(tab, fixture.secrets.acmeWrite);
      await expect.poll(async () => (await rowsOf(tab, '#spaces-list')).length).toBe(2);
      expect((await rowsOf(tab, '#grants-list')).length).toBe(4);
      await expect
        .poll(() => tab.locator('#audit-rows [role="alert"]').textContent())
        .toMatch(/role "write".*needs "admin"/);
    } finally {
      await tab.close();
    }
  }, 30_000);
});
