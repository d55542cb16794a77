import type { Database } from 'better-sqlite3';
import { CatalogueWindow, RAW_COLUMNS, catalogueLookbackMs, type CatalogueEntry } from './catalogueWindow';

/** Entries with their catalogue features, in (timestamp, arrival) order. */
export interface CatalogueRows {
  ids: Float64Array;
  /** Raw rows (features, then history; see catalogueWindow.ts), RAW_COLUMNS per entry. */
  data: Float64Array;
  rows: number;
  ts: Float64Array;
  ips: string[];
}

/** Collects feature rows of unknown count into growable typed arrays. */
export class RowsBuilder {
  private n = 0;
  private ids: Float64Array;
  private ts: Float64Array;
  private data: Float64Array;
  private readonly ips: string[] = [];

  /**
   * `expected`: the row count when known. At 10M rows the doubling growth held the old and the
   * new 16.7M-row buffers at once (≈ 2.8 GB) and `build` copied them again; sized up front,
   * nothing is copied.
   */
  constructor(private cap = 1024) {
    this.cap = Math.max(1, cap);
    this.ids = new Float64Array(this.cap);
    this.ts = new Float64Array(this.cap);
    this.data = new Float64Array(this.cap * RAW_COLUMNS);
  }

  /** Space for one more row; returns the offset in `data` to write its features at. */
  add(id: number, e: CatalogueEntry): { data: Float64Array; at: number } {
    if (this.n === this.cap) this.grow();
    this.ids[this.n] = id;
    this.ts[this.n] = e.tsMs;
    this.ips.push(e.ip);
    return { data: this.data, at: this.n++ * RAW_COLUMNS };
  }

  build(): CatalogueRows {
    const n = this.n;
    // Views, not copies: the builder is done with its buffers.
    return {
      ids: this.ids.subarray(0, n),
      ts: this.ts.subarray(0, n),
      data: this.data.subarray(0, n * RAW_COLUMNS),
      rows: n,
      ips: this.ips,
    };
  }

  private grow(): void {
    this.cap *= 2;
    const more = <T extends Float64Array>(a: T, k: number): T => {
      const b = new Float64Array(this.cap * k) as T;
      b.set(a);
      return b;
    };
    this.ids = more(this.ids, 1);
    this.ts = more(this.ts, 1);
    this.data = more(this.data, RAW_COLUMNS);
  }
}

export interface ReplayRange {
  /** Entries with timestamp ≥ fromTs (−Infinity: from the start)… */
  fromTs: number;
  /** …and ≤ toTs (Infinity: to the end)… */
  toTs: number;
  /** …and id ≤ maxId: a snapshot that later inserts do not change. */
  maxId: number;
  /** When the data begins (default: the oldest stored entry with id ≤ maxId). */
  dataStartMs?: number;
}

/** A stored entry as the catalogue reads it: STORED_COLUMNS of `logs`, as a raw row. */
export type StoredEntry = [number, number, string, string | null, string, number, number | null];
export const STORED_COLUMNS = 'id, ts_ms, ip, method, endpoint, status, bytes';

/**
 * Replays stored entries of a time range through a fresh catalogue window, in (timestamp,
 * arrival) order, calling `onRow` with each entry's features (the array is reused: copy what
 * you keep). An IP's first sighting before `fromTs` is looked up (an index seek per IP), so
 * `ip_age_min` does not depend on where the replay starts. Every feature row of an entry at t
 * depends only on entries in [t − lookback, t], so a replay from `t − lookback` gives the
 * entries from t on exactly the features of a replay from the start (the data's start, which
 * some features depend on, is looked up too).
 */
export function replay(
  db: Database,
  windowMs: number,
  range: ReplayRange,
  onRow: (id: number, e: CatalogueEntry, features: Float64Array) => void,
): CatalogueWindow {
  const start =
    range.dataStartMs ??
    (db.prepare('SELECT min(ts_ms) FROM logs WHERE id <= ?').pluck().get(range.maxId) as number | null) ??
    NaN;
  const win = new CatalogueWindow(windowMs, start);
  const rows = db
    .prepare(
      `SELECT ${STORED_COLUMNS} FROM logs
       WHERE ts_ms >= ? AND ts_ms <= ? AND id <= ? ORDER BY ts_ms, id`,
    )
    .raw()
    .iterate(clampTs(range.fromTs), clampTs(range.toTs), range.maxId) as Iterable<StoredEntry>;
  const firstSeen = Number.isFinite(range.fromTs)
    ? db.prepare('SELECT min(ts_ms) FROM logs WHERE ip = ? AND ts_ms < ? AND id <= ?').pluck()
    : null;
  const known = new Set<string>();
  const out = new Float64Array(RAW_COLUMNS);
  for (const [id, tsMs, ip, method, endpoint, status, bytes] of rows) {
    if (firstSeen && !known.has(ip)) {
      known.add(ip);
      const seen = firstSeen.get(ip, range.fromTs, range.maxId) as number | null;
      if (seen !== null) win.knowIp(ip, seen);
    }
    const e: CatalogueEntry = { tsMs, ip, method, endpoint, status, bytes };
    win.push(e, out);
    onRow(id, e, out);
  }
  return win;
}

/** SQLite integers: ±Infinity become the widest 64-bit bounds. */
function clampTs(t: number): number {
  return t === Infinity ? Number.MAX_SAFE_INTEGER : t === -Infinity ? Number.MIN_SAFE_INTEGER : t;
}

/**
 * Features of the entries with timestamp in [fromTs, toTs) and id ≤ maxId, exactly as the batch
 * pass gives them: the replay starts a lookback before `fromTs` (context only, not returned).
 */
export function catalogueOfRange(
  db: Database,
  windowMs: number,
  fromTs: number,
  toTs: number,
  maxId: number,
): CatalogueRows {
  const b = new RowsBuilder();
  const lastTs = toTs === Infinity ? Infinity : toTs - 1;
  const context = Math.max(Number.MIN_SAFE_INTEGER, fromTs - catalogueLookbackMs(windowMs));
  replay(db, windowMs, { fromTs: context, toTs: lastTs, maxId }, (id, e, f) => {
    if (e.tsMs < fromTs) return;
    const { data, at } = b.add(id, e);
    data.set(f, at);
  });
  return b.build();
}

/** The batch pass: features of every entry with id ≤ maxId. */
export function catalogueOfAll(db: Database, windowMs: number, maxId: number): CatalogueRows {
  const b = new RowsBuilder(db.prepare('SELECT count(*) FROM logs WHERE id <= ?').pluck().get(maxId) as number);
  replay(db, windowMs, { fromTs: -Infinity, toTs: Infinity, maxId }, (id, e, f) => {
    const { data, at } = b.add(id, e);
    data.set(f, at);
  });
  return b.build();
}
