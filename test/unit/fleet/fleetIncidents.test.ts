import { describe, expect, it } from 'vitest';
import { fleetIncidents } from '../../../src/main/incidents/fleetIncidents';
import type { FleetTopRow } from '../../../src/shared/schemas/fleet';

const T0 = Date.UTC(2024, 4, 1, 12);
const W = 300_000;
const verdict = { score: 0.7, threshold: 0.6, vote: true, percentile: 99 };

/** A returned row: only what the grouping reads varies; `isAnomaly` is the ensemble's vote. */
function row(
  ip: string,
  atS: number,
  path: string,
  status: number,
  isAnomaly: boolean,
  combinedScore = 0.9,
): FleetTopRow {
  return {
    ip,
    tsMs: T0 + atS * 1000,
    arrival: '',
    requestCount: 50,
    clientErrorCount: 40,
    serverErrorCount: 0,
    pathTotal: 300,
    score: 0.7,
    flagged: true,
    status,
    method: status === 401 ? 'POST' : 'GET',
    path,
    bytes: 512,
    userAgent: 'curl/8',
    models: { iforest: verdict, lof: verdict, knn: verdict },
    votes: isAnomaly ? 3 : 1,
    isAnomaly,
    combinedScore,
    featurePercentiles: { request_count: 99, client_error_count: 99, server_error_count: 10 },
  };
}

describe('fleet incidents: the returned rows grouped by the desktop’s rules', () => {
  const rows: FleetTopRow[] = [
    // One IP probing a dozen paths that do not exist: a 404 scan.
    ...Array.from({ length: 12 }, (_, i) => row('198.51.100.7', i * 5, `/admin${i}.php`, 404, true, 0.8 + i / 100)),
    // The same IP an hour later: past the window, another incident.
    row('198.51.100.7', 3_600, '/', 200, true, 0.5),
    // Three IPs, two tries each at /login within minutes: one distributed attack.
    ...['203.0.113.1', '203.0.113.2', '203.0.113.3'].flatMap((ip, k) => [
      row(ip, 20 + k * 30, '/login', 401, true, 0.95),
      row(ip, 40 + k * 30, '/login', 401, true, 0.6),
    ]),
    // A row the forest returned but the vote does not flag: in no incident.
    row('192.0.2.50', 10, '/x', 500, false),
  ];
  const incidents = fleetIncidents(rows, W);

  it('makes the desktop’s incidents from the flagged rows only, most anomalous first', () => {
    expect(incidents.map((i) => [i.kind, i.label, i.flagged, i.score])).toEqual([
      ['endpoint', 'distributed attack on /login', 6, 0.95],
      ['ip', '404 scan', 12, 0.91],
      ['ip', 'unusual activity', 1, 0.5],
    ]);
    const grouped = incidents.flatMap((i) => i.rows);
    expect(new Set(grouped).size).toBe(rows.length - 1);
    expect(grouped).not.toContain(rows.length - 1);
  });

  it('each incident points back at its rows and is summed up in the desktop’s words', () => {
    const [attack, scan] = incidents;
    expect(attack.id).toBe('endpoint-13');
    expect(attack.rows.map((i) => rows[i].ip)).toEqual([
      '203.0.113.1',
      '203.0.113.1',
      '203.0.113.2',
      '203.0.113.2',
      '203.0.113.3',
      '203.0.113.3',
    ]);
    expect(attack).toMatchObject({
      ipCount: 3,
      firstTsMs: T0 + 20_000,
      lastTsMs: T0 + 100_000,
      topEndpoints: [{ endpoint: '/login', count: 6 }],
      statuses: [{ status: 401, count: 6 }],
      summary: 'distributed attack on /login: 6 requests, 6 other 4xx, 6 non-GET, 1 distinct path in 80 s from 3 IPs',
    });
    expect(scan.id).toBe('ip-0');
    expect(scan.rows).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // IP ages are not asked of the server: the summary claims none.
    expect(scan.summary).toBe('404 scan: 12 requests, 12 × 404, 12 distinct paths in 55 s from one IP');
    expect(scan).not.toHaveProperty('entries');
  });

  it('no flagged rows, no incidents', () => {
    expect(fleetIncidents([row('192.0.2.1', 0, '/', 200, false)], W)).toEqual([]);
  });
});
