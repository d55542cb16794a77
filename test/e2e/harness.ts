import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import { request } from '../helpers/http';
import { serve, type Served } from '../helpers/serveProcess';

export { serve, type Served };

/** A JSON request to a served app's API with its token (setup and checks beside the browser). */
export function apiCall(server: Served, method: string, path: string, body?: unknown) {
  return request(Number(new URL(server.origin).port), method, path, {
    headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

import { ROOT } from '../helpers/serveProcess';

export { ROOT };
export const RESULTS = join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** Console errors and uncaught exceptions of one page, for the test to assert on. */
export interface ConsoleTrack {
  /** `console.error` texts (Chromium's "Failed to load resource" lines with ` at <url>`) and `pageerror: ` messages. */
  readonly errors: string[];
  /** Fails unless every error so far matches one of `allowed`; the patterns also count as allowed for later checks. */
  assertClean(allowed?: RegExp[]): void;
}

export function trackConsole(page: Page): ConsoleTrack {
  const errors: string[] = [];
  const allowedSoFar: RegExp[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium's failed-request line does not name the resource; add it so a test can allow exactly one.
    const text = m.text();
    errors.push(text.startsWith('Failed to load resource') ? `${text} at ${m.location().url}` : text);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return {
    errors,
    assertClean(allowed = []) {
      allowedSoFar.push(...allowed);
      const unexpected = errors.filter((e) => !allowedSoFar.some((re) => re.test(e)));
      expect(unexpected, `console errors on ${page.url()}`).toEqual([]);
    },
  };
}

/**
 * A page whose console errors and uncaught exceptions fail the test that opened it, checked when
 * the test finishes. A test that provokes an error on purpose calls `track.assertClean([pattern])`.
 * Call it inside a test (the check hooks onto that test); elsewhere use `trackConsole`.
 */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<{ page: Page; errors: string[]; track: ConsoleTrack }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const track = trackConsole(page);
  onTestFinished(() => track.assertClean());
  await page.goto(url);
  return { page, errors: track.errors, track };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * A fresh `serve` (its own data directory) and a Chromium for the tests of one `describe`:
 * registers its own beforeAll/afterAll; read `server` and `browser` inside the tests.
 */
export function servedBrowser(): { readonly server: Served; readonly browser: Browser } {
  const ctx = {} as { server: Served; browser: Browser };
  beforeAll(async () => {
    ctx.server = await serve();
    ctx.browser = await launchBrowser();
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}
