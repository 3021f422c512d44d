// End-to-end test of the dashboard: a real server on 127.0.0.1 with a temp SQLite store, driven by Chromium.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  guardChromium,
  launchChromium,
  startDashboardServer,
  type TestServer,
} from '../test-support/dashboard-browser.js';
import { createRestFixture, type RestFixture } from '../test-support/rest-fixture.js';

const ARTIFACTS = path.resolve('test-artifacts');
const hasChromium = guardChromium('dashboard e2e');

/** Whether a <dialog> is open. */
function isOpen(dialog: Locator): Promise<boolean> {
  return dialog.evaluate((node) => (node as unknown as { open: boolean }).open);
}

describe.runIf(hasChromium)('dashboard e2e (Chromium)', () => {
  let fixture: RestFixture;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    fixture = await createRestFixture();
    server = await startDashboardServer(fixture, { auth: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await fixture?.cleanup();
  });

  const memoryRows = () => page.locator('#memories tbody tr');
  const status = () => page.locator('#status');

  it('connects with an API key and user id (Enter submits)', async () => {
    await page.goto(`${server.url}/`);
    await page.getByLabel('API key').fill(fixture.secrets.acmeWrite);
    await page.getByLabel('User id').fill('alice');
    await page.getByLabel('User id').press('Enter');
    await expect.poll(() => status().textContent()).toBe('Showing memories of alice.');
    expect(await page.evaluate("sessionStorage.getItem('mnemo.apiKey')")).toBe(fixture.secrets.acmeWrite);
    await expect.poll(() => page.locator('#memories').textContent()).toContain('Nothing is remembered');
  }, 30_000);

  it('adds a memory through the UI and lists it under its kind with date and source', async () => {
    await page
      .getByLabel('New memory', { exact: true })
      .fill('I adopted a border collie named Pixel last Tuesday');
    await page.getByRole('button', { name: 'Add memory' }).click();
    await expect.poll(() => status().textContent()).toBe('Added 1 memory.');
    await expect.poll(() => memoryRows().count()).toBe(1);
    const row = memoryRows().first();
    expect(await row.locator('.text').textContent()).toBe(
      'I adopted a border collie named Pixel last Tuesday',
    );
    expect(await page.locator('#memories h3').first().textContent()).toContain('episode');
    expect(await row.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await row.textContent()).toContain('user');
  }, 30_000);

  it('renders memory text as text, never as HTML', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    await page.getByLabel('New memory', { exact: true }).fill(hostile);
    await page.getByLabel('New memory', { exact: true }).press('Enter');
    await expect.poll(() => memoryRows().count()).toBe(2);
    expect(await page.locator('#memories img').count()).toBe(0);
    expect(await page.locator('#memories .text', { hasText: hostile }).count()).toBe(1);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
  }, 30_000);

  it('searches with an explanation of every signal', async () => {
    await page.getByLabel('Query').fill('border collie');
    await page.getByLabel('Query').press('Enter');
    const first = page.locator('#search-results li').first();
    await expect
      .poll(() => first.locator('.text').textContent())
      .toBe('I adopted a border collie named Pixel last Tuesday');
    await first.locator('summary').click();
    const explanation = first.locator('.explanation');
    for (const signal of ['Lexical (BM25)', 'Vector', 'Fusion', 'Recency', 'Importance']) {
      expect(await explanation.textContent()).toContain(signal);
    }
    expect(await explanation.locator('caption').textContent()).toMatch(/^Score \d\.\d{4} = /);
    expect(await explanation.textContent()).toMatch(/Matched terms: .*(border|colli)/);
  }, 30_000);

  it('edits a memory as a supersession and shows the old version retired in history', async () => {
    const row = memoryRows().filter({ hasText: 'Pixel' });
    await row.getByRole('button', { name: /^Edit memory/ }).click();
    const dialog = page.locator('#edit-dialog');
    expect(await isOpen(dialog)).toBe(true);
    await page.getByLabel('New text', { exact: true }).fill('I adopted a border collie named Biscuit');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => status().textContent())
      .toMatch(/^Updated\. The old version .*Pixel.* was retired/);
    await expect.poll(() => memoryRows().filter({ hasText: 'Biscuit' }).count()).toBe(1);
    expect(await memoryRows().filter({ hasText: 'Pixel' }).count()).toBe(0);

    await memoryRows()
      .filter({ hasText: 'Biscuit' })
      .getByRole('button', { name: /^History/ })
      .click();
    const history = page.locator('#history-dialog');
    await expect.poll(() => isOpen(history)).toBe(true);
    expect(await history.locator('del').allTextContents()).toContain(
      'I adopted a border collie named Pixel last Tuesday',
    );
    expect(await history.textContent()).toContain('retired version');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-history.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => isOpen(history)).toBe(false);

    await page.getByLabel('Show retired versions').check();
    await expect.poll(() => memoryRows().filter({ hasText: 'Pixel' }).count()).toBe(1);
    expect(await memoryRows().filter({ hasText: 'Pixel' }).locator('.retired-badge').count()).toBe(1);
  }, 30_000);

  it('shows the timeline view and takes a screenshot', async () => {
    await page.getByLabel('Timeline').check();
    await expect.poll(() => page.locator('#memories .timeline > li').count()).toBeGreaterThan(0);
    expect(await page.locator('#memories .timeline h3 time').first().textContent()).toMatch(
      /^\d{4}-\d{2}-\d{2}$/,
    );
    await page.getByLabel('By kind').check();
    await page.getByLabel('Query').fill('border collie');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('#search-results summary').first().click();
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  }, 30_000);

  it('forgets a memory after a confirm step: gone from the list and from search', async () => {
    const row = memoryRows().filter({ hasText: 'Biscuit' });
    await row.getByRole('button', { name: /^Forget memory/ }).click();
    const dialog = page.locator('#forget-dialog');
    expect(await isOpen(dialog)).toBe(true);
    // Cancel first: nothing is forgotten.
    await page.keyboard.press('Escape');
    expect(await memoryRows().filter({ hasText: 'Biscuit' }).count()).toBe(1);
    await row.getByRole('button', { name: /^Forget memory/ }).click();
    await dialog.getByRole('button', { name: 'Forget', exact: true }).click();
    await expect.poll(() => status().textContent()).toMatch(/^Forgot 2 version\(s\)/);
    await expect
      .poll(() =>
        memoryRows()
          .filter({ hasText: /Biscuit|Pixel/ })
          .count(),
      )
      .toBe(0);
    await expect.poll(() => page.locator('#search-results').textContent()).not.toContain('collie');

    const response = await fetch(`${server.url}/v1/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.secrets.acmeWrite}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'border collie', userId: 'alice' }),
    });
    const body = (await response.json()) as { results: { memory: { text: string } }[] };
    expect(body.results.map((result) => result.memory.text).join(' ')).not.toMatch(/collie/);
    expect(pageErrors).toEqual([]);
  }, 30_000);

  const restGet = async (path: string) => {
    const response = await fetch(`${server.url}${path}`, {
      headers: { authorization: `Bearer ${fixture.secrets.acmeWrite}` },
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('creates a core block, refuses an edit past its limit with the server error, then edits within it', async () => {
    const dialog = page.locator('#core-dialog');
    await page.getByRole('button', { name: 'New block' }).click();
    expect(await isOpen(dialog)).toBe(true);
    await page.getByLabel('Block label').fill('persona');
    await page.getByLabel('Block value').fill('Answer briefly.');
    await page.getByLabel('Limit (characters)').fill('30');
    await page.getByRole('button', { name: 'Save block' }).click();
    await expect.poll(() => status().textContent()).toBe('Saved core block persona.');
    const row = page.locator('#core-blocks tr[data-label="persona"]');
    await expect.poll(() => row.locator('.text').textContent()).toBe('Answer briefly.');
    expect(await row.textContent()).toContain('15 / 30 characters');
    await expect
      .poll(() => page.locator('#memories h3').allTextContents())
      .toContainEqual(expect.stringMatching(/^core/));

    const tooLong = 'Answer briefly, in Portuguese, citing every source.';
    await page.getByRole('button', { name: 'Edit core block persona' }).click();
    await page.getByLabel('Block value').fill(tooLong);
    expect(await page.locator('#core-count').textContent()).toBe(
      `${tooLong.length} / 30 characters — ${tooLong.length - 30} over the limit`,
    );
    await page.getByRole('button', { name: 'Save block' }).click();
    await expect
      .poll(() => page.locator('#core-error').textContent())
      .toContain('holds at most 30 characters');
    expect(await status().getAttribute('data-kind')).toBe('error');
    expect(await isOpen(dialog)).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => isOpen(dialog)).toBe(false);
    expect(await row.locator('.text').textContent()).toBe('Answer briefly.');
    expect((await restGet('/v1/core/persona?userId=alice')).json.value).toBe('Answer briefly.');

    await page.getByRole('button', { name: 'Edit core block persona' }).click();
    expect(await page.locator('#core-error').textContent()).toBe('');
    await page.getByLabel('Block value').fill(tooLong);
    await page.getByLabel('Limit (characters)').fill('80');
    await page.getByRole('button', { name: 'Save block' }).click();
    await expect.poll(() => row.locator('.text').textContent()).toBe(tooLong);
    expect(await row.textContent()).toContain(`${tooLong.length} / 80 characters`);
  }, 30_000);

  it('deletes a core block', async () => {
    await page.getByRole('button', { name: 'New block' }).click();
    await page.getByLabel('Block label').fill('scratch');
    await page.getByLabel('Block value').fill('temporary');
    await page.getByLabel('Block value').press('Enter');
    await expect.poll(() => page.locator('#core-blocks tr[data-label="scratch"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Delete core block scratch' }).click();
    await expect.poll(() => status().textContent()).toMatch(/^Deleted core block scratch/);
    expect(await page.locator('#core-blocks tr[data-label="scratch"]').count()).toBe(0);
    expect((await restGet('/v1/core/scratch?userId=alice')).status).toBe(404);
  }, 30_000);

  it('sets, shows and deletes working-memory entries of a session', async () => {
    await page.getByLabel('Session id').fill('trip-1');
    await page.getByRole('button', { name: 'Show session' }).click();
    await expect
      .poll(() => page.locator('#working-entries').textContent())
      .toBe('This session has no working memory.');
    await page.getByLabel('Entry key').fill('plan');
    await page.getByLabel('Entry value').fill('{"step": 2, "todo": ["book ferry"]}');
    await page.getByRole('button', { name: 'Set entry' }).click();
    const plan = page.locator('#working-entries tr[data-key="plan"]');
    await expect.poll(() => plan.locator('code').textContent()).toBe('{"step":2,"todo":["book ferry"]}');
    await page.getByLabel('Entry key').fill('note');
    await page.getByLabel('Entry value').fill('call the harbour');
    await page.getByLabel('Expires after (seconds, optional)').fill('3600');
    await page.getByRole('button', { name: 'Set entry' }).click();
    const note = page.locator('#working-entries tr[data-key="note"]');
    await expect.poll(() => note.locator('code').textContent()).toBe('"call the harbour"');
    expect(await note.textContent()).not.toContain('never');
    const { json } = await restGet('/v1/working?userId=alice&sessionId=trip-1');
    expect((json.entries as { key: string }[]).map((entry) => entry.key)).toEqual(['note', 'plan']);

    await page.getByRole('button', { name: 'Delete working entry note' }).click();
    await expect.poll(() => note.count()).toBe(0);
    expect(await plan.count()).toBe(1);
  }, 30_000);

  it('sets a profile slot, shows the server error for a bad one, and unsets it', async () => {
    await page.getByLabel('Slot (topic.slot)').fill('food.allergies');
    await page.getByLabel('Slot value').fill('peanuts');
    await page.getByRole('button', { name: 'Set slot' }).click();
    const slot = page.locator('#profile-slots tr[data-path="food.allergies"]');
    await expect.poll(() => slot.locator('.text').textContent()).toBe('peanuts');
    await expect
      .poll(() => page.locator('#memories h3').allTextContents())
      .toContainEqual(expect.stringMatching(/^profile/));

    await page.getByLabel('Slot (topic.slot)').fill('food');
    await page.getByLabel('Slot value').fill('sardines');
    await page.getByRole('button', { name: 'Set slot' }).click();
    await expect.poll(() => status().textContent()).toMatch(/topic.*slot/);
    expect(await status().getAttribute('data-kind')).toBe('error');

    await page.getByRole('button', { name: 'Unset profile slot food.allergies' }).click();
    await expect.poll(() => page.locator('#profile-slots').textContent()).toBe('No profile slots yet.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-working-set.png'), fullPage: true });
  }, 30_000);

  it('edits a memory keeping its time by default, or with a new said-at time', async () => {
    await page.getByLabel('New memory', { exact: true }).fill('I live in Porto');
    await page.getByRole('button', { name: 'Add memory' }).click();
    const porto = memoryRows().filter({ hasText: 'I live in Porto' });
    await expect.poll(() => porto.count()).toBe(1);
    const saidAt = await porto.locator('time').getAttribute('datetime');

    await porto.getByRole('button', { name: /^Edit memory/ }).click();
    expect(await page.getByLabel(/Keep its time/).isChecked()).toBe(true);
    expect(await page.getByLabel('Said at (UTC)').isDisabled()).toBe(true);
    await page.getByLabel('New text', { exact: true }).fill('I live in Braga');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const braga = memoryRows().filter({ hasText: 'I live in Braga' });
    await expect.poll(() => braga.count()).toBe(1);
    expect(await braga.locator('time').getAttribute('datetime')).toBe(saidAt);

    await braga.getByRole('button', { name: /^Edit memory/ }).click();
    await page.getByLabel('Give it a new “said at” time').check();
    await page.getByLabel('Said at (UTC)').fill('2024-06-05T12:00');
    await page.getByLabel('New text', { exact: true }).fill('I live in Lisbon');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const lisbon = memoryRows().filter({ hasText: 'I live in Lisbon' });
    await expect.poll(() => lisbon.count()).toBe(1);
    expect(await lisbon.locator('time').getAttribute('datetime')).toBe('2024-06-05T12:00:00.000Z');
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('pages through a long list with the API cursor (Load more)', async () => {
    for (let index = 1; index <= 23; index += 1) {
      await fixture.memory.add(`Note number ${index} about the garden`, { tenantId: 'acme', userId: 'bob' });
    }
    await page.getByLabel('User id').fill('bob');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => memoryRows().count()).toBe(20);
    expect(await page.locator('#memory-count').textContent()).toBe('20 memories shown, more available');
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => memoryRows().count()).toBe(23);
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);
    const texts = await page.locator('#memories .text').allTextContents();
    expect(new Set(texts).size).toBe(23);
  }, 30_000);

  it('works without a key when the server runs without auth', async () => {
    const open = await startDashboardServer(fixture, { auth: false });
    const tab = await browser.newPage();
    try {
      await tab.goto(`${open.url}/`);
      await tab.getByLabel('User id').fill('carol');
      await tab.getByLabel('User id').press('Enter');
      await expect.poll(() => tab.locator('#status').textContent()).toBe('Showing memories of carol.');
      await tab.getByLabel('New memory', { exact: true }).fill('Carol plays the cello');
      await tab.getByRole('button', { name: 'Add memory' }).click();
      await expect
        .poll(() => tab.locator('#memories .text').allTextContents())
        .toEqual(['Carol plays the cello']);
    } finally {
      await tab.close();
      await open.close();
    }
  }, 30_000);

  it('reports a wrong API key in the status line', async () => {
    await page.getByLabel('API key').fill('mnemo_wrong_key');
    await page.getByRole('button', { name: 'Open' }).click();
    await expect.poll(() => status().textContent()).toMatch(/Unknown API key.*Enter a valid API key/);
  }, 30_000);
});
