import type { Statement } from 'better-sqlite3';
import { isBusy, withoutBusyWait } from '../store/writeErrors';
import type { Logger } from '../logger';
import type { Db } from '../store/db';
import type { WriteGate } from '../store/writeGate';
import { entryText, wordsOf } from './words';
import { CoalescedRun } from '../store/coalescedRun';

export interface SearchIndexerOptions {
  /** Longest one slice holds the event loop before committing and yielding (default 12 ms). */
  sliceBudgetMs?: number;
}

/** What the last run did (bench/search.ts). */
export interface IndexRunStats {
  rows: number;
  slices: number;
  maxSliceMs: number;
  /** Slices that held the event loop over 50 ms. */
  slowSlices: number;
  busyMs: number;
}

/** Rows read per statement inside a slice. */
const READ_ROWS = 256;
/** Words remembered as already stored; past this the memory is dropped and rebuilt as words recur. */
const KNOWN_WORDS_MAX = 200_000;

/**
 * Fills the search index (migration 6) after ingest, never inside it: each step indexes the rows
 * above search_state.upto in slices, each one short transaction that also moves the mark, with an
 * event-loop turn between, behind the write gate like the feature pipeline. Until a row is
 * indexed searches find it by LIKE, so results never depend on how far the indexer got.
 */
export class SearchIndexer {
  private closed = false;
  private readonly runs = new CoalescedRun(
    () => this.run(),
    () => this.closed,
  );
  private readonly known = new Set<string>();
  private readonly sliceBudgetMs: number;
  private stmts: {
    upto: Statement;
    read: Statement;
    fts: Statement;
    skip: Statement;
    word: Statement;
    mark: Statement;
  } | null = null;
  lastRun: IndexRunStats | null = null;

  constructor(
    private readonly db: Db,
    private readonly gate: WriteGate,
    private readonly logger?: Logger,
    options: SearchIndexerOptions = {},
  ) {
    this.sliceBudgetMs = options.sliceBudgetMs ?? 12;
  }

  /** Called after rows commit; resolves when every row present by then is indexed. */
  schedule(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.runs.schedule();
  }

  /** Stops after the current slice. */
  async close(): Promise<void> {
    this.closed = true;
    await this.runs.idle();
  }

  /** Rows not indexed yet (searched by LIKE alone). */
  pending(): number {
    return this.db
      .prepare('SELECT count(*) FROM logs WHERE id > (SELECT upto FROM search_state)')
      .pluck()
      .get() as number;
  }

  private async run(): Promise<void> {
    const stats: IndexRunStats = { rows: 0, slices: 0, maxSliceMs: 0, slowSlices: 0, busyMs: 0 };
    for (;;) {
      await this.gate.settle(this.db);
      if (this.closed || !this.db.open) return;
      const t0 = performance.now();
      let n: number;
      try {
        n = withoutBusyWait(this.db, () => this.slice(t0));
      } catch (err) {
        // The slice rolled back: words it remembered as stored may not be.
        this.known.clear();
        // Another program holds the lock: the next schedule() (the next ingest batch) tries again.
        if (!isBusy(err)) this.logger?.error({ err }, 'search index update failed');
        return;
      }
      const ms = performance.now() - t0;
      if (n > 0) {
        stats.rows += n;
        stats.slices++;
        stats.busyMs += ms;
        stats.maxSliceMs = Math.max(stats.maxSliceMs, ms);
        if (ms > 50) stats.slowSlices++;
        this.lastRun = stats;
      }
      if (n === 0) return;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Indexes rows after the mark until the budget is spent; returns how many. */
  private slice(t0: number): number {
    const s = (this.stmts ??= {
      upto: this.db.prepare('SELECT upto FROM search_state').pluck(),
      read: this.db
        .prepare('SELECT id, ip, method, endpoint, user_agent FROM logs WHERE id > ? ORDER BY id LIMIT ?')
        .raw(),
      fts: this.db.prepare('INSERT INTO search_fts (rowid, text) VALUES (?, ?)'),
      skip: this.db.prepare('INSERT OR IGNORE INTO search_skipped (log_id) VALUES (?)'),
      word: this.db.prepare('INSERT OR IGNORE INTO search_words (word) VALUES (?)'),
      mark: this.db.prepare('UPDATE search_state SET upto = ?'),
    });
    return this.db.transaction(() => {
      let upto = s.upto.get() as number;
      let n = 0;
      do {
        const rows = s.read.all(upto, READ_ROWS) as Array<[number, string, string | null, string, string | null]>;
        if (rows.length === 0) break;
        for (const [id, ip, method, endpoint, ua] of rows) {
          const text = entryText(ip, method, endpoint, ua);
          if (text === null) {
            s.skip.run(id);
            continue;
          }
          s.fts.run(id, text);
          for (const w of wordsOf(text)) {
            if (this.known.has(w)) continue;
            if (this.known.size >= KNOWN_WORDS_MAX) this.known.clear();
            this.known.add(w);
            s.word.run(w);
          }
        }
        upto = rows[rows.length - 1][0];
        n += rows.length;
      } while (performance.now() - t0 < this.sliceBudgetMs);
      if (n > 0) s.mark.run(upto);
      return n;
    })();
  }
}
