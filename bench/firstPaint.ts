import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../test/e2e/harness';
import { seed } from '../test/e2e/seed';
import { serve, type Served } from '../test/helpers/serveProcess';
import { tempDir } from '../test/helpers/tmp';
import { dropPageCache } from './pageCache';

export interface View {
  hash: string;
  /** Resolves when the view shows its data. */
  ready: (page: Page) => Promise<unknown>;
}

export const VIEWS: Record<'overview' | 'anomalies', View> = {
  overview: { hash: '#overview', ready: (p) => p.locator('canvas').first().waitFor({ timeout: 120_000 }) },
  anomalies: {
    hash: '#anomalies',
    ready: (p) => p.locator('[role="grid"] [role="row"]').nth(1).waitFor({ timeout: 120_000 }),
  },
};

/** Milliseconds from navigation until the view shows its data. */
export async function visit(page: Page, server: Served, view: View): Promise<number> {
  const start = performance.now();
  await page.goto(`${server.url}${view.hash}`);
  await view.ready(page);
  return Math.round(performance.now() - start);
}

/**
 * `visit`, with when each request of the page started and ended (ms from navigation), so a slow
 * first paint shows what it waited for.
 */
export async function visitTraced(
  page: Page,
  server: Served,
  view: View,
): Promise<{
  ms: number;
  requests: Array<{ path: string; start: number; end: number | null }>;
  /** Once every request of the page but its event stream has ended: when the last one ended (ms from navigation). */
  settled: () => Promise<number>;
}> {
  const start = performance.now();
  const at = () => Math.round(performance.now() - start);
  const requests: Array<{ path: string; start: number; end: number | null }> = [];
  const byRequest = new Map<unknown, { path: string; start: number; end: number | null }>();
  page.on('request', (r) => {
    const url = new URL(r.url());
    url.searchParams.delete('token'); // the page's own URL carries the one-time hand-over
    const entry = { path: url.pathname + url.search, start: at(), end: null };
    byRequest.set(r, entry);
    requests.push(entry);
  });
  const ended = (r: unknown) => {
    const entry = byRequest.get(r);
    if (entry) entry.end = at();
  };
  page.on('requestfinished', ended);
  page.on('requestfailed', ended);
  await page.goto(`${server.url}${view.hash}`);
  await view.ready(page);
  const settled = async () => {
    const pending = () => requests.filter((r) => r.end === null && !r.path.startsWith('/events'));
    const until = performance.now() + SETTLE_TIMEOUT_MS;
    while (pending().length) {
      if (performance.now() > until) throw new Error(`requests still open: ${pending().map((r) => r.path)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return requests.reduce((last, r) => Math.max(last, r.end ?? 0), 0);
  };
  // A copy: the page's later requests (scrolling, searching) are not part of its first visit.
  return { ms: at(), requests: [...requests], settled };
}

/** Longest a page's requests may stay open after its first paint before `settled` gives up. */
const SETTLE_TIMEOUT_MS = 120_000;

export const newPage = (browser: Browser) => browser.newPage({ viewport: { width: 1280, height: 800 } });

/**
 * First paint of the UI with a large scored database: seeds `rows` scored entries, then times
 * (from navigation) the Overview's chart and the first rows of the Anomalies view in Debian's
 * Chromium, both ways:
 * - cold: for each view, a fresh `serve` process on a database evicted from the OS page cache
 *   and a fresh Chromium (empty profile and HTTP cache), first visit;
 * - warm: the same server and page after one visit of that view, the second visit.
 */
export async function benchFirstPaint(rows = 1_000_000): Promise<Record<string, number | string>> {
  const tmp = tempDir('od-bench-ui-');
  try {
    const t0 = performance.now();
    seed(tmp.dir, { rows });
    const seedMs = performance.now() - t0;
    const dbFiles = () => readdirSync(tmp.dir).map((f) => join(tmp.dir, f));
    let method = '';

    const cold = async (view: View): Promise<number> => {
      method = dropPageCache(dbFiles());
      const server = await serve({ dataDir: tmp.dir });
      const browser = await launchBrowser();
      try {
        return await visit(await newPage(browser), server, view);
      } finally {
        await browser.close();
        await server.stop();
      }
    };
    const coldOverview = await cold(VIEWS.overview);
    const coldAnomalies = await cold(VIEWS.anomalies);

    const server = await serve({ dataDir: tmp.dir });
    const browser = await launchBrowser();
    try {
      const page = await newPage(browser);
      const warm = async (view: View) => {
        await visit(page, server, view);
        return visit(page, server, view);
      };
      return {
        rows,
        seed_ms: Math.round(seedMs),
        cold_cache_drop: method,
        overview_cold_ms: coldOverview,
        anomalies_cold_ms: coldAnomalies,
        overview_warm_ms: await warm(VIEWS.overview),
        anomalies_warm_ms: await warm(VIEWS.anomalies),
      };
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    tmp.cleanup();
  }
}
