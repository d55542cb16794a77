import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { updateFeaturesAfterInsert } from '../../../src/main/features/incremental';
import { bruteForce, randomRows, rng } from '../../unit/features/oracle';
import { addSource, insertLogs, storedFeatures, tempDb } from './helpers';

describe('updateFeaturesAfterInsert', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('property: random batches with late rows always end where recomputeAllFeatures does', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const next = rng(1000 + seed);
      const W = [1000, 60_000, 300_000][seed % 3];
      const rows = randomRows(next, 100 + Math.floor(next() * 300), {
        ips: 1 + (seed % 6),
        windowMs: W,
        lateFraction: 0.35,
        maxLateMs: 2 * W,
      });
      const t = tempDb();
      try {
        const source = addSource(t.db, 'p.log');
        let k = 0;
        while (k < rows.length) {
          const size = 1 + Math.floor(next() * 40);
          const batch = rows.slice(k, k + size);
          const first = insertLogs(t.db, source, batch, k + 1);
          const { updated } = updateFeaturesAfterInsert(t.db, W, first);
          expect(updated).toBeGreaterThanOrEqual(batch.length);
          k += batch.length;
          // Every intermediate state is exact, not only the last one.
          expect(storedFeatures(t.db)).toEqual(bruteForce(rows.slice(0, k), W));
        }
        const incremental = storedFeatures(t.db);
        recomputeAllFeatures(t.db, W);
        expect(incremental).toEqual(storedFeatures(t.db));
      } finally {
        t.cleanup();
      }
    }
  });

  it('rewrites only the rows whose window a late row enters', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const W = 100;
    const source = addSource(t.db, 'x.log');
    const base = [0, 50, 120, 180, 250, 400].map((tsMs) => ({ ip: 'a', tsMs, status: 200 }));
    insertLogs(t.db, source, [...base, { ip: 'b', tsMs: 60, status: 200 }]);
    updateFeaturesAfterInsert(t.db, W, 1);
    // A late row at 100 enters the windows of the rows at 120 and 180 ([100, 200)), not 250 or 400,
    // nor IP b's; plus itself.
    const first = insertLogs(t.db, source, [{ ip: 'a', tsMs: 100, status: 404 }], 8);
    expect(updateFeaturesAfterInsert(t.db, W, first)).toEqual({ updated: 3 });
    expect(storedFeatures(t.db)).toEqual(
      bruteForce([...base, { ip: 'b', tsMs: 60, status: 200 }, { ip: 'a', tsMs: 100, status: 404 }], W),
    );
  });

  it('falls back to a full recompute when features are missing or of another window', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const source = addSource(t.db, 'y.log');
    const rows = [
      { ip: 'a', tsMs: 0, status: 500 },
      { ip: 'a', tsMs: 10, status: 200 },
      { ip: 'a', tsMs: 20, status: 200 },
    ];
    insertLogs(t.db, source, rows.slice(0, 2));
    // Nothing stored yet: even "only row 3 is new" must give rows 1–2 features.
    const first = insertLogs(t.db, source, rows.slice(2), 3);
    expect(updateFeaturesAfterInsert(t.db, 15, first)).toEqual({ updated: 3 });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rows, 15));
    // Stored with 15 ms; asked for 100 ms: everything is recomputed with 100 ms.
    expect(updateFeaturesAfterInsert(t.db, 100, first)).toEqual({ updated: 3 });
    expect(storedFeatures(t.db)).toEqual(bruteForce(rows, 100));
    // No new rows: nothing to do.
    expect(updateFeaturesAfterInsert(t.db, 100, 4)).toEqual({ updated: 0 });
  });
});
