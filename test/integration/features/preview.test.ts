import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { IntFrequencies } from '../../../src/main/features/distribution';
import { previewWindow } from '../../../src/main/features/preview';
import { FEATURE_NAMES } from '../../../src/main/features/types';
import { bruteForce, randomRows, rng, type Counts } from '../../unit/features/oracle';
import { addSource, insertLogs, storedFeatures, tempDb } from './helpers';

function statsOf(rows: Counts[]) {
  return Object.fromEntries(
    FEATURE_NAMES.map((name, k) => {
      const f = new IntFrequencies();
      for (const r of rows) f.add(r[k]);
      return [name, f.stats(20)];
    }),
  );
}

describe('previewWindow', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('describes a candidate window without touching the stored features, next to the stored ones', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const rows = randomRows(rng(42), 3000, { ips: 5, windowMs: 60_000, lateFraction: 0.2, maxLateMs: 120_000 });
    insertLogs(t.db, addSource(t.db, 'p.log'), rows);

    const empty = previewWindow(t.db, 60_000);
    expect(empty.current).toBeNull();
    expect(empty.currentWindowMs).toBeNull();
    expect(t.db.prepare('SELECT count(*) FROM features').pluck().get()).toBe(0);

    recomputeAllFeatures(t.db, 60_000);
    const before = storedFeatures(t.db);
    const p = previewWindow(t.db, 3_600_000);
    expect(storedFeatures(t.db)).toEqual(before);
    expect(p.windowMs).toBe(3_600_000);
    expect(p.rows).toBe(3000);
    expect(p.proposed).toEqual(statsOf(bruteForce(rows, 3_600_000)));
    expect(p.currentWindowMs).toBe(60_000);
    expect(p.currentRows).toBe(3000);
    expect(p.current).toEqual(statsOf(before));
    expect(p.sampledFromTsMs).toBeNull();
    expect(p.proposed.request_count.p99).toBeGreaterThan(p.current?.request_count.p99 ?? Infinity);
  });

  it('sampleLimit describes the newest rows with their exact features', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const rows = randomRows(rng(43), 2000, { ips: 3, windowMs: 60_000, lateFraction: 0.3, maxLateMs: 90_000 });
    insertLogs(t.db, addSource(t.db, 's.log'), rows);
    recomputeAllFeatures(t.db, 60_000);

    const p = previewWindow(t.db, 300_000, { sampleLimit: 500, bins: 5 });
    const cut = [...rows.map((r) => r.tsMs)].sort((a, b) => b - a)[499];
    expect(p.sampledFromTsMs).toBe(cut);
    const inSample = rows.map((r) => r.tsMs >= cut);
    const want = bruteForce(rows, 300_000).filter((_, k) => inSample[k]);
    expect(p.rows).toBe(want.length);
    expect(p.rows).toBeGreaterThanOrEqual(500);
    const wantStats = Object.fromEntries(
      FEATURE_NAMES.map((name, k) => {
        const f = new IntFrequencies();
        for (const r of want) f.add(r[k]);
        return [name, f.stats(5)];
      }),
    );
    expect(p.proposed).toEqual(wantStats);
    expect(p.currentRows).toBe(want.length);
    expect(p.proposed.request_count.histogram.length).toBeLessThanOrEqual(5);
    // A limit above the row count means no sampling.
    expect(previewWindow(t.db, 300_000, { sampleLimit: 10_000 }).sampledFromTsMs).toBeNull();
  });
});
