import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures, recomputeAllFeaturesAsync, timeSlices } from '../../../src/main/features/batch';
import { LOG_MINUTES_FROM_LOGS_SQL } from '../../../src/main/store/migrations';
import { recomputeAllFeaturesSql } from '../../../src/main/features/sqlWindow';
import { CHUNK_ROWS } from '../../../src/main/features/windowScan';
import { bruteForce, randomRows, rng } from '../../unit/features/oracle';
import { addSource, insertLogs, storedFeatures, tempDb } from './helpers';

describe('recomputeAllFeatures', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('equals the brute-force rule and the SQL variant on random logs (ties, exact-W gaps, late rows)', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const next = rng(seed);
      const W = [1, 1000, 60_000, 300_000][seed % 4];
      const rows = randomRows(next, 150 + Math.floor(next() * 250), {
        ips: 1 + (seed % 5),
        windowMs: W,
        lateFraction: 0.3,
        maxLateMs: 3 * W,
      });
      const t = tempDb();
      try {
        insertLogs(t.db, addSource(t.db, 'r.log'), rows);
        expect(recomputeAllFeatures(t.db, W).rows).toBe(rows.length);
        const want = bruteForce(rows, W);
        expect(storedFeatures(t.db)).toEqual(want);
        recomputeAllFeaturesSql(t.db, W);
        expect(storedFeatures(t.db)).toEqual(want);
      } finally {
        t.cleanup();
      }
    }
  });

  it('handles an empty table and replaces stale rows of another window', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    expect(recomputeAllFeatures(t.db, 300_000).rows).toBe(0);
    insertLogs(t.db, addSource(t.db, 'a.log'), [
      { ip: 'a', tsMs: 0, status: 500 },
      { ip: 'a', tsMs: 10, status: 404 },
    ]);
    recomputeAllFeatures(t.db, 5);
    expect(storedFeatures(t.db)).toEqual([
      [1, 0, 1],
      [1, 1, 0],
    ]);
    recomputeAllFeatures(t.db, 11);
    expect(storedFeatures(t.db)).toEqual([
      [1, 0, 1],
      [2, 1, 1],
    ]);
    expect(t.db.prepare('SELECT DISTINCT window_ms FROM features').pluck().all()).toEqual([11]);
  });

  it('refuses windows that are not positive whole milliseconds', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => recomputeAllFeatures(t.db, bad)).toThrow(RangeError);
    }
  });

  it('reports progress in steps across several chunks, and the async variant yields the same table', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const next = rng(99);
    // More rows than one chunk, over many IPs, so chunking and the IP-range reads are exercised.
    const n = CHUNK_ROWS * 2 + 1234;
    const rows = Array.from({ length: n }, (_, k) => ({
      ip: `192.168.${Math.floor(next() * 4)}.${Math.floor(next() * 250)}`,
      tsMs: 1_000_000 + k * 500 - Math.floor(next() * 4) * 1000,
      status: [200, 404, 503][Math.floor(next() * 3)],
    }));
    insertLogs(t.db, addSource(t.db, 'big.log'), rows);

    const progress: [number, number][] = [];
    const sync = recomputeAllFeatures(t.db, 60_000, (done, total) => progress.push([done, total]));
    expect(sync.rows).toBe(n);
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toEqual([2 * n, 2 * n]);
    for (let k = 1; k < progress.length; k++) expect(progress[k][0]).toBeGreaterThanOrEqual(progress[k - 1][0]);
    // Compared as text: deep equality on 130k small arrays costs seconds.
    const syncRows = JSON.stringify(storedFeatures(t.db));

    recomputeAllFeaturesSql(t.db, 60_000);
    expect(JSON.stringify(storedFeatures(t.db))).toBe(syncRows);

    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const asyncProgress: number[] = [];
    const res = await recomputeAllFeaturesAsync(t.db, 60_000, {
      maxBlockMs: 0,
      onProgress: (done) => asyncProgress.push(done),
    });
    clearInterval(timer);
    expect(res.rows).toBe(n);
    expect(turns).toBeGreaterThan(0);
    expect(asyncProgress.at(-1)).toBe(2 * n);
    expect(t.db.inTransaction).toBe(false);
    expect(JSON.stringify(storedFeatures(t.db))).toBe(syncRows);
  });

  it('computed in time slices (a slice per ~150 entries), equals the brute-force rule, whole and scoped', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const next = rng(seed * 7);
      const W = [60_000, 300_000, 1][seed % 3];
      // ~20 entries a minute over ~2 hours, with ties, exact-W gaps and late rows: windows cross the cuts.
      let ts = 1_700_000_000_000;
      const rows = Array.from({ length: 2500 }, () => {
        ts += [0, 0, 1, 1000, 3000, W, W - 1, 5000][Math.floor(next() * 8)];
        const late = next() < 0.2 ? Math.floor(next() * 3 * W) : 0;
        return { ip: `10.0.0.${Math.floor(next() * (2 + seed))}`, tsMs: ts - late, status: [200, 404, 503][seed % 3] };
      });
      const t = tempDb();
      try {
        insertLogs(t.db, addSource(t.db, 'r.log'), rows);
        t.db.exec(LOG_MINUTES_FROM_LOGS_SQL);
        expect(timeSlices(t.db, undefined, 150).length).toBeGreaterThan(10);
        const want = bruteForce(rows, W);
        const res = await recomputeAllFeaturesAsync(t.db, W, { sliceRows: 150 });
        expect(res.rows).toBe(rows.length);
        expect(storedFeatures(t.db)).toEqual(want);
        // Scoped: the rows at or after a mid ts are recomputed, slice by slice, over the stored rest.
        const mid = rows[1250].tsMs;
        const spoilt = t.db
          .prepare('UPDATE features SET request_count = -1 WHERE log_id IN (SELECT id FROM logs WHERE ts_ms >= ?)')
          .run(mid).changes;
        expect(spoilt).toBeGreaterThan(1000);
        await recomputeAllFeaturesAsync(t.db, W, { sliceRows: 150, fromTsMs: mid });
        expect(storedFeatures(t.db)).toEqual(want);
      } finally {
        t.cleanup();
      }
    }
  });

  it('async variant rolls back on failure and refuses to start inside a transaction', async () => {
    const t = tempDb();
    cleanup = t.cleanup;
    insertLogs(t.db, addSource(t.db, 'a.log'), [{ ip: 'a', tsMs: 1, status: 200 }]);
    recomputeAllFeatures(t.db, 1000);
    await expect(
      recomputeAllFeaturesAsync(t.db, 1000, {
        onProgress: () => {
          throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    expect(t.db.inTransaction).toBe(false);
    expect(storedFeatures(t.db)).toEqual([[1, 0, 0]]);
    t.db.exec('BEGIN');
    await expect(recomputeAllFeaturesAsync(t.db, 1000)).rejects.toThrow(/transaction/);
    t.db.exec('ROLLBACK');
  });
});
