import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseSource } from '../../../src/main/fleet/clickhouseSource';
import { compileIsolationForest, forestTrees, pathTotal, scoreOfTotal } from '../../../src/main/fleet/iforestSql';
import { runLoadCommand } from '../../../src/main/fleet/loadCommand';
import { capStrata, planSample } from '../../../src/main/fleet/sampler';
import { createLogTableSql, LOG_TABLE_COLUMNS } from '../../../src/main/fleet/logLoader';
import { discoverShards, shardedFeatures, shardedScores, type FleetShard } from '../../../src/main/fleet/shards';
import type { Counts, OracleRow } from '../../unit/features/oracle';
import { clusterUnavailable, startCluster, type TestCluster } from './cluster';
import {
  APACHE_LOG,
  apacheRows,
  collect,
  compareByArrival,
  compareScores,
  desktopFeatures,
  expectCutSampleExact,
  trainDesktopForest,
} from './helpers';

/**
 * Fleet mode on a real cluster: two of Debian's clickhouse-server 18.16 processes, a Distributed
 * table sharded by cityHash64(ip) over a MergeTree table on each, loaded with the real 10,000-line
 * Apache log by the loader command. Features and Isolation Forest scores are computed on each
 * shard by a readonly = 1 user and compared with the desktop's, row for row.
 */

const WINDOWS = [1_000, 300_000, 3_600_000] as const;
const DB = 'od';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const unavailable = clusterUnavailable();
if (unavailable) {
  describe.skip(`fleet on a 2-shard ClickHouse cluster: skipped, ${unavailable}`, () => {
    it('needs clickhouse-server', () => undefined);
  });
} else {
  describe('fleet on a 2-shard ClickHouse 18.16 cluster', () => {
    let cluster: TestCluster;
    let admin: ClickHouseClient[];
    let entry: ClickHouseSource;
    let shards: FleetShard[];
    let rows: OracleRow[];
    const desktop = new Map<number, Counts[]>();
    let firstSeq = 0;

    /** A readonly client per node, reached the way discoverShards reaches a replica. */
    const readerFor = (url: string): ClickHouseSource => {
      const k = cluster.nodes.findIndex((n) => n.url === url);
      return new ClickHouseSource(cluster.client(k, 'reader'));
    };

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
      // The loader command's own code path, into the Distributed table through node 1.
      const load = await runLoadCommand([
        '--url',
        cluster.nodes[0].url,
        '--database',
        DB,
        '--table',
        'logs',
        APACHE_LOG,
      ]);
      expect(load).toMatchObject({ format: 'combined', rows: 10_000, errors: 0, engine: 'Distributed' });
      firstSeq = load.firstSeq;
      rows = apacheRows();
      for (const w of WINDOWS) desktop.set(w, desktopFeatures(rows, w));
      entry = new ClickHouseSource(cluster.client(0, 'reader'));
      shards = await discoverShards(entry, {
        database: DB,
        table: 'logs',
        columns: LOG_TABLE_COLUMNS,
        connect: (replica) => readerFor(cluster.urlForTcpPort(replica.port)),
      });
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('runs two servers, the log split between them by cityHash64(ip), each IP on one shard', async () => {
      console.log(`fleet cluster: 2 servers answered /ping ${Math.round(cluster.startMs)} ms after spawning`);
      expect(await entry.serverVersion()).toMatch(/^18\.16\./);
      const perShard: Array<Array<{ ip: string; n: string | number; wrong: string | number }>> = [];
      for (const [k, c] of admin.entries()) {
        // With two shards of weight 1, shard k + 1 holds the rows whose key % 2 = k.
        const rs = await c.query({
          query: `SELECT ip, count() AS n, sum(cityHash64(ip) % 2 != ${k}) AS wrong FROM ${DB}.logs_local GROUP BY ip`,
          format: 'JSONEachRow',
        });
        perShard.push(await rs.json());
      }
      const counts = perShard.map((s) => s.reduce((a, r) => a + Number(r.n), 0));
      expect(counts[0]).toBeGreaterThan(1_000);
      expect(counts[1]).toBeGreaterThan(1_000);
      expect(counts[0] + counts[1]).toBe(10_000);
      expect(perShard.flat().every((r) => Number(r.wrong) === 0)).toBe(true);
      const ips = perShard.map((s) => new Set(s.map((r) => r.ip)));
      expect([...ips[0]].filter((ip) => ips[1].has(ip))).toEqual([]);
    });

    it('finds both shards from the Distributed table as a readonly user, and checks what it reached', async () => {
      expect(shards.map((s) => [s.label.replace(/\(.*\)/, '').trim(), s.table.table])).toEqual([
        ['shard 1', 'logs_local'],
        ['shard 2', 'logs_local'],
      ]);
      // Every replica "reached" at node 1: shard 2's answer says it is shard 1, and is refused.
      await expect(
        discoverShards(entry, {
          database: DB,
          table: 'logs',
          columns: LOG_TABLE_COLUMNS,
          connect: () => readerFor(cluster.nodes[0].url),
        }),
      ).rejects.toThrow(/shard 2 .*is shard 1/);
      // A table sharded by anything but the IP would split an IP's window over shards: refused.
      await admin[0].command({
        query: createLogTableSql(DB, 'logs_rand', `Distributed(${cluster.name}, ${DB}, logs_local, rand())`),
      });
      await expect(
        discoverShards(entry, {
          database: DB,
          table: 'logs_rand',
          columns: LOG_TABLE_COLUMNS,
          connect: (replica) => readerFor(cluster.urlForTcpPort(replica.port)),
        }),
      ).rejects.toThrow(/sharded by rand\(\)/);
    });

    for (const w of WINDOWS) {
      it(`W = ${w} ms: features computed per shard equal the desktop's, 0 mismatches`, async () => {
        expect(await entry.dialect()).toBe('array');
        const got = await collect(shardedFeatures(shards, { windowMs: w }));
        expect(compareByArrival(got, rows, desktop.get(w) ?? [], { firstSeq }).slice(0, 5)).toEqual([]);
        expect(got).toHaveLength(10_000);
      });
    }

    it('Isolation Forest compiled to SQL flags on the shards exactly the rows the desktop flags', async () => {
      const features = desktop.get(300_000) ?? [];
      const forest = trainDesktopForest(features, 7);
      const trees = forestTrees(forest.model);
      const totals = Float64Array.from(features, (x) => pathTotal(trees, x));
      const compiled = compileIsolationForest(forest.model);
      // The desktop's scores are exactly these totals' scores: the SQL reproduces the totals.
      expect(totals.every((t, k) => scoreOfTotal(t, compiled.denominator) === forest.scores[k])).toBe(true);
      const t0 = performance.now();
      const got = await collect(shardedScores(shards, compiled, { windowMs: 300_000 }));
      const scoreMs = performance.now() - t0;
      const { bad, maxScoreDiff } = compareScores(got, forest, totals, firstSeq);
      expect(bad.slice(0, 5)).toEqual([]);
      expect(maxScoreDiff).toBeLessThanOrEqual(1e-12);
      const flagged = got.filter((g) => g.flagged).length;
      const atThreshold = forest.scores.filter((s) => s === forest.model.threshold).length;
      expect(flagged).toBe(forest.flags.reduce((a, f) => a + f, 0));
      expect(flagged).toBeGreaterThan(0);
      console.log(
        `fleet iforest on 18.16: ${compiled.trees} trees, ${compiled.splits} splits, ${compiled.bytes} bytes of SQL, ` +
          `${compiled.astElements} AST elements; 10,000 rows scored on 2 shards in ${Math.round(scoreMs)} ms; ` +
          `${flagged} flagged, ${atThreshold} rows exactly at the threshold (not flagged on either side), ` +
          `max |score difference| ${maxScoreDiff}`,
      );
    });

    it('a range cut into time slices gives the same sample, top rows and counts as in one query', async () => {
      const features = desktop.get(300_000) ?? [];
      const compiled = compileIsolationForest(trainDesktopForest(features, 7).model);
      const from = Math.min(...rows.map((r) => r.tsMs));
      const to = Math.max(...rows.map((r) => r.tsMs)) + 1;
      const opts = { windowMs: 300_000, fromMs: from, toMs: to };
      const plan = planSample(2_000, 16);
      // Shards come in shard order; node k is shard k + 1.
      for (const [k, s] of shards.entries()) {
        const sliced = new ClickHouseSource(cluster.client(k, 'reader'), { sliceRows: 700 });
        const whole = await s.source.scoreTop(s.table, compiled, 60, opts);
        const parts = await sliced.scoreTop(s.table, compiled, 60, opts);
        expect(whole.counts.scored).toBeGreaterThan(1_400);
        expect(parts).toEqual(whole);
        const wholeSample = capStrata(await collect(s.source.sampledFeatures(s.table, plan, opts)), plan.perStratum);
        const slicedSample = await collect(sliced.sampledFeatures(s.table, plan, opts));
        expect(slicedSample.length).toBeGreaterThan(wholeSample.length);
        expect(capStrata(slicedSample, plan.perStratum)).toEqual(wholeSample);
        await sliced.close();
      }
    });

    it("cutting busy strata by row hash before the sort leaves each shard's sample exact", async () => {
      const from = Math.min(...rows.map((r) => r.tsMs));
      const to = Math.max(...rows.map((r) => r.tsMs)) + 1;
      for (const [k, s] of shards.entries()) {
        await expectCutSampleExact(cluster.client(k, 'reader'), s.table, { windowMs: 300_000, fromMs: from, toMs: to });
      }
    });

    it('a forest too big for the default limits cannot raise them as a readonly user: the server says why', async () => {
      const forest = trainDesktopForest(desktop.get(300_000) ?? [], 9, 300);
      const compiled = compileIsolationForest(forest.model, {
        limits: { maxAstElements: 200_000, maxQueryBytes: 1 << 20 },
      });
      await expect(collect(shardedScores(shards, compiled, { windowMs: 300_000 }))).rejects.toThrow(/readonly/i);
    });

    it('the fleet:load command pushes a generated log into a new table, and appends to it', async () => {
      const run = async (): Promise<Record<string, unknown>> => {
        // What `npm run fleet:load --` runs once built (npm test builds before the tests).
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [
            'out/main/fleetLoad.js',
            '--url',
            cluster.nodes[1].url,
            '--database',
            DB,
            '--table',
            'generated',
            '--generate',
            '2000',
            '--seed',
            '5',
          ],
          { cwd: ROOT },
        );
        return JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
      };
      expect(await run()).toMatchObject({ rows: 2000, errors: 0, firstSeq: 0, engine: 'MergeTree' });
      expect(await run()).toMatchObject({ rows: 2000, errors: 0, firstSeq: 2000 });
      const rs = await admin[1].query({
        query: `SELECT count() AS n, uniqExact(seq) AS seqs, max(seq) AS top, countIf(status >= 500) AS s5 FROM ${DB}.generated`,
        format: 'JSONEachRow',
      });
      const [r] = await rs.json<Record<string, string | number>>();
      expect([Number(r.n), Number(r.seqs), Number(r.top)]).toEqual([4000, 4000, 3999]);
      expect(Number(r.s5)).toBeGreaterThan(0);
      // The generated table has the loader's layout, so fleet features run on it directly.
      const src = new ClickHouseSource(cluster.client(1, 'reader'));
      const [single] = await discoverShards(src, {
        database: DB,
        table: 'generated',
        columns: LOG_TABLE_COLUMNS,
        connect: () => src,
      });
      expect((await collect(shardedFeatures([single], { windowMs: 300_000 }))).length).toBe(4000);
    });
  });
}
