// Test support for the dashboard's Chromium tests: the Chromium guard, the dashboard in front of the REST app
// on 127.0.0.1, and the browser launch every dashboard e2e file shares.
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type Browser, chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { createDashboardRoutes } from '../dashboard/dashboard-routes.js';
import { createRestApp } from '../rest/create-rest-app.js';
import type { RestFixture } from './rest-fixture.js';

export const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

/**
 * Whether the Chromium tests of a file can run. Without Chromium they are left out with a message, and a guard
 * test fails in CI: a missing browser must fail the build, not silently drop the tests.
 *
 * @example
 * describe.runIf(guardChromium('dashboard graph e2e'))('dashboard graph e2e (Chromium)', () => { … });
 */
export function guardChromium(suite: string): boolean {
  if (!hasChromium && !inCi) {
    console.warn(
      `[${suite}] SKIPPED: no Chromium at ${CHROMIUM}; install it with \`apt-get install -y chromium\`.`,
    );
  }
  // Runs everywhere, so no run reports it skipped; it fails only in CI without a browser.
  it(`${suite}: Chromium is there wherever CI runs`, () => {
    expect(
      hasChromium || !inCi,
      `CI=true but ${CHROMIUM} is missing: .ci/run must \`apt-get install -y chromium\`.`,
    ).toBe(true);
  });
  return hasChromium;
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/** The REST app with the dashboard mounted in front of it, as `mnemo serve` wires them, on 127.0.0.1. */
export async function startDashboardServer(
  fixture: RestFixture,
  options: { auth: boolean },
): Promise<TestServer> {
  const app = new Hono();
  app.route('/', createDashboardRoutes());
  app.route(
    '/',
    options.auth
      ? createRestApp({ memory: fixture.memory, keys: fixture.keys })
      : createRestApp({ memory: fixture.memory, auth: false }),
  );
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const instance = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(instance));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

/** Debian's Chromium, headless, with its own network chatter (updates, sync) switched off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
