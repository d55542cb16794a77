import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { updateFeaturesAfterInsert } from '../../../src/main/features/incremental';
import { LiveWindowCache } from '../../../src/main/features/liveWindow';
import { recomputeAllFeaturesSql } from '../../../src/main/features/sqlWindow';
import { parseDuration } from '../../../src/shared/duration';
import { FIXTURES, addSource, insertLogs, storedFeatures, tempDb } from './helpers';

interface SeedVector {
  window: string;
  logs: { ts_ms: number; ip_address: string; http_response_code: number }[];
  expected: { request_count: number; client_error_count: number; server_error_count: number }[];
}

const vector = JSON.parse(readFileSync(join(FIXTURES, 'seed_vector.json'), 'utf8')) as SeedVector;
const W = parseDuration(vector.window) ?? NaN;
const rows = vector.logs.map((l) => ({ ip: l.ip_address, tsMs: l.ts_ms, status: l.http_response_code }));
const expected = vector.expected.map((e) => [e.request_count, e.client_error_count, e.server_error_count]);

describe("the original's unit-test vector (5 rows, 5 min)", () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('is what the batch recompute stores', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    insertLogs(t.db, addSource(t.db, 'seed.log'), rows);
    expect(W).toBe(300_000);
    expect(recomputeAllFeatures(t.db, W).rows).toBe(5);
    expect(storedFeatures(t.db)).toEqual(expected);
    const windows = t.db.prepare('SELECT DISTINCT window_ms FROM features').pluck().all();
    expect(windows).toEqual([W]);
  });

  it('is what the SQL window-function variant stores', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    insertLogs(t.db, addSource(t.db, 'seed.log'), rows);
    recomputeAllFeaturesSql(t.db, W);
    expect(storedFeatures(t.db)).toEqual(expected);
  });

  it('is what the incremental path stores, one row at a time', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const source = addSource(t.db, 'seed.log');
    rows.forEach((r, k) => {
      const first = insertLogs(t.db, source, [r], k + 1);
      updateFeaturesAfterInsert(t.db, W, first);
    });
    expect(storedFeatures(t.db)).toEqual(expected);
  });

  it('is what the live cache answers', () => {
    const cache = new LiveWindowCache({ windowMs: W });
    const live = rows.map((r) => {
      const f = cache.add(r);
      return [f.request_count, f.client_error_count, f.server_error_count];
    });
    expect(live).toEqual(expected);
  });
});
