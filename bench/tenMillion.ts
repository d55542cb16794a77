import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/e2e/harness';
import { request } from '../test/helpers/http';
import { serve, type Served } from '../test/helpers/serveProcess';
import { tempDir } from '../test/helpers/tmp';
import { DB_FILE, dropAndWait, lnavOnce, procCpuMs, procPeakRssKb, procStatusKb, stopServer } from './dropReady';
import { newPage, visitTraced, VIEWS } from './firstPaint';
import { writeBigLog } from './ingest';

/** A word of a few user agents in the reference log (Wget/1.12–1.14, 6 lines in 10,000). */
const UA_WORD = 'wget';
/** Long waits (the search index, a 10M-row training) give up after this. */
const PHASE_TIMEOUT_MS = 40 * 60_000;
const UI_TIMEOUT_MS = 300_000;
/** The server is killed past this resident size, to keep a shared machine out of the OOM killer's way. */
const RSS_LIMIT_KB = 12 * 1024 * 1024;
/** Server training runs: the first (no live model yet) and one retraining. */
const TRAIN_RUNS = 2;

const round = (x: number) => Math.round(x * 10) / 10;
const mb = (kb: number | null) => (kb === null ? null : Math.round(kb / 1024));

/** `uptime`'s load averages, with the time they were read, so each figure has its machine load beside it. */
function load(): { at: string; load_1_5_15: number[] } {
  return { at: new Date().toISOString(), load_1_5_15: loadavg().map((l) => Math.round(l * 100) / 100) };
}

/** Progress on stderr while the section runs (its JSON goes to stdout at the end). */
function note(what: string, figures: unknown): void {
  process.stderr.write(`bench drop_ready_10m: ${what} ${JSON.stringify(figures)}\n`);
}

/**
 * Peak RSS of a process by phase: the kernel's high-water mark (VmHWM, every thread: the ML
 * workers too), reset between phases through /proc/<pid>/clear_refs where that is writable (else
 * each phase reports the peak so far). Sampled every 250 ms as well, so a process killed for its
 * memory still leaves its last peak.
 */
class PeakRss {
  private readonly timer: NodeJS.Timeout;
  private phasePeakKb = 0;
  private overallKb = 0;
  resettable = true;
  /** Set when the process went past RSS_LIMIT_KB and was killed. */
  killedAtKb: number | null = null;

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 250);
    this.timer.unref();
  }

  private sample(): void {
    const now = procStatusKb(this.pid, 'VmRSS');
    if (now !== null && now > RSS_LIMIT_KB && this.killedAtKb === null) {
      this.killedAtKb = now;
      process.kill(this.pid, 'SIGKILL');
    }
    const kb = procPeakRssKb(this.pid);
    if (kb === null) return;
    this.phasePeakKb = Math.max(this.phasePeakKb, kb);
    this.overallKb = Math.max(this.overallKb, kb);
  }

  /** The peak since the last call (MB), then a new phase. */
  phase(): number | null {
    this.sample();
    const peak = this.phasePeakKb;
    this.phasePeakKb = 0;
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      this.resettable = false;
    }
    return peak ? mb(peak) : null;
  }

  get overallMb(): number | null {
    this.sample();
    return this.overallKb ? mb(this.overallKb) : null;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The training progress events of GET /events, each stage with when it was first seen (ms since `since`). */
class TrainingStages {
  private readonly seen: Array<{ stage: string; ms: number }> = [];
  private since = performance.now();
  private readonly close: () => void;

  constructor(server: Served) {
    const req = httpRequest({
      host: '127.0.0.1',
      port: Number(new URL(server.origin).port),
      path: '/events',
      headers: { Authorization: `Bearer ${server.token}` },
    });
    let buffer = '';
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        buffer += text;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event);
          if (!event.startsWith('event: training-progress') || !data) continue;
          const { stage } = JSON.parse(data[1]) as { stage: string };
          if (this.seen.at(-1)?.stage !== stage) this.seen.push({ stage, ms: performance.now() - this.since });
        }
      });
    });
    req.on('error', () => undefined);
    req.end();
    this.close = () => req.destroy();
  }

  start(): void {
    this.seen.length = 0;
    this.since = performance.now();
  }

  /** Each stage and how long it lasted, until `endMs`. */
  durations(endMs: number): Record<string, number> {
    const out: Record<string, number> = {};
    this.seen.forEach((s, i) => {
      if (s.stage === 'done') return;
      const next = this.seen[i + 1]?.ms ?? endMs;
      out[s.stage] = Math.round((out[s.stage] ?? 0) + next - s.ms);
    });
    return out;
  }

  stop(): void {
    this.close();
  }
}

/** The server's structured log lines (LOG_LEVEL=info): warnings and errors, and those whose message is in `keep`. */
function serverLog(server: Served, keep: RegExp): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let rest = '';
  server.proc.stdout!.on('data', (d: Buffer) => {
    rest += String(d);
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      try {
        const rec = JSON.parse(line) as Record<string, unknown>;
        if (Number(rec.level) >= 40 || (typeof rec.msg === 'string' && keep.test(rec.msg))) lines.push(rec);
      } catch {
        // not a log line
      }
    }
  });
  return lines;
}

/** Runs one measurement; a failure is recorded as `{ error }` and the run goes on. */
async function attempt<T>(what: string, out: Record<string, unknown>, fn: () => Promise<T>): Promise<T | null> {
  try {
    const r = await fn();
    out[what] = r;
    note(what, r);
    return r;
  } catch (err) {
    out[what] = { error: (err as Error).message.split('\n')[0] };
    note(what, out[what]);
    return null;
  }
}

const dbBytes = (dataDir: string) => {
  const size = (f: string) => (existsSync(f) ? statSync(f).size : 0);
  const file = join(dataDir, DB_FILE);
  return { file: size(file), wal: size(`${file}-wal`) };
};

/** Polls `ok` every 10 ms until it holds; throws after UI_TIMEOUT_MS naming `what`. */
async function until(ok: () => Promise<boolean>, what: string): Promise<void> {
  const t = performance.now();
  while (!(await ok())) {
    if (performance.now() - t > UI_TIMEOUT_MS) throw new Error(`${what}: not shown after ${UI_TIMEOUT_MS} ms`);
    await sleep(10);
  }
}

const grid = (page: Page) => page.getByRole('grid', { name: 'Scored entries' });
const rowAt = (page: Page, index: number) => grid(page).locator(`[role="row"][aria-rowindex="${index + 2}"]`);

/** CPU share below which the server counts as idle, over IDLE_PROBE_MS. */
const IDLE_SHARE = 0.05;
const IDLE_PROBE_MS = 1000;
/** Longest wait for the server to become idle (then the views are visited anyway). */
const IDLE_TIMEOUT_MS = 5 * 60_000;

/**
 * Waits until the process `pid` used under IDLE_SHARE of a core for a whole probe (at most
 * IDLE_TIMEOUT_MS); says how long it waited and whether it saw the process idle.
 */
async function untilIdle(pid: number): Promise<{ waited_ms: number; idle: boolean | 'unknown' }> {
  const t0 = performance.now();
  const waited = () => Math.round(performance.now() - t0);
  let before = procCpuMs(pid);
  while (performance.now() - t0 < IDLE_TIMEOUT_MS) {
    await sleep(IDLE_PROBE_MS);
    const now = procCpuMs(pid);
    if (before === null || now === null) return { waited_ms: waited(), idle: 'unknown' };
    if (now - before < IDLE_SHARE * IDLE_PROBE_MS) return { waited_ms: waited(), idle: true };
    before = now;
  }
  return { waited_ms: waited(), idle: false };
}

/**
 * End in the Anomalies list: from the keypress until the list's last row is shown with its
 * entry, wholly inside the scroller's viewport.
 */
async function pressEnd(page: Page): Promise<Record<string, unknown>> {
  const total = Number(await grid(page).getAttribute('aria-rowcount')) - 1;
  if (!(total > 0)) throw new Error(`the list has ${total} rows`);
  await grid(page).focus();
  const t = performance.now();
  await page.keyboard.press('End');
  const last = rowAt(page, total - 1);
  const shown = async () => {
    if ((await last.count()) !== 1 || (await last.getAttribute('data-id')) === null) return false;
    return page.locator('.vt-scroll').evaluate((el, index) => {
      const box = el.getBoundingClientRect();
      const r = el.querySelector(`[role="row"][aria-rowindex="${index}"]`)?.getBoundingClientRect();
      return !!r && r.top >= box.top - 0.5 && r.bottom <= box.top + el.clientHeight + 0.5;
    }, total + 1);
  };
  await until(shown, `the last row (${total}) after End`);
  const ms = performance.now() - t;
  const scroller = await page
    .locator('.vt-scroll')
    .evaluate((el) => ({ scrollHeight: el.scrollHeight, atEnd: el.scrollHeight - el.clientHeight - el.scrollTop < 1 }));
  return {
    rows: total,
    last_row_ms: Math.round(ms),
    last_row_id: Number(await last.getAttribute('data-id')),
    spacer_px: scroller.scrollHeight,
    scrollbar_at_end: scroller.atEnd,
  };
}

/** The Search field of the Anomalies view: from Enter until the answer to the search arrives and the list shows it. */
async function uiSearch(page: Page, q: string): Promise<Record<string, unknown>> {
  const field = page.locator('#filter-q');
  await field.fill(q);
  const t = performance.now();
  const answered = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/anomalies' && new URL(r.url()).searchParams.get('q') === q,
    { timeout: UI_TIMEOUT_MS },
  );
  await field.press('Enter');
  const res = await answered;
  const responseMs = performance.now() - t;
  const body = (await res.json()) as { total: number };
  const none = page.getByText('Nothing matches this filter');
  await until(
    async () =>
      body.total === 0
        ? none.isVisible()
        : (await grid(page).getAttribute('aria-rowcount', { timeout: UI_TIMEOUT_MS })) === String(body.total + 1),
    'the searched list',
  );
  if (body.total > 0) await rowAt(page, 0).locator('[role="gridcell"]').first().waitFor({ timeout: UI_TIMEOUT_MS });
  return {
    q,
    matches_flagged: body.total,
    response_ms: Math.round(responseMs),
    shown_ms: Math.round(performance.now() - t),
  };
}

/** One API call's time and answer (the token in its header, as the UI sends it). */
async function timedGet(server: Served, path: string): Promise<{ ms: number; body: unknown }> {
  const t = performance.now();
  const r = await request(Number(new URL(server.origin).port), 'GET', path, {
    headers: { Authorization: `Bearer ${server.token}` },
  });
  const ms = round(performance.now() - t);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text.slice(0, 200)}`);
  return { ms, body: r.json() };
}

/**
 * 10,000,000 lines end to end (`--only drop_ready_10m`, not in the default run): the 1M bench's
 * generated combined log at 10M lines (~2.4 GB, streamed to disk), dropped on a real `serve.js`
 * in a fresh data directory, then: every line stored, features current, the search index built,
 * two trainings through POST /model/train_models (each stage's time from GET /events), every
 * entry scored, then in Chromium the Overview and the Anomalies view's first paint, End in the
 * list until its last row shows, a search in the list, the Incidents view; the same through the
 * API; lnav's open-and-count of the file. Peak RSS of the server per phase and overall; the
 * database's size per line; the load averages along the way (the machine may be shared). Needs
 * ~2.4 GB for the log and ~4 GB for the database (+0.6 GB of WAL), ~6 GB of memory in the server
 * while it trains, and about 20 minutes.
 */
export async function benchTenMillion(lines = 10_000_000): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { lines };
  const loads: Record<string, unknown> = { start: load() };
  out.load = loads;
  const logDir = tempDir('od-bench-10m-log-');
  const data = tempDir('od-bench-10m-data-');
  const log = join(logDir.dir, 'access.log');
  try {
    let t = performance.now();
    out.file_bytes = await writeBigLog(log, lines);
    out.generate_ms = Math.round(performance.now() - t);
    note('generated', { bytes: out.file_bytes, ms: out.generate_ms });
    loads.generated = load();

    // The engine logs at info, so the 'model trained' line (with the worker's timings) can be read.
    process.env.LOG_LEVEL = 'info';
    const server = await serve({ dataDir: data.dir });
    const pid = server.proc.pid!;
    const logged = serverLog(server, /^(model trained|features recomputed|entries outside the span rescored)$/);
    const rss = new PeakRss(pid);
    const stages = new TrainingStages(server);
    const rssByPhase: Record<string, number | null> = {};
    const cpuByPhase: Record<string, number | null> = {};
    let cpuMark = procCpuMs(pid);
    const endPhase = (name: string) => {
      rssByPhase[name] = rss.phase();
      const cpu = procCpuMs(pid);
      cpuByPhase[name] = cpu === null || cpuMark === null ? null : Math.round(cpu - cpuMark);
      cpuMark = cpu;
      loads[name] = load();
    };
    endPhase('startup');
    try {
      // Drop → every line listed → features current.
      const drop = await dropAndWait(server, log, lines);
      endPhase('import');
      out.import = {
        lines_ms: Math.round(drop.linesMs),
        ready_ms: Math.round(drop.readyMs),
        features_after_lines_ms: Math.round(drop.readyMs - drop.linesMs),
        lines_per_s_to_ready: Math.round(lines / (drop.readyMs / 1000)),
        server_cpu_ms: drop.cpuMs === null ? null : Math.round(drop.cpuMs),
        db_bytes_at_ready: dbBytes(data.dir),
      };
      note('import', out.import);

      // The search index, built in the background once the read ended.
      await attempt('search_index', out, async () => {
        const db = new Database(join(data.dir, DB_FILE), { readonly: true, fileMustExist: true });
        try {
          const upto = db.prepare('SELECT upto FROM search_state').pluck();
          const top = db.prepare('SELECT max(id) FROM logs').pluck().get() as number;
          const t0 = performance.now();
          while ((upto.get() as number) < top) {
            if (performance.now() - t0 > PHASE_TIMEOUT_MS) throw new Error(`index at ${String(upto.get())} of ${top}`);
            await sleep(250);
          }
          return {
            after_ready_ms: Math.round(performance.now() - t0),
            words: db.prepare('SELECT count(*) FROM search_words').pluck().get(),
            db_bytes: dbBytes(data.dir),
          };
        } finally {
          db.close();
        }
      });
      endPhase('search_index');

      // Training through the API (it answers when the new model is live and every entry scored).
      const port = Number(new URL(server.origin).port);
      const trainings: Array<Record<string, unknown>> = [];
      out.training = trainings;
      for (let run = 0; run < TRAIN_RUNS; run++) {
        stages.start();
        t = performance.now();
        const r = await request(port, 'POST', '/model/train_models', {
          headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' },
          body: '{}',
        });
        const ms = performance.now() - t;
        endPhase(`train_${run + 1}`);
        const fig: Record<string, unknown> = { request_ms: Math.round(ms), status: r.status };
        if (r.status !== 200) fig.error = r.text.slice(0, 300);
        fig.stages_ms = stages.durations(ms);
        // The log line may come through the pipe just after the answer.
        for (let k = 0; k < 100 && logged.filter((l) => l.msg === 'model trained').length <= run; k++) await sleep(20);
        const trained = logged.filter((l) => l.msg === 'model trained')[run];
        if (trained) fig.server_log = { ms: trained.ms, rows: trained.rows, timings: trained.timings };
        fig.peak_rss_mb = rssByPhase[`train_${run + 1}`];
        fig.server_cpu_ms = cpuByPhase[`train_${run + 1}`];
        // A span-only training goes live first and rescores the older entries in the background:
        // wait until every entry has the new version's scores.
        if (r.status === 200) {
          const db = new Database(join(data.dir, DB_FILE), { readonly: true, fileMustExist: true });
          try {
            const current = db.prepare(
              'SELECT count(*) FROM scores WHERE model_version = (SELECT max(version) FROM models)',
            );
            const t1 = performance.now();
            while ((current.pluck().get() as number) < lines) {
              if (performance.now() - t1 > PHASE_TIMEOUT_MS) throw new Error('the background rescoring did not end');
              await sleep(500);
            }
            fig.all_rescored_after_ms = Math.round(performance.now() - t1);
          } finally {
            db.close();
          }
          endPhase(`rescore_${run + 1}`);
          fig.rescore_peak_rss_mb = rssByPhase[`rescore_${run + 1}`];
          fig.rescore_server_cpu_ms = cpuByPhase[`rescore_${run + 1}`];
          const rescored = logged.filter((l) => l.msg === 'entries outside the span rescored')[run];
          if (rescored) fig.background_rescore = { rows: rescored.rows, ms: rescored.ms };
        }
        trainings.push(fig);
        note(`training ${run + 1}`, fig);
        if (r.status !== 200) break;
      }
      const db = new Database(join(data.dir, DB_FILE), { readonly: true, fileMustExist: true });
      out.scores = db
        .prepare(
          `SELECT count(*) AS scored, sum(is_anomaly) AS flagged, count(DISTINCT model_version) AS versions
           FROM scores`,
        )
        .get();
      db.close();
      note('scores', out.scores);

      // The UI in Chromium on the trained database: each view's first visit in a fresh browser.
      const ui: Record<string, unknown> = {};
      out.ui = ui;
      const browser = await launchBrowser();
      try {
        await attempt('overview_first_paint_ms', ui, async () => {
          const overview = await newPage(browser);
          const traced = await visitTraced(overview, server, VIEWS.overview);
          ui.overview_requests = traced.requests;
          // Each view's first visit is timed on its own: the Overview's later requests (its
          // counts, incidents, models) end before the next view is opened.
          ui.overview_settled_ms = await traced.settled();
          await overview.close();
          return traced.ms;
        });
        const page = await newPage(browser);
        await attempt('anomalies_first_rows_ms', ui, async () => {
          const traced = await visitTraced(page, server, VIEWS.anomalies);
          ui.anomalies_requests = traced.requests;
          return traced.ms;
        });
        await attempt('anomalies_end', ui, () => pressEnd(page));
        await attempt('anomalies_search', ui, () => uiSearch(page, UA_WORD));
        await attempt('incidents_first_rows_ms', ui, async () => {
          const p = await newPage(browser);
          const start = performance.now();
          await p.goto(`${server.url}#incidents`);
          await p
            .getByRole('grid', { name: 'Incidents' })
            .locator('[role="row"][aria-rowindex="2"]')
            .waitFor({ timeout: UI_TIMEOUT_MS });
          return Math.round(performance.now() - start);
        });
      } finally {
        await browser.close();
      }
      endPhase('ui');

      // The same answers through the API, now warm.
      const api: Record<string, unknown> = {};
      out.api = api;
      const q = encodeURIComponent(UA_WORD);
      await attempt('overview_ms', api, async () => (await timedGet(server, '/overview')).ms);
      await attempt('anomalies_first_page_ms', api, async () => (await timedGet(server, '/anomalies?limit=200')).ms);
      await attempt('search_flagged', api, async () => {
        const r = await timedGet(server, `/anomalies?q=${q}`);
        return { ms: r.ms, total: (r.body as { total: number }).total };
      });
      await attempt('search_all_entries', api, async () => {
        const r = await timedGet(server, `/anomalies?q=${q}&onlyFlagged=false`);
        return { ms: r.ms, total: (r.body as { total: number }).total };
      });
      await attempt('incidents_first_page', api, async () => {
        const r = await timedGet(server, '/incidents');
        const b = r.body as { total: number; flagged: number };
        return { ms: r.ms, incidents: b.total, flagged: b.flagged };
      });
      endPhase('api');

      // Each view's first visit again once the engine is idle: right after a retraining the
      // visits above share the two cores with its aftermath (the incidents' rebuild, the WAL's
      // checkpoint); an analyst who opens the app later gets these.
      const quiet: Record<string, unknown> = {};
      out.ui_quiet = quiet;
      quiet.engine = await untilIdle(server.proc.pid!);
      const later = await launchBrowser();
      try {
        // In the same order as above: the Overview first in a new browser, then the Anomalies.
        for (const [name, view] of [
          ['overview_first_paint_ms', VIEWS.overview],
          ['anomalies_first_rows_ms', VIEWS.anomalies],
        ] as const) {
          await attempt(name, quiet, async () => {
            const p = await newPage(later);
            const traced = await visitTraced(p, server, view);
            await traced.settled();
            await p.close();
            return traced.ms;
          });
        }
      } finally {
        await later.close();
      }
      endPhase('ui_quiet');
    } catch (err) {
      // What was measured so far is still reported.
      out.error = (err as Error).message;
      note('failed', out.error);
    } finally {
      out.server_log = logged.map((l) => ({
        msg: l.msg,
        level: l.level,
        ...(l.rows === undefined ? {} : { rows: l.rows, ms: l.ms }),
        ...(l.err === undefined ? {} : { err: JSON.stringify(l.err).slice(0, 300) }),
      }));
      rss.stop();
      stages.stop();
      out.peak_rss_mb = {
        by_phase: rssByPhase,
        overall: rss.overallMb,
        reset_between_phases: rss.resettable,
        ...(rss.killedAtKb === null ? {} : { killed_over_limit_mb: mb(rss.killedAtKb) }),
        import_incl_search_index: Math.max(rssByPhase.import ?? 0, rssByPhase.search_index ?? 0) || null,
      };
      out.server_cpu_ms_by_phase = cpuByPhase;
      const ended = server.proc.exitCode ?? server.proc.signalCode;
      if (ended !== null) out.server_ended = ended;
      await stopServer(server);
    }
    const after = dbBytes(data.dir);
    out.db = { ...after, bytes_per_line: Math.round((after.file + after.wal) / lines) };
    note('db', out.db);

    const lnav = spawnSync('lnav', ['-V'], { encoding: 'utf8' });
    if (lnav.error || lnav.status !== 0) out.lnav = 'skipped (lnav not on PATH)';
    else
      await attempt('lnav', out, async () => {
        const r = lnavOnce(log, lines)!;
        return { version: lnav.stdout.trim(), ms: Math.round(r.ms), peak_rss_mb: mb(r.peakRssKb) };
      });
    loads.end = load();
    out.uptime = spawnSync('uptime', [], { encoding: 'utf8' }).stdout?.trim() ?? null;
    return out;
  } finally {
    logDir.cleanup();
    data.cleanup();
  }
}
