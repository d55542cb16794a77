import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { EXPORT_HEADER, exportFeaturesCsv } from '../../../src/main/features/export';
import { updateFeaturesAfterInsert } from '../../../src/main/features/incremental';
import { LiveWindowCache } from '../../../src/main/features/liveWindow';
import { recomputeAllFeaturesSql } from '../../../src/main/features/sqlWindow';
import type { Db } from '../../../src/main/store/db';
import { arrivalTime, rng, type Counts } from '../../unit/features/oracle';
import { addSource, insertLogs, parseCsv, readGzCsv, storedFeatures, tempDb, type InsertRow } from './helpers';

/** A path that needs RFC 4180 quoting, so the export's quoting is checked on every line. */
const SOURCE_PATH = '/var/log/web "prod", eu/apache_logs';

const WINDOWS = [
  { name: '5 min', ms: 300_000, file: 'apache_logs.features_5min.csv.gz' },
  { name: '1 h', ms: 3_600_000, file: 'apache_logs.features_1h.csv.gz' },
] as const;

// The parsed CSV stands in for the ingest pipeline: line_no,ip,ts_ms,…,status,…
// One copy of the parsed reference is kept, with the ingest fixtures.
const parsed = readGzCsv('../ingest/apache_logs.parsed.csv.gz');
const header = parsed[0];
const col = (name: string): number => header.indexOf(name);
const logRows: InsertRow[] = parsed.slice(1).map((r) => ({
  lineNo: Number(r[col('line_no')]),
  ip: r[col('ip')],
  tsMs: Number(r[col('ts_ms')]),
  status: Number(r[col('status')]),
}));

describe('Apache log (10,000 real lines, out of time order) against the pandas reference', () => {
  let db: Db;
  let cleanup: () => void;

  beforeAll(() => {
    const t = tempDb();
    db = t.db;
    cleanup = t.cleanup;
    insertLogs(db, addSource(db, SOURCE_PATH), logRows);
  });
  afterAll(() => cleanup());

  it('parsed the fixture as described', () => {
    expect(logRows).toHaveLength(10_000);
    expect(logRows.every((r, k) => r.lineNo === k + 1 && Number.isFinite(r.tsMs) && r.status > 0)).toBe(true);
  });

  for (const w of WINDOWS) {
    it(`${w.name}: batch recompute, exported as CSV, matches every reference line`, () => {
      expect(recomputeAllFeatures(db, w.ms).rows).toBe(10_000);
      const exported = parseCsv([...exportFeaturesCsv(db)].join(''));
      expect(exported[0].join(',')).toBe(EXPORT_HEADER);

      const reference = readGzCsv(w.file);
      expect(reference[0]).toEqual([
        'line_no',
        'ip',
        'ts_ms',
        'request_count',
        'client_error_count',
        'server_error_count',
      ]);
      expect(exported.length).toBe(reference.length);
      const mismatches: string[] = [];
      for (let k = 1; k < reference.length; k++) {
        const got = exported[k];
        const want = [SOURCE_PATH, ...reference[k]];
        if (got.join('\u0000') !== want.join('\u0000')) mismatches.push(`${got.join(',')} != ${want.join(',')}`);
      }
      expect(mismatches.slice(0, 5)).toEqual([]);
      expect(mismatches.length).toBe(0);
    });

    it(`${w.name}: the SQL window-function variant stores the same`, () => {
      recomputeAllFeatures(db, w.ms);
      const streamed = storedFeatures(db);
      recomputeAllFeaturesSql(db, w.ms);
      expect(storedFeatures(db)).toEqual(streamed);
    });
  }

  it('5 min: incremental updates over random batches in file order end at the batch result', () => {
    const t = tempDb();
    try {
      const source = addSource(t.db, SOURCE_PATH);
      const next = rng(7);
      for (let k = 0; k < logRows.length;) {
        const size = 1 + Math.floor(next() * 400);
        const first = insertLogs(t.db, source, logRows.slice(k, k + size));
        updateFeaturesAfterInsert(t.db, 300_000, first);
        k += size;
      }
      const incremental = storedFeatures(t.db);
      recomputeAllFeatures(t.db, 300_000);
      expect(incremental).toEqual(storedFeatures(t.db));
    } finally {
      t.cleanup();
    }
  });

  for (const w of WINDOWS) {
    it(`${w.name}: live cache in file order gives the arrival-time counts (late lines ≤ 59 s)`, () => {
      const cache = new LiveWindowCache({ windowMs: w.ms });
      const live: Counts[] = logRows.map((r) => {
        const f = cache.add(r);
        return [f.request_count, f.client_error_count, f.server_error_count];
      });
      expect(live).toEqual(arrivalTime(logRows, w.ms));
    });

    it(`${w.name}: live cache fed in (ts, line) order gives the batch features`, () => {
      recomputeAllFeatures(db, w.ms);
      const batch = storedFeatures(db);
      const order = logRows.map((_, k) => k).sort((a, b) => logRows[a].tsMs - logRows[b].tsMs || a - b);
      const cache = new LiveWindowCache({ windowMs: w.ms });
      const live: Counts[] = new Array<Counts>(logRows.length);
      for (const k of order) {
        const f = cache.add(logRows[k]);
        live[k] = [f.request_count, f.client_error_count, f.server_error_count];
      }
      expect(live).toEqual(batch);
    });
  }
});
