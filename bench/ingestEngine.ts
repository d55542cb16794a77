import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Engine } from '../src/main/engine';
import { writeBigLog } from './ingest';
import { dropPageCache, residentBytes } from './pageCache';

/** How often the bench looks, as the Sources view's refresh would; it bounds the figures' resolution. */
const POLL_MS = 20;

interface EngineRun {
  /** Until the source lists every line. */
  linesMs: number;
  /** Until every stored row also has its window features. */
  featuresMs: number;
  /** CPU of the whole process (workers included) until then: steadier than wall time on a shared machine. */
  cpuMs: number;
  peakRssKb: number;
}

/**
 * A dropped file through the whole engine, as the desktop app adds it (`addSource` with only the
 * path: format detected, file followed), in a fresh data directory: timed until listSources
 * reports all its lines and the feature pipeline has caught up with the last stored row. No
 * model is trained, so nothing is scored, and the retraining schedule is off.
 */
async function engineOnce(log: string, dataDir: string, lines: number): Promise<EngineRun> {
  const engine = await Engine.start({ dataDir, schedule: false });
  try {
    const featuredUpTo = engine.db.prepare('SELECT coalesce(max(log_id), 0) FROM features').pluck();
    const newest = engine.db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const source = await engine.call('addSource', { path: log });
    let linesMs = 0;
    for (;;) {
      if (!linesMs) {
        const now = (await engine.call('listSources', {})).find((s) => s.id === source.id);
        if (now?.status === 'error') throw new Error(`source failed: ${now.error}`);
        if (now && now.lines >= lines) linesMs = performance.now() - t0;
      }
      if (linesMs && (featuredUpTo.get() as number) === (newest.get() as number)) break;
      await sleep(POLL_MS);
    }
    const featuresMs = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    const featured = engine.db.prepare('SELECT count(*) FROM features').pluck().get() as number;
    if (featured !== lines) throw new Error(`${featured} of ${lines} rows have features`);
    return {
      linesMs,
      featuresMs,
      cpuMs: (used.user + used.system) / 1000,
      peakRssKb: process.resourceUsage().maxRSS,
    };
  } finally {
    await engine.close();
  }
}

/**
 * The engine's ingest path (store + per-commit feature update), each run into a fresh data
 * directory: `cold` with the log evicted from the page cache, then `warm` with it cached (in a
 * process the cold run warmed up). Peak RSS is taken after the first (cold) run.
 */
export async function benchIngestEngine(lines: number): Promise<Record<string, number | string | null>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-ingest-engine-'));
  try {
    const log = join(dir, 'access.log');
    const bytes = await writeBigLog(log, lines);
    // Cold first, as an app that just started sees a file; its reads leave the log cached for the warm run.
    const method = dropPageCache([log]);
    const cachedBefore = residentBytes([log]);
    const cold = await engineOnce(log, join(dir, 'cold'), lines);
    const warm = await engineOnce(log, join(dir, 'warm'), lines);
    const perS = (ms: number) => Math.round(lines / (ms / 1000));
    return {
      lines,
      mb: Math.round(bytes / 1e5) / 10,
      engine_warm_lines_listed_ms: Math.round(warm.linesMs),
      engine_warm_features_current_ms: Math.round(warm.featuresMs),
      engine_warm_lines_per_s: perS(warm.featuresMs),
      engine_warm_cpu_ms: Math.round(warm.cpuMs),
      engine_cold_lines_listed_ms: Math.round(cold.linesMs),
      engine_cold_features_current_ms: Math.round(cold.featuresMs),
      engine_cold_lines_per_s: perS(cold.featuresMs),
      engine_cold_cpu_ms: Math.round(cold.cpuMs),
      cold_cache_drop: method,
      cold_log_cached_mb_at_start: cachedBefore === null ? null : Math.round(cachedBefore / 1e5) / 10,
      poll_ms: POLL_MS,
      peak_rss_mb: Math.round(cold.peakRssKb / 1e3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
