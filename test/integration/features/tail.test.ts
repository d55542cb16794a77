import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { FeatureTail, type AdvanceOptions } from '../../../src/main/features/tail';
import type { Db } from '../../../src/main/store/db';
import { bruteForce, pick, rng, type OracleRow } from '../../unit/features/oracle';
import { addSource, insertLogs, storedFeatures, tempDb } from './helpers';
import { Mirror, Traffic, type BatchKind } from './tailHelpers';

/** No time budget: a slice that asserts its row count must not end early on a loaded machine. */
const WHOLE = { budgetMs: 60_000 };

interface Totals {
  slices: number;
  rows: number;
  late: number;
  seeded: number;
  fallbackIps: number;
  updated: number;
  full: number;
}

const zero = (): Totals => ({ slices: 0, rows: 0, late: 0, seeded: 0, fallbackIps: 0, updated: 0, full: 0 });

/**
 * Runs slices until every row has features, checking after every slice that `features` is the
 * batch result of the rows committed so far (the prefix up to the slice's last id).
 */
function catchUp(
  db: Db,
  tail: FeatureTail,
  windowMs: number,
  mirror: Mirror,
  options: () => AdvanceOptions,
  totals: Totals,
  context: string,
): void {
  const newest = db.prepare('SELECT coalesce(max(id), 0) FROM logs').pluck().get() as number;
  for (let guard = 0; guard < 100_000; guard++) {
    const r = tail.advance(db, windowMs, options());
    if (r.full) {
      totals.full++;
      recomputeAllFeatures(db, windowMs);
      mirror.expectExact(db, windowMs, newest, `${context} full`);
      return;
    }
    totals.slices++;
    totals.rows += r.rows;
    totals.late += r.late;
    totals.seeded += r.seeded;
    totals.fallbackIps += r.fallbackIps;
    totals.updated += r.updated;
    mirror.expectExact(db, windowMs, r.lastId, `${context} slice ${totals.slices} → ${r.lastId}`);
    tail.assertConsistent();
    expect(tail.size).toBeLessThanOrEqual(tail.maxIps);
    expect(tail.buckets).toBeLessThanOrEqual(tail.maxBuckets);
    if (r.lastId >= newest) return;
    expect(r.rows).toBeGreaterThan(0);
  }
  throw new Error('no progress');
}

describe('FeatureTail (incremental features from per-IP tail state)', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('property: random in-order / late / very late / backfill batches, many IPs, ties, exact-W gaps, tiny LRU bounds — every slice equals the batch of its prefix', () => {
    const all = zero();
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(31_000 + seed);
      const W = [1, 2, 1000, 60_000, 300_000][seed % 5];
      const graceMs = pick(next, [0, 1, W, 60_000]);
      const maxIps = pick(next, [1, 2, 3, 50_000]);
      const maxBuckets = pick(next, [1, 5, 40, 1_000_000]);
      const lateBudgetRows = pick(next, [0, 10, 4096]);
      const tail = new FeatureTail({ maxIps, maxBuckets, graceMs, lateBudgetRows });
      const traffic = new Traffic(next, next() < 0.2 ? 150 : 1 + Math.floor(next() * 24), W, graceMs);
      const t = tempDb();
      const mirror = new Mirror();
      const context = `seed ${seed} W ${W} grace ${graceMs} maxIps ${maxIps} maxBuckets ${maxBuckets} lateBudget ${lateBudgetRows}`;
      try {
        const source = addSource(t.db, 'p.log');
        mirror.addSource(source);
        let line = 1;
        const kinds: BatchKind[] = ['inorder', 'inorder', 'inorder', 'late', 'veryLate', 'backfill', 'ties'];
        for (let b = 0; b < 14; b++) {
          const kind = b < 2 ? 'inorder' : pick(next, kinds);
          const batch = traffic.batch(kind, 1 + Math.floor(next() * 45));
          insertLogs(t.db, source, batch, line);
          line += batch.length;
          const budget = pick(next, [Infinity, Infinity, 0]);
          catchUp(
            t.db,
            tail,
            W,
            mirror,
            () => ({ budgetMs: budget, maxRows: pick(next, [1, 3, 17, 1000]) }),
            all,
            `${context} batch ${b} (${kind})`,
          );
        }
      } finally {
        mirror.close();
        t.cleanup();
      }
    }
    // The generator really exercised every path.
    expect(all.late).toBeGreaterThan(300);
    expect(all.fallbackIps).toBeGreaterThan(5);
    expect(all.seeded).toBeGreaterThan(100);
    expect(all.updated).toBeGreaterThan(300);
    expect(all.full).toBe(40);
  });

  it('property: recompute, clear, window change and source removal between steps', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = rng(47_000 + seed);
      const windows = [1000, 60_000, 300_000];
      let W = pick(next, windows);
      const tail = new FeatureTail({ maxIps: pick(next, [2, 50_000]), graceMs: pick(next, [0, 60_000]) });
      const traffic = new Traffic(next, 2 + Math.floor(next() * 8), 300_000, 60_000);
      const t = tempDb();
      const mirror = new Mirror();
      const totals = zero();
      try {
        const sources = [addSource(t.db, 'a.log'), addSource(t.db, 'b.log'), addSource(t.db, 'c.log')];
        for (const s of sources) mirror.addSource(s);
        const live = [...sources];
        for (let b = 0; b < 16; b++) {
          const op = b < 2 ? 'none' : pick(next, ['none', 'none', 'recompute', 'clear', 'window', 'remove']);
          if (op === 'recompute') {
            // A full recompute of the same data leaves the state valid, cleared or not.
            recomputeAllFeatures(t.db, W);
            if (next() < 0.5) tail.clear();
          } else if (op === 'clear') {
            tail.clear();
          } else if (op === 'window') {
            // Nothing to clear by hand: advance sees the new window (and asks for a recompute
            // when the stored features are of the old one).
            W = pick(next, windows);
            if (next() < 0.5) recomputeAllFeatures(t.db, W);
          } else if (op === 'remove' && live.length > 1) {
            const gone = live.splice(Math.floor(next() * live.length), 1)[0];
            t.db.prepare('DELETE FROM sources WHERE id = ?').run(gone);
            mirror.removeSource(gone);
            // What the engine does after a removal: recompute, and the state is dropped.
            recomputeAllFeatures(t.db, W);
            tail.clear();
          }
          const kind = pick(next, ['inorder', 'inorder', 'late', 'veryLate', 'ties'] as BatchKind[]);
          // Sources take turns, so one's rows sit between another's in id order.
          for (const s of live) {
            const batch = traffic.batch(kind, 1 + Math.floor(next() * 20));
            insertLogs(t.db, s, batch, 1 + b * 100);
          }
          catchUp(t.db, tail, W, mirror, () => ({ maxRows: pick(next, [5, 50, 1000]) }), totals, `seed ${seed} ${op}`);
        }
      } finally {
        mirror.close();
        t.cleanup();
      }
    }
  });

  it('in-order rows cost no SQL reads after the seed, and need no rewrites of earlier rows', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 300_000;
    const source = addSource(t.db, 'inorder.log');
    const rows: OracleRow[] = [];
    for (let k = 0; k < 3000; k++) {
      rows.push({ ip: `ip${k % 7}`, tsMs: 1_000_000 + Math.floor(k / 5) * 1000, status: [200, 404, 503][k % 3] });
    }
    insertLogs(t.db, source, rows.slice(0, 1000));
    recomputeAllFeatures(t.db, W);
    const tail = new FeatureTail();
    insertLogs(t.db, source, rows.slice(1000, 2000), 1001);
    const first = tail.advance(t.db, W, { budgetMs: Infinity });
    expect(first).toMatchObject({ full: false, rows: 1000, seeded: 7, late: 0, updated: 0, fallbackIps: 0 });
    insertLogs(t.db, source, rows.slice(2000), 2001);
    const second = tail.advance(t.db, W, { budgetMs: Infinity });
    expect(second).toMatchObject({ full: false, rows: 1000, seeded: 0, late: 0, updated: 0, fallbackIps: 0 });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rows, W));
    expect(tail.size).toBe(7);
  });

  it('a late row rewrites exactly the earlier rows of its IP in (t, t + W), ties at t excluded', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 100;
    const source = addSource(t.db, 'late.log');
    const base = [0, 50, 100, 120, 180, 199, 200, 250].map((tsMs) => ({ ip: 'a', tsMs, status: 200 }));
    const rows: OracleRow[] = [...base, { ip: 'b', tsMs: 150, status: 200 }];
    insertLogs(t.db, source, rows);
    recomputeAllFeatures(t.db, W);
    const tail = new FeatureTail({ graceMs: 0 });
    // Seed the IP and move its newest on.
    rows.push({ ip: 'a', tsMs: 260, status: 200 });
    insertLogs(t.db, source, rows.slice(-1), rows.length);
    tail.advance(t.db, W, WHOLE);
    // Late at 100: the earlier rows at 120, 180, 199 ((100, 200)) gain it; 100 (a tie, earlier id),
    // 200 (exactly W later), 250, 260 and IP b do not.
    rows.push({ ip: 'a', tsMs: 100, status: 503 });
    insertLogs(t.db, source, rows.slice(-1), rows.length);
    expect(tail.advance(t.db, W, WHOLE)).toMatchObject({ rows: 1, late: 1, updated: 3 });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rows, W));
    // Older than newest − W − grace: counted by SQL, same rule; it enters 100, 120 and the late 100.
    rows.push({ ip: 'a', tsMs: 60, status: 404 });
    insertLogs(t.db, source, rows.slice(-1), rows.length);
    expect(tail.advance(t.db, W, WHOLE)).toMatchObject({ rows: 1, late: 1, updated: 3 });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rows, W));
  });

  it('a backfill of old rows for one IP falls back to the range recompute for that IP only', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 60_000;
    const source = addSource(t.db, 'live.log');
    const rows: OracleRow[] = [];
    for (let k = 0; k < 4000; k++) rows.push({ ip: `ip${k % 4}`, tsMs: 10_000_000 + k * 100, status: 200 });
    insertLogs(t.db, source, rows);
    recomputeAllFeatures(t.db, W);
    const tail = new FeatureTail();
    // A second file with the same period for ip0, and in-order rows of the others after it.
    const backfill = Array.from({ length: 600 }, (_, k) => ({ ip: 'ip0', tsMs: 10_000_000 + k * 500, status: 404 }));
    const more = Array.from({ length: 30 }, (_, k) => ({ ip: `ip${1 + (k % 3)}`, tsMs: 10_400_000 + k, status: 500 }));
    insertLogs(t.db, addSource(t.db, 'old.log'), [...backfill, ...more]);
    const r = tail.advance(t.db, W, { budgetMs: Infinity });
    expect(r).toMatchObject({ full: false, rows: 630, fallbackIps: 1 });
    expect(storedFeatures(t.db)).toEqual(bruteForce([...rows, ...backfill, ...more], W));
    // The fallen-back IP was dropped and re-seeds; the others kept their state.
    expect(tail.size).toBe(3);
  });

  it('state is cleared when the stored features no longer end where it left off, and after a failed slice', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 1000;
    const a = addSource(t.db, 'a.log');
    const b = addSource(t.db, 'b.log');
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, k) => ({ ip: 'x', tsMs: from + k * 10, status: 200 }));
    insertLogs(t.db, a, rows(0, 5));
    recomputeAllFeatures(t.db, W);
    const tail = new FeatureTail();
    insertLogs(t.db, b, rows(50, 5));
    tail.advance(t.db, W, WHOLE);
    expect(tail.size).toBe(1);
    // Source b held the newest rows: deleting it moves the end of `features` back, and ids are
    // reused by the next insert; the state must not count the deleted rows.
    t.db.prepare('DELETE FROM sources WHERE id = ?').run(b);
    insertLogs(t.db, a, rows(100, 3), 6);
    const r = tail.advance(t.db, W, WHOLE);
    expect(r).toMatchObject({ full: false, rows: 3, seeded: 1 });
    expect(storedFeatures(t.db)).toEqual(bruteForce([...rows(0, 5), ...rows(100, 3)], W));

    // A slice that throws rolls back and forgets the state it may have changed.
    insertLogs(t.db, a, rows(200, 2), 9);
    t.db.exec(
      'CREATE TEMP TRIGGER boom BEFORE INSERT ON features WHEN NEW.log_id = 10 BEGIN SELECT RAISE(ABORT, "boom"); END',
    );
    expect(() => tail.advance(t.db, W, WHOLE)).toThrow('boom');
    expect(tail.size).toBe(0);
    expect(t.db.prepare('SELECT max(log_id) FROM features').pluck().get()).toBe(8);
    t.db.exec('DROP TRIGGER boom');
    expect(tail.advance(t.db, W, WHOLE)).toMatchObject({ rows: 2, seeded: 1 });
    expect(storedFeatures(t.db)).toEqual(bruteForce([...rows(0, 5), ...rows(100, 3), ...rows(200, 2)], W));
  });

  it('asks for a full recompute when features are empty or of another window; refuses bad options', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    insertLogs(t.db, addSource(t.db, 'x.log'), [{ ip: 'a', tsMs: 1, status: 200 }]);
    const tail = new FeatureTail();
    expect(tail.advance(t.db, 1000)).toEqual({ full: true });
    recomputeAllFeatures(t.db, 1000);
    expect(tail.advance(t.db, 2000)).toEqual({ full: true });
    expect(tail.advance(t.db, 1000)).toMatchObject({ full: false, rows: 0 });
    expect(() => new FeatureTail({ maxIps: 0 })).toThrow(RangeError);
    expect(() => new FeatureTail({ maxBuckets: 1.5 })).toThrow(RangeError);
    expect(() => new FeatureTail({ graceMs: -1 })).toThrow(RangeError);
    expect(() => tail.advance(t.db, 0)).toThrow(RangeError);
  });
});
