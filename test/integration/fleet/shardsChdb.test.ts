import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdent, type Dialect } from '../../../src/main/fleet/clickhouseSql';
import { ClickHouseSource } from '../../../src/main/fleet/clickhouseSource';
import { compileIsolationForest, forestTrees, pathTotal } from '../../../src/main/fleet/iforestSql';
import { createLogTableSql, loadLines, LOG_TABLE_COLUMNS, readLogLines } from '../../../src/main/fleet/logLoader';
import { discoverShards, shardedFeatures, shardedScores, type FleetShard } from '../../../src/main/fleet/shards';
import type { Counts, OracleRow } from '../../unit/features/oracle';
import {
  APACHE_LOG,
  apacheRows,
  collect,
  compareByArrival,
  compareScores,
  desktopFeatures,
  trainDesktopForest,
} from './helpers';

/**
 * The modern dialect of shard-local execution, on ClickHouse 26.x in process (chdb): one server
 * cannot be two shards, so the two shards are two local tables, split by cityHash64(ip) % 2 as a
 * Distributed table of two shards splits them, each computed on its own and streamed back side
 * by side. Both dialects, the features and the Isolation Forest, against the desktop.
 */

const CHDB_PLATFORM = process.platform === 'linux' && process.arch === 'x64';
const WINDOWS = [1_000, 300_000, 3_600_000] as const;
const DIALECTS: Dialect[] = ['window', 'array'];

if (!CHDB_PLATFORM) {
  describe.skip('fleet shards on chdb: chdb is published for linux-x64 only', () => {
    it('runs nowhere here', () => undefined);
  });
} else {
  const { createChdbConnection } = await import('chdb/connection');
  describe('fleet shards on chdb (ClickHouse 26.x in process)', () => {
    const DB = `od_fleet_shards_${process.pid}`;
    let client: ClickHouseClient;
    let source: ClickHouseSource;
    let shards: FleetShard[];
    let rows: OracleRow[];
    let firstSeq = 0;
    const desktop = new Map<number, Counts[]>();

    beforeAll(async () => {
      // See clickhouseFeatures.test.ts: the same interface at runtime, two declarations to tsc.
      const connection = createChdbConnection({
        path: ':memory:',
      }) as unknown as ClickHouseClientConfigOptions['connection'];
      client = createClient({ connection, log: { level: ClickHouseLogLevel.OFF } });
      source = new ClickHouseSource(client);
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(DB)}` });
      await client.command({ query: `CREATE DATABASE ${quoteIdent(DB)}` });
      // The loader creates the table it is pointed at, then the rows are split as 2 shards would be.
      const load = await loadLines(client, readLogLines(APACHE_LOG), {
        database: DB,
        table: 'all_logs',
        source: 'apache_logs.log',
      });
      expect(load).toMatchObject({ format: 'combined', rows: 10_000, errors: 0, skipped: 0, engine: 'MergeTree' });
      firstSeq = load.firstSeq;
      for (const k of [0, 1]) {
        await client.command({ query: createLogTableSql(DB, `logs_shard${k + 1}`) });
        await client.command({
          query: `INSERT INTO ${quoteIdent(DB)}.logs_shard${k + 1} SELECT * FROM ${quoteIdent(DB)}.all_logs
                  WHERE cityHash64(ip) % 2 = ${k}`,
        });
      }
      shards = [];
      for (const k of [1, 2]) {
        const [s] = await discoverShards(source, {
          database: DB,
          table: `logs_shard${k}`,
          columns: LOG_TABLE_COLUMNS,
          connect: () => source,
        });
        shards.push({ ...s, label: `shard ${k}` });
      }
      rows = apacheRows();
      for (const w of WINDOWS) desktop.set(w, desktopFeatures(rows, w));
    });
    afterAll(async () => {
      await client?.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(DB)}` });
      await source?.close();
    });

    it('splits the log into two shards that share no IP', async () => {
      const rs = await client.query({
        query: `SELECT (SELECT count() FROM ${quoteIdent(DB)}.logs_shard1) AS a, (SELECT count() FROM ${quoteIdent(DB)}.logs_shard2) AS b,
          (SELECT count() FROM ${quoteIdent(DB)}.logs_shard1 WHERE ip IN (SELECT ip FROM ${quoteIdent(DB)}.logs_shard2)) AS shared`,
        format: 'JSONEachRow',
      });
      const [r] = await rs.json<Record<string, string | number>>();
      expect(Number(r.a)).toBeGreaterThan(1_000);
      expect(Number(r.a) + Number(r.b)).toBe(10_000);
      expect(Number(r.shared)).toBe(0);
      expect(await source.dialect()).toBe('window');
    });

    for (const w of WINDOWS) {
      it(`W = ${w} ms: per-shard features equal the desktop's in both dialects, 0 mismatches`, async () => {
        for (const dialect of DIALECTS) {
          const got = await collect(shardedFeatures(shards, { windowMs: w, dialect }));
          expect({ dialect, bad: compareByArrival(got, rows, desktop.get(w) ?? [], { firstSeq }).slice(0, 5) }).toEqual(
            {
              dialect,
              bad: [],
            },
          );
          expect(got).toHaveLength(10_000);
        }
      });
    }

    it('Isolation Forest in SQL flags on each shard exactly the rows the desktop flags, both dialects', async () => {
      const features = desktop.get(300_000) ?? [];
      for (const seed of [7]) {
        const forest = trainDesktopForest(features, seed);
        const trees = forestTrees(forest.model);
        const totals = Float64Array.from(features, (x) => pathTotal(trees, x));
        const compiled = compileIsolationForest(forest.model);
        for (const dialect of DIALECTS) {
          const got = await collect(shardedScores(shards, compiled, { windowMs: 300_000, dialect }));
          const { bad, maxScoreDiff } = compareScores(got, forest, totals, firstSeq);
          expect({ seed, dialect, bad: bad.slice(0, 5) }).toEqual({ seed, dialect, bad: [] });
          expect(maxScoreDiff).toBeLessThanOrEqual(1e-12);
        }
      }
    });

    it('a forest over the default size limits is refused, or sent with the limits raised as settings', async () => {
      const features = desktop.get(300_000) ?? [];
      const forest = trainDesktopForest(features, 9, 300);
      expect(() => compileIsolationForest(forest.model)).toThrow(/max_ast_elements/);
      const compiled = compileIsolationForest(forest.model, {
        limits: { maxAstElements: 200_000, maxQueryBytes: 1 << 20 },
      });
      expect(compiled.astElements).toBeGreaterThan(50_000);
      expect(compiled.settings).toEqual({ max_ast_elements: '200000', max_query_size: '1048576' });
      const trees = forestTrees(forest.model);
      const totals = Float64Array.from(features, (x) => pathTotal(trees, x));
      const got = await collect(shardedScores(shards, compiled, { windowMs: 300_000, dialect: 'array' }));
      const { bad } = compareScores(got, forest, totals, firstSeq);
      expect(bad.slice(0, 5)).toEqual([]);
    });

    it('stopping early cancels the other shards’ queries and leaves the client usable', async () => {
      for await (const batch of shardedFeatures(shards, { windowMs: 300_000, dialect: 'window' })) {
        expect(batch.length).toBeGreaterThan(0);
        break;
      }
      expect(await source.serverVersion()).toMatch(/^\d+\./);
      expect(await collect(shardedFeatures(shards, { windowMs: 1_000, dialect: 'array' }))).toHaveLength(10_000);
    });
  });
}
