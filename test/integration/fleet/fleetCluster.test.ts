import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseSource } from '../../../src/main/fleet/clickhouseSource';
import { FLEET_CONNECTION_FILE } from '../../../src/main/fleet/fleetService';
import { createLogTableSql, LOG_TABLE_COLUMNS, loadLines, readLogLines } from '../../../src/main/fleet/logLoader';
import { capStrata, planSample } from '../../../src/main/fleet/sampler';
import { discoverShards } from '../../../src/main/fleet/shards';
import type { FleetAnalyseResult } from '../../../src/shared/schemas/fleet';
import { startTestServer, type TestServer } from '../../helpers/http';
import type { Counts, OracleRow } from '../../unit/features/oracle';
import { ANALYST_PASSWORD, clusterUnavailable, startCluster, type TestCluster } from './cluster';
import { APACHE_LOG, apacheRows, collect, desktopFeatures, desktopRanking, expectSameTop } from './helpers';

/**
 * Fleet mode through the engine's HTTP API against a real two-shard cluster of Debian's
 * clickhouse-server 18.16 (the array dialect), reached over HTTP by the engine's own client as a
 * readonly = 1 user with a password: the Distributed table's shards are found and each computes
 * the features, the sample and the scores itself; the top rows are the desktop's.
 */

const DB = 'od';
const W = 300_000;
const SEED = 3;

const unavailable = clusterUnavailable();
if (unavailable) {
  describe.skip(`fleet API on a 2-shard ClickHouse cluster: skipped, ${unavailable}`, () => {
    it('needs clickhouse-server', () => undefined);
  });
} else {
  describe('fleet mode through the API on a 2-shard ClickHouse 18.16 cluster', () => {
    let cluster: TestCluster;
    let admin: ClickHouseClient[];
    let server: TestServer;
    let rows: OracleRow[];
    let features: Counts[];
    let firstSeq = 0;
    const logLines: string[] = [];

    beforeAll(async () => {
      cluster = await startCluster(2);
      admin = cluster.nodes.map((_, k) => cluster.client(k));
      for (const c of admin) {
        await c.command({ query: `CREATE DATABASE ${DB}` });
        await c.command({ query: createLogTableSql(DB, 'logs_local') });
        await c.command({
          query: createLogTableSql(DB, 'logs', `Distributed(${cluster.name}, ${DB}, logs_local, cityHash64(ip))`),
        });
      }
      const load = await loadLines(admin[0], readLogLines(APACHE_LOG), {
        database: DB,
        table: 'logs',
        source: 'a.log',
      });
      expect(load).toMatchObject({ rows: 10_000, errors: 0, engine: 'Distributed' });
      firstSeq = load.firstSeq;
      rows = apacheRows();
      features = desktopFeatures(rows, W);
      const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
      server = await startTestServer({ engine: { schedule: false, logger } });
    }, 120_000);

    afterAll(async () => {
      await server?.close();
      await cluster?.stop();
    });

    it('tests, saves and analyses the Distributed table shard by shard; the top rows are the desktop’s', async () => {
      const url = cluster.nodes[0].url;
      // system.clusters names the replicas by native port; each node has its own HTTP port here.
      const replicaUrls = Object.fromEntries(cluster.nodes.map((n) => [`127.0.0.1:${n.tcpPort}`, n.url]));
      const settings = { url, username: 'analyst', database: DB, table: 'logs', replicaUrls };

      const wrong = await server.call('POST', '/fleet/connect', { ...settings, password: 'not-it' });
      expect(wrong.status).toBe(502);
      expect(wrong.text).toMatch(/analyst|password|Authentication/i);

      const tested = await server.call('POST', '/fleet/connect', { ...settings, password: ANALYST_PASSWORD });
      expect(tested.status, tested.text).toBe(200);
      expect(tested.json()).toMatchObject({ dialect: 'array', engine: 'Distributed', shards: 2, problems: [] });
      expect((tested.json() as { version: string }).version).toMatch(/^18\.16\./);

      const saved = await server.call('PUT', '/fleet/connection', {
        ...settings,
        password: ANALYST_PASSWORD,
        columns: { ...LOG_TABLE_COLUMNS, method: 'method', path: 'path', bytes: 'bytes', userAgent: 'user_agent' },
      });
      expect(saved.status, saved.text).toBe(200);
      expect(readFileSync(join(server.dataDir, FLEET_CONNECTION_FILE), 'utf8')).not.toContain(ANALYST_PASSWORD);

      const from = Math.min(...rows.map((r) => r.tsMs));
      const to = Math.max(...rows.map((r) => r.tsMs)) + 1;
      const a = await server.call('POST', '/fleet/analyse', {
        from,
        to,
        windowMs: W,
        limit: 100,
        sampleRows: 4_000,
        strata: 64,
        seed: SEED,
      });
      expect(a.status, a.text).toBe(200);
      const r = a.json() as FleetAnalyseResult;

      // The sample as the shards send it, read here as `reader`, capped across the shards.
      const entry = new ClickHouseSource(cluster.client(0, 'reader'));
      const shards = await discoverShards(entry, {
        database: DB,
        table: 'logs',
        columns: LOG_TABLE_COLUMNS,
        connect: (replica) =>
          new ClickHouseSource(
            cluster.client(
              cluster.nodes.findIndex((n) => n.tcpPort === replica.port),
              'reader',
            ),
          ),
      });
      const plan = planSample(4_000, 64);
      const parts = [];
      for (const s of shards)
        parts.push(
          ...(await collect(s.source.sampledFeatures(s.table, plan, { windowMs: W, fromMs: from, toMs: to }))),
        );
      const sample = capStrata(parts, plan.perStratum);
      const want = desktopRanking({ sample, rows, features, firstSeq, from, to, seed: SEED, limit: 100 });

      expect(r.counts).toEqual({ scored: 10_000, flagged: want.flagged, shards: 2 });
      expect(r.sample.rows).toBe(sample.length);
      expect(r.forest.threshold).toBe(want.threshold);
      expectSameTop(r.rows, want.top, rows, firstSeq);
      console.info(
        `fleet analyse on 2 × ClickHouse 18.16: sample ${r.sample.rows} rows (${r.sample.received} received), ` +
          `${r.counts.flagged} flagged, bytes sent ${r.bytes.sent} received ${r.bytes.received}, timings ` +
          JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v)]))),
      );
      for (const t of [wrong.text, tested.text, saved.text, a.text]) expect(t).not.toContain(ANALYST_PASSWORD);
      for (const line of logLines) expect(line).not.toContain(ANALYST_PASSWORD);
      await Promise.all(shards.map((s) => s.source.close()));
      await entry.close();
    }, 180_000);
  });
}
