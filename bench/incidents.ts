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

const spread = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { median: pctl(sorted, 0.5), max: pctl(sorted, 1) };
};

/**
 * How long `work` takes and the longest the event loop was held meanwhile (a 1 ms timer's
 * lateness, so only what runs during `work` counts: the bench's own inserts are apart).
 */
async function timed(work: () => Promise<unknown>): Promise<{ ms: number; blockMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  // Armed before the work starts (a timer set in the same turn as a block would not see it).
  await sleep(3);
  const t = performance.now();
  await work();
  const ms = performance.now() - t;
  // The timer notices a block only when it next fires.
  await sleep(5);
  h.disable();
  return { ms, blockMs: h.max / 1e6 };
}

/**
 * Incidents over 1,000,000 scored entries (≈1.5 % flagged: 1 % at random and a few attacking
 * clients): the first page of GET /incidents cold (grouping every flagged entry) and warm, then a
 * live tail of 2,000 lines/s for 10 s, each second's lines stored and scored and the first page
 * asked for again, with the time of each update and the longest the event loop was held by it.
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

    // As GET /incidents asks: the update and the page's counts run in slices (store.page).
    let total = 0;
    const cold = await timed(async () => (total = (await store.page(firstPage)).total));
    const warm: number[] = [];
    for (let i = 0; i < 10; i++) warm.push((await timed(() => store.page(firstPage))).ms);
    warm.sort((a, b) => a - b);
    const searched: number[] = [];
    for (let i = 0; i < 5; i++)
      searched.push((await timed(() => store.page(IncidentQuerySchema.parse({ q: 'wget status:4xx' })))).ms);

    // The live tail: each second 2,000 more lines are stored and scored, then the page is asked for.
    const writer = new LogWriter(db);
    const gen = rng(99);
    let lineNo = LINES;
    const updates: number[] = [];
    const grouping: number[] = [];
    /** The longest the event loop was held while the incidents were brought up to date and the page made. */
    const held: number[] = [];
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
      let settledMs = 0;
      const page = await timed(async () => {
        const t = performance.now();
        await store.settle();
        settledMs = performance.now() - t;
        await store.page(firstPage);
      });
      grouping.push(settledMs);
      updates.push(page.ms);
      held.push(page.blockMs);
    }
    delay.disable();
    const flagged = db.prepare('SELECT count(*) FROM scores WHERE is_anomaly = 1').pluck().get() as number;
    db.close();
    return {
      entries: LINES,
      flagged,
      incidents: total,
      first_page_cold_ms: round(cold.ms),
      first_page_cold_loop_block_ms: round(cold.blockMs),
      first_page_warm_ms: { median: pctl(warm, 0.5), p95: pctl(warm, 0.95) },
      first_page_search_ms: spread(searched),
      tail_lines_per_s: TAIL_PER_S,
      // Wall times (the work yields to the event loop between slices).
      tail_grouping_update_ms: spread(grouping),
      tail_first_page_ms: spread(updates),
      // The goal's figure: the longest the event loop was held while the incidents were
      // updated and the page made, with none of the bench's inserts in between.
      tail_incidents_loop_block_ms: spread(held),
      tail_bench_insert_block_ms: spread(inserts),
      tail_event_loop_delay_max_ms: round(delay.max / 1e6),
      tail_event_loop_delay_p99_ms: round(delay.percentile(99) / 1e6),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
