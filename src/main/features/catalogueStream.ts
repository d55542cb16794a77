import type { Database } from 'better-sqlite3';
import { catalogueLookbackMs, type CatalogueWindow } from './catalogueWindow';
import { replay, RowsBuilder, STORED_COLUMNS, type CatalogueRows, type StoredEntry } from './catalogueReplay';
import type { CatalogueEntry } from './catalogueWindow';

/**
 * Catalogue features of stored entries as they arrive, by id range (the scorer's view: ranges
 * come in increasing id order as entries get ingested).
 *
 * The window holds every entry with id below `nextId` (from the lookback on). A range whose
 * entries all come after what the window holds, in (timestamp, arrival) order, is simply
 * pushed: O(1) per entry. Anything else (the first range, entries older than the newest held,
 * a gap in ids) is answered by a replay of the lookback before its oldest entry, exactly; the
 * window is kept afterwards only when it again holds every entry below the range's end.
 *
 * Entries that arrive late do not change the features of entries already scored (the batch
 * pass at the next training does): an entity's score can lag until then.
 */
export class CatalogueStream {
  private win: CatalogueWindow | null = null;
  private nextId = 0;
  private lastTs = -Infinity;

  constructor(readonly windowMs: number) {}

  /**
   * Rows a replay computed beyond the range it was asked for (every entry stored by then), kept
   * for the ranges that follow: a burst of late ranges costs one replay, not one each.
   */
  private ahead = new Map<number, { e: CatalogueEntry; f: Float64Array }>();

  /** Forgets the window (entries were removed). */
  reset(): void {
    this.win = null;
    this.ahead.clear();
  }

  featuresOfIds(db: Database, firstId: number, lastId: number): CatalogueRows {
    const wanted = db
      .prepare(`SELECT ${STORED_COLUMNS} FROM logs WHERE id >= ? AND id <= ? ORDER BY ts_ms, id`)
      .raw()
      .all(firstId, lastId) as StoredEntry[];
    const b = new RowsBuilder(wanted.length);
    if (wanted.length === 0) return b.build();
    if (wanted.every((r) => this.ahead.has(r[0]))) {
      for (const [id] of wanted) {
        const { e, f } = this.ahead.get(id)!;
        this.ahead.delete(id);
        const { data, at } = b.add(id, e);
        data.set(f, at);
      }
      return b.build();
    }
    this.ahead.clear();
    const top = wanted.reduce((m, r) => Math.max(m, r[0]), 0);
    if (this.win && firstId === this.nextId && wanted[0][1] >= this.lastTs) {
      const win = this.win;
      const seen = db.prepare('SELECT min(ts_ms) FROM logs WHERE ip = ? AND id < ?').pluck();
      for (const [id, tsMs, ip, method, endpoint, status, bytes] of wanted) {
        const e = { tsMs, ip, method, endpoint, status, bytes };
        // An IP new to the window may have been seen before the replay it started from.
        if (!win.hasIp(ip)) {
          const first = seen.get(ip, firstId) as number | null;
          if (first !== null) win.knowIp(ip, first);
        }
        const { data, at } = b.add(id, e);
        win.push(e, data, at);
      }
      this.lastTs = wanted[wanted.length - 1][1];
      this.nextId = top + 1;
      return b.build();
    }
    const minTs = wanted[0][1];
    let maxTs = -Infinity;
    // Every entry stored by now, from the lookback before the oldest wanted one on: the window
    // then holds exactly what a continuation needs, and rows past this range wait in `ahead`.
    const newest = Math.max(top, db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number);
    this.win = replay(
      db,
      this.windowMs,
      { fromTs: minTs - catalogueLookbackMs(this.windowMs), toTs: Infinity, maxId: newest },
      (id, e, f) => {
        maxTs = e.tsMs;
        if (id < firstId) return;
        if (id > lastId) {
          this.ahead.set(id, { e, f: Float64Array.from(f) });
          return;
        }
        const { data, at } = b.add(id, e);
        data.set(f, at);
      },
    );
    this.lastTs = maxTs;
    this.nextId = newest + 1;
    return b.build();
  }
}
