import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { createLogTableSql, LOG_TABLE_COLUMNS, loadLines } from '../src/main/fleet/logLoader';
import { generatedLines } from '../src/main/fleet/loadCommand';
import type { FleetAnalyseResult } from '../src/shared/schemas/fleet';
import { ANALYST_PASSWORD, startCluster } from '../test/integration/fleet/cluster';
import { apiCall, launchBrowser } from '../test/e2e/harness';
import { serve } from '../test/helpers/serveProcess';
import { procStatusKb, stopServer } from './dropReady';

/**
 * Fleet mode at scale (issue 17): N generated log rows (default 50,000,000; OD_FLEET_ROWS for a
 * quick run) loaded through the fleet loader into a real two-shard ClickHouse 18.16 cluster on
 * loopback, then a real `serve.js` with a fresh data folder analyses the whole range twice:
 *   api  POST /fleet/analyse, with the answer's own stage timings and wire bytes;
 *   ui   the Fleet view in Chromium: Analyse clicked → the first result rows on screen.
 * The desktop's peak RSS (VmHWM of serve.js, every thread) is reported over both. Loading is
 * setup and reported apart. The goal: features, training, scoring and the first rows on screen
 * within 5 minutes with the desktop under 300 MB.
 */

const DB = 'od';
const SEED = 1;
/** A fixed end for the generated log: runs see the same rows, sample and forest, so they compare. */
const END_MS = Date.UTC(2026, 0, 2);
/** Per-query memory of the shards' users: a fleet server's, not the test cluster's 1 GB. */
const SHARD_QUERY_MEMORY = Number(process.env.OD_FLEET_MEMORY ?? 8_000_000_000);
const UI_TIMEOUT_MS = 15 * 60_000;

const round = (x: number) => Math.round(x);
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);

function note(what: string, figures: unknown): void {
  process.stderr.write(`bench fleet_50m: ${what} ${JSON.stringify(figures)}\n`);
}

/** VmHWM of a process, sampled so a peak is kept even after the process ends. */
function peakWatcher(pid: number): { peakMb(): number | null; stop(): void } {
  let peak = 0;
  const sample = () => {
    const kb = procStatusKb(pid, 'VmHWM');
    if (kb !== null) peak = Math.max(peak, kb);
  };
  const timer = setInterval(sample, 200);
  timer.unref();
  return {
    peakMb: () => {
      sample();
      return peak ? Math.round(peak / 1024) : null;
    },
    stop: () => clearInterval(timer),
  };
}

/** `2024-05-01T12:00:00` in UTC: the datetime-local text of a whole second. */
const inputTime = (ms: number) => new Date(ms).toISOString().slice(0, 19);

async function uiAnalyse(page: Page, url: string, from: number, to: number): Promise<Record<string, unknown>> {
  await page.goto(`${url}#fleet`);
  const button = page.getByRole('button', { name: 'Analyse', exact: true });
  await button.waitFor();
  await page.fill('#fleet-from', inputTime(from));
  await page.fill('#fleet-to', inputTime(to));
  const answer = page.waitForResponse((r) => r.url().includes('/fleet/analyse'), { timeout: UI_TIMEOUT_MS });
  const t0 = performance.now();
  await button.click();
  await page.locator('.fleet-results [role="row"]').nth(1).waitFor({ timeout: UI_TIMEOUT_MS });
  const shownMs = performance.now() - t0;
  const r = (await (await answer).json()) as FleetAnalyseResult;
  return { analyse_to_rows_shown_ms: round(shownMs), server_total_ms: round(r.timings.total), scored: r.counts.scored };
}

export async function benchFleet50m(defaultRows = 50_000_000): Promise<Record<string, unknown>> {
  const rows = Number(process.env.OD_FLEET_ROWS ?? defaultRows);
  if (!Number.isSafeInteger(rows) || rows < 1000) throw new Error(`OD_FLEET_ROWS must be ≥ 1000, got ${rows}`);
  const out: Record<string, unknown> = { rows, shards: 2, shard_query_memory_bytes: SHARD_QUERY_MEMORY };
  const cluster = await startCluster(2, { maxMemoryBytes: SHARD_QUERY_MEMORY });
  try {
    const admin = cluster.nodes.map((_, k) => cluster.client(k));
    for (const c of admin) {
      await c.command({ query: `CREATE DATABASE ${DB}` });
      await c.command({ query: createLogTableSql(DB, 'logs_local') });
      await c.command({
        query: createLogTableSql(DB, 'logs', `Distributed(${cluster.name}, ${DB}, logs_local, cityHash64(ip))`),
      });
    }
    const tLoad = performance.now();
    const loaded = await loadLines(admin[0], generatedLines(rows, SEED, END_MS), {
      database: DB,
      table: 'logs',
      source: 'gen',
    });
    const loadMs = performance.now() - tLoad;
    const range = await admin[0].query({
      query: `SELECT min(ts_ms) AS lo, max(ts_ms) AS hi, count() AS n FROM ${DB}.logs`,
      format: 'JSONEachRow',
    });
    const [span] = await range.json<{ lo: string; hi: string; n: string }>();
    // Whole seconds, so the UI's datetime-local fields can say the same range.
    const from = Math.floor(Number(span.lo) / 1000) * 1000;
    const to = Math.ceil((Number(span.hi) + 1) / 1000) * 1000;
    out.load = {
      rows: loaded.rows,
      errors: loaded.errors,
      ms: round(loadMs),
      rows_per_s: Math.round(loaded.rows / (loadMs / 1000)),
      stored: Number(span.n),
      load_1_5_15: load(),
    };
    note('loaded', out.load);

    const server = await serve();
    const rss = peakWatcher(server.proc.pid!);
    try {
      const replicaUrls = Object.fromEntries(cluster.nodes.map((n) => [`127.0.0.1:${n.tcpPort}`, n.url]));
      const saved = await apiCall(server, 'PUT', '/fleet/connection', {
        url: cluster.nodes[0].url,
        username: 'analyst',
        password: ANALYST_PASSWORD,
        database: DB,
        table: 'logs',
        replicaUrls,
        columns: { ...LOG_TABLE_COLUMNS, method: 'method', path: 'path', bytes: 'bytes', userAgent: 'user_agent' },
      });
      if (saved.status !== 200) throw new Error(`saving the connection: ${saved.status} ${saved.text}`);

      const t0 = performance.now();
      const a = await apiCall(server, 'POST', '/fleet/analyse', { from, to, seed: SEED });
      const wallMs = performance.now() - t0;
      if (a.status !== 200) throw new Error(`analyse: ${a.status} ${a.text}`);
      const r = a.json() as FleetAnalyseResult;
      out.api = {
        wall_ms: round(wallMs),
        stages_ms: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, round(v)])),
        bytes: r.bytes,
        counts: r.counts,
        sample: r.sample,
        forest: { trees: r.forest.trees, sql_bytes: r.forest.sqlBytes, ast_elements: r.forest.astElements },
        rows_shown: r.rows.length,
        desktop_peak_rss_mb: rss.peakMb(),
        load_1_5_15: load(),
      };
      note('api', out.api);

      const browser = await launchBrowser();
      try {
        const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1280, height: 800 } });
        out.ui = { ...(await uiAnalyse(await context.newPage(), server.url, from, to)), load_1_5_15: load() };
        note('ui', out.ui);
      } finally {
        await browser.close();
      }
      out.desktop_peak_rss_mb = rss.peakMb();
      out.goal = { within_5_min: (out.ui as { analyse_to_rows_shown_ms: number }).analyse_to_rows_shown_ms <= 300_000 };
    } finally {
      rss.stop();
      await stopServer(server);
    }
  } finally {
    await cluster.stop();
  }
  out.load_1_5_15 = load();
  return out;
}
