import { describe, expect, it } from 'vitest';
import { describeIncident, durationWords } from '../../../src/main/incidents/describe';
import { groupIncidents, MIN_ENDPOINT_IPS, type FlaggedRow } from '../../../src/main/incidents/group';

const W = 300_000;
let nextId = 1;
function row(ip: string, tsMs: number, extra: Partial<FlaggedRow> = {}): FlaggedRow {
  return {
    id: nextId++,
    tsMs,
    ip,
    method: 'GET',
    endpoint: '/',
    status: 200,
    bytes: 100,
    userAgent: null,
    score: 0.99,
    ...extra,
  };
}

describe('grouping flagged entries into incidents', () => {
  it('one IP: entries closer than the window belong together; a gap of the window or more splits', () => {
    const rows = [row('a', 0), row('a', W - 1), row('a', 2 * W - 2), row('a', 3 * W - 2), row('b', 10)];
    const groups = groupIncidents(rows, W);
    const sizes = groups.map((g) => `${g.rows[0].ip}:${g.rows.length}`).sort();
    expect(sizes).toEqual(['a:1', 'a:3', 'b:1']);
  });

  it(`a distributed attack (${MIN_ENDPOINT_IPS}+ IPs on one endpoint, overlapping) is one endpoint incident`, () => {
    const rows = Array.from({ length: 15 }, (_, k) =>
      [0, 1, 2, 3].map((i) => row(`198.51.100.${k}`, k * 20_000 + i * 60_000, { method: 'POST', endpoint: '/login' })),
    ).flat();
    // Two IPs on another endpoint stay IP incidents; a lone IP much later on /login too.
    rows.push(row('10.0.0.1', 5_000, { endpoint: '/x' }), row('10.0.0.2', 6_000, { endpoint: '/x' }));
    rows.push(row('10.0.0.3', 10 * 3_600_000, { method: 'POST', endpoint: '/login' }));
    const groups = groupIncidents(rows, W);
    const endpoint = groups.filter((g) => g.kind === 'endpoint');
    expect(endpoint).toHaveLength(1);
    expect(new Set(endpoint[0].rows.map((r) => r.ip)).size).toBe(15);
    expect(endpoint[0].rows.map((r) => r.tsMs)).toEqual([...endpoint[0].rows.map((r) => r.tsMs)].sort((a, b) => a - b));
    expect(groups.filter((g) => g.kind === 'ip')).toHaveLength(3);
    expect(describeIncident(endpoint[0], null).summary).toMatch(
      /^distributed attack on \/login: 60 requests, 60 non-GET, 1 distinct path in \d+ min from 15 IPs$/,
    );
  });

  it('every flagged entry lands in exactly one incident', () => {
    const rows = Array.from({ length: 500 }, (_, i) =>
      row(`10.0.0.${i % 7}`, (i * 7919) % 7_200_000, { endpoint: `/p${i % 3}` }),
    );
    const ids = groupIncidents(rows, W)
      .flatMap((g) => g.rows.map((r) => r.id))
      .sort((a, b) => a - b);
    expect(ids).toEqual(rows.map((r) => r.id).sort((a, b) => a - b));
  });
});

describe('incident summaries in words', () => {
  it('a 404 scan from a new IP', () => {
    const rows = Array.from({ length: 150 }, (_, i) =>
      row('203.0.113.9', 1_000_000 + i * 600, { endpoint: `/p${i % 97}`, status: i < 142 ? 404 : 200 }),
    );
    const d = describeIncident({ kind: 'ip', rows }, 1_000_000 - 120_000);
    expect(d.label).toBe('404 scan');
    expect(d.summary).toBe(
      '404 scan: 150 requests, 142 × 404, 97 distinct paths in 89 s from an IP first seen 2 min earlier',
    );
  });

  it('brute force, a 5xx storm, large downloads, a burst, and an IP known for long', () => {
    const day = 86_400_000;
    const brute = Array.from({ length: 40 }, (_, i) =>
      row('a', i * 180_000, { method: 'POST', endpoint: '/login', status: 401 }),
    );
    expect(describeIncident({ kind: 'ip', rows: brute }, -2 * day).summary).toBe(
      'brute force on /login: 40 requests, 40 other 4xx, 40 non-GET, 1 distinct path in 117 min from an IP known for over a day',
    );
    const storm = Array.from({ length: 10 }, (_, i) => row('b', i * 1000, { status: 503 }));
    expect(describeIncident({ kind: 'ip', rows: storm }, 0).label).toBe('5xx storm');
    const big = Array.from({ length: 3 }, (_, i) => row('c', i * 180_000, { bytes: 250_000_000 }));
    expect(describeIncident({ kind: 'ip', rows: big }, 0).summary).toMatch(
      /^large downloads: 3 requests, 1 distinct path, 750 MB sent in 6 min/,
    );
    const burst = Array.from({ length: 60 }, (_, i) => row('d', i * 500));
    expect(describeIncident({ kind: 'ip', rows: burst }, 0).label).toBe('burst');
  });

  it('durations read naturally', () => {
    expect([400, 90_000, 12 * 60_000, 3.5 * 3_600_000, 4 * 86_400_000].map(durationWords)).toEqual([
      '0.4 s',
      '90 s',
      '12 min',
      '3.5 h',
      '4 d',
    ]);
  });
});
