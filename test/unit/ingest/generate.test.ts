import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCombined } from '../../../src/main/ingest/parse/combined';
import type { ParsedEntry } from '../../../src/main/ingest/parse/types';
import {
  generateSample,
  planSample,
  SAMPLE_LABELS,
  type SampleLabel,
  type SampleOptions,
} from '../../../src/main/ingest/sample/generate';

const END = Date.UTC(2024, 5, 1, 12, 0, 0);
const DAY = 86_400_000;

interface Row {
  e: ParsedEntry;
  label: SampleLabel | null;
}

function rows(options: SampleOptions): Row[] {
  const out: Row[] = [];
  for (const { line, label } of generateSample(options)) {
    const r = parseCombined(line);
    if (!r.ok) throw new Error(`unparsable sample line (${r.reason}): ${line}`);
    out.push({ e: r.entry, label });
  }
  return out;
}

function digest(options: SampleOptions): string {
  const h = createHash('sha256');
  for (const { line, label } of generateSample(options)) h.update(`${label ?? ''}\t${line}\n`);
  return h.digest('hex');
}

describe('sample generator', () => {
  const sample = rows({ rows: 100_000, seed: 42, endMs: END });
  const normal = sample.filter((r) => r.label === null);

  it('is deterministic per seed', () => {
    const a = digest({ rows: 20_000, seed: 1, endMs: END });
    expect(digest({ rows: 20_000, seed: 1, endMs: END })).toBe(a);
    expect(digest({ rows: 20_000, seed: 2, endMs: END })).not.toBe(a);
  });

  it('produces the requested number of lines, every one parsable as combined format', () => {
    expect(sample).toHaveLength(100_000);
    expect(rows({ rows: 10, seed: 3, endMs: END })).toHaveLength(10);
    expect(rows({ rows: 0, seed: 3, endMs: END })).toHaveLength(0);
  });

  it('is in time order over the 24 h before endMs', () => {
    for (let i = 1; i < sample.length; i++) {
      if (sample[i].e.tsMs < sample[i - 1].e.tsMs) throw new Error(`out of order at ${i}`);
    }
    expect(sample[0].e.tsMs).toBeGreaterThanOrEqual(END - DAY);
    expect(sample[0].e.tsMs).toBeLessThan(END - DAY + 60_000);
    expect(sample[sample.length - 1].e.tsMs).toBeLessThan(END);
    expect(sample[sample.length - 1].e.tsMs).toBeGreaterThan(END - 60_000);
  });

  it("keeps the original's distribution in the normal traffic", () => {
    const share = (pred: (e: ParsedEntry) => boolean) => normal.filter((r) => pred(r.e)).length / normal.length;
    const ips = new Set(normal.map((r) => r.e.ip));
    expect([...ips].sort()).toEqual([...Array.from({ length: 19 }, (_, i) => `192.168.1.${i + 1}`), '10.0.0.5'].sort());
    for (const ip of ips) expect(share((e) => e.ip === ip)).toBeCloseTo(0.05, 2);
    const endpoints = ['/home', '/login', '/api/data', '/profile', '/logout', '/admin'];
    expect(new Set(normal.map((r) => r.e.endpoint))).toEqual(new Set(endpoints));
    for (const p of endpoints) expect(Math.abs(share((e) => e.endpoint === p) - 1 / 6)).toBeLessThan(0.01);
    const expected: Record<number, number> = { 200: 0.7, 201: 0.1, 404: 0.1, 401: 0.05, 500: 0.03, 302: 0.02 };
    for (const [status, p] of Object.entries(expected)) {
      expect(Math.abs(share((e) => e.status === Number(status)) - p), `status ${status}`).toBeLessThan(0.01);
    }
    expect(share((e) => e.status in expected)).toBe(1);
    // Uniform over the day: each of the 24 hours holds about 1/24.
    const hours = new Array<number>(24).fill(0);
    for (const r of normal) hours[Math.floor((r.e.tsMs - (END - DAY)) / 3_600_000)]++;
    for (const h of hours) expect(Math.abs(h / normal.length - 1 / 24)).toBeLessThan(0.005);
    // Realistic extras.
    expect(
      normal.every(
        (r) => r.e.userAgent?.startsWith('Mozilla/') || /^(curl|okhttp|Go-http-client)\//.test(r.e.userAgent ?? ''),
      ),
    ).toBe(true);
    expect(new Set(normal.map((r) => r.e.method))).toEqual(new Set(['GET', 'POST', 'PUT']));
    expect(normal.filter((r) => r.e.status === 302).every((r) => r.e.bytes === null)).toBe(true);
  });

  it('injects each labelled anomaly as planned, ~0.5 % of the rows', () => {
    const plan = planSample({ rows: 100_000, seed: 42, endMs: END });
    expect(plan.anomalies.map((a) => a.label)).toEqual([...SAMPLE_LABELS]);
    const labelled = sample.length - normal.length;
    expect(labelled).toBe(plan.rows - plan.normalRows);
    expect(labelled / sample.length).toBeGreaterThan(0.001);
    expect(labelled / sample.length).toBeLessThan(0.01);
    for (const a of plan.anomalies) {
      const mine = sample.filter((r) => r.label === a.label);
      expect(mine).toHaveLength(a.rows);
      expect(mine.every((r) => r.e.ip === a.ip)).toBe(true);
      expect(mine.every((r) => r.e.tsMs >= Math.floor(a.startMs / 1000) * 1000 && r.e.tsMs < a.endMs)).toBe(true);
    }
  });

  it('shapes each anomaly as described', () => {
    const of = (label: SampleLabel) => sample.filter((r) => r.label === label).map((r) => r.e);
    const normalIps = new Set(normal.map((r) => r.e.ip));

    const burst = of('burst');
    expect(burst.length).toBeGreaterThanOrEqual(100);
    expect(burst[burst.length - 1].tsMs - burst[0].tsMs).toBeLessThanOrEqual(2 * 60_000);
    expect(normalIps.has(burst[0].ip)).toBe(true);

    const storm = of('5xx_storm');
    expect(storm.every((e) => e.status >= 500)).toBe(true);
    expect(storm.filter((e) => e.status === 500).length / storm.length).toBeGreaterThan(0.7);
    expect(storm[storm.length - 1].tsMs - storm[0].tsMs).toBeLessThanOrEqual(4 * 60_000);

    const scan = of('404_scan');
    expect(scan.every((e) => e.status === 404)).toBe(true);
    expect(new Set(scan.map((e) => e.endpoint)).size).toBe(scan.length);
    expect(normalIps.has(scan[0].ip)).toBe(false);
    expect(sample.filter((r) => r.e.ip === scan[0].ip).every((r) => r.label === '404_scan')).toBe(true);

    const brute = of('brute_force');
    expect(brute.every((e) => e.status === 401 && e.endpoint === '/login' && e.method === 'POST')).toBe(true);
    expect(brute[brute.length - 1].tsMs - brute[0].tsMs).toBeGreaterThan(3 * 3_600_000);
    // Steadier and faster than any normal client's 401s on /login.
    const perHour = brute.length / 4;
    const normal401 = normal.filter((r) => r.e.status === 401 && r.e.endpoint === '/login');
    const busiest = Math.max(...[...normalIps].map((ip) => normal401.filter((r) => r.e.ip === ip).length / 24));
    expect(perHour).toBeGreaterThan(5 * busiest);
  });

  it('injects nothing when asked not to, or when the sample is too small', () => {
    expect(rows({ rows: 5000, seed: 1, endMs: END, anomalies: false }).every((r) => r.label === null)).toBe(true);
    expect(rows({ rows: 999, seed: 1, endMs: END }).every((r) => r.label === null)).toBe(true);
    expect(new Set(rows({ rows: 1000, seed: 1, endMs: END }).map((r) => r.label))).toEqual(
      new Set([null, ...SAMPLE_LABELS]),
    );
  });

  it('defaults to 300,000 rows ending now', () => {
    const plan = planSample({ seed: 1 });
    expect(plan.rows).toBe(300_000);
    expect(Math.abs(plan.endMs - Date.now())).toBeLessThan(5_000);
  });
});
