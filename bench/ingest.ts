import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../src/main/events';
import { IngestService } from '../src/main/ingest/ingestService';
import { createLogger } from '../src/main/logger';
import { AppConfigSchema } from '../src/shared/config';
import { Checkpointer } from '../src/main/store/checkpointer';
import { openDatabase } from '../src/main/store/db';
import { WriteGate } from '../src/main/store/writeGate';
import { clfTimestampAt, formatClfTimestamp } from '../src/shared/time/timestamp';
import { fixtureText } from './fixtures';
import { dropPageCache, residentBytes } from './pageCache';

/** The reference log spans 3.5 days; each copy is moved on by this much so time keeps going forward. */
const COPY_SHIFT_MS = 4 * 86_400_000;

/**
 * A combined log of `lines` lines made by repeating the 10,000-line reference log, each copy's
 * timestamps moved on by 4 days as a real log's would be (so indexes see the usual arrival order).
 */
export async function writeBigLog(path: string, lines: number): Promise<number> {
  const reference = fixtureText('ingest/apache_logs.log.gz').trimEnd().split('\n');
  const parts = reference.map((l) => {
    const open = l.indexOf('[');
    return { before: l.slice(0, open + 1), ms: clfTimestampAt(l, open + 1), after: l.slice(open + 27) };
  });
  const out = createWriteStream(path);
  let bytes = 0;
  for (let written = 0, copy = 0; written < lines; copy++) {
    const n = Math.min(parts.length, lines - written);
    const shift = copy * COPY_SHIFT_MS;
    const chunk =
      parts
        .slice(0, n)
        .map((p) => p.before + formatClfTimestamp(p.ms + shift) + p.after)
        .join('\n') + '\n';
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
    written += n;
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

interface StoreRun {
  ms: number;
  /** CPU of the whole process (checkpoint worker included): steadier than wall time on a shared machine. */
  cpuMs: number;
  dbBytes: number;
}

/** One ingest of `log` into a fresh SQLite file: file → splitter → parser → batched inserts, as IngestService does it. */
async function storeOnce(log: string, dbFile: string, lines: number): Promise<StoreRun> {
  const db = openDatabase(dbFile);
  const ingest = new IngestService({
    db,
    events: new EventBus(),
    logger: createLogger('bench'),
    gate: new WriteGate(),
    config: () => AppConfigSchema.parse({}),
    onRows: () => undefined,
    onRemoved: () => undefined,
  });
  // As in the app: WAL checkpoints on the second core (needs the build's checkpointWorker.js).
  const checkpointer = new Checkpointer(db, dbFile, join(process.cwd(), 'out', 'main', 'checkpointWorker.js'));
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const source = await ingest.addPath({ path: log, format: 'combined', watch: false });
  await ingest.idle(source.id);
  const ms = performance.now() - t0;
  const used = process.cpuUsage(cpu);
  const stored = db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
  await ingest.close();
  await checkpointer.stop();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const dbBytes =
    (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  db.close();
  if (stored !== lines) throw new Error(`ingested ${stored} of ${lines} lines`);
  return { ms, cpuMs: (used.user + used.system) / 1000, dbBytes };
}

/**
 * Ingest throughput of the store path alone (no feature update: bench/ingestEngine.ts times the
 * engine's whole path), twice into fresh SQLite files: `cold` reads the log after evicting it from
 * the page cache, then `warm` reads it from the cache (and runs in a process already warmed up by
 * the cold run). Meant to run in a process of its own (bench/index.ts does that); peak RSS is
 * taken after the first run only.
 */
export async function benchIngest(lines: number): Promise<Record<string, number | string | null>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-ingest-'));
  try {
    const log = join(dir, 'access.log');
    const bytes = await writeBigLog(log, lines);
    const rssBefore = process.memoryUsage().rss;
    // Cold first (the process is fresh too, as an app that just started); the cold run's reads
    // leave the log cached for the warm run.
    const method = dropPageCache([log]);
    const cachedBefore = residentBytes([log]);
    const cold = await storeOnce(log, join(dir, 'cold.sqlite'), lines);
    const peakRss = process.resourceUsage().maxRSS;
    const warm = await storeOnce(log, join(dir, 'warm.sqlite'), lines);
    const perS = (ms: number) => Math.round(lines / (ms / 1000));
    return {
      lines,
      mb: Math.round(bytes / 1e5) / 10,
      store_only_warm_ms: Math.round(warm.ms),
      store_only_warm_lines_per_s: perS(warm.ms),
      store_only_warm_cpu_ms: Math.round(warm.cpuMs),
      store_only_cold_ms: Math.round(cold.ms),
      store_only_cold_lines_per_s: perS(cold.ms),
      store_only_cold_cpu_ms: Math.round(cold.cpuMs),
      cold_cache_drop: method,
      cold_log_cached_mb_at_start: cachedBefore === null ? null : Math.round(cachedBefore / 1e5) / 10,
      db_mb: Math.round(cold.dbBytes / 1e5) / 10,
      rss_before_mb: Math.round(rssBefore / 1e6),
      peak_rss_mb: Math.round(peakRss / 1e3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
