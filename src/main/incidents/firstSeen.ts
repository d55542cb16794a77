import type { Db } from '../store/db';
import { cached, type NewEntries } from './entryCounts';

const DAY_MS = 86_400_000;
/** IPs looked up per statement. */
const CHUNK = 1_000;

/**
 * When each IP was first seen (among the logs up to `upTo`), as grouping and summaries need it:
 * null when it was there as the log began (within the window, as the catalogue counts it).
 * Most questions need less than the exact time: whether the IP is in the log's first window
 * (read for all IPs in one range when that is cheaper than a seek per IP), and, when not, whether
 * it was first seen less than a day before an entry. The exact time is looked up when asked.
 */
export class FirstSightings {
  private readonly exact = new Map<string, number>();
  /** IPs seen in the log's first window; null while every IP is looked up one by one. */
  private early: Set<string> | null = null;

  constructor(
    private readonly db: Db,
    private readonly dataStart: number,
    private readonly windowMs: number,
    private upTo: number,
  ) {}

  private get earlyEnd(): number {
    return this.dataStart + this.windowMs;
  }

  /** Ready for these IPs (a full build's): the first window's IPs in one read, or each IP's first sighting. */
  *prepare(ips: readonly string[]): Generator<void, void> {
    const cap = 2 * ips.length;
    const inWindow = cached(this.db, 'SELECT count(*) FROM (SELECT 1 FROM logs WHERE ts_ms >= ? AND ts_ms < ? LIMIT ?)')
      .pluck()
      .get(this.dataStart, this.earlyEnd, cap) as number;
    if (inWindow < cap) {
      this.early = new Set(
        cached(this.db, 'SELECT DISTINCT ip FROM logs WHERE ts_ms >= ? AND ts_ms < ? AND id <= ?')
          .pluck()
          .all(this.dataStart, this.earlyEnd, this.upTo) as string[],
      );
      return;
    }
    for (let i = 0; i < ips.length; i += CHUNK) {
      yield;
      this.lookUp(ips.slice(i, i + CHUNK));
    }
  }

  /** Ready for the IPs of newly flagged entries. */
  prepareMore(ips: Iterable<string>): void {
    if (this.early === null) this.lookUp(ips);
  }

  /** `prepareMore` a step per CHUNK IPs: a rescoring's regroup can bring tens of thousands (~200 ms at once). */
  *prepareMoreInSteps(ips: readonly string[]): Generator<void, void> {
    if (this.early !== null) return;
    for (let i = 0; i < ips.length; i += CHUNK) {
      yield;
      this.lookUp(ips.slice(i, i + CHUNK));
    }
  }

  /** When the IP was first seen; null when it was there as the log began. */
  seen(ip: string): number | null {
    let t = this.exact.get(ip);
    if (t === undefined) {
      if (this.early?.has(ip)) return null;
      this.lookUp([ip]);
      t = this.exact.get(ip);
    }
    return t === undefined || t - this.dataStart < this.windowMs ? null : t;
  }

  /** The IP was first seen less than a day before `atMs` (one of its entries), and not as the log began. */
  isNew(ip: string, atMs: number): boolean {
    if (this.early && !this.exact.has(ip)) {
      if (this.early.has(ip)) return false;
      // First seen after the first window and no later than atMs: within a day if atMs is.
      if (atMs - this.earlyEnd < DAY_MS) return true;
    }
    const t = this.seen(ip);
    return t !== null && atMs - t < DAY_MS;
  }

  /** Takes in entries stored since (up to `upTo`); returns the IPs whose first sighting as seen() says it changed. */
  follow(stored: NewEntries, upTo: number): Set<string> {
    const changed = new Set<string>();
    for (const [ip, times] of stored) {
      let earliest = Infinity;
      for (const t of times) if (t < earliest) earliest = t;
      const t = this.exact.get(ip);
      const wasEarly = this.early?.has(ip) ?? false;
      if (t !== undefined && earliest < t) {
        const before = this.seen(ip);
        this.exact.set(ip, earliest);
        if (this.seen(ip) !== before) changed.add(ip);
      }
      if (this.early && earliest < this.earlyEnd && !wasEarly) {
        this.early.add(ip);
        changed.add(ip);
      }
    }
    this.upTo = upTo;
    return changed;
  }

  private lookUp(ips: Iterable<string>): void {
    const unknown = [...new Set(ips)].filter((ip) => !this.exact.has(ip));
    if (unknown.length === 0) return;
    const found = cached(
      this.db,
      'SELECT j.value, (SELECT ts_ms FROM logs WHERE ip = j.value AND id <= ? ORDER BY ts_ms LIMIT 1) FROM json_each(?) j',
    )
      .raw()
      .all(this.upTo, JSON.stringify(unknown)) as Array<[string, number | null]>;
    for (const [ip, t] of found) if (t !== null) this.exact.set(ip, t);
  }
}
