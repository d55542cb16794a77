import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApiError, type Output, type ParsedInput } from '../../shared/api';
import {
  FleetConnectionSchema,
  FleetColumnMappingSchema,
  type FleetColumnMapping,
  type FleetConnection,
  type FleetTopRow,
} from '../../shared/schemas/fleet';
import type { Logger } from '../logger';
import { openOwnFile, UnsafeDataError, writeOwnFile } from '../store/dataDir';
import type { SecretStore } from '../store/secretStore';
import type {
  ClickHouseConnectOptions,
  ClickHouseSource,
  ClusterReplica,
  EntryDetail,
  FleetScoredRow,
  WireMeter,
} from './clickhouseSource';
import { forestOf, scoreCandidates, trainEnsemble, typicalValues, type EnsembleVerdict } from './candidates';
import type { FleetColumns } from './clickhouseSql';
import { detectMapping, mappingProblems } from './columnMapping';
import { compileIsolationForest } from './iforestSql';
import { capStrata, planSample, type SampledRow } from './sampler';
import { discoverShards, sameHttpPort, type FleetShard } from './shards';
import { mergeStreams } from './streams';

/**
 * Fleet mode's work: test and keep a ClickHouse connection, and analyse a time range where the
 * data is. `analyse`:
 *   1. finds the shards (the table itself, or one replica per shard of a Distributed table);
 *   2. pulls a stratified sample of the `original` features, computed on each shard (sampler.ts);
 *   3. trains the desktop's ensemble on it (Isolation Forest, LOF, KNN) with the desktop's
 *      parameters for the `original` set (contamination from the configuration, the seed);
 *   4. compiles the forest to SQL (iforestSql.ts) and scores every row of the range on the shards;
 *   5. brings back only the counts and the `limit` lowest path totals of each shard, merged;
 *   6. scores those candidates with LOF and KNN here and votes (candidates.ts says what is exact).
 * The answer's incidents are grouped from these rows by api/fleet.ts (incidents/ is above fleet/).
 * The password lives in the secret store only, keyed by the user and URL it belongs to, so it is
 * never sent to another server; it is in no answer, no log line and no settings file, and an
 * error text that would quote it has it replaced.
 */

export type ClickHouseConnector = (opts: ClickHouseConnectOptions) => ClickHouseSource;

export interface FleetServiceDeps {
  dataDir: string;
  secrets: SecretStore;
  logger: Logger;
  connect: ClickHouseConnector;
  /** The configuration's contamination (the desktop's share of flagged training rows). */
  contamination(): number;
  /** Stage reports while analysing (the engine turns them into events). */
  progress?(stage: string, fraction: number): void;
}

export const FLEET_CONNECTION_FILE = 'fleet-connection.json';
const REQUEST_TIMEOUT_MS = 300_000;

type StoredConnection = FleetConnection & { columns: FleetColumnMapping };

const secretName = (c: Pick<FleetConnection, 'url' | 'username'>): string =>
  `clickhouse:${c.username}@${new URL(c.url).toString()}`;

/** The analysis as this service answers it: everything but the incidents (api/fleet.ts adds them). */
export type FleetAnalysis = Omit<Output<'fleetAnalyse'>, 'incidents'>;

export class FleetService {
  private running = false;

  constructor(private readonly deps: FleetServiceDeps) {}

  private get file(): string {
    return join(this.deps.dataDir, FLEET_CONNECTION_FILE);
  }

  /** The stored settings (0600 file, no password), or null. */
  stored(): StoredConnection | null {
    const f = openOwnFile(this.file);
    if (!f) return null;
    let text: string;
    try {
      text = readFileSync(f.fd, 'utf8');
    } finally {
      closeSync(f.fd);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(409, `${this.file} is not valid JSON: remove it and save the connection again`);
    }
    const parsed = FleetConnectionSchema.safeParse(json);
    if (!parsed.success || !parsed.data.columns) return null;
    return { ...parsed.data, columns: parsed.data.columns };
  }

  connection(): Output<'fleetConnection'> {
    return refusedFiles(() => {
      const connection = this.stored();
      return {
        connection,
        hasPassword: connection ? this.deps.secrets.has(secretName(connection)) : false,
        passwordStore: this.deps.secrets.kind,
      };
    });
  }

  save(input: ParsedInput<'fleetSaveConnection'>): Output<'fleetConnection'> {
    return refusedFiles(() => this.write(input));
  }

  private write(input: ParsedInput<'fleetSaveConnection'>): Output<'fleetConnection'> {
    const { password, forgetPassword, ...settings } = input;
    const before = this.stored();
    const name = secretName(settings);
    // A password stays with the user and server it was given for.
    if (before && secretName(before) !== name) this.deps.secrets.delete(secretName(before));
    if (forgetPassword) this.deps.secrets.delete(name);
    else if (password !== undefined) this.deps.secrets.set(name, password);
    const connection: StoredConnection = FleetConnectionSchema.extend({ columns: FleetColumnMappingSchema }).parse(
      settings,
    );
    writeOwnFile(this.file, JSON.stringify(connection, null, 2) + '\n');
    this.deps.logger.info(
      { url: connection.url, database: connection.database, table: connection.table },
      'fleet connection saved',
    );
    return this.connection();
  }

  /** Tests a connection: version, dialect, engine, shards, columns and the mapping found. */
  async test(input: ParsedInput<'fleetConnect'>): Promise<Output<'fleetConnect'>> {
    const { password: given, ...settings } = input;
    const password = given ?? refusedFiles(() => this.deps.secrets.get(secretName(settings)));
    return this.guard(password, async () => {
      const entry = this.open(settings, password);
      let shards: FleetShard[] = [];
      try {
        const version = await entry.serverVersion();
        const dialect = await entry.dialect();
        const { engine } = await entry.tableEngine(settings.database, settings.table);
        const columns = await entry.describeColumns(settings.database, settings.table);
        const detected = detectMapping(columns, settings.columns ?? {});
        const problems = mappingProblems(columns, detected);
        let shardCount = 1;
        if (problems.length === 0) {
          try {
            shards = await this.shards(entry, { ...settings, columns: detected as FleetColumnMapping }, password);
            shardCount = shards.length;
          } catch (e) {
            problems.push(redact((e as Error).message, password));
          }
        }
        return { version, dialect, engine, shards: shardCount, columns, detected, problems };
      } finally {
        await closeAll(entry, shards);
      }
    });
  }

  async analyse(input: ParsedInput<'fleetAnalyse'>): Promise<FleetAnalysis> {
    const conn = refusedFiles(() => this.stored());
    if (!conn) throw new ApiError(409, 'Save a ClickHouse connection first (Fleet › Connection)');
    if (this.running) throw new ApiError(409, 'An analysis is already running');
    const password = refusedFiles(() => this.deps.secrets.get(secretName(conn)));
    this.running = true;
    try {
      return await this.guard(password, () => this.run(conn, password, input));
    } finally {
      this.running = false;
    }
  }

  private async run(
    conn: StoredConnection,
    password: string | undefined,
    input: ParsedInput<'fleetAnalyse'>,
  ): Promise<FleetAnalysis> {
    const report = this.deps.progress ?? (() => undefined);
    const t0 = performance.now();
    const meter: WireMeter = { sent: 0, received: 0 };
    const opts = { windowMs: input.windowMs, fromMs: input.from, toMs: input.to, meter };
    report('connecting', 0);
    const entry = this.open(conn, password);
    let shards: FleetShard[] = [];
    try {
      shards = await this.shards(entry, conn, password);
      const tConnect = performance.now();

      report('sampling', 0.1);
      const plan = planSample(input.sampleRows, input.strata);
      const received: SampledRow[] = [];
      const samples = mergeStreams(
        shards.map((s) => (signal: AbortSignal) => s.source.sampledFeatures(s.table, plan, { ...opts, signal })),
      );
      for await (const batch of samples) received.push(...batch);
      const sample = capStrata(received, plan.perStratum);
      if (sample.length < 2) {
        throw new ApiError(
          409,
          `[${new Date(input.from).toISOString()}, ${new Date(input.to).toISOString()}) holds ${sample.length} entries: too few to train on`,
        );
      }
      const tSample = performance.now();

      report('training Isolation Forest, LOF and KNN', 0.4);
      const contamination = this.deps.contamination();
      const ensemble = trainEnsemble(sample, contamination, input.seed);
      const tTrain = performance.now();
      const forest = compileIsolationForest(forestOf(ensemble));
      const tCompile = performance.now();

      report('scoring on the server', 0.5);
      // One query per shard (and time slice) answers both the top rows and the counts.
      const per = await Promise.all(shards.map((s) => s.source.scoreTop(s.table, forest, input.limit, opts)));
      const ranked = mergeTop(
        per.map((p) => p.top),
        input.limit,
      );
      report('reading the top entries', 0.9);
      const tScore = performance.now();
      const details = await this.withDetails(conn, shards, ranked, meter);
      const tDetails = performance.now();
      report('LOF and KNN on the candidates', 0.95);
      const verdicts = scoreCandidates(
        ensemble,
        ranked.map((r) => r.row),
      );
      const rows = details.map((d, i): FleetTopRow => {
        const { combined, ...v } = verdicts[i];
        return { ...d, ...v, combinedScore: combined };
      });
      const tCandidates = performance.now();
      const counts = per.reduce(
        (a, p) => ({ scored: a.scored + p.counts.scored, flagged: a.flagged + p.counts.flagged }),
        {
          scored: 0,
          flagged: 0,
        },
      );
      report('done', 1);
      const result: FleetAnalysis = {
        rows,
        ensemble: { candidates: rows.length, flagged: rows.filter((r) => r.isAnomaly).length },
        counts: { ...counts, shards: shards.length },
        sample: {
          rows: sample.length,
          strata: plan.strata,
          perStratum: plan.perStratum,
          received: received.length,
          typical: typicalValues(sample),
        },
        forest: {
          trees: forest.trees,
          seed: input.seed,
          contamination,
          threshold: forest.threshold,
          sqlBytes: forest.bytes,
          astElements: forest.astElements,
        },
        bytes: { sent: meter.sent, received: meter.received },
        timings: {
          connect: tConnect - t0,
          sample: tSample - tConnect,
          train: tTrain - tSample,
          compile: tCompile - tTrain,
          score: tScore - tCompile,
          details: tDetails - tScore,
          candidates: tCandidates - tDetails,
          total: tCandidates - t0,
        },
        windowMs: input.windowMs,
        from: input.from,
        to: input.to,
      };
      this.deps.logger.info(
        {
          table: `${conn.database}.${conn.table}`,
          shards: shards.length,
          sample: sample.length,
          scored: counts.scored,
          flagged: counts.flagged,
          ensembleFlagged: result.ensemble.flagged,
          bytes: result.bytes,
          ms: Math.round(result.timings.total),
        },
        'fleet analysis done',
      );
      return result;
    } finally {
      await closeAll(entry, shards);
    }
  }

  /** The shown rows with their entries' own fields, read from the shard each came from. */
  private async withDetails(
    conn: StoredConnection,
    shards: readonly FleetShard[],
    ranked: ReadonlyArray<{ shard: number; row: FleetScoredRow }>,
    meter: WireMeter,
  ): Promise<FleetDetailRow[]> {
    const extra = {
      method: conn.columns.method,
      path: conn.columns.path,
      bytes: conn.columns.bytes,
      userAgent: conn.columns.userAgent,
    };
    const found = new Map<string, EntryDetail>();
    const keyOf = (r: { ip: string; tsMs: number; arrival: string }) => `${r.ip}\u0000${r.tsMs}\u0000${r.arrival}`;
    await Promise.all(
      shards.map(async (s, k) => {
        const mine = ranked.filter((r) => r.shard === k).map((r) => r.row);
        for (const d of await s.source.entryDetails(s.table, extra, mine, { meter })) {
          if (!found.has(keyOf(d))) found.set(keyOf(d), d);
        }
      }),
    );
    return ranked.map(({ row }) => topRow(row, found.get(keyOf(row))));
  }

  private open(c: Pick<FleetConnection, 'url' | 'username'>, password: string | undefined): ClickHouseSource {
    return this.deps.connect({ url: c.url, username: c.username, password, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  }

  private shards(entry: ClickHouseSource, c: StoredConnection, password: string | undefined): Promise<FleetShard[]> {
    const columns: FleetColumns = {
      timestamp: c.columns.timestamp,
      ip: c.columns.ip,
      status: c.columns.status,
      ...(c.columns.arrival === undefined ? {} : { arrival: c.columns.arrival }),
    };
    const sharedPort = sameHttpPort(c.url);
    const listed = c.replicaUrls ?? {};
    const replicaUrl = (r: ClusterReplica): string =>
      listed[`${r.hostName}:${r.port}`] ?? listed[`${r.hostAddress}:${r.port}`] ?? sharedPort(r);
    return discoverShards(entry, {
      database: c.database,
      table: c.table,
      columns,
      connect: (replica) => this.open({ url: replicaUrl(replica), username: c.username }, password),
    });
  }

  /**
   * Runs `fn`; a failure becomes an answer the UI can show (502: the server refused or failed),
   * with the password replaced wherever a message quotes it.
   */
  private async guard<T>(password: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = e as Error;
      const message = redact(err.message ?? String(e), password);
      this.deps.logger.warn({ err: { name: err.name, message } }, 'fleet: ClickHouse request failed');
      if (e instanceof ApiError) throw new ApiError(e.status, message);
      throw new ApiError(502, `ClickHouse: ${message}`);
    }
  }
}

/** A settings or secrets file the app will not trust is the analyst's to fix: 409 with the fix. */
function refusedFiles<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UnsafeDataError) throw new ApiError(409, e.message);
    throw e;
  }
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('•••') : text;
}

async function closeAll(entry: ClickHouseSource, shards: readonly FleetShard[]): Promise<void> {
  const sources = new Set([entry, ...shards.map((s) => s.source)]);
  await Promise.allSettled([...sources].map((s) => s.close()));
}

/** Lowest path total first; ties by time, IP and arrival (the server's ORDER BY). */
export function compareTop(a: FleetScoredRow, b: FleetScoredRow): number {
  return (
    a.pathTotal - b.pathTotal ||
    a.tsMs - b.tsMs ||
    (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) ||
    (a.arrival < b.arrival ? -1 : a.arrival > b.arrival ? 1 : 0)
  );
}

/** The shards' own top rows, merged: the `limit` lowest path totals overall, each with its shard. */
function mergeTop(lists: readonly FleetScoredRow[][], limit: number): Array<{ shard: number; row: FleetScoredRow }> {
  return lists
    .flatMap((rows, shard) => rows.map((row) => ({ shard, row })))
    .sort((a, b) => compareTop(a.row, b.row))
    .slice(0, limit);
}

/** A returned row before the desktop's LOF, KNN and vote are added. */
type FleetDetailRow = Omit<FleetTopRow, keyof EnsembleVerdict | 'combinedScore'>;

function topRow(r: FleetScoredRow, d: EntryDetail | undefined): FleetDetailRow {
  return {
    ip: r.ip,
    tsMs: r.tsMs,
    arrival: r.arrival,
    requestCount: r.request,
    clientErrorCount: r.client,
    serverErrorCount: r.server,
    pathTotal: r.pathTotal,
    score: r.score,
    flagged: r.flagged,
    status: d?.status ?? null,
    method: d?.method ?? null,
    path: d?.path ?? null,
    bytes: d?.bytes ?? null,
    userAgent: d?.userAgent ?? null,
  };
}
