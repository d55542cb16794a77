/**
 * A scan limited to recent rows (the window preview's `fromTsMs`) reads the W before its start
 * as context: each in-scope row gets exactly the counts the full scan gives it, including rows
 * whose window reaches back to the very first millisecond of that context.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { scanWindowFeatures, type FeatureColumns } from '../../../src/main/features/windowScan';
import { rng, pick } from '../../unit/features/oracle';
import { addSource, insertLogs, tempDb } from './helpers';

const W = 60_000;

function run(db: Parameters<typeof scanWindowFeatures>[0], fromTsMs?: number): FeatureColumns {
  const scan = scanWindowFeatures(db, W, fromTsMs === undefined ? {} : { fromTsMs });
  for (let r = scan.next(); ; r = scan.next()) if (r.done) return r.value;
}

const at = (c: FeatureColumns, id: number) => [
  c.request[id - c.baseId],
  c.client[id - c.baseId],
  c.server[id - c.baseId],
];

describe('scanWindowFeatures with fromTsMs', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it('counts a context row exactly W − 1 ms before an in-scope row', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const src = addSource(t.db, '/edge.log');
    const first = insertLogs(t.db, src, [
      { ip: 'a', tsMs: 1_000, status: 404 },
      { ip: 'a', tsMs: 1_000 + W - 1, status: 500 },
      { ip: 'a', tsMs: 1_000 + W, status: 200 },
    ]);
    const scoped = run(t.db, 1_000 + W - 1);
    expect(at(scoped, first + 1)).toEqual([2, 1, 1]);
    expect(at(scoped, first + 2)).toEqual([2, 0, 1]);
    expect(scoped.rows).toBe(2);
  });

  it('equals the full scan on every in-scope row, for starts on, between and before row timestamps', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const src = addSource(t.db, '/random.log');
    const next = rng(7);
    const rows = Array.from({ length: 3_000 }, () => ({
      ip: pick(next, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']),
      // Coarse timestamps: many ties and many rows exactly W apart.
      tsMs: Math.floor(next() * 400) * 1_000,
      status: pick(next, [200, 200, 301, 404, 403, 500, 503]),
    }));
    const first = insertLogs(t.db, src, rows);
    const full = run(t.db);
    for (const from of [0, 59_000, 60_000, 61_000, 123_456, 200_000, 399_000, 400_000]) {
      const scoped = run(t.db, from);
      let inScope = 0;
      rows.forEach((r, k) => {
        const id = first + k;
        if (r.tsMs >= from) {
          inScope++;
          expect(at(scoped, id), `from ${from}, row ${k}`).toEqual(at(full, id));
        }
      });
      expect(scoped.rows, `from ${from}`).toBe(inScope);
    }
  });
});
