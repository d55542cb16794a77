import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectFor, quoteIdent, type Dialect, type FleetColumns } from '../../../src/main/fleet/clickhouseSql';
import { ClickHouseSource } from '../../../src/main/fleet/clickhouseSource';
import { bruteForce, randomRows, rng, type OracleRow } from '../../unit/features/oracle';
import { readGzCsv } from '../features/helpers';
import { collect, compareByArrival, desktopFeatures } from './helpers';

/**
 * The fleet feature SQL, both dialects, run by a real ClickHouse against the desktop's own
 * computation (windowScan over a real SQLite file): equal row for row, joined on the arrival
 * column. chdb embeds ClickHouse 26.x in this process and is driven through @clickhouse/client's
 * connection hook, so the same ClickHouseSource that talks HTTP to a server runs here. Set
 * OD_CLICKHOUSE_URL (e.g. http://127.0.0.1:8123, a disposable server) to run everything against a
 * real server too; on one without window functions (18.16) only the array dialect runs.
 */

const WINDOWS = [
  { name: '1 s', ms: 1_000 },
  { name: '5 min', ms: 300_000 },
  { name: '1 h', ms: 3_600_000 },
] as const;

const parsed = readGzCsv('../ingest/apache_logs.parsed.csv.gz');
const col = (name: string): number => parsed[0].indexOf(name);
const APACHE: OracleRow[] = parsed.slice(1).map((r) => ({
  ip: r[col('ip')],
  tsMs: Number(r[col('ts_ms')]),
  status: Number(r[col('status')]),
}));

/** Tie-heavy, exact-W gaps, late arrivals: the cases a window rule gets wrong first. */
function tieHeavy(windowMs: number, seed: number): OracleRow[] {
  return randomRows(rng(seed), 4_000, { ips: 7, windowMs, lateFraction: 0.15, maxLateMs: 2 * windowMs });
}

/** The client logs every failed query; the failures here are expected and asserted. */
const QUIET = { level: ClickHouseLogLevel.OFF };

interface Target {
  name: string;
  client: () => ClickHouseClient;
}

/**
 * chdb 3.4's native library is published for linux-x64 only (the other platforms' packages it
 * names are not on the registry), so elsewhere only OD_CLICKHOUSE_URL can run these tests.
 */
const CHDB_PLATFORM = process.platform === 'linux' && process.arch === 'x64';
const TARGETS: Target[] = [];
if (CHDB_PLATFORM) {
  const { createChdbConnection } = await import('chdb/connection');
  // chdb types its connection against @clickhouse/client-common, which @clickhouse/client 1.23.1
  // inlines with a newer settings list: the same interface at runtime, two declarations to tsc.
  const connection = createChdbConnection({
    path: ':memory:',
  }) as unknown as ClickHouseClientConfigOptions['connection'];
  TARGETS.push({ name: 'chdb (ClickHouse in-process)', client: () => createClient({ connection, log: QUIET }) });
}
const url = process.env.OD_CLICKHOUSE_URL;
if (url) TARGETS.push({ name: `server at ${url}`, client: () => createClient({ url, log: QUIET }) });
if (TARGETS.length === 0) {
  describe.skip('fleet features: need chdb (linux-x64) or OD_CLICKHOUSE_URL', () => {
    it('runs nowhere here', () => undefined);
  });
}

for (const target of TARGETS) {
  describe(`fleet features on ${target.name}`, () => {
    const DB = `od_fleet_test_${process.pid}`;
    const q = (table: string): string => `${quoteIdent(DB)}.${quoteIdent(table)}`;
    let client: ClickHouseClient;
    let source: ClickHouseSource;
    let dialects: Dialect[];
    let hasDateTime64: boolean;

    /** (ts_ms, ip, status, seq) plus the other shapes a fleet table may have, derived on insert. */
    async function load(table: string, rows: readonly OracleRow[]): Promise<void> {
      const dt64 = hasDateTime64
        ? `, ts64 DateTime64(3, 'UTC') MATERIALIZED fromUnixTimestamp64Milli(ts_ms, 'UTC')`
        : '';
      // The real log's IPv4 clients also in an IPv6 column (servers with the IPv6 type, 20+ here).
      const ip6 = hasDateTime64 && table === 'apache' ? `, ip6 IPv6 MATERIALIZED toIPv6(concat('::ffff:', ip))` : '';
      await client.command({
        query: `CREATE TABLE ${q(table)} (ts_ms Int64, ip String, status UInt16, seq UInt64,
          ts_dt DateTime MATERIALIZED toDateTime(intDiv(ts_ms, 1000)), ip_num UInt32 MATERIALIZED IPv4StringToNum(ip)${dt64}${ip6})
          ENGINE = MergeTree() ORDER BY (ts_ms, ip)`,
      });
      await client.insert({
        table: q(table),
        format: 'JSONEachRow',
        values: rows.map((r, k) => ({ ts_ms: r.tsMs, ip: r.ip, status: r.status, seq: k })),
      });
    }

    beforeAll(async () => {
      client = target.client();
      source = new ClickHouseSource(client);
      const version = await source.serverVersion();
      dialects = dialectFor(version) === 'window' ? ['window', 'array'] : ['array'];
      const major = Number(version.split('.')[0]);
      hasDateTime64 = major >= 20;
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(DB)}` });
      await client.command({ query: `CREATE DATABASE ${quoteIdent(DB)}` });
      for (const w of WINDOWS) await load(`random_${w.ms}`, tieHeavy(w.ms, 17 + w.ms));
      await load('apache', APACHE);
    });
    afterAll(async () => {
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(DB)}` });
      await source.close();
    });

    it('picks the dialect from SELECT version()', async () => {
      const version = await source.serverVersion();
      expect(version).toMatch(/^\d+\.\d+\./);
      expect(await source.dialect()).toBe(dialects[0]);
      // The in-process engine is current, so both dialects really run there.
      if (target.name.startsWith('chdb')) expect(dialects).toEqual(['window', 'array']);
    });

    it('reads the mapped columns’ types', async () => {
      const base: FleetColumns = { timestamp: 'ts_dt', ip: 'ip_num', status: 'status', arrival: 'seq' };
      const t = await source.describeTable(DB, 'apache', base);
      expect([t.timestampKind, t.ipKind]).toEqual(['datetime', 'ipv4num']);
      const t2 = await source.describeTable(DB, 'apache', { ...base, timestamp: 'ts_ms', ip: 'ip' });
      expect([t2.timestampKind, t2.ipKind]).toEqual(['ms', 'text']);
      await expect(source.describeTable(DB, 'apache', { ...base, status: 'ip' })).rejects.toThrow(/status column/);
      await expect(source.describeTable(DB, 'apache', { ...base, arrival: 'nope' })).rejects.toThrow(/no column nope/);
    });

    for (const w of WINDOWS) {
      it(`${w.name}: tie-heavy random log, every dialect and timestamp type, 0 mismatches`, async () => {
        const rows = tieHeavy(w.ms, 17 + w.ms);
        const want = desktopFeatures(rows, w.ms);
        const stamps = hasDateTime64 ? ['ts_ms', 'ts64'] : ['ts_ms'];
        for (const timestamp of stamps) {
          const table = await source.describeTable(DB, `random_${w.ms}`, {
            timestamp,
            ip: 'ip',
            status: 'status',
            arrival: 'seq',
          });
          for (const dialect of dialects) {
            const got = await collect(source.features(table, { windowMs: w.ms, dialect }));
            expect({ timestamp, dialect, bad: compareByArrival(got, rows, want).slice(0, 5) }).toEqual({
              timestamp,
              dialect,
              bad: [],
            });
            expect(got).toHaveLength(rows.length);
          }
        }
      });

      it(`${w.name}: the 10,000-line Apache log, 0 mismatches`, async () => {
        const want = desktopFeatures(APACHE, w.ms);
        const mappings: FleetColumns[] = [
          { timestamp: 'ts_dt', ip: 'ip_num', status: 'status', arrival: 'seq' },
          { timestamp: 'ts_ms', ip: 'ip', status: 'status', arrival: 'seq' },
          ...(hasDateTime64 ? [{ timestamp: 'ts_ms', ip: 'ip6', status: 'status', arrival: 'seq' }] : []),
        ];
        for (const columns of mappings) {
          const table = await source.describeTable(DB, 'apache', columns);
          for (const dialect of dialects) {
            const got = await collect(source.features(table, { windowMs: w.ms, dialect }));
            expect({ columns, dialect, bad: compareByArrival(got, APACHE, want).slice(0, 5) }).toEqual({
              columns,
              dialect,
              bad: [],
            });
            expect(got).toHaveLength(10_000);
          }
        }
      });
    }

    it('a time range returns only its rows, with windows filled from the log before it', async () => {
      const w = 300_000;
      const rows = tieHeavy(w, 17 + w);
      const want = desktopFeatures(rows, w);
      const sorted = rows.map((r) => r.tsMs).sort((a, b) => a - b);
      const fromMs = sorted[Math.floor(rows.length * 0.4)];
      const toMs = sorted[Math.floor(rows.length * 0.7)];
      const inRange = (k: number): boolean => rows[k].tsMs >= fromMs && rows[k].tsMs < toMs;
      const expected = rows.filter((_, k) => inRange(k)).length;
      expect(expected).toBeGreaterThan(500);
      const table = await source.describeTable(DB, `random_${w}`, {
        timestamp: 'ts_ms',
        ip: 'ip',
        status: 'status',
        arrival: 'seq',
      });
      for (const dialect of dialects) {
        const got = await collect(source.features(table, { windowMs: w, dialect, fromMs, toMs }));
        expect({ dialect, bad: compareByArrival(got, rows, want, { only: inRange }).slice(0, 5) }).toEqual({
          dialect,
          bad: [],
        });
        expect(got).toHaveLength(expected);
      }
    });

    it('without an arrival column, ties are ordered by status: equal to the desktop fed in that order', async () => {
      const w = 300_000;
      const rows = tieHeavy(w, 17 + w);
      // The desktop's arrival order replaced by (ts, status); rows equal in both are interchangeable.
      const order = rows
        .map((_, k) => k)
        .sort((a, b) => rows[a].tsMs - rows[b].tsMs || rows[a].status - rows[b].status);
      const reordered = order.map((k) => rows[k]);
      const want = desktopFeatures(reordered, w);
      const key = (ip: string, ts: number, c: readonly number[]): string => `${ip} ${ts} ${c.join('/')}`;
      const expected = reordered.map((r, k) => key(r.ip, r.tsMs, want[k])).sort();
      const table = await source.describeTable(DB, `random_${w}`, { timestamp: 'ts_ms', ip: 'ip', status: 'status' });
      for (const dialect of dialects) {
        const got = await collect(source.features(table, { windowMs: w, dialect }));
        expect(got.every((g) => g.arrival === '')).toBe(true);
        expect(got.map((g) => key(g.ip, g.tsMs, [g.request, g.client, g.server])).sort()).toEqual(expected);
      }
      // Arrival order matters on this log: the fallback is not the exact rule.
      const exact = desktopFeatures(rows, w);
      expect(rows.map((r, k) => key(r.ip, r.tsMs, exact[k])).sort()).not.toEqual(expected);
    });

    it('odd database, table and column names are quoted, not executed', async () => {
      const odd = 'we\'ird`na\\me" --';
      const cols = { timestamp: "t's", ip: 'i`p', status: 'st"at', arrival: 'se q\\' };
      await client.command({
        query: `CREATE TABLE ${q(odd)} (${quoteIdent(cols.timestamp)} Int64, ${quoteIdent(cols.ip)} String,
          ${quoteIdent(cols.status)} UInt16, ${quoteIdent(cols.arrival)} UInt64) ENGINE = MergeTree() ORDER BY ${quoteIdent(cols.timestamp)}`,
      });
      const rows = tieHeavy(1_000, 5).slice(0, 300);
      await client.insert({
        table: q(odd),
        format: 'JSONEachRow',
        values: rows.map((r, k) => ({
          [cols.timestamp]: r.tsMs,
          [cols.ip]: r.ip,
          [cols.status]: r.status,
          [cols.arrival]: k,
        })),
      });
      const table = await source.describeTable(DB, odd, cols);
      const want = bruteForce(rows, 1_000);
      for (const dialect of dialects) {
        const got = await collect(source.features(table, { windowMs: 1_000, dialect }));
        expect({ dialect, bad: compareByArrival(got, rows, want) }).toEqual({ dialect, bad: [] });
      }
      // A name that would end the identifier and append SQL only names a table that is not there.
      const injected = { ...table, table: 'apache` UNION ALL SELECT 1 --' };
      await expect(collect(source.features(injected, { windowMs: 1_000, dialect: 'array' }))).rejects.toThrow(
        /UNION ALL SELECT 1 --|doesn't exist|unknown table/i,
      );
    });

    it('a window that is not a whole number of ms is refused before anything is sent', async () => {
      const table = await source.describeTable(DB, 'apache', {
        timestamp: 'ts_ms',
        ip: 'ip',
        status: 'status',
        arrival: 'seq',
      });
      for (const windowMs of [1.5, Number.NaN, 0, -1000, Infinity, 2 ** 31 + 1, '1000) --' as unknown as number]) {
        await expect(collect(source.features(table, { windowMs, dialect: 'array' }))).rejects.toThrow(RangeError);
      }
      await expect(collect(source.features(table, { windowMs: 1000, fromMs: 0.5, dialect: 'array' }))).rejects.toThrow(
        RangeError,
      );
    });
  });
}
