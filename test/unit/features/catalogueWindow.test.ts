import { describe, expect, it } from 'vitest';
import {
  FEATURE_SETS,
  IP_AGE_CAP_MIN,
  LONG_WINDOW_MS,
  featureWords,
  transformRow,
  type FeatureDef,
} from '../../../src/main/features/catalogue';
import { CatalogueWindow, ENTITY_COLUMNS, type CatalogueEntry } from '../../../src/main/features/catalogueWindow';
import { readGzCsv } from '../../integration/features/helpers';
import { pick, rng } from './oracle';

/**
 * Every catalogue feature written as plainly as possible, O(n²), straight from its words:
 * entries are in (timestamp, arrival) order, and entry i counts entry k ≤ i with
 * ts_k in (ts_i − window, ts_i].
 */
function bruteForce(entries: CatalogueEntry[], shortMs: number): number[][] {
  return entries.map((e, i) => {
    const seen = entries.slice(0, i + 1);
    const within = (k: CatalogueEntry, ms: number): boolean => k.tsMs > e.tsMs - ms;
    const mine = (ms: number): CatalogueEntry[] => seen.filter((k) => k.ip === e.ip && within(k, ms));
    // The long window is an hour, or the configured window when that is longer.
    const longMs = Math.max(LONG_WINDOW_MS, shortMs);
    const onPath = seen.filter((k) => k.endpoint === e.endpoint && within(k, longMs));
    const nonGet = (k: CatalogueEntry): boolean => k.method !== null && k.method.toUpperCase() !== 'GET';
    const is4xx = (k: CatalogueEntry): boolean => k.status >= 400 && k.status <= 499;
    const longest = mine(longMs);
    const first = entries.find((k) => k.ip === e.ip) as CatalogueEntry;
    return [
      mine(shortMs).length,
      mine(shortMs).filter(is4xx).length,
      mine(shortMs).filter((k) => k.status >= 500 && k.status <= 599).length,
      longest.length,
      longest.filter(nonGet).length,
      new Set(longest.map((k) => k.endpoint)).size,
      longest.filter((k) => k.endpoint === e.endpoint).length,
      longest.filter(is4xx).length,
      e.bytes ?? 0,
      longest.reduce((s, k) => s + (k.bytes ?? 0), 0),
      new Set(onPath.map((k) => k.ip)).size,
      onPath.filter(nonGet).length,
      // IPs there when the log began (within the short window of its first entry) count as known.
      first.tsMs - entries[0].tsMs < shortMs
        ? IP_AGE_CAP_MIN
        : Math.min(IP_AGE_CAP_MIN, Math.floor((e.tsMs - first.tsMs) / 60_000)),
      // The history column: how much log precedes the entry, up to the long window.
      Math.min(longMs, e.tsMs - entries[0].tsMs),
    ];
  });
}

function randomEntries(seed: number, n: number, spanMs: number): CatalogueEntry[] {
  const next = rng(seed);
  const ips = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '192.168.1.9', '203.0.113.7'];
  const paths = ['/', '/login', '/wp-login.php', '/a.css', '/api/x?id=1'];
  const start = Date.UTC(2026, 0, 1);
  // Whole seconds, so equal timestamps (the tie rule) are common.
  const ts = Array.from({ length: n }, () => start + Math.floor((next() * spanMs) / 1000) * 1000).sort((a, b) => a - b);
  return ts.map((tsMs) => ({
    tsMs,
    ip: pick(next, ips),
    method: pick(next, ['GET', 'GET', 'GET', 'POST', 'head', null]),
    endpoint: pick(next, paths),
    status: pick(next, [200, 200, 301, 404, 403, 500, 503, 499, 600]),
    bytes: next() < 0.1 ? null : Math.floor(next() * 50_000),
  }));
}

function streamed(entries: CatalogueEntry[], shortMs: number): number[][] {
  const win = new CatalogueWindow(shortMs);
  return entries.map((e) => Array.from(win.push(e)));
}

describe('catalogue window: every feature equals its brute-force definition', () => {
  for (const [seed, n, spanMs, shortMs] of [
    [1, 400, 3 * 3_600_000, 300_000],
    [2, 300, 20 * 60_000, 60_000],
    [3, 500, 30 * 3_600_000, 3_600_000],
    [4, 200, 2 * 3_600_000, 7_200_000], // a short window longer than the long one
  ] as const) {
    it(`seed ${seed}: ${n} entries over ${spanMs / 60_000} min, window ${shortMs / 60_000} min`, () => {
      const entries = randomEntries(seed, n, spanMs);
      expect(streamed(entries, shortMs)).toEqual(bruteForce(entries, shortMs));
    });
  }

  it('one flooding IP (thousands of entries, compaction of its lane) stays exact', () => {
    const start = Date.UTC(2026, 0, 1);
    const entries: CatalogueEntry[] = Array.from({ length: 6000 }, (_, i) => ({
      tsMs: start + i * 1500, // 2.5 h
      ip: i % 7 === 0 ? '10.0.0.2' : '10.0.0.1',
      method: i % 3 === 0 ? 'POST' : 'GET',
      endpoint: `/p${i % 11}`,
      status: i % 5 === 0 ? 404 : 200,
      bytes: i,
    }));
    const got = streamed(entries, 300_000);
    const want = bruteForce(entries.slice(0, 3000), 300_000);
    expect(got.slice(0, 3000)).toEqual(want);
    // A late row: the same rule from a fresh window started an hour before it.
    const late = entries.slice(4000 - 2400, 4001);
    const fresh = streamed(late, 300_000).at(-1) as number[];
    expect(got[4000].slice(0, 12)).toEqual(fresh.slice(0, 12));
  });

  it('refuses entries that go back in time', () => {
    const win = new CatalogueWindow(60_000);
    const e = { tsMs: 2000, ip: 'a', method: 'GET', endpoint: '/', status: 200, bytes: 1 };
    win.push(e);
    expect(() => win.push({ ...e, tsMs: 1999 })).toThrow(/timestamp order/);
  });

  it('declares one definition per column, in the streamed order, and logs only what it says', () => {
    expect(FEATURE_SETS.entity).toHaveLength(ENTITY_COLUMNS);
    expect(FEATURE_SETS.original.map((f) => f.name)).toEqual([
      'request_count',
      'client_error_count',
      'server_error_count',
    ]);
    expect(FEATURE_SETS.entity.slice(0, 3).map((f) => f.name)).toEqual(FEATURE_SETS.original.map((f) => f.name));
    const out = new Float64Array(3);
    transformRow(FEATURE_SETS.original, [5, 1, 0], out);
    expect(Array.from(out)).toEqual([5, 1, 0]);
    transformRow(FEATURE_SETS.entity.slice(0, 3), [5, 1, 0], out);
    expect(out[0]).toBeCloseTo(Math.log(6), 12);
  });

  it('extrapolates additive counts over windows the log does not fill yet, from at least a minute', () => {
    const defs = FEATURE_SETS.entity;
    const raw = defs.map(() => 2);
    const at = (historyMs: number) => {
      const out = new Float64Array(defs.length);
      transformRow(defs, raw, out, 0, 300_000, historyMs);
      return Object.fromEntries(defs.map((d, j) => [d.name, Math.round(Math.expm1(out[j]) * 1e6) / 1e6]));
    };
    // A full hour of log: nothing changes.
    expect(new Set(Object.values(at(3_600_000)))).toEqual(new Set([2]));
    // Two minutes of log: 5-min counts × 2.5, 1-hour counts × 30, distinct counts and the line's own bytes unchanged.
    const early = at(120_000);
    expect(early).toMatchObject({ request_count: 5, requests_long: 60, bytes_long: 60, endpoint_non_get_long: 60 });
    expect(early).toMatchObject({ distinct_paths_long: 2, endpoint_ips_long: 2, bytes: 2, ip_age_min: 2 });
    // The first line of a log (no history): as if it had a minute.
    expect(at(0)).toMatchObject({ request_count: 10, requests_long: 120 });
  });
});

describe('catalogue window: the original three equal pandas on the real Apache log', () => {
  const parsed = readGzCsv('../ingest/apache_logs.parsed.csv.gz');
  const h = parsed[0];
  const col = (name: string): number => h.indexOf(name);
  const rows = parsed.slice(1).map((r) => ({
    lineNo: Number(r[col('line_no')]),
    tsMs: Number(r[col('ts_ms')]),
    ip: r[col('ip')],
    method: r[col('method')],
    endpoint: r[col('path')],
    status: Number(r[col('status')]),
    bytes: r[col('bytes')] === '' ? null : Number(r[col('bytes')]),
  }));
  // The file is out of time order; the rule orders by (timestamp, arrival).
  const ordered = rows.slice().sort((a, b) => a.tsMs - b.tsMs || a.lineNo - b.lineNo);

  for (const [name, ms, file] of [
    ['5 min', 300_000, 'apache_logs.features_5min.csv.gz'],
    ['1 h', 3_600_000, 'apache_logs.features_1h.csv.gz'],
  ] as const) {
    it(`${name}: all 10,000 lines`, () => {
      const ref = readGzCsv(file).slice(1);
      const win = new CatalogueWindow(ms);
      const got = new Map<number, number[]>();
      for (const r of ordered) got.set(r.lineNo, Array.from(win.push(r).subarray(0, 3)));
      const mismatches = ref.filter((r) => {
        const g = got.get(Number(r[0]));
        return !g || g[0] !== Number(r[3]) || g[1] !== Number(r[4]) || g[2] !== Number(r[5]);
      });
      expect(ref).toHaveLength(10_000);
      expect(mismatches).toEqual([]);
    });
  }
});

describe('catalogue: features in words', () => {
  const def = (name: string): FeatureDef => FEATURE_SETS.entity.find((f) => f.name === name) as FeatureDef;
  it('says what was counted, over which window, and the percentile only when it is unusual', () => {
    expect(featureWords(def('non_get_long'), 41, 300_000, 99.93)).toBe(
      '41 non-GET requests (POST, PUT, …) from this IP in 1 h (99.9th percentile)',
    );
    expect(featureWords(def('request_count'), 3, 300_000, 0)).toBe('3 requests from this IP in 5 min');
    expect(featureWords(def('request_count'), 3, 90_000, 95.5)).toBe(
      '3 requests from this IP in 90 s (95th percentile)',
    );
    expect(featureWords(def('bytes'), 250_000_000, 300_000, 99.99)).toBe(
      '250 MB sent in this answer (>99.9th percentile)',
    );
    expect(featureWords(def('ip_age_min'), 6, 300_000)).toBe('IP first seen 6 min earlier');
    expect(featureWords(def('ip_age_min'), 2, 300_000, 0, 99.2)).toBe(
      'IP first seen 2 min earlier (newer than 99.2 % of client-IP hours)',
    );
    // Low counts are not reasons: only the IP's age is telling when low.
    expect(featureWords(def('requests_long'), 1, 300_000, 0, 99)).toBe('1 request from this IP in 1 h');
    expect(featureWords(def('ip_age_min'), IP_AGE_CAP_MIN, 300_000)).toBe('IP known for over a day');
  });
});
