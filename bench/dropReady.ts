import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Source } from '../src/shared/schemas/sources';
import { serve, type Served } from '../test/helpers/serveProcess';
import { tempDir } from '../test/helpers/tmp';
import { writeBigLog } from './ingest';

/** How often the bench looks, as the Sources view's refresh would; it bounds the figures' resolution. */
const POLL_MS = 20;
export const DB_FILE = 'outlier-desk.sqlite';

interface DropRun extends DropWait {
  peakRssKb: number | null;
  /** The database file after a clean shutdown, per line. */
  dbBytesPerLine: number;
}

/** Linux /proc figures of a running process; null elsewhere. */
export function procCpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the ") " split.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** A size field of /proc/<pid>/status in kB (VmHWM: peak resident, VmRSS: resident now); null when gone. */
export function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export const procPeakRssKb = (pid: number) => procStatusKb(pid, 'VmHWM');

/** A clean shutdown of a server started by `serve`; one that has already ended (or was killed) is left alone. */
export async function stopServer(server: Served): Promise<void> {
  if (server.proc.exitCode !== null || server.proc.signalCode !== null) return;
  await server.stop();
}

/** The server's own figures up to the moment its dropped file was ready. */
export interface DropWait {
  /** Until GET /sources reports every line and the source done. */
  linesMs: number;
  /** Until every stored row also has its window features ("ready"). */
  readyMs: number;
  /** CPU of the server process (all its threads) from the drop until ready. */
  cpuMs: number | null;
}

/**
 * Drops `log` on a running server (POST /sources with its path, not followed) and waits until
 * GET /sources reports all its `lines` and `features` has caught up with the last stored row (read
 * from the database file, as a second reader). Throws when the source fails or fewer rows than
 * `lines` end up with features.
 */
export async function dropAndWait(server: Served, log: string, lines: number): Promise<DropWait> {
  const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
  const db = new Database(join(server.dataDir, DB_FILE), { readonly: true, fileMustExist: true });
  try {
    const featuredUpTo = db.prepare('SELECT coalesce(max(log_id), 0) FROM features').pluck();
    const newest = db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck();
    const pid = server.proc.pid!;
    const cpu0 = procCpuMs(pid);
    const t0 = performance.now();
    const added = await fetch(`${server.origin}/sources`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ path: log, watch: false }),
    });
    if (!added.ok) throw new Error(`POST /sources: ${added.status} ${await added.text()}`);
    let linesMs = 0;
    for (;;) {
      if (!linesMs) {
        const s = ((await (await fetch(`${server.origin}/sources`, { headers })).json()) as Source[])[0];
        if (s?.status === 'error') throw new Error(`source failed: ${s.error}`);
        if (s && s.lines >= lines && s.status === 'done') linesMs = performance.now() - t0;
      }
      const top = newest.get() as number;
      if (linesMs && top > 0 && (featuredUpTo.get() as number) === top) break;
      if (server.proc.exitCode !== null || server.proc.signalCode !== null)
        throw new Error(`serve.js ended (${server.proc.exitCode ?? server.proc.signalCode}) before ready`);
      await sleep(POLL_MS);
    }
    const readyMs = performance.now() - t0;
    const cpu1 = procCpuMs(pid);
    const featured = db.prepare('SELECT count(*) FROM features').pluck().get() as number;
    if (featured !== lines) throw new Error(`${featured} of ${lines} rows have features`);
    return { linesMs, readyMs, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
  } finally {
    db.close();
  }
}

/**
 * A file dropped on a real server process (`out/main/serve.js`, as built), in a fresh data
 * directory, timed until ready (see `dropAndWait`). The search index fills in the background
 * afterwards and is not waited for.
 */
async function dropOnce(log: string, lines: number): Promise<DropRun> {
  const tmp = tempDir('od-bench-drop-');
  try {
    const server = await serve({ dataDir: tmp.dir });
    try {
      const wait = await dropAndWait(server, log, lines);
      const peakRssKb = procPeakRssKb(server.proc.pid!);
      await stopServer(server);
      return { ...wait, peakRssKb, dbBytesPerLine: statSync(join(tmp.dir, DB_FILE)).size / lines };
    } finally {
      await stopServer(server);
    }
  } finally {
    tmp.cleanup();
  }
}

export interface LnavRun {
  ms: number;
  peakRssKb: number | null;
}

/** lnav opening the same file and counting its lines through its access_log table; null without lnav. */
export function lnavOnce(log: string, lines: number): LnavRun | null {
  const probe = spawnSync('lnav', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return null;
  const args = ['-n', '-c', ';SELECT count(*) FROM access_log', log];
  const timed = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', 'peak_kb=%M', 'lnav', ...args], { encoding: 'utf8' })
    : spawnSync('lnav', args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0 || !new RegExp(`\\b${lines}\\b`).test(r.stdout)) {
    throw new Error(`lnav did not count ${lines} lines: ${r.stdout.slice(0, 200)} ${r.stderr.slice(0, 200)}`);
  }
  const peak = /peak_kb=(\d+)/.exec(r.stderr ?? '');
  return { ms, peakRssKb: peak ? Number(peak[1]) : null };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Drop → ready for a `lines`-line combined log through serve.js (`runs` runs, median; 3 unless
 * told), next to lnav opening and counting the same file (when `lnav` is on PATH; else
 * `lnav: "skipped"`). Needs the built app (`npm run bench` builds it first). 10M lines end to end
 * are the opt-in section `drop_ready_10m` (bench/tenMillion.ts).
 */
export async function benchDropReady(lines: number, opts: { runs?: number } = {}): Promise<Record<string, unknown>> {
  const count = opts.runs ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-drop-log-'));
  const log = join(dir, 'access.log');
  try {
    const bytes = await writeBigLog(log, lines);
    const runs: DropRun[] = [];
    for (let i = 0; i < count; i++) runs.push(await dropOnce(log, lines));
    const lnavRuns: LnavRun[] = [];
    for (let i = 0; i < count; i++) {
      const r = lnavOnce(log, lines);
      if (!r) break;
      lnavRuns.push(r);
    }
    const readyMs = median(runs.map((r) => r.readyMs));
    const cpus = runs.map((r) => r.cpuMs).filter((c): c is number => c !== null);
    const rss = runs.map((r) => r.peakRssKb).filter((c): c is number => c !== null);
    const lnavMs = lnavRuns.length ? median(lnavRuns.map((r) => r.ms)) : null;
    const lnavRss = lnavRuns.map((r) => r.peakRssKb).filter((c): c is number => c !== null);
    return {
      lines,
      file_bytes: bytes,
      lines_ms_median: Math.round(median(runs.map((r) => r.linesMs))),
      ready_ms_median: Math.round(readyMs),
      ready_ms_runs: runs.map((r) => Math.round(r.readyMs)),
      lines_per_s_to_ready: Math.round(lines / (readyMs / 1000)),
      server_cpu_ms_median: cpus.length ? Math.round(median(cpus)) : null,
      peak_rss_mb_max: rss.length ? Math.round(Math.max(...rss) / 1024) : null,
      db_bytes_per_line: Math.round(median(runs.map((r) => r.dbBytesPerLine))),
      lnav:
        lnavMs === null
          ? 'skipped (lnav not on PATH)'
          : {
              ms_median: Math.round(lnavMs),
              peak_rss_mb: lnavRss.length ? Math.round(Math.max(...lnavRss) / 1024) : null,
              ready_vs_lnav: Number((readyMs / lnavMs).toFixed(1)),
            },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
