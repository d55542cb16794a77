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

/**
 * Ingest throughput alone: file → splitter → parser → batched inserts with the offset in the
 * same transaction, into a fresh SQLite file with its indexes. Meant to run in a process of its
 * own (bench/index.ts does that) so peak RSS belongs to this run only.
 */
export async function benchIngest(lines: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-ingest-'));
  try {
    const log = join(dir, 'access.log');
    const bytes = await writeBigLog(log, lines);
    const db = openDatabase(join(dir, 'bench.sqlite'));
    const ingest = new IngestService({
      db,
      events: new EventBus(),
      logger: createLogger('bench'),
      gate: new WriteGate(),
      config: () => AppConfigSchema.parse({}),
      onRows: () => undefined,
    });
    // As in the app: WAL checkpoints on the second core (needs the build's checkpointWorker.js).
    const checkpointer = new Checkpointer(
      db,
      join(dir, 'bench.sqlite'),
      join(process.cwd(), 'out', 'main', 'checkpointWorker.js'),
    );
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const source = await ingest.addPath({ path: log, format: 'combined', watch: false });
    await ingest.idle(source.id);
    const ms = performance.now() - t0;
    const stored = db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
    await ingest.close();
    await checkpointer.stop();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const dbBytes =
      (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    db.close();
    if (stored !== lines) throw new Error(`ingested ${stored} of ${lines} lines`);
    return {
      lines,
      mb: Math.round(bytes / 1e5) / 10,
      ms: Math.round(ms),
      lines_per_s: Math.round(lines / (ms / 1000)),
      db_mb: Math.round(dbBytes / 1e5) / 10,
      rss_before_mb: Math.round(rssBefore / 1e6),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1e3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
