import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseClientConfigOptions,
} from '@clickhouse/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClickHouseSource,
  type ClickHouseConnectOptions,
  type FleetFeatureOptions,
} from '../../../src/main/fleet/clickhouseSource';
import { quoteIdent } from '../../../src/main/fleet/clickhouseSql';
import { FLEET_CONNECTION_FILE } from '../../../src/main/fleet/fleetService';
import { createLogTableSql, LOG_TABLE_COLUMNS, loadLines, readLogLines } from '../../../src/main/fleet/logLoader';
import { capStrata, planSample } from '../../../src/main/fleet/sampler';
import { discoverShards } from '../../../src/main/fleet/shards';
import { Ensemble } from '../../../src/main/detectors/ensemble';
import type { FleetFeatureRow } from '../../../src/main/fleet/clickhouseSource';
import { fleetIncidents } from '../../../src/main/incidents/fleetIncidents';
import { SECRETS_FILE } from '../../../src/main/store/secretStore';
import type { FleetAnalyseResult } from '../../../src/shared/schemas/fleet';
import { startTestServer, type TestServer } from '../../helpers/http';
import type { Counts, OracleRow } from '../../unit/features/oracle';
import {
  APACHE_LOG,
  apacheRows,
  collect,
  desktopFeatures,
  desktopRanking,
  expectCutSampleExact,
  expectSameTop,
} from './helpers';

/**
 * Fleet mode end to end through the engine's HTTP API, on ClickHouse 26.x in process (chdb)
 * holding the 10,000-line Apache log: test a connection, save it (the password to the secret
 * store), analyse a time range. The top rows that come back must be exactly the rows the
 * desktop's own Isolation Forest, trained on the same sample, ranks first, with bit-equal path
 * totals; LOF, KNN and the vote on those rows are the desktop ensemble's, trained on the same
 * sample, and the incidents are those rows grouped by the desktop's rules; and the password must
 * appear in no answer, no log line and no settings file.
 */

const CHDB_PLATFORM = process.platform === 'linux' && process.arch === 'x64';
const PASSWORD = 'pw-Zq8!never-shown-7731';
const URL_ = 'http://clickhouse.fleet.invalid:8123';
const W = 300_000;
const SEED = 7;

/** The in-process server behind every connection the engine opens; close() keeps it open. */
class KeptSource extends ClickHouseSource {
  override async close(): Promise<void> {}
}

if (!CHDB_PLATFORM) {
  describe.skip('fleet API on chdb: chdb is published for linux-x64 only', () => {
    it('runs nowhere here', () => undefined);
  });
} else {
  const { createChdbConnection } = await import('chdb/connection');
  describe('fleet mode through the API, on chdb (ClickHouse 26.x in process)', () => {
    const DB = `od_fleet_api_${process.pid}`;
    let client: ClickHouseClient;
    let source: ClickHouseSource;
    let server: TestServer;
    let rows: OracleRow[];
    let features: Counts[];
    let firstSeq = 0;
    const logLines: string[] = [];
    const answers: string[] = [];
    const connects: ClickHouseConnectOptions[] = [];

    const call = async (method: string, path: string, body?: unknown) => {
      const a = await server.call(method, path, body);
      answers.push(a.text);
      return a;
    };

    beforeAll(async () => {
      const connection = createChdbConnection({
        path: ':memory:',
      }) as unknown as ClickHouseClientConfigOptions['connection'];
      client = createClient({ connection, log: { level: ClickHouseLogLevel.OFF } });
      source = new ClickHouseSource(client);
      await client.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(DB)}` });
      await client.command({ query: `CREATE DATABASE ${quoteIdent(DB)}` });
      const load = await loadLines(client, readLogLines(APACHE_LOG), { database: DB, table: 'logs', source: 'a.log' });
      expect(load).toMatchObject({ rows: 10_000, errors: 0 });
      firstSeq = load.firstSeq;
      // Two tables split as a two-shard Distributed table by cityHash64(ip) would split them.
      for (const k of [0, 1]) {
        await client.command({ query: createLogTableSql(DB, `shard${k + 1}`) });
        await client.command({
          query: `INSERT INTO ${quoteIdent(DB)}.shard${k + 1} SELECT * FROM ${quoteIdent(DB)}.logs WHERE cityHash64(ip) % 2 = ${k}`,
        });
      }
      rows = apacheRows();
      features = desktopFeatures(rows, W);
      const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
      server = await startTestServer({
        engine: {
          schedule: false,
          logger,
          clickhouse: (o) => {
            connects.push(o);
            if (o.url.includes('fails.invalid')) {
              // A server whose error quotes the password it was sent: the answer must not.
              const failing = {
                query: async () => {
                  throw new Error(`Authentication failed: password ${o.password ?? ''} is incorrect`);
                },
                close: async () => undefined,
              } as unknown as ClickHouseClient;
              return new ClickHouseSource(failing);
            }
            return new KeptSource(client);
          },
        },
      });
    }, 120_000);

    afterAll(async () => {
      await server?.close();
      await client?.command({ query: `DROP DATABASE IF EXISTS ${quoteIdent(DB)}` });
      await source?.close();
    });

    /** The desktop's ranking for [from, to): the same sampler on the whole table, the worker's forest. */
    async function desktopTop(from: number, to: number, r: FleetAnalyseResult) {
      const plan = planSample(4_000, 64);
      const opts: FleetFeatureOptions = { windowMs: W, fromMs: from, toMs: to };
      const sample = capStrata(await collect(source.sampledFeatures(await table('logs'), plan, opts)), plan.perStratum);
      const want = desktopRanking({ sample, rows, features, firstSeq, from, to, seed: SEED, limit: r.rows.length });
      expect(r.forest.threshold).toBe(want.threshold);
      return { ...want, sample, sampleRows: sample.length };
    }

    /**
     * The desktop's verdict on each returned row: the `original` Ensemble (three models, the seed,
     * contamination 0.05) trained on the same sample, each row explained as the Anomalies view does.
     */
    function expectDesktopVotes(r: FleetAnalyseResult, sample: readonly FleetFeatureRow[]) {
      const ensemble = new Ensemble({ contamination: 0.05, seed: SEED }).fit({
        rows: sample.length,
        cols: 3,
        data: Float64Array.from(sample.flatMap((s) => [s.request, s.client, s.server])),
      });
      r.rows.forEach((row, i) => {
        const e = ensemble.explain([row.requestCount, row.clientErrorCount, row.serverErrorCount]);
        const models = Object.fromEntries(
          e.models.map((m) => [
            m.model,
            { score: m.score, threshold: m.threshold, vote: m.vote, percentile: m.percentile },
          ]),
        );
        expect({
          i,
          models: row.models,
          votes: row.votes,
          isAnomaly: row.isAnomaly,
          combined: row.combinedScore,
        }).toEqual({ i, models, votes: e.votes, isAnomaly: e.isAnomaly, combined: e.combined });
        expect(row.featurePercentiles).toEqual({
          request_count: e.features[0].percentile,
          client_error_count: e.features[1].percentile,
          server_error_count: e.features[2].percentile,
        });
        // The forest's vote here is the server's flag.
        expect(row.models.iforest.vote).toBe(row.flagged);
      });
      expect(r.ensemble).toEqual({ candidates: r.rows.length, flagged: r.rows.filter((x) => x.isAnomaly).length });
      // The incidents are the flagged rows, grouped by the desktop's rules, each row in one.
      expect(r.incidents).toEqual(fleetIncidents(r.rows, W));
      const grouped = r.incidents.flatMap((x) => x.rows).sort((a, b) => a - b);
      expect(grouped).toEqual(r.rows.flatMap((x, i) => (x.isAnomaly ? [i] : [])));
    }

    async function table(name: string) {
      const [s] = await discoverShards(source, {
        database: DB,
        table: name,
        columns: LOG_TABLE_COLUMNS,
        connect: () => source,
      });
      return s.table;
    }

    it('starts with no connection and says where a password would be kept', async () => {
      const a = await call('GET', '/fleet/connection');
      expect(a.status, a.text).toBe(200);
      expect(a.json()).toEqual({ connection: null, hasPassword: false, passwordStore: 'file' });
    });

    it('tests a connection: version, dialect, columns and the detected mapping', async () => {
      const a = await call('POST', '/fleet/connect', {
        url: URL_,
        username: 'reader',
        password: PASSWORD,
        database: DB,
        table: 'logs',
      });
      expect(a.status, a.text).toBe(200);
      const r = a.json() as Record<string, unknown>;
      expect(r).toMatchObject({ dialect: 'window', engine: 'MergeTree', shards: 1, problems: [] });
      expect(String(r.version)).toMatch(/^2\d\.\d+/);
      expect(r.detected).toEqual({
        timestamp: 'ts_ms',
        ip: 'ip',
        status: 'status',
        arrival: 'seq',
        method: 'method',
        path: 'path',
        bytes: 'bytes',
        userAgent: 'user_agent',
      });
      expect(connects.at(-1)).toMatchObject({ url: URL_, username: 'reader', password: PASSWORD });
    });

    it('names what keeps a mapping from being used', async () => {
      const a = await call('POST', '/fleet/connect', {
        url: URL_,
        username: 'reader',
        password: PASSWORD,
        database: DB,
        table: 'logs',
        columns: { timestamp: 'path', ip: 'ip', status: 'nope' },
      });
      expect(a.status, a.text).toBe(200);
      // A mapped column that exists is kept, and its type named as the problem; `nope` is no column,
      // so the status column is detected instead.
      const r = a.json() as { detected: unknown; problems: string[] };
      expect(r.detected).toMatchObject({ timestamp: 'path', ip: 'ip', status: 'status' });
      expect(r.problems).toEqual(['path (String) cannot be read as timestamp']);
    });

    it('refuses credentials in the URL', async () => {
      const a = await call('POST', '/fleet/connect', {
        url: `http://u:${PASSWORD}@h:8123`,
        database: DB,
        table: 'logs',
      });
      expect(a.status).toBe(400);
    });

    it('saves the connection: settings in a 0600 file without the password, the password in the 0600 secret store', async () => {
      const a = await call('PUT', '/fleet/connection', {
        url: URL_,
        username: 'reader',
        password: PASSWORD,
        database: DB,
        table: 'logs',
        columns: { ...LOG_TABLE_COLUMNS, method: 'method', path: 'path', bytes: 'bytes', userAgent: 'user_agent' },
      });
      expect(a.status, a.text).toBe(200);
      expect(a.json()).toMatchObject({ hasPassword: true, passwordStore: 'file', connection: { table: 'logs' } });
      const settings = join(server.dataDir, FLEET_CONNECTION_FILE);
      const secrets = join(server.dataDir, SECRETS_FILE);
      expect(statSync(settings).mode & 0o777).toBe(0o600);
      expect(statSync(secrets).mode & 0o777).toBe(0o600);
      expect(readFileSync(settings, 'utf8')).not.toContain(PASSWORD);
      expect(readFileSync(secrets, 'utf8')).toContain(PASSWORD);
      const again = await call('GET', '/fleet/connection');
      expect(again.json()).toMatchObject({ hasPassword: true, connection: { url: URL_, username: 'reader' } });
    });

    it('uses the stored password for its own server only', async () => {
      await call('POST', '/fleet/connect', { url: URL_, username: 'reader', database: DB, table: 'logs' });
      expect(connects.at(-1)?.password).toBe(PASSWORD);
      await call('POST', '/fleet/connect', {
        url: 'http://elsewhere.invalid:8123',
        username: 'reader',
        database: DB,
        table: 'logs',
      });
      expect(connects.at(-1)?.password).toBeUndefined();
    });

    it('an error that quotes the password is answered with the password replaced', async () => {
      const a = await call('POST', '/fleet/connect', {
        url: 'http://fails.invalid:8123',
        password: PASSWORD,
        database: DB,
        table: 'logs',
      });
      expect(a.status).toBe(502);
      expect(a.text).toContain('Authentication failed: password ••• is incorrect');
    });

    it('analyses the whole log: the top rows are exactly the desktop forest’s, trained on the same sample', async () => {
      const from = Math.min(...rows.map((r) => r.tsMs));
      const to = Math.max(...rows.map((r) => r.tsMs)) + 1;
      const a = await call('POST', '/fleet/analyse', {
        from: new Date(from).toISOString(),
        to,
        windowMs: W,
        limit: 100,
        sampleRows: 4_000,
        strata: 64,
        seed: SEED,
      });
      expect(a.status, a.text).toBe(200);
      const r = a.json() as FleetAnalyseResult;
      const want = await desktopTop(from, to, r);
      expect(r.counts).toEqual({ scored: 10_000, flagged: want.flagged, shards: 1 });
      expect(r.sample).toMatchObject({ rows: want.sampleRows, strata: 64, perStratum: 63 });
      expect(r.sample.rows).toBeLessThan(10_000);
      expectSameTop(r.rows, want.top, rows, firstSeq);
      expectDesktopVotes(r, want.sample);
      expect(r.ensemble.flagged).toBeGreaterThan(0);
      expect(r.incidents.length).toBeGreaterThan(0);
      expect(r.sample.typical).toEqual({
        request_count: expect.any(Number),
        client_error_count: 0,
        server_error_count: 0,
      });
      expect(r.bytes.received).toBeGreaterThan(0);
      expect(r.bytes.sent).toBeGreaterThan(r.forest.sqlBytes);
      console.info(
        `fleet analyse, 10,000 lines: sample ${r.sample.rows} rows (${r.sample.received} received), ` +
          `${r.counts.flagged} flagged (forest, on the server); of the top ${r.rows.length}, the ensemble flags ` +
          `${r.ensemble.flagged} in ${r.incidents.length} incidents, bytes sent ${r.bytes.sent} received ${r.bytes.received}, ` +
          `timings ${JSON.stringify(Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, Math.round(v)])))}`,
      );
    }, 120_000);

    it('analyses a time range: only its entries are scored, with the window before it as context', async () => {
      const sorted = rows.map((r) => r.tsMs).sort((x, y) => x - y);
      const from = sorted[3_000];
      const to = sorted[6_000];
      const a = await call('POST', '/fleet/analyse', {
        from,
        to,
        windowMs: W,
        limit: 25,
        sampleRows: 4_000,
        strata: 64,
        seed: SEED,
      });
      expect(a.status, a.text).toBe(200);
      const r = a.json() as FleetAnalyseResult;
      const want = await desktopTop(from, to, r);
      expect(r.counts.scored).toBe(want.scored);
      expect(r.counts.flagged).toBe(want.flagged);
      expectSameTop(r.rows, want.top, rows, firstSeq);
      expectDesktopVotes(r, want.sample);
    }, 120_000);

    it('the sample of two shards, capped across them, is the sample of the whole table', async () => {
      const plan = planSample(4_000, 64);
      const opts: FleetFeatureOptions = { windowMs: W };
      const whole = capStrata(await collect(source.sampledFeatures(await table('logs'), plan, opts)), plan.perStratum);
      const parts = [
        ...(await collect(source.sampledFeatures(await table('shard1'), plan, opts))),
        ...(await collect(source.sampledFeatures(await table('shard2'), plan, opts))),
      ];
      expect(capStrata(parts, plan.perStratum)).toEqual(whole);
      const perStratum = new Map<number, number>();
      for (const s of whole) perStratum.set(s.stratum, (perStratum.get(s.stratum) ?? 0) + 1);
      expect(Math.max(...perStratum.values())).toBeLessThanOrEqual(plan.perStratum);
    }, 120_000);

    it('cutting busy strata by row hash before the sort leaves the sample exact (current dialect)', async () => {
      await expectCutSampleExact(client, await table('logs'), { windowMs: W });
    }, 120_000);

    it('refuses an analysis without a saved connection’s table rows in range, clearly', async () => {
      const a = await call('POST', '/fleet/analyse', { from: 0, to: 1_000, windowMs: W });
      expect(a.status).toBe(409);
      expect(a.text).toMatch(/too few to train on/);
    });

    it('a secrets file others can read is refused, not used: the answer says why and how to fix it', async () => {
      const secrets = join(server.dataDir, SECRETS_FILE);
      chmodSync(secrets, 0o644);
      const a = await call('GET', '/fleet/connection');
      expect(a.status).toBe(409);
      expect(a.text).toContain('group or other users can read it (mode 0644)');
      const b = await call('POST', '/fleet/analyse', { from: 0, to: 1_000, windowMs: W });
      expect(b.status).toBe(409);
      chmodSync(secrets, 0o600);
      expect((await call('GET', '/fleet/connection')).status).toBe(200);
    });

    it('the password is in no answer and no log line', () => {
      expect(answers.length).toBeGreaterThan(8);
      for (const text of answers) expect(text).not.toContain(PASSWORD);
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join('\n')).toContain('fleet analysis done');
      for (const line of logLines) expect(line).not.toContain(PASSWORD);
    });
  });
}
