/**
 * The timeline's totals come from the entries per minute (log_minutes, migration 9) plus the
 * minutes a bucket edge cuts, counted in logs. They must equal grouping every entry, for any
 * range and bucket width: edges on and off minute starts, entries exactly on edges, times before
 * 1970, several sources, and after a source is removed (its entries taken off the minutes).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketTotals, overviewCounts } from '../../../src/main/queries/overview';
import { openDatabase, type Db } from '../../../src/main/store/db';
import { rng } from '../../helpers/rng';
import { storeLogs } from '../../helpers/storeLogs';
import { tempDir } from '../../helpers/tmp';

const MIN = 60_000;
let db: Db;
let cleanup: () => void;

/** Entries per bucket by grouping every entry in [from, to). */
function grouped(from: number, to: number, bucketMs: number): Map<number, number> {
  const rows = db
    .prepare(
      'SELECT CAST((ts_ms - ?) / ? AS INTEGER) AS b, count(*) AS n FROM logs WHERE ts_ms >= ? AND ts_ms < ? GROUP BY b',
    )
    .all(from, bucketMs, from, to) as Array<{ b: number; n: number }>;
  return new Map(rows.map((r) => [r.b, r.n]));
}

const nonZero = (m: Map<number, number>) => new Map([...m].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]));

beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  db = openDatabase(join(t.dir, 'q.sqlite'));
  const source = db.prepare("INSERT INTO sources (id, path, kind, added_at, parse_errors) VALUES (?, ?, 'file', 0, 0)");
  source.run(1, '/a.log');
  source.run(2, '/b.log');
  const r = rng(42);
  const t0 = Date.UTC(2025, 0, 1);
  // Two days of entries, clustered on minute starts and spread between them, a few before 1970.
  const entries = (n: number) =>
    Array.from({ length: n }, () => {
      const minute = Math.floor(r() * 2 * 24 * 60);
      const onEdge = r() < 0.2;
      return { tsMs: t0 + minute * MIN + (onEdge ? 0 : Math.floor(r() * MIN)) };
    });
  storeLogs(db, 1, entries(6_000));
  storeLogs(db, 2, [...entries(3_000), { tsMs: -90_000 }, { tsMs: -60_000 }, { tsMs: -1 }, { tsMs: 0 }]);
});

afterAll(() => {
  db.close();
  cleanup();
});

describe('timeline totals from the entries per minute', () => {
  it('equal grouping every entry, for any range and bucket width', () => {
    const r = rng(7);
    const t0 = Date.UTC(2025, 0, 1);
    const widths = [10 * MIN, 11 * MIN + 7_001, 60 * MIN, 97 * MIN + 1, 24 * 60 * MIN];
    let cases = 0;
    for (const bucketMs of widths) {
      for (let k = 0; k < 12; k++) {
        const aligned = k % 3 === 0;
        const from = t0 - 3 * MIN + (aligned ? 0 : Math.floor(r() * 6 * 60 * MIN));
        const to = from + bucketMs * (1 + Math.floor(r() * 150)) - (aligned ? 0 : Math.floor(r() * bucketMs));
        expect(nonZero(bucketTotals(db, from, to, bucketMs))).toEqual(nonZero(grouped(from, to, bucketMs)));
        cases++;
      }
    }
    // Before 1970 and across it.
    expect(nonZero(bucketTotals(db, -3 * MIN - 17, 5 * MIN, 10 * MIN))).toEqual(
      nonZero(grouped(-3 * MIN - 17, 5 * MIN, 10 * MIN)),
    );
    expect(cases).toBe(60);
  });

  it('count every entry, and follow a removed source', () => {
    const all = () => db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
    expect(overviewCounts(db).logs).toBe(all());
    db.prepare('DELETE FROM sources WHERE id = 2').run();
    expect(all()).toBe(6_000);
    expect(overviewCounts(db).logs).toBe(6_000);
    const t0 = Date.UTC(2025, 0, 1);
    expect(nonZero(bucketTotals(db, t0 + 17, t0 + 2 * 24 * 60 * MIN, 60 * MIN))).toEqual(
      nonZero(grouped(t0 + 17, t0 + 2 * 24 * 60 * MIN, 60 * MIN)),
    );
  });
});
