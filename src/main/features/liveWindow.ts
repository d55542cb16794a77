import type { Db } from '../store/db';
import { assertWindowMs, statusClass, type FeatureCounts } from './types';

export interface LiveEntry {
  ip: string;
  tsMs: number;
  status: number;
}

export interface LiveWindowOptions {
  windowMs: number;
  /** Most IPs kept; the least recently seen is dropped beyond it (default 100,000). */
  maxIps?: number;
  /** An IP not seen for this long is dropped, and entries this much older than the IP's newest
   *  are discarded (default W + 60 s, the original's TTLCache). Must be ≥ windowMs. */
  ttlMs?: number;
  /** Clock for IP expiry. Default: data time, the newest tsMs seen so far, so replaying an old
   *  file behaves like live traffic. Pass e.g. `Date.now` to expire by wall time instead. */
  now?: () => number;
}

/**
 * One IP's recent entries as a ring of buckets, one per distinct timestamp, in ts order:
 * [ts, count, client errors, server errors] × capacity (power of two). Merging equal timestamps
 * bounds memory for a flood from one IP to one bucket per distinct ms (in practice per second).
 * Buckets before `winStart` are kept only for late entries (ts > newest − ttl); `total`,
 * `client` and `server` sum the buckets in the live window (newest − W, newest].
 */
class IpWindow {
  // A plain array, not a Float64Array: typed arrays this size live off-heap and cost microseconds
  // to allocate and collect, which dominated when many IPs come and go.
  buf: number[] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  mask = 3;
  head = 0;
  len = 0;
  winStart = 0;
  total = 0;
  client = 0;
  server = 0;
  newest = -Infinity;
  touched = 0;
  newer: IpWindow | null = null;
  older: IpWindow | null = null;

  constructor(readonly ip: string) {}

  /** Physical offset of logical bucket k. */
  at(k: number): number {
    return ((this.head + k) & this.mask) * 4;
  }

  tsAt(k: number): number {
    return this.buf[((this.head + k) & this.mask) * 4];
  }

  grow(): void {
    const cap = this.mask + 1;
    // The ring is full: unroll it, [head, end) then [0, head), then pad (push keeps it packed).
    const next: number[] = [];
    for (let k = 0; k < cap * 4; k++) next.push(this.buf[(this.head * 4 + k) % (cap * 4)]);
    for (let k = cap * 4; k < cap * 8; k++) next.push(0);
    this.buf = next;
    this.mask = cap * 2 - 1;
    this.head = 0;
  }
}

/**
 * The live path's window: per IP the entries of the last W (+ the TTL's grace), bounded in IPs
 * by LRU and in time by TTL, so a flood of distinct IPs cannot exhaust memory.
 *
 * In-order entries (ts ≥ the IP's newest): the result equals the batch features exactly, ties
 * included (equal timestamps count in arrival order, a row exactly W older is out), as long as
 * the IP was not evicted by `maxIps` and, with the default data clock, the stream is in order
 * across IPs to within the TTL's 60 s grace.
 *
 * Late entries (ts < the IP's newest), the rule applied: the entry counts the cached entries of
 * its IP with ts in (t − W, t] that arrived before it, plus itself — what the batch gives when
 * no later arrival carries an earlier timestamp. That is exact when the entry is at most
 * ttl − W (60 s by default) older than the newest entry seen (with the data clock: of any IP),
 * since the cache keeps that much history beyond W. Later than that, part of its window may have
 * been discarded or its IP expired, and the count is low (the batch recompute corrects stored
 * features). The entry is stored at its place in time, so later entries count it as the batch
 * would; one older than its IP's newest − ttl is not stored.
 */
export class LiveWindowCache {
  readonly windowMs: number;
  readonly maxIps: number;
  readonly ttlMs: number;
  private readonly clock: (() => number) | null;
  private readonly ips = new Map<string, IpWindow>();
  /** LRU list: `newest` was touched last, `oldest` is the next to expire or be evicted. */
  private newest: IpWindow | null = null;
  private oldest: IpWindow | null = null;
  private dataNow = -Infinity;

  constructor({ windowMs, maxIps = 100_000, ttlMs = windowMs + 60_000, now }: LiveWindowOptions) {
    assertWindowMs(windowMs);
    if (!Number.isSafeInteger(maxIps) || maxIps < 1) throw new RangeError('maxIps must be a positive integer');
    if (!(ttlMs >= windowMs)) throw new RangeError('ttlMs must be at least windowMs');
    this.windowMs = windowMs;
    this.maxIps = maxIps;
    this.ttlMs = ttlMs;
    this.clock = now ?? null;
  }

  /** IPs currently held. */
  get size(): number {
    return this.ips.size;
  }

  /** Adds one entry and returns its window features. */
  add(entry: LiveEntry): FeatureCounts {
    const { ip, tsMs: t, status } = entry;
    if (!Number.isFinite(t)) throw new RangeError('tsMs must be a finite number');
    if (t > this.dataNow) this.dataNow = t;
    const now = this.clock ? this.clock() : this.dataNow;
    this.expire(now);

    let w = this.ips.get(ip);
    if (w === undefined) {
      w = new IpWindow(ip);
      this.ips.set(ip, w);
      this.linkNewest(w);
      if (this.ips.size > this.maxIps && this.oldest) this.drop(this.oldest);
    } else if (w !== this.newest) {
      this.unlink(w);
      this.linkNewest(w);
    }
    w.touched = now;

    const c = statusClass(status);
    return t >= w.newest ? this.addInOrder(w, t, c) : this.addLate(w, t, c);
  }

  /** Feeds entries (in arrival order) without computing results, e.g. to rebuild state. */
  warm(entries: Iterable<LiveEntry>): number {
    let n = 0;
    for (const e of entries) {
      this.add(e);
      n++;
    }
    return n;
  }

  /**
   * Loads the database's last ttl of entries (by ts, then arrival), so a restarted app gives the
   * next live entry the same counts as before the restart. Returns the rows read.
   */
  seed(db: Db): number {
    const newest = db.prepare('SELECT max(ts_ms) FROM logs').pluck().get() as number | null;
    if (newest === null) return 0;
    const rows = db
      .prepare('SELECT ip, ts_ms, status FROM logs WHERE ts_ms > ? ORDER BY ts_ms, id')
      .raw()
      .iterate(newest - this.ttlMs) as IterableIterator<[string, number, number]>;
    let n = 0;
    for (const [ip, tsMs, status] of rows) {
      this.add({ ip, tsMs, status });
      n++;
    }
    return n;
  }

  clear(): void {
    this.ips.clear();
    this.newest = null;
    this.oldest = null;
    this.dataNow = -Infinity;
  }

  private addInOrder(w: IpWindow, t: number, c: number): FeatureCounts {
    w.newest = t;
    const edge = t - this.windowMs;
    while (w.winStart < w.len && w.tsAt(w.winStart) <= edge) {
      const p = w.at(w.winStart);
      w.total -= w.buf[p + 1];
      w.client -= w.buf[p + 2];
      w.server -= w.buf[p + 3];
      w.winStart++;
    }
    // Grace buckets older than the TTL can serve no late entry any more.
    const keepAfter = t - this.ttlMs;
    while (w.len > 0 && w.winStart > 0 && w.tsAt(0) <= keepAfter) {
      w.head = (w.head + 1) & w.mask;
      w.len--;
      w.winStart--;
    }
    if (w.len > 0 && w.tsAt(w.len - 1) === t) {
      this.bump(w.buf, w.at(w.len - 1), c);
    } else {
      if (w.len > w.mask) w.grow();
      const p = w.at(w.len);
      w.buf[p] = t;
      w.buf[p + 1] = 0;
      w.buf[p + 2] = 0;
      w.buf[p + 3] = 0;
      w.len++;
      this.bump(w.buf, p, c);
    }
    w.total++;
    if (c === 1) w.client++;
    else if (c === 2) w.server++;
    return { request_count: w.total, client_error_count: w.client, server_error_count: w.server };
  }

  private addLate(w: IpWindow, t: number, c: number): FeatureCounts {
    // lo = first bucket with ts > t: the entry belongs at the end of its tie group.
    let lo = 0;
    let hi = w.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (w.tsAt(mid) <= t) lo = mid + 1;
      else hi = mid;
    }
    let last = lo - 1; // last bucket that the entry's own window may count
    let n = 1;
    let c4 = c === 1 ? 1 : 0;
    let c5 = c === 2 ? 1 : 0;
    if (t > w.newest - this.ttlMs) {
      const inWindow = t > w.newest - this.windowMs;
      if (last < 0 || w.tsAt(last) !== t) {
        if (w.len > w.mask) w.grow();
        for (let k = w.len; k > lo; k--) {
          const to = w.at(k);
          const from = w.at(k - 1);
          for (let j = 0; j < 4; j++) w.buf[to + j] = w.buf[from + j];
        }
        const p = w.at(lo);
        w.buf[p] = t;
        w.buf[p + 1] = 0;
        w.buf[p + 2] = 0;
        w.buf[p + 3] = 0;
        w.len++;
        if (!inWindow) w.winStart++;
        last = lo;
      }
      this.bump(w.buf, w.at(last), c);
      if (inWindow) {
        w.total++;
        if (c === 1) w.client++;
        else if (c === 2) w.server++;
      }
      // The entry is now inside bucket `last`, which the loop below counts.
      n = 0;
      c4 = 0;
      c5 = 0;
    }
    const edge = t - this.windowMs;
    for (let k = last; k >= 0 && w.tsAt(k) > edge; k--) {
      const p = w.at(k);
      n += w.buf[p + 1];
      c4 += w.buf[p + 2];
      c5 += w.buf[p + 3];
    }
    return { request_count: n, client_error_count: c4, server_error_count: c5 };
  }

  private bump(buf: number[], p: number, c: number): void {
    buf[p + 1]++;
    if (c === 1) buf[p + 2]++;
    else if (c === 2) buf[p + 3]++;
  }

  /** Drops IPs untouched for ttl; the list is in touch order, so expired ones are at its end. */
  private expire(now: number): void {
    while (this.oldest !== null && now - this.oldest.touched >= this.ttlMs) this.drop(this.oldest);
  }

  private drop(w: IpWindow): void {
    this.unlink(w);
    this.ips.delete(w.ip);
  }

  private linkNewest(w: IpWindow): void {
    w.older = this.newest;
    w.newer = null;
    if (this.newest) this.newest.newer = w;
    this.newest = w;
    if (this.oldest === null) this.oldest = w;
  }

  private unlink(w: IpWindow): void {
    if (w.newer) w.newer.older = w.older;
    else this.newest = w.older;
    if (w.older) w.older.newer = w.newer;
    else this.oldest = w.newer;
    w.newer = null;
    w.older = null;
  }
}
