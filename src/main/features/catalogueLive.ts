import type { Database } from 'better-sqlite3';
import { catalogueLookbackMs, CatalogueWindow, type CatalogueEntry } from './catalogueWindow';
import { replay } from './catalogueReplay';

/** An entry as the live window hears of it (file entries carry their id). */
export interface ObservedEntry extends CatalogueEntry {
  id: number;
}

/**
 * Catalogue features of entries that are not stored yet (detections through the API): each is
 * counted as arriving after every stored entry. The window is seeded from the last lookback of
 * stored entries, hears of newly ingested ones (observe) and keeps going while entries come in
 * timestamp order. An entry older than the window's newest is answered exactly by a replay of
 * its own lookback, and the window is then rebuilt at the next detection (it never saw that
 * entry, which is about to be stored).
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
    if (e.tsMs >= this.lastTs) {
      this.knowFirstSighting(win, e.ip, Infinity);
      this.lastTs = e.tsMs;
      return win.push(e);
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
    this.win = null;
    return late.push(e);
  }

  /** Entries just ingested from files, in id order. */
  observe(entries: readonly ObservedEntry[]): void {
    for (const e of entries) {
      if (!this.win) return;
      if (e.id <= this.seededUpTo) continue;
      if (e.tsMs < this.lastTs) {
        this.win = null; // out of order: rebuilt from the database at the next detection
        return;
      }
      this.knowFirstSighting(this.win, e.ip, Infinity);
      this.lastTs = e.tsMs;
      this.win.push(e);
    }
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
