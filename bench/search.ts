import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAnomalies } from '../src/main/queries/anomalies';
import { searchSql } from '../src/main/search/language';
import { SearchIndexer } from '../src/main/search/searchIndexer';
import { Checkpointer } from '../src/main/store/checkpointer';
import { openDatabase, type Db } from '../src/main/store/db';
import { WriteGate } from '../src/main/store/writeGate';
import { AnomalyQuerySchema } from '../src/shared/schemas/analysis';
import { rng, storeCorpus } from './searchCorpus';

const LINES = 1_000_000;
const RUNS = 15;
/** The searches timed: a rare agent word, a common word, a phrase, negation, a status range with text. */
const QUERIES: Record<string, string> = {
  rare_ua: 'nmap',
  rare_ua_field: '"ua:Scripting Engine"',
  common_word: 'bingbot',
  phrase: '"python-requests/2.31"',
  negation: 'curl -status:2xx -mozilla',
  status_range_text: 'status:500-503 wget',
  path_word: 'item4242',
};

const dbBytes = (db: Db) =>
  (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);

const round = (x: number) => Math.round(x * 10) / 10;

function timed(fn: () => unknown): { median: number; p95: number; result: unknown } {
  const ms: number[] = [];
  let result: unknown;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    result = fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { median: round(ms[Math.floor(RUNS / 2)]), p95: round(ms[Math.ceil(RUNS * 0.95) - 1]), result };
}

/** Every generated row scored (2 % flagged), so the Anomalies query runs as in the app. */
function scoreAll(db: Db): void {
  const r = rng(11);
  const ins = db.prepare(
    `INSERT INTO scores (log_id, model_version, votes, is_anomaly, combined_score) VALUES (?, 1, ?, ?, ?)`,
  );
  const ids = db.prepare('SELECT id FROM logs ORDER BY id').pluck().all() as number[];
  db.transaction(() => {
    for (const id of ids) {
      const flagged = r() < 0.02;
      ins.run(id, flagged ? 2 : 0, flagged ? 1 : 0, flagged ? 0.6 + r() * 0.4 : r() * 0.5);
    }
  })();
}

/**
 * Full-text search over 1,000,000 generated entries: how long the background indexer takes and
 * what the index costs per line, then the latency of GET /anomalies?q= (one page of 200 and the
 * total, over every entry) and of counting the matches, each for searches of several kinds,
 * with the index and with LIKE alone (the answers are compared).
 */
export async function benchSearch(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-search-'));
  try {
    const db = openDatabase(join(dir, 'bench.sqlite'));
    storeCorpus(db, LINES);
    scoreAll(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const before = dbBytes(db);
    const out: Record<string, unknown> = { lines: LINES, db_bytes_per_line_before: round(before / LINES) };

    // As in the app: WAL checkpoints on the second core (needs the build's checkpointWorker.js).
    const checkpointer = new Checkpointer(
      db,
      join(dir, 'bench.sqlite'),
      join(process.cwd(), 'out', 'main', 'checkpointWorker.js'),
    );
    const indexer = new SearchIndexer(db, new WriteGate());
    const t0 = performance.now();
    await indexer.schedule();
    const buildMs = performance.now() - t0;
    await checkpointer.stop();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const stats = indexer.lastRun;
    Object.assign(out, {
      index_build_ms: Math.round(buildMs),
      index_lines_per_s: Math.round(LINES / (buildMs / 1000)),
      index_max_slice_ms: round(stats?.maxSliceMs ?? 0),
      index_slices_over_50ms: stats?.slowSlices ?? 0,
      index_slices: stats?.slices ?? 0,
      index_bytes_per_line: round((dbBytes(db) - before) / LINES),
      index_words: db.prepare('SELECT count(*) FROM search_words').pluck().get(),
    });

    const queries: Record<string, unknown> = {};
    for (const [name, q] of Object.entries(QUERIES)) {
      const count = (withIndex: boolean) => {
        const s = searchSql(q, 'l', withIndex ? db : undefined);
        return db
          .prepare(`SELECT count(*) FROM logs l WHERE ${s.sql}`)
          .pluck()
          .get(...s.params) as number;
      };
      const page = AnomalyQuerySchema.parse({ q, onlyFlagged: 'false' });
      const indexed = timed(() => count(true));
      const like = timed(() => count(false));
      if (indexed.result !== like.result)
        throw new Error(`${name}: ${String(indexed.result)} ≠ ${String(like.result)}`);
      const anomalies = timed(() => listAnomalies(db, page));
      queries[name] = {
        q,
        matches: indexed.result,
        count_ms: { median: indexed.median, p95: indexed.p95 },
        count_like_only_ms: { median: like.median, p95: like.p95 },
        anomalies_page_ms: { median: anomalies.median, p95: anomalies.p95 },
      };
    }
    out.queries = queries;
    db.close();
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
