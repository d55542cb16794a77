import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures, recomputeAllFeaturesAsync } from '../../../src/main/features/batch';
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
