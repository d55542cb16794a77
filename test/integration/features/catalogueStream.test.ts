/**
 * The catalogue's three incremental homes against its batch pass, on a real SQLite file:
 * CatalogueStream (the scorer: id ranges as entries are ingested, in order or late),
 * CatalogueLive (detections: entries not stored yet, plus entries observed from files) and
 * catalogueFeaturesOf (one stored entry, for explanations). Batch = incremental = live, for
 * random tie-heavy data with late batches, a short window and one longer than the long window.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { catalogueOfAll } from '../../../src/main/features/catalogueReplay';
import { CatalogueStream } from '../../../src/main/features/catalogueStream';
import { CatalogueLive, LATE_TOLERANCE_MS } from '../../../src/main/features/catalogueLive';
import { RAW_COLUMNS, type CatalogueEntry } from '../../../src/main/features/catalogueWindow';
import { catalogueFeaturesOf } from '../../../src/main/features/explanation';
import type { Db } from '../../../src/main/store/db';
import { pick, rng } from '../../unit/features/oracle';
import { addSource, tempDb } from './helpers';

const HOUR = 3_600_000;
let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function open(): { db: Db; source: number } {
  const t = tempDb();
  cleanups.push(t.cleanup);
  return { db: t.db, source: addSource(t.db, '/logs/access.log') };
}

function randomEntry(next: () => number, tsMs: number): CatalogueEntry {
  return {
    tsMs,
    // Rare IPs come back after hours away: their first sighting lies before any recent replay.
    ip:
      next() < 0.15
        ? `198.51.100.${Math.floor(next() * 12)}`
        : pick(next, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.1.9', '203.0.113.7']),
    method: pick(next, ['GET', 'GET', 'POST', 'get', null]),
    endpoint: pick(next, ['/', '/login', '/api/data', '/wp-login.php']),
    status: pick(next, [200, 200, 302, 404, 401, 500, 503]),
    bytes: pick(next, [null, 0, 512, 80_000]),
  };
}

/** Inserts entries in the given (arrival) order; returns their ids. */
function insert(db: Db, source: number, entries: readonly CatalogueEntry[]): number[] {
  const stmt = db.prepare(
    'INSERT INTO logs (source_id, line_no, ts_ms, ip, method, endpoint, status, bytes) VALUES (?, 0, ?, ?, ?, ?, ?, ?)',
  );
  return db.transaction(() =>
    entries.map((e) => Number(stmt.run(source, e.tsMs, e.ip, e.method, e.endpoint, e.status, e.bytes).lastInsertRowid)),
  )();
}

/** The batch pass's row of every id, as of entries up to maxId. */
function batchRows(db: Db, windowMs: number, maxId: number): Map<number, number[]> {
  const all = catalogueOfAll(db, windowMs, maxId);
  const out = new Map<number, number[]>();
  for (let i = 0; i < all.rows; i++)
    out.set(all.ids[i], Array.from(all.data.subarray(i * RAW_COLUMNS, (i + 1) * RAW_COLUMNS)));
  return out;
}

/** A batch of `n` entries: in time order after `t0`, or (late) spread over the past. */
function batch(next: () => number, t0: number, n: number, late: boolean): CatalogueEntry[] {
  const out: CatalogueEntry[] = [];
  // Late batches start more than a minute back (the live window's tolerance, tested apart).
  let t = late ? t0 - 61_000 - Math.floor(next() * 4 * HOUR) : t0;
  for (let i = 0; i < n; i++) {
    // Many ties: a third of the entries share the previous timestamp.
    t += next() < 0.33 ? 0 : Math.floor(next() * 90_000);
    out.push(randomEntry(next, t));
  }
  return out;
}

describe.each([300_000, 2 * HOUR])('catalogue features, window %i ms', (windowMs) => {
  it('CatalogueStream: every id range equals the batch pass as of its last id (in order, late, gaps)', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const next = rng(seed);
      const { db, source } = open();
      const stream = new CatalogueStream(windowMs);
      let now = Date.UTC(2024, 0, 1);
      let checked = 0;
      for (let b = 0; b < 14; b++) {
        const late = next() < 0.3;
        const entries = batch(next, now, 1 + Math.floor(next() * 60), late);
        if (!late) now = Math.max(now, ...entries.map((e) => e.tsMs));
        const ids = insert(db, source, entries);
        // Now and then a range is skipped (the scorer fell behind): the next one starts later.
        if (next() < 0.1) continue;
        const got = stream.featuresOfIds(db, ids[0], ids.at(-1)!);
        const want = batchRows(db, windowMs, ids.at(-1)!);
        expect(got.rows).toBe(ids.length);
        for (let i = 0; i < got.rows; i++) {
          expect(Array.from(got.data.subarray(i * RAW_COLUMNS, (i + 1) * RAW_COLUMNS))).toEqual(want.get(got.ids[i]));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(100);
    }
  });

  it('CatalogueStream behind the ingest: one replay serves the ranges that follow, equal to the batch pass', () => {
    for (let seed = 41; seed <= 43; seed++) {
      const next = rng(seed);
      const { db, source } = open();
      const stream = new CatalogueStream(windowMs);
      let now = Date.UTC(2024, 0, 1);
      const ranges: Array<[number, number]> = [];
      for (let b = 0; b < 6; b++) {
        const late = b > 0 && next() < 0.5;
        const entries = batch(next, now, 20 + Math.floor(next() * 40), late);
        if (!late) now = Math.max(now, ...entries.map((e) => e.tsMs));
        const ids = insert(db, source, entries);
        ranges.push([ids[0], ids.at(-1)!]);
      }
      // The scorer catches up only now: every range is answered as of everything stored.
      const want = batchRows(db, windowMs, ranges.at(-1)![1]);
      for (const [first, last] of ranges) {
        const got = stream.featuresOfIds(db, first, last);
        expect(got.rows).toBe(last - first + 1);
        for (let i = 0; i < got.rows; i++) {
          expect(Array.from(got.data.subarray(i * RAW_COLUMNS, (i + 1) * RAW_COLUMNS))).toEqual(want.get(got.ids[i]));
        }
      }
    }
  });

  it('CatalogueLive: a detection gets the features it has once stored as the newest entry', () => {
    for (let seed = 11; seed <= 14; seed++) {
      const next = rng(seed);
      const { db, source } = open();
      insert(db, source, batch(next, Date.UTC(2024, 0, 1), 200, false));
      const live = new CatalogueLive(db, windowMs);
      let now = Date.UTC(2024, 0, 1, 4);
      for (let k = 0; k < 80; k++) {
        if (next() < 0.2) {
          // Entries ingested from a file, heard of by the live window (sometimes out of order).
          const entries = batch(next, now, 1 + Math.floor(next() * 20), next() < 0.3);
          const ids = insert(db, source, entries);
          live.observe(entries.map((e, i) => ({ ...e, id: ids[i] })));
          now = Math.max(now, ...entries.map((e) => e.tsMs));
          continue;
        }
        // Late by more than the window: answered exactly (a little late is counted as now, below).
        const late = next() < 0.15;
        now += late ? 0 : Math.floor(next() * 60_000);
        const e = randomEntry(next, late ? now - LATE_TOLERANCE_MS - 1 - Math.floor(next() * 3 * HOUR) : now);
        const f = Array.from(live.add(e));
        const [id] = insert(db, source, [e]);
        expect(f).toEqual(batchRows(db, windowMs, id).get(id));
      }
    }
  });

  it('CatalogueLive: an entry at most a minute late is counted as arriving at the newest time', () => {
    const next = rng(31);
    const { db, source } = open();
    insert(db, source, batch(next, Date.UTC(2024, 0, 1), 200, false));
    const newest = db.prepare('SELECT max(ts_ms) FROM logs').pluck().get() as number;
    const e = randomEntry(next, newest - LATE_TOLERANCE_MS);
    const f = Array.from(new CatalogueLive(db, windowMs).add(e));
    const [id] = insert(db, source, [{ ...e, tsMs: newest }]);
    expect(f).toEqual(batchRows(db, windowMs, id).get(id));
  });

  it('catalogueFeaturesOf: one stored entry equals the batch pass', () => {
    const next = rng(21);
    const { db, source } = open();
    const ids = [
      ...insert(db, source, batch(next, Date.UTC(2024, 0, 1), 300, false)),
      ...insert(db, source, batch(next, Date.UTC(2024, 0, 1, 3), 100, true)),
    ];
    const want = batchRows(db, windowMs, ids.at(-1)!);
    for (let k = 0; k < 40; k++) {
      const id = pick(next, ids);
      expect(Array.from(catalogueFeaturesOf(db, windowMs, id)!)).toEqual(want.get(id));
    }
    expect(catalogueFeaturesOf(db, windowMs, 999_999)).toBeNull();
  });
});
