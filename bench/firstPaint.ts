import { launchBrowser } from '../test/e2e/harness';
import { seed } from '../test/e2e/seed';
import { serve } from '../test/helpers/serveProcess';
import { tempDir } from '../test/helpers/tmp';

/**
 * First paint of the UI with a large scored database: seeds `rows` scored entries, starts
 * `serve` on them, and times (from navigation) the Overview's numbers and the first rows of
 * the Anomalies view in Debian's Chromium.
 */
export async function benchFirstPaint(rows = 1_000_000): Promise<Record<string, number>> {
  const tmp = tempDir('od-bench-ui-');
  try {
    const t0 = performance.now();
    seed(tmp.dir, { rows });
    const seedMs = performance.now() - t0;
    const server = await serve({ dataDir: tmp.dir });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const time = async (hash: string, ready: () => Promise<unknown>) => {
        const start = performance.now();
        await page.goto(`${server.url}${hash}`);
        await ready();
        return Math.round(performance.now() - start);
      };
      // Warm-up: the SQLite page cache of a freshly started server.
      await time('#overview', () => page.getByText('Entries', { exact: false }).first().waitFor());
      const overviewMs = await time('#overview', () => page.locator('canvas').first().waitFor({ timeout: 120_000 }));
      const anomaliesMs = await time('#anomalies', () =>
        page.locator('[role="grid"] [role="row"]').nth(1).waitFor({ timeout: 120_000 }),
      );
      return {
        rows,
        seed_ms: Math.round(seedMs),
        overview_first_paint_ms: overviewMs,
        anomalies_first_paint_ms: anomaliesMs,
      };
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    tmp.cleanup();
  }
}
