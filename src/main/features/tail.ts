import type { Db } from '../store/db';
import { ipRangeRecomputer, type IpRangeRecomputer } from './incremental';
import { STATUS_CLASS_SQL, assertWindowMs, statusClass } from './types';
import { FEATURE_INSERT_HEAD, FEATURE_UPSERT_TAIL, featureTableReads, featureValues } from './featureTable';

/**
 * Incremental features in O(new rows) for the common case, rows appended in time order per IP.
 *
 * The rule (see incremental.ts): a new row n = (a, t, i) gets the rows of IP a in (t − W, t]
 * that sort at or before it by (ts, id), and every earlier row r of a with ts in (t, t + W)
 * gains n (+1 request, +n's status class); nothing else changes. Rows are given features in id
 * order, so when row i is processed "the processed rows" are exactly the log rows with id < i,
 * which all sort before n when tied at t.
 *
 * State ("tail"), per IP: the multiset of processed rows of the IP with ts > `low`, as buckets
 * [ts, rows, 4xx, 5xx] in ts order (one per distinct timestamp), plus running sums over the
 * buckets in the window of the IP's newest row. Invariant: every processed row of the IP with
 * ts > low is in the buckets, no bucket has ts ≤ low, and low ≤ newest − W − grace. So:
 *   - in order (t ≥ the IP's newest): the counts are the running sums after sliding the window
 *     to t, plus n itself; no earlier row changes. O(1) amortised, no SQL but the insert.
 *   - late (t < newest), t − W ≥ low: counts from the buckets in (t − W, t]; the earlier rows
 *     in (t, t + W) get +1 by one relative UPDATE through the (ip, ts_ms, id) index (exact,
 *     because the stored features were exact for the processed rows). O(rows after t).
 *   - very late (t − W < low): the counts by one indexed SQL aggregate over (t − W, t], then the
 *     same relative UPDATE.
 *   - an IP whose late rows in one slice would rewrite too many rows switches to the range
 *     recompute of incremental.ts for the rest of the slice (its state is dropped).
 * An IP without state is seeded from SQLite: its newest processed ts, then one indexed range
 * read of its rows in (newest − W − grace, newest]. State is a cache of "rows with id < i":
 * forgetting an IP (LRU eviction, window change, clear) only costs a re-seed, never exactness.
 *
 * What invalidates it: rows of `logs` deleted or changed (source removal), which the owner must
 * report with `clear()`. `advance` itself clears everything when the stored features do not end
 * where it left off (another writer, deleted tail rows), when the window changes, and when a
 * slice fails (the transaction rolled back, the state may hold rows it never committed).
 */

export interface FeatureTailOptions {
  /** Most IPs held (least recently used dropped beyond it; default 50,000). */
  maxIps?: number;
  /** Most buckets held over all IPs (≈ 32 bytes each; default 1,000,000). */
  maxBuckets?: number;
  /** History kept beyond W so rows up to this late need no SQL read (default 60 s). */
  graceMs?: number;
  /** Rows the late entries of one IP may rewrite in one slice (beyond twice its state) before
   *  that IP falls back to the range recompute, which rewrites each row of the span once
   *  (default 4096). */
  lateBudgetRows?: number;
}

export interface AdvanceOptions {
  /** Give features up to this id at most (default: the newest row). */
  lastId?: number;
  /** End the slice after the first row processed once this much time has passed (default 8 ms). */
  budgetMs?: number;
  /** End the slice after this many rows (default 100,000). */
  maxRows?: number;
}

export type AdvanceResult =
  | {
      /** Features were empty or of another window: a full recompute is needed; nothing was done. */
      full: true;
    }
  | {
      full: false;
      /** Rows firstId … lastId received features (lastId < firstId: there were none). */
      firstId: number;
      lastId: number;
      /** New rows given features. */
      rows: number;
      /** Existing rows rewritten (relative updates and range recomputes). */
      updated: number;
      /** IPs read from SQLite because no state was held for them. */
      seeded: number;
      /** IPs that fell back to the range recompute. */
      fallbackIps: number;
      /** Rows that were late for their IP. */
      late: number;
      ms: number;
    };

const READ_CHUNK = 1024;
const WRITE_CHUNK = 64;

class IpTail {
  /** Buckets [ts, rows, 4xx, 5xx] from bucket index `head` to `end` − 1, ts strictly ascending. */
  packed: number[] = [];
  head = 0;
  end = 0;
  /** First bucket in the newest's window (newest − W, newest]; `windowRows/window4xx/window5xx` sum [win, end). */
  win = 0;
  windowRows = 0;
  window4xx = 0;
  window5xx = 0;
  /** Every processed row of this IP with ts > low is in the buckets. */
  low = -Infinity;
  /** Rows in the buckets. */
  rows = 0;
  /** Slice that last touched it (LRU) and the rows its late entries rewrote in that slice. */
  slice = -1;
  lateCost = 0;

  get buckets(): number {
    return this.end - this.head;
  }

  newest(): number {
    return this.end > this.head ? this.packed[(this.end - 1) * 4] : -Infinity;
  }

  /** First bucket index with ts > t. */
  after(t: number): number {
    let lo = this.head;
    let hi = this.end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.packed[mid * 4] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Loads rows in ts order (seeding); `low` must already be set below all of them. */
  load(rows: readonly [number, number][], windowMs: number): number {
    let added = 0;
    for (const [t, status] of rows) {
      if (this.end === this.head || this.packed[(this.end - 1) * 4] !== t) {
        this.packed.push(t, 0, 0, 0);
        this.end++;
        added++;
      }
      this.bump((this.end - 1) * 4, statusClass(status));
    }
    this.rows += rows.length;
    const edge = this.newest() - windowMs;
    this.win = this.after(edge);
    for (let k = this.win; k < this.end; k++) {
      this.windowRows += this.packed[k * 4 + 1];
      this.window4xx += this.packed[k * 4 + 2];
      this.window5xx += this.packed[k * 4 + 3];
    }
    return added;
  }

  /** In order (t ≥ newest, t − W ≥ low): slides the window to t, adds the row, returns its counts
   *  into `out`; trims buckets older than t − W − grace. Returns the change in bucket count. */
  addInOrder(t: number, c: number, windowMs: number, graceMs: number, out: number[]): number {
    const packed = this.packed;
    const edge = t - windowMs;
    while (this.win < this.end && packed[this.win * 4] <= edge) {
      const p = this.win * 4;
      this.windowRows -= packed[p + 1];
      this.window4xx -= packed[p + 2];
      this.window5xx -= packed[p + 3];
      this.win++;
    }
    let delta = 0;
    if (this.end > this.head && packed[(this.end - 1) * 4] === t) {
      this.bump((this.end - 1) * 4, c);
    } else {
      packed.push(t, 0, 0, 0);
      this.end++;
      delta++;
      this.bump((this.end - 1) * 4, c);
    }
    this.rows++;
    this.windowRows++;
    if (c === 1) this.window4xx++;
    else if (c === 2) this.window5xx++;
    out[0] = this.windowRows;
    out[1] = this.window4xx;
    out[2] = this.window5xx;

    const keepAfter = edge - graceMs;
    while (this.head < this.win && packed[this.head * 4] <= keepAfter) {
      this.low = packed[this.head * 4];
      this.rows -= packed[this.head * 4 + 1];
      this.head++;
      delta--;
    }
    if (this.head >= 256 && this.head * 2 >= this.end) this.compact();
    return delta;
  }

  /** Counts of the buckets with ts in (t − W, t] (needs t − W ≥ low). */
  countLate(t: number, windowMs: number, out: number[]): void {
    const edge = t - windowMs;
    let n = 0;
    let c4 = 0;
    let c5 = 0;
    for (let k = this.after(t) - 1; k >= this.head && this.packed[k * 4] > edge; k--) {
      n += this.packed[k * 4 + 1];
      c4 += this.packed[k * 4 + 2];
      c5 += this.packed[k * 4 + 3];
    }
    out[0] = n;
    out[1] = c4;
    out[2] = c5;
  }

  /** Rows in the buckets with ts in (t, t + W): what a late row at t rewrites (when t ≥ low). */
  rowsAfter(t: number, windowMs: number): number {
    const stop = t + windowMs;
    let n = 0;
    for (let k = this.after(t); k < this.end && this.packed[k * 4] < stop; k++) n += this.packed[k * 4 + 1];
    return n;
  }

  /** Stores a late row (low < t < newest) at its place; returns the change in bucket count. */
  insertLate(t: number, c: number, windowMs: number): number {
    const newest = this.newest();
    const inWindow = t > newest - windowMs;
    const p = this.after(t);
    let delta = 0;
    if (p > this.head && this.packed[(p - 1) * 4] === t) {
      this.bump((p - 1) * 4, c);
    } else {
      this.packed.splice(p * 4, 0, t, 0, 0, 0);
      this.end++;
      delta++;
      if (!inWindow) this.win++;
      this.bump(p * 4, c);
    }
    this.rows++;
    if (inWindow) {
      this.windowRows++;
      if (c === 1) this.window4xx++;
      else if (c === 2) this.window5xx++;
    }
    return delta;
  }

  /** Throws when the buckets break an invariant (tests). */
  check(windowMs: number, graceMs: number): number {
    const fail = (what: string): never => {
      throw new Error(`tail state: ${what}`);
    };
    if (this.head < 0 || this.head > this.end || this.packed.length !== this.end * 4) fail('bounds');
    let rows = 0;
    for (let k = this.head; k < this.end; k++) {
      const ts = this.packed[k * 4];
      if (ts <= this.low) fail('bucket at or below low');
      if (k > this.head && ts <= this.packed[(k - 1) * 4]) fail('buckets out of order');
      if (!(this.packed[k * 4 + 1] >= 1) || this.packed[k * 4 + 2] + this.packed[k * 4 + 3] > this.packed[k * 4 + 1])
        fail('counts');
      rows += this.packed[k * 4 + 1];
    }
    if (rows !== this.rows) fail('row total');
    if (this.end > this.head) {
      const newest = this.newest();
      if (this.low > newest - windowMs - graceMs) fail('low above newest − W − grace');
      if (this.win !== this.after(newest - windowMs)) fail('window start');
      let n = 0;
      let c4 = 0;
      let c5 = 0;
      for (let k = this.win; k < this.end; k++) {
        n += this.packed[k * 4 + 1];
        c4 += this.packed[k * 4 + 2];
        c5 += this.packed[k * 4 + 3];
      }
      if (n !== this.windowRows || c4 !== this.window4xx || c5 !== this.window5xx) fail('window sums');
    }
    return this.buckets;
  }

  private bump(p: number, c: number): void {
    this.packed[p + 1]++;
    if (c === 1) this.packed[p + 2]++;
    else if (c === 2) this.packed[p + 3]++;
  }

  private compact(): void {
    this.packed = this.packed.slice(this.head * 4);
    this.end -= this.head;
    this.win -= this.head;
    this.head = 0;
  }
}

interface Statements {
  db: Db;
  windowMs: number;
  stored: () => number | undefined;
  featuredUpTo: () => number;
  newestId: () => number;
  readNew: (from: number, to: number, limit: number) => [number, string, number, number][];
  newestTs: (ip: string, beforeId: number) => number | undefined;
  seedRows: (ip: string, low: number, beforeId: number) => [number, number][];
  countRange: (ip: string, lo: number, hi: number, beforeId: number) => [number, number, number];
  bumpLater: (ip: string, t: number, c: number, beforeId: number) => number;
  writeMany: (params: number[]) => void;
  writeOne: (id: number, n: number, c4: number, c5: number) => void;
  ranges: IpRangeRecomputer;
}

function prepare(db: Db, windowMs: number): Statements {
  const values = featureValues(windowMs);
  const many = db.prepare(
    `${FEATURE_INSERT_HEAD}${Array.from({ length: WRITE_CHUNK }, () => values).join(',')} ${FEATURE_UPSERT_TAIL}`,
  );
  const one = db.prepare(`${FEATURE_INSERT_HEAD}${values} ${FEATURE_UPSERT_TAIL}`);
  const table = featureTableReads(db);
  const newestId = db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck();
  const readNew = db
    .prepare('SELECT id, ip, ts_ms, status FROM logs WHERE id >= ? AND id <= ? ORDER BY id LIMIT ?')
    .raw();
  // Backwards over the IP's (ts_ms, id) index entries (no table reads): only the IP's rows not
  // processed yet (id ≥ beforeId; with data in order, its newest) are skipped before the match.
  const newestTs = db.prepare('SELECT ts_ms FROM logs WHERE ip = ? AND id < ? ORDER BY ts_ms DESC LIMIT 1').pluck();
  const seedRows = db
    .prepare('SELECT ts_ms, status FROM logs WHERE ip = ? AND ts_ms > ? AND id < ? ORDER BY ts_ms')
    .raw();
  const countRange = db
    .prepare(
      `SELECT count(*), coalesce(sum(c = 1), 0), coalesce(sum(c = 2), 0)
       FROM (SELECT ${STATUS_CLASS_SQL} AS c FROM logs WHERE ip = ? AND ts_ms > ? AND ts_ms <= ? AND id < ?)`,
    )
    .raw();
  const bump = db.prepare(
    `UPDATE features SET request_count = request_count + 1, client_error_count = client_error_count + ?,
       server_error_count = server_error_count + ?
     WHERE log_id IN (SELECT id FROM logs WHERE ip = ? AND ts_ms > ? AND ts_ms < ? AND id < ?)`,
  );
  return {
    db,
    windowMs,
    stored: table.storedWindowMs,
    featuredUpTo: table.featuredUpTo,
    newestId: () => newestId.get() as number,
    readNew: (from, to, limit) => readNew.all(from, to, limit) as [number, string, number, number][],
    newestTs: (ip, beforeId) => newestTs.get(ip, beforeId) as number | undefined,
    seedRows: (ip, low, beforeId) => seedRows.all(ip, low, beforeId) as [number, number][],
    countRange: (ip, lo, hi, beforeId) => countRange.get(ip, lo, hi, beforeId) as [number, number, number],
    bumpLater: (ip, t, c, beforeId) =>
      bump.run(c === 1 ? 1 : 0, c === 2 ? 1 : 0, ip, t, t + windowMs, beforeId).changes,
    writeMany: (params) => void many.run(params),
    writeOne: (id, n, c4, c5) => void one.run(id, n, c4, c5),
    ranges: ipRangeRecomputer(db, windowMs),
  };
}

/**
 * The per-IP tail state and the slice-wise incremental update built on it. One instance per
 * database connection whose `features` it maintains (the engine's FeaturePipeline owns it).
 */
export class FeatureTail {
  readonly maxIps: number;
  readonly maxBuckets: number;
  readonly graceMs: number;
  readonly lateBudgetRows: number;
  /** Map order is the LRU order: the first key is the least recently used IP. */
  private readonly ips = new Map<string, IpTail>();
  private bucketCount = 0;
  private windowMs = 0;
  /** The features ended at this id after the last committed slice (−1: unknown). */
  private processedUpTo = -1;
  private sliceNo = 0;
  private stmts: Statements | null = null;

  constructor({
    maxIps = 50_000,
    maxBuckets = 1_000_000,
    graceMs = 60_000,
    lateBudgetRows = 4096,
  }: FeatureTailOptions = {}) {
    if (!Number.isSafeInteger(maxIps) || maxIps < 1) throw new RangeError('maxIps must be a positive integer');
    if (!Number.isSafeInteger(maxBuckets) || maxBuckets < 1) {
      throw new RangeError('maxBuckets must be a positive integer');
    }
    if (!Number.isSafeInteger(graceMs) || graceMs < 0) throw new RangeError('graceMs must be a whole number ≥ 0');
    this.maxIps = maxIps;
    this.maxBuckets = maxBuckets;
    this.graceMs = graceMs;
    if (!(lateBudgetRows >= 0)) throw new RangeError('lateBudgetRows must be ≥ 0');
    this.lateBudgetRows = lateBudgetRows;
  }

  /** IPs held. */
  get size(): number {
    return this.ips.size;
  }

  /** Buckets held over all IPs. */
  get buckets(): number {
    return this.bucketCount;
  }

  /** Checks every IP's state and the bucket total; throws on the first broken invariant (tests). */
  assertConsistent(): void {
    let buckets = 0;
    for (const s of this.ips.values()) buckets += s.check(this.windowMs, this.graceMs);
    if (buckets !== this.bucketCount)
      throw new Error(`tail state: ${this.bucketCount} buckets counted, ${buckets} held`);
  }

  /** Forgets every IP; the next rows re-seed from SQLite. Call after rows of `logs` were deleted
   *  or changed, and after anything rewrote `features` wholesale. */
  clear(): void {
    this.ips.clear();
    this.bucketCount = 0;
    this.processedUpTo = -1;
  }

  /**
   * One slice: gives features to the rows after the last featured id (max log_id in
   * `features`), in id order, up to `lastId`, until the budget is spent; commits them in one
   * IMMEDIATE transaction. Afterwards `features` equals `recomputeAllFeatures` over the log rows
   * with id ≤ the returned lastId (rows above it get theirs in later slices). Call it again
   * until lastId reaches the target; give the event loop a turn in between.
   */
  advance(db: Db, windowMs: number, options: AdvanceOptions = {}): AdvanceResult {
    assertWindowMs(windowMs);
    const budgetMs = options.budgetMs ?? 8;
    const maxRows = options.maxRows ?? 100_000;
    const t0 = performance.now();
    if (this.stmts === null || this.stmts.db !== db || this.stmts.windowMs !== windowMs) {
      if (this.windowMs !== windowMs || (this.stmts !== null && this.stmts.db !== db)) this.clear();
      this.windowMs = windowMs;
      this.stmts = prepare(db, windowMs);
    }
    const q = this.stmts;
    try {
      return db
        .transaction((): AdvanceResult => {
          if (q.stored() !== windowMs) {
            this.clear();
            return { full: true };
          }
          const featured = q.featuredUpTo();
          if (featured !== this.processedUpTo) this.clear();
          const firstId = featured + 1;
          const target = Math.min(options.lastId ?? Number.MAX_SAFE_INTEGER, q.newestId());
          const { lastRow, ...res } = this.slice(q, firstId, target, t0, budgetMs, maxRows);
          // Every new row processed got a features row, so the table now ends at the last one.
          this.processedUpTo = lastRow ?? featured;
          this.evict(null);
          return { ...res, ms: performance.now() - t0 };
        })
        .immediate();
    } catch (err) {
      this.clear();
      throw err;
    }
  }

  private slice(
    q: Statements,
    firstId: number,
    target: number,
    t0: number,
    budgetMs: number,
    maxRows: number,
  ): Omit<Extract<AdvanceResult, { full: false }>, 'ms'> & { lastRow: number | null } {
    const W = this.windowMs;
    const grace = this.graceMs;
    const slice = ++this.sliceNo;
    const out = [0, 0, 0];
    const buffer: number[] = [];
    const flush = (): void => {
      let k = 0;
      for (; k + WRITE_CHUNK * 4 <= buffer.length; k += WRITE_CHUNK * 4)
        q.writeMany(buffer.slice(k, k + WRITE_CHUNK * 4));
      for (; k < buffer.length; k += 4) q.writeOne(buffer[k], buffer[k + 1], buffer[k + 2], buffer[k + 3]);
      buffer.length = 0;
    };
    /** IPs switched to the range recompute in this slice: the timestamps of their pending rows. */
    const fallback = new Map<string, number[]>();
    let rows = 0;
    let updated = 0;
    let seeded = 0;
    let late = 0;
    let lastId = firstId - 1;
    let lastRow: number | null = null;
    let from = firstId;
    let stop = false;
    while (!stop && from <= target) {
      const chunk = q.readNew(from, target, READ_CHUNK);
      if (chunk.length === 0) {
        lastId = target;
        break;
      }
      for (let k = 0; k < chunk.length; k++) {
        const [id, ip, t, status] = chunk[k];
        const c = statusClass(status);
        rows++;
        lastId = id;
        lastRow = id;
        let costly = false;
        const pending = fallback.get(ip);
        if (pending !== undefined) {
          pending.push(t);
        } else {
          let s = this.ips.get(ip);
          if (s === undefined) {
            s = this.seed(q, ip, id);
            seeded++;
            costly = true;
          }
          if (s.slice !== slice) {
            // Most recently used goes last in the map's order.
            this.ips.delete(ip);
            this.ips.set(ip, s);
            s.slice = slice;
            s.lateCost = 0;
          }
          const newest = s.newest();
          if (t >= newest && t - W >= s.low) {
            this.bucketCount += s.addInOrder(t, c, W, grace, out);
            buffer.push(id, out[0], out[1], out[2]);
          } else {
            late++;
            const known = t - W >= s.low;
            s.lateCost += known ? s.rowsAfter(t, W) : 2 * s.rows + 64;
            if (s.lateCost > this.lateBudgetRows + 2 * s.rows) {
              fallback.set(ip, [t]);
              this.drop(ip, s);
              costly = true;
            } else {
              if (known) {
                s.countLate(t, W, out);
              } else {
                const r = q.countRange(ip, t - W, t, id);
                out[0] = r[0];
                out[1] = r[1];
                out[2] = r[2];
              }
              if (t > s.low) this.bucketCount += s.insertLate(t, c, W);
              // The earlier rows in (t, t + W) count this one: the buffer must be in the table.
              flush();
              updated += q.bumpLater(ip, t, c, id);
              costly = true;
              buffer.push(id, out[0] + 1, out[1] + (c === 1 ? 1 : 0), out[2] + (c === 2 ? 1 : 0));
            }
          }
          if (this.ips.size > this.maxIps) this.evict(ip);
        }
        if (rows >= maxRows || ((costly || (rows & 15) === 0) && performance.now() - t0 >= budgetMs)) {
          stop = true;
          break;
        }
      }
      if (!stop && chunk.length < READ_CHUNK) lastId = target;
      from = lastId + 1;
    }
    flush();
    for (const [ip, starts] of fallback) {
      starts.sort((a, b) => a - b);
      updated += q.ranges(ip, starts, lastId) - starts.length;
    }
    return {
      full: false,
      firstId,
      lastId,
      rows,
      updated,
      seeded,
      fallbackIps: fallback.size,
      late,
      lastRow,
    };
  }

  /** Builds an IP's state from SQLite: its processed rows (id < beforeId) in the last W + grace. */
  private seed(q: Statements, ip: string, beforeId: number): IpTail {
    const s = new IpTail();
    const newest = q.newestTs(ip, beforeId);
    if (newest !== undefined) {
      s.low = newest - this.windowMs - this.graceMs;
      this.bucketCount += s.load(q.seedRows(ip, s.low, beforeId), this.windowMs);
    }
    this.ips.set(ip, s);
    return s;
  }

  private drop(ip: string, s: IpTail): void {
    this.ips.delete(ip);
    this.bucketCount -= s.buckets;
  }

  /** Drops least recently used IPs beyond the bounds (never `keep`). */
  private evict(keep: string | null): void {
    for (const [ip, s] of this.ips) {
      if (this.ips.size <= this.maxIps && this.bucketCount <= this.maxBuckets) return;
      if (ip === keep) continue;
      this.drop(ip, s);
    }
  }
}
