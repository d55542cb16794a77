import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { IncidentStore } from '../src/main/incidents/incidentStore';
import { LogWriter, type PendingRow } from '../src/main/ingest/logWriter';
import { openDatabase, type Db } from '../src/main/store/db';
import { IncidentQuerySchema } from '../src/shared/schemas/incidents';
import { entryAt, rng, storeCorpus } from './searchCorpus';

const LINES = 1_000_000;
const WINDOW_MS = 300_000;
const TAIL_SECONDS = 10;
const TAIL_PER_S = 2_000;
/** Clients that attack: every one of their entries is flagged (besides 1 % of everyone's). */
const ATTACKER = (ip: string) => ip.endsWith('.7') && ip.startsWith('10.3.');

const round = (x: number) => Math.round(x * 10) / 10;

/** Scores for the given rows as a model would write them: ~1 % flagged at random, attackers always. */
function score(db: Db, rows: Array<{ id: number; ip: string }>, r: () => number): void {
  const ins = db.prepare(
    'INSERT INTO scores (log_id, model_version, votes, is_anomaly, combined_score) VALUES (?, 1, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const { id, ip } of rows) {
      const flagged = ATTACKER(ip) || r() < 0.01;
      ins.run(id, flagged ? 2 : 0, flagged ? 1 : 0, flagged ? 0.6 + r() * 0.4 : r() * 0.5);
    }
  })();
}

function pctl(sorted: number[], p: number): number {
  return round(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? 0);
}

/**
 * Incidents over 1,000,000 scored entries (≈1.5 % flagged: 1 % at random and a few attacking
 * clients): the first page of GET /incidents cold (grouping every flagged entry) and warm, then a
 * live tail of 2,000 lines/s for 10 s, each second's lines stored and scored and the first page
 * asked for again, with the cost of each update and the longest event-loop delay meanwhile.
 */
export async function benchIncidents(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-incidents-'));
  try {
    const db = openDatabase(join(dir, 'bench.sqlite'));
    const sourceId = storeCorpus(db, LINES);
    const r = rng(5);
    score(db, db.prepare('SELECT id, ip FROM logs ORDER BY id').all() as Array<{ id: number; ip: string }>, r);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const store = new IncidentStore(db, () => WINDOW_MS);
    const firstPage = IncidentQuerySchema.parse({});

    let t = performance.now();
    const cold = store.list(firstPage);
    const coldMs = performance.now() - t;
    const warm: number[] = [];
    for (let i = 0; i < 10; i++) {
      t = performance.now();
      store.list(firstPage);
      warm.push(performance.now() - t);
    }
    warm.sort((a, b) => a - b);
    const searched: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      store.list(IncidentQuerySchema.parse({ q: 'wget status:4xx' }));
      searched.push(performance.now() - t);
    }
    searched.sort((a, b) => a - b);

    // The live tail: each second 2,000 more lines are stored and scored, then the page is asked for.
    const writer = new LogWriter(db);
    const gen = rng(99);
    let lineNo = LINES;
    const updates: number[] = [];
    const grouping: number[] = [];
    /** The bench's own synchronous work (storing and scoring a batch), apart from the incidents code. */
    const inserts: number[] = [];
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    for (let s = 0; s < TAIL_SECONDS; s++) {
      const started = performance.now();
      // Ten batches a second, as a followed file delivers them.
      for (let b = 0; b < 10; b++) {
        const stored = performance.now();
        const rows: PendingRow[] = [];
        for (let k = 0; k < TAIL_PER_S / 10; k++, lineNo++)
          rows.push({ lineNo: lineNo + 1, entry: entryAt(lineNo, gen), raw: null });
        const c = writer.commit(
          { sourceId, offset: lineNo * 200, lines: lineNo, parseErrors: 0, identity: null, bytesTotal: lineNo * 200 },
          rows,
          [],
        );
        score(
          db,
          db.prepare('SELECT id, ip FROM logs WHERE id BETWEEN ? AND ?').all(c.firstId, c.lastId) as Array<{
            id: number;
            ip: string;
          }>,
          gen,
        );
        inserts.push(performance.now() - stored);
        await sleep(100 - ((performance.now() - started) % 100) > 0 ? 100 - ((performance.now() - started) % 100) : 0);
      }
      t = performance.now();
      store.refresh();
      grouping.push(performance.now() - t);
      store.list(firstPage);
      updates.push(performance.now() - t);
    }
    delay.disable();
    updates.sort((a, b) => a - b);
    inserts.sort((a, b) => a - b);
    grouping.sort((a, b) => a - b);
    const flagged = db.prepare('SELECT count(*) FROM scores WHERE is_anomaly = 1').pluck().get() as number;
    db.close();
    return {
      entries: LINES,
      flagged,
      incidents: cold.total,
      first_page_cold_ms: round(coldMs),
      first_page_warm_ms: { median: pctl(warm, 0.5), p95: pctl(warm, 0.95) },
      first_page_search_ms: { median: pctl(searched, 0.5), max: pctl(searched, 1) },
      tail_lines_per_s: TAIL_PER_S,
      tail_grouping_update_ms: { median: pctl(grouping, 0.5), max: pctl(grouping, 1) },
      tail_first_page_ms: { median: pctl(updates, 0.5), max: pctl(updates, 1) },
      // The longest the incidents code held the event loop is tail_first_page_ms.max (one
      // synchronous update and page); the rest of the delay is the bench's own inserts.
      tail_bench_insert_block_ms: { median: pctl(inserts, 0.5), max: pctl(inserts, 1) },
      tail_event_loop_delay_max_ms: round(delay.max / 1e6),
      tail_event_loop_delay_p99_ms: round(delay.percentile(99) / 1e6),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
