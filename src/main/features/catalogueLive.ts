import type { Database } from 'better-sqlite3';
import { catalogueLookbackMs, CatalogueWindow, type CatalogueEntry } from './catalogueWindow';
import { replay } from './catalogueReplay';

/** How late an entry may be and still be counted as arriving now (the original's live window: 60 s). */
export const LATE_TOLERANCE_MS = 60_000;
/** A rebuild replaying at most this many entries (~20 ms) is done for exactness; more are not. */
const CHEAP_REBUILD_ROWS = 20_000;

/** An entry as the live window hears of it (file entries carry their id). */
export interface ObservedEntry extends CatalogueEntry {
  id: number;
}

/**
 * Catalogue features of entries that are not stored yet (detections through the API): each is
 * counted as arriving after every stored entry. The window is seeded from the last lookback of
 * stored entries, hears of newly ingested ones (observe) and keeps going while entries come in
 * timestamp order, O(1) each.
 *
 * An entry older than the window's newest by at most LATE_TOLERANCE_MS (concurrent clients'
 * clocks, a batch built a moment earlier, a log line written when its request ended) is counted
 * as arriving at the newest time, so the window stays in order: its counts are those of an entry
 * a few seconds later. Older entries are
 * answered exactly by a replay of their own lookback; the window is rebuilt afterwards when that
 * is cheap (CHEAP_REBUILD_ROWS). Either way the stored entry is scored again exactly once
 * features catch up (CatalogueStream), so only the immediate answer can differ; a dense hour
 * replayed on every late detection would otherwise hold the main thread for most of a second
 * each time.
 */
export class CatalogueLive {
  private win: CatalogueWindow | null = null;
  private lastTs = -Infinity;
  /** Entries with ids up to this were part of the seed: observe() skips them. */
  private seededUpTo = 0;

  constructor(
    private readonly db: Database,
    readonly windowMs: number,
  ) {}

  reset(): void {
    this.win = null;
  }

  /** The raw feature row of a new entry, which the window then counts. */
  add(e: CatalogueEntry): Float64Array {
    const win = this.win ?? this.seed();
    if (e.tsMs >= this.lastTs - LATE_TOLERANCE_MS) {
      this.knowFirstSighting(win, e.ip, Infinity);
      this.lastTs = Math.max(this.lastTs, e.tsMs);
      return win.push({ ...e, tsMs: this.lastTs });
    }
    const stored = this.db.prepare('SELECT min(ts_ms) FROM logs').pluck().get() as number | null;
    const late = replay(
      this.db,
      this.windowMs,
      {
        fromTs: e.tsMs - catalogueLookbackMs(this.windowMs),
        toTs: e.tsMs,
        maxId: Number.MAX_SAFE_INTEGER,
        dataStartMs: Math.min(stored ?? e.tsMs, e.tsMs),
      },
      () => undefined,
    );
    this.knowFirstSighting(late, e.ip, e.tsMs);
    // The window never saw this entry, which is about to be stored: where later detections
    // would count it and a rebuild is cheap, rebuild at the next detection; over a dense hour,
    // keep the window (their immediate answers may miss it until the scorer's exact pass).
    if (e.tsMs > this.lastTs - catalogueLookbackMs(this.windowMs) && this.recentRows() <= CHEAP_REBUILD_ROWS) {
      this.win = null;
    }
    return late.push(e);
  }

  /** Entries just ingested from files, in id order. */
  observe(entries: readonly ObservedEntry[]): void {
    for (const e of entries) {
      if (!this.win) return;
      if (e.id <= this.seededUpTo) continue;
      // Lines a little out of order (a log writes a request when it ends) are counted at the
      // newest time, as detections are; far older ones make the window rebuild when next needed.
      if (e.tsMs < this.lastTs - LATE_TOLERANCE_MS) {
        this.win = null;
        return;
      }
      this.knowFirstSighting(this.win, e.ip, Infinity);
      this.lastTs = Math.max(this.lastTs, e.tsMs);
      this.win.push({ ...e, tsMs: this.lastTs });
    }
  }

  /** Stored entries in the lookback before the newest: what a rebuild would replay. */
  private recentRows(): number {
    return this.db
      .prepare('SELECT count(*) FROM logs WHERE ts_ms > ?')
      .pluck()
      .get(this.lastTs - catalogueLookbackMs(this.windowMs)) as number;
  }

  private seed(): CatalogueWindow {
    const [maxTs, maxId] = this.db
      .prepare('SELECT coalesce(max(ts_ms), 0), coalesce(max(id), 0) FROM logs')
      .raw()
      .get() as [number, number];
    this.win = replay(
      this.db,
      this.windowMs,
      { fromTs: maxTs - catalogueLookbackMs(this.windowMs), toTs: Infinity, maxId },
      () => undefined,
    );
    this.lastTs = maxId === 0 ? -Infinity : maxTs;
    this.seededUpTo = maxId;
    return this.win;
  }

  /** An IP new to the window may have been seen before the stretch the window was seeded from. */
  private knowFirstSighting(win: CatalogueWindow, ip: string, beforeTs: number): void {
    if (win.hasIp(ip)) return;
    const first = this.db
      .prepare('SELECT min(ts_ms) FROM logs WHERE ip = ? AND ts_ms <= ?')
      .pluck()
      .get(ip, beforeTs === Infinity ? Number.MAX_SAFE_INTEGER : beforeTs) as number | null;
    if (first !== null) win.knowIp(ip, first);
  }
}
