import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolationForest } from '../../../src/main/detectors/iforest';
import {
  compileIsolationForest,
  forestTrees,
  pathTotal,
  type CompiledForest,
} from '../../../src/main/fleet/iforestSql';
import {
  decodeLowGroups,
  sliceLowSql,
  sliceTopSql,
  topTriples,
  tripleText,
  type LowTriple,
  type WireLowGroups,
} from '../../../src/main/fleet/topSql';
import { rng } from '../../helpers/rng';
import { clusterUnavailable, startCluster, type TestCluster } from './cluster';

/**
 * The two-step top (topSql.ts) against the desktop's forest, on ClickHouse 18.16 (one server of
 * the test cluster) and chdb: feature rows are given directly, with counts on, just under and just
 * over every split threshold, so a comparison the SQL got wrong by one would show. Every triple's
 * path total is the desktop's bit for bit, its flag the desktop's, the counts the desktop's, and
 * the top rows the desktop's ranking.
 */

const QUIET = { level: ClickHouseLogLevel.OFF };
const DB = `od_top_${process.pid}`;

interface Row {
  ip: string;
  ts_ms: number;
  arrival: string;
  x: [number, number, number];
}

function fitted(): { model: IsolationForest; compiled: CompiledForest } {
  const next = rng(11);
  const n = 2_000;
  const data = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const busy = next() < 0.03;
    data[3 * i] = Math.floor(next() * (busy ? 300 : 15)) + 1;
    data[3 * i + 1] = Math.floor(next() * (busy ? 30 : 3));
    data[3 * i + 2] = next() < 0.03 ? Math.floor(next() * 7) : 0;
  }
  const model = new IsolationForest({ seed: 5, nEstimators: 60 }).fit({ rows: n, cols: 3, data });
  return { model, compiled: compileIsolationForest(model) };
}

/** Rows whose counts sit on, under and over every threshold, the rest drawn from the training range. */
function rowsAround(model: IsolationForest): Row[] {
  const f = forestTrees(model);
  const next = rng(12);
  const out: Row[] = [];
  const draw = (c: number): number => Math.floor(next() * [320, 35, 8][c]);
  for (let node = 0; node < f.feature.length; node++) {
    const c = f.feature[node];
    if (c < 0) continue;
    const t = Math.floor(f.threshold[node]);
    for (const v of [t - 1, t, t + 1]) {
      if (v < 0) continue;
      const x: [number, number, number] = [draw(0), draw(1), draw(2)];
      x[c] = v;
      // Some triples on several rows, so counts and ties are tested too.
      for (let k = next() < 0.2 ? 3 : 1; k > 0; k--) {
        out.push({
          ip: `10.0.${out.length % 7}.${k}`,
          ts_ms: 1_700_000_000_000 + Math.floor(next() * 5_000),
          arrival: String(out.length),
          x,
        });
      }
    }
  }
  return out;
}

interface Target {
  name: string;
  open: () => Promise<{ client: ClickHouseClient; close: () => Promise<void> }>;
}

const TARGETS: Target[] = [];
if (process.platform === 'linux' && process.arch === 'x64') {
  const { createChdbConnection } = await import('chdb/connection');
  const connection = createChdbConnection({
    path: ':memory:',
  }) as unknown as ClickHouseClientConfigOptions['connection'];
  TARGETS.push({
    name: 'chdb (ClickHouse 26.x in process)',
    open: async () => {
      const client = createClient({ connection, log: QUIET });
      return { client, close: () => client.close() };
    },
  });
}
if (!clusterUnavailable()) {
  TARGETS.push({
    name: 'ClickHouse 18.16',
    open: async () => {
      const cluster: TestCluster = await startCluster(1);
      return { client: cluster.client(0), close: () => cluster.stop() };
    },
  });
}
if (TARGETS.length === 0) {
  describe.skip('the two-step top: needs chdb (linux-x64) or clickhouse-server', () => {
    it('runs nowhere here', () => undefined);
  });
}

for (const target of TARGETS) {
  describe(`the two-step top on ${target.name}`, () => {
    const { model, compiled } = fitted();
    const trees = forestTrees(model);
    const rows = rowsAround(model);
    const features = `SELECT ip, ts_ms, arrival, request_count, client_error_count, server_error_count FROM ${DB}.rows`;
    let client: ClickHouseClient;
    let close: () => Promise<void>;

    const query = async <T>(sql: string): Promise<T[]> =>
      (await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: compiled.settings })).json<T>();
    const low = async (limit: number): Promise<ReturnType<typeof decodeLowGroups>> => {
      const rs = await client.query({ query: sliceLowSql(features, compiled, limit), format: 'JSONCompact' });
      return decodeLowGroups(JSON.parse(await rs.text()) as WireLowGroups);
    };

    beforeAll(async () => {
      ({ client, close } = await target.open());
      await client.command({ query: `DROP DATABASE IF EXISTS ${DB}` });
      await client.command({ query: `CREATE DATABASE ${DB}` });
      await client.command({
        query: `CREATE TABLE ${DB}.rows (ip String, ts_ms Int64, arrival String, request_count UInt64,
          client_error_count UInt64, server_error_count UInt64) ENGINE = MergeTree() ORDER BY ts_ms`,
      });
      await client.insert({
        table: `${DB}.rows`,
        format: 'JSONEachRow',
        values: rows.map((r) => ({
          ip: r.ip,
          ts_ms: r.ts_ms,
          arrival: r.arrival,
          request_count: r.x[0],
          client_error_count: r.x[1],
          server_error_count: r.x[2],
        })),
      });
    }, 120_000);
    afterAll(async () => {
      await client.command({ query: `DROP DATABASE IF EXISTS ${DB}` });
      await close();
    });

    it('every triple on, under and over a threshold: the desktop’s path total, flag and counts', async () => {
      const got = await low(1_000_000);
      const triples = new Map(rows.map((r) => [r.x.join(','), r.x]));
      expect(got.triples).toHaveLength(triples.size);
      const flags = model.predict({ rows: rows.length, cols: 3, data: Float64Array.from(rows.flatMap((r) => r.x)) });
      const desktopFlag = new Map(rows.map((r, i) => [r.x.join(','), flags[i] === 1]));
      for (const t of got.triples) {
        const x = [t.request, t.client, t.server];
        expect(t.pathTotal).toBe(pathTotal(trees, x));
        expect(t.flagged).toBe(desktopFlag.get(x.join(',')));
        expect(Math.abs(t.score - model.score({ rows: 1, cols: 3, data: Float64Array.from(x) })[0])).toBeLessThan(
          1e-12,
        );
        expect(t.rows).toBe(rows.filter((r) => r.x.join(',') === x.join(',')).length);
      }
      expect(got.scored).toBe(rows.length);
      expect(got.flagged).toBe(flags.reduce((a, b) => a + b, 0));
      expect(flags.some((f) => f === 1) && flags.some((f) => f === 0)).toBe(true);
    });

    it('the top rows: the desktop’s lowest path totals, ties by time, IP and arrival', async () => {
      const limit = 40;
      const { triples } = await low(limit);
      expect(new Set(triples.map((t) => t.pathTotal)).size).toBe(limit);
      const { bound, ranks } = topTriples([triples], limit);
      const wanted = triples.filter((t) => t.pathTotal <= bound);
      const got = await query<{ ip: string; ts_ms: string; arrival: string; od_rank: number }>(
        sliceTopSql(
          features,
          wanted.map((t) => ({ ...t, rank: ranks.get(tripleText(t)) ?? 0 })),
          limit,
        ),
      );
      const path = (r: Row): number => pathTotal(trees, r.x);
      const expected = [...rows]
        .sort(
          (a, b) =>
            path(a) - path(b) ||
            a.ts_ms - b.ts_ms ||
            (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) ||
            (a.arrival < b.arrival ? -1 : a.arrival > b.arrival ? 1 : 0),
        )
        .slice(0, limit);
      expect(got.map((r) => `${r.ip} ${r.ts_ms} ${r.arrival}`)).toEqual(
        expected.map((r) => `${r.ip} ${r.ts_ms} ${r.arrival}`),
      );
      const byTriple = new Map<string, LowTriple>(triples.map((t) => [tripleText(t), t]));
      expect(expected.every((r) => byTriple.has(r.x.join(',')))).toBe(true);
    });
  });
}
