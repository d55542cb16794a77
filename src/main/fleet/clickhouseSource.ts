import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { assertStatusType, ipKindOf, timestampKindOf } from './columnKinds';
import {
  dialectFor,
  featureSql,
  ipTextExpr,
  keyExpr,
  quoteIdent,
  quoteString,
  strataSizesSql,
  type Dialect,
  type FleetColumns,
  type FleetTable,
} from './clickhouseSql';
import { scoreSql, type CompiledForest } from './iforestSql';
import {
  decodeLowGroups,
  sliceLowSql,
  sliceTopSql,
  topTriples,
  tripleText,
  type LowTriple,
  type WireLowGroups,
} from './topSql';
import { filledStrata, sampleCutoffs, sampleSql, type SampledRow, type SamplePlan } from './sampler';
import { allBounded, mergeStreams, once } from './streams';

/**
 * A ClickHouse table of access logs as a feature source: detects the server's dialect, reads
 * the mapped columns' types, and streams the feature query's rows back in batches as the
 * server sends them (HTTP, JSONEachRow; nothing is buffered whole on this side).
 */

export interface ClickHouseConnectOptions {
  /** e.g. http://127.0.0.1:8123 */
  url: string;
  username?: string;
  password?: string;
  requestTimeoutMs?: number;
}

/** One log entry's features, as computed on the server. */
export interface FleetFeatureRow {
  ip: string;
  tsMs: number;
  /** The arrival column's value as text ('' when the table has none mapped). */
  arrival: string;
  request: number;
  client: number;
  server: number;
}

export interface FleetFeatureOptions {
  windowMs: number;
  fromMs?: number;
  toMs?: number;
  /** Defaults to the one `SELECT version()` implies. */
  dialect?: Dialect;
  signal?: AbortSignal;
  /** Counts the bytes of query text sent and of result rows received (JSONEachRow lines). */
  meter?: WireMeter;
}

/** Bytes over the wire: query text up, result body down (uncompressed JSONEachRow). */
export interface WireMeter {
  sent: number;
  received: number;
}

/** Columns shown with an entry beside its features (optional; status is always mapped). */
export interface EntryColumns {
  method?: string;
  path?: string;
  bytes?: string;
  userAgent?: string;
}

/** An entry's own fields, read back for the few rows that are shown. */
export interface EntryDetail {
  ip: string;
  tsMs: number;
  arrival: string;
  status: number;
  method: string | null;
  path: string | null;
  bytes: number | null;
  userAgent: string | null;
}

/** Rows scored on one server: how many, and how many flagged. */
export interface ScoreCounts {
  scored: number;
  flagged: number;
}

/** A feature row with the Isolation Forest's verdict, as computed on the server. */
export interface FleetScoredRow extends FleetFeatureRow {
  /** Σ path lengths over the trees: bit-equal to the desktop's. */
  pathTotal: number;
  score: number;
  flagged: boolean;
}

/** One row of system.clusters: a replica of a shard, with its native (TCP) port. */
export interface ClusterReplica {
  shardNum: number;
  replicaNum: number;
  hostName: string;
  hostAddress: string;
  port: number;
}

interface WireRow {
  ip: unknown;
  ts_ms: unknown;
  arrival: unknown;
  request_count: unknown;
  client_error_count: unknown;
  server_error_count: unknown;
}

/** 64-bit integers arrive as JSON strings by default; only safe integers are accepted. */
function int(v: unknown, name: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`server sent ${name} = ${JSON.stringify(v)}, not a safe integer`);
  return n;
}

export function decodeRow(r: WireRow): FleetFeatureRow {
  if (typeof r.ip !== 'string' || typeof r.arrival !== 'string') throw new Error('server sent a malformed feature row');
  return {
    ip: r.ip,
    tsMs: int(r.ts_ms, 'ts_ms'),
    arrival: r.arrival,
    request: int(r.request_count, 'request_count'),
    client: int(r.client_error_count, 'client_error_count'),
    server: int(r.server_error_count, 'server_error_count'),
  };
}

interface WireScoredRow extends WireRow {
  od_path: unknown;
  iforest_score: unknown;
  iforest_flag: unknown;
}

function float(v: unknown, name: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`server sent ${name} = ${JSON.stringify(v)}, not a finite number`);
  return n;
}

export function decodeScoredRow(r: WireScoredRow): FleetScoredRow {
  const flag = int(r.iforest_flag, 'iforest_flag');
  if (flag !== 0 && flag !== 1) throw new Error(`server sent iforest_flag = ${flag}`);
  return {
    ...decodeRow(r),
    pathTotal: float(r.od_path, 'od_path'),
    score: float(r.iforest_score, 'iforest_score'),
    flagged: flag === 1,
  };
}

interface WireSampledRow extends WireRow {
  od_stratum: unknown;
  od_rank: unknown;
}

const decodeStratumSize = (r: { od_stratum: unknown; od_n: unknown }): [number, number] => [
  int(r.od_stratum, 'od_stratum'),
  int(r.od_n, 'od_n'),
];

export function decodeSampledRow(r: WireSampledRow): SampledRow {
  if (typeof r.od_rank !== 'string' || !/^\d+$/.test(r.od_rank)) throw new Error('server sent a malformed sample rank');
  return { ...decodeRow(r), stratum: int(r.od_stratum, 'od_stratum'), rank: BigInt(r.od_rank) };
}

/**
 * Rows one feature query is given at most. The array dialect holds every row of an IP twice at
 * once (~170 bytes a row on 18.16); 25 million rows in one query needed over 7.5 GB. Larger slices
 * score fewer distinct triples in all (a triple seen in two slices is scored twice) and analyse
 * the forest's expression fewer times: on the 20M bench, 8M-row slices scored in 46 s against
 * 52–56 s for 4M, with the busier server at 3.2 GB RSS against 2.0 GB (two slices at a time).
 */
export const SLICE_ROWS = 8_000_000;

/**
 * Slice queries a server is given at once. One slice's query keeps about one core busy (its
 * sweep and forest run on the few blocks the per-IP GROUP BY hands over), and a shard holding
 * more of the busy IPs than another would otherwise leave the other's cores idle once it is done:
 * two at a time took a busy shard's four slices from 9.1 s to 4.9 s on the 2-core bench machine,
 * and the 20M bench's scoring from 65 s to 53 s.
 */
export const SLICE_CONCURRENCY = 2;

/** Defaults the tests lower or raise: slices of `sliceRows`, `concurrency` of them at a time. */
export interface SourceTuning {
  sliceRows?: number;
  concurrency?: number;
  /** Rows a cut stratum keeps beyond the cap (sampler.ts defaultSpare); Infinity cuts none. */
  sampleSpare?: number;
}

/** Lowest path total first; ties by time, IP and arrival (sliceTopSql's ORDER BY). */
function compareScored(a: FleetScoredRow, b: FleetScoredRow): number {
  return (
    a.pathTotal - b.pathTotal ||
    a.tsMs - b.tsMs ||
    (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0) ||
    (a.arrival < b.arrival ? -1 : a.arrival > b.arrival ? 1 : 0)
  );
}

export class ClickHouseSource {
  private version: string | undefined;

  private readonly sliceRows: number;
  private readonly concurrency: number;
  private readonly sampleSpare: number | undefined;

  /** Takes any client, so tests can hand in one wired to an in-process engine. */
  constructor(
    private readonly client: ClickHouseClient,
    tuning: SourceTuning = {},
  ) {
    this.sliceRows = tuning.sliceRows ?? SLICE_ROWS;
    this.concurrency = tuning.concurrency ?? SLICE_CONCURRENCY;
    this.sampleSpare = tuning.sampleSpare;
  }

  static connect(opts: ClickHouseConnectOptions): ClickHouseSource {
    return new ClickHouseSource(
      createClient({
        url: opts.url,
        username: opts.username,
        password: opts.password,
        request_timeout: opts.requestTimeoutMs,
        // No clickhouse_settings: a readonly=1 user may not change any.
      }),
    );
  }

  async serverVersion(): Promise<string> {
    if (this.version === undefined) {
      const rs = await this.client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
      const rows = await rs.json<{ v: string }>();
      if (rows.length !== 1 || typeof rows[0].v !== 'string') throw new Error('SELECT version() gave no version');
      this.version = rows[0].v;
    }
    return this.version;
  }

  /** Every column of a table as DESCRIBE states it. */
  async describeColumns(database: string, table: string): Promise<Array<{ name: string; type: string }>> {
    const rows = await this.rows<{ name: unknown; type: unknown }>(
      `DESCRIBE TABLE ${quoteIdent(database)}.${quoteIdent(table)}`,
    );
    return rows.map((c) => ({ name: String(c.name), type: String(c.type) }));
  }

  async dialect(): Promise<Dialect> {
    return dialectFor(await this.serverVersion());
  }

  /** The mapping plus what DESCRIBE says about the mapped columns' types. */
  async describeTable(database: string, table: string, columns: FleetColumns): Promise<FleetTable> {
    const rs = await this.client.query({
      query: `DESCRIBE TABLE ${quoteIdent(database)}.${quoteIdent(table)}`,
      format: 'JSONEachRow',
    });
    const types = new Map((await rs.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
    const typeOf = (role: string, name: string): string => {
      const t = types.get(name);
      if (t === undefined) throw new Error(`${database}.${table} has no column ${name} (mapped as ${role})`);
      return t;
    };
    assertStatusType(typeOf('status', columns.status));
    if (columns.arrival !== undefined) typeOf('arrival', columns.arrival);
    return {
      database,
      table,
      columns,
      timestampKind: timestampKindOf(typeOf('timestamp', columns.timestamp)),
      ipKind: ipKindOf(typeOf('client IP', columns.ip)),
    };
  }

  /** Feature rows for entries in [fromMs, toMs), in batches as they stream in, in no set order. */
  async *features(table: FleetTable, opts: FleetFeatureOptions): AsyncGenerator<FleetFeatureRow[], void, void> {
    yield* this.stream(await this.featureQuery(table, opts), decodeRow, opts.signal);
  }

  /**
   * Feature rows with the Isolation Forest's path total, score and flag, computed on the server
   * (iforestSql.ts): only the verdicts travel.
   */
  async *scoredFeatures(
    table: FleetTable,
    forest: CompiledForest,
    opts: FleetFeatureOptions,
  ): AsyncGenerator<FleetScoredRow[], void, void> {
    const query = scoreSql(await this.featureQuery(table, opts), forest);
    yield* this.stream(query, decodeScoredRow, opts.signal, forest.settings);
  }

  /** The stratified sample of the feature rows (sampler.ts): only the chosen rows travel. */
  async *sampledFeatures(
    table: FleetTable,
    plan: SamplePlan,
    opts: FleetFeatureOptions,
  ): AsyncGenerator<SampledRow[], void, void> {
    const dialect = opts.dialect ?? (await this.dialect());
    const slices = (await this.slices(table, opts)).map(
      (slice) => (signal: AbortSignal) => once(this.sliceSample(table, slice, dialect, plan, signal, opts.meter)),
    );
    yield* mergeStreams(slices, opts.signal, this.concurrency);
  }

  /**
   * One slice's sample. Its strata's sizes come first (a plain count), so the busy strata can drop
   * most rows by their hash before the sort (sampler.ts, sampleCutoffs); should a cut stratum come
   * short of its cap, the slice is sampled again uncut.
   */
  private async sliceSample(
    table: FleetTable,
    slice: FleetFeatureOptions,
    dialect: Dialect,
    plan: SamplePlan,
    signal: AbortSignal,
    meter: WireMeter | undefined,
  ): Promise<SampledRow[]> {
    const features = this.featureSql(table, slice, dialect);
    const sizesSql = strataSizesSql({ table, fromMs: slice.fromMs, toMs: slice.toMs }, plan.strata);
    const sizes = new Map(await this.all(sizesSql, decodeStratumSize, signal, meter));
    const cutoffs = sampleCutoffs(sizes, plan, this.sampleSpare);
    const rows = await this.all(sampleSql(features, plan, cutoffs), decodeSampledRow, signal, meter);
    if (filledStrata(rows, cutoffs, plan.perStratum)) return rows;
    return this.all(sampleSql(features, plan), decodeSampledRow, signal, meter);
  }

  /**
   * The `limit` rows with the lowest path total (the most anomalous) and the counts of the range,
   * scored on the server (topSql.ts): each slice's counts and low triples first, then the rows of
   * the triples that can reach the top, from the slices that hold them.
   */
  async scoreTop(
    table: FleetTable,
    forest: CompiledForest,
    limit: number,
    opts: FleetFeatureOptions,
  ): Promise<{ top: FleetScoredRow[]; counts: ScoreCounts }> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be ≥ 1, got ${limit}`);
    const dialect = opts.dialect ?? (await this.dialect());
    const slices = await this.slices(table, opts);
    const lows = await allBounded(
      slices.map((slice) => async (signal: AbortSignal) => {
        const query = sliceLowSql(this.featureSql(table, slice, dialect), forest, limit);
        return decodeLowGroups(await this.json<WireLowGroups>(query, signal, forest.settings, opts.meter));
      }),
      this.concurrency,
      opts.signal,
    );
    const counts: ScoreCounts = {
      scored: lows.reduce((n, l) => n + l.scored, 0),
      flagged: lows.reduce((n, l) => n + l.flagged, 0),
    };
    const { bound, ranks } = topTriples(
      lows.map((l) => l.triples),
      limit,
    );
    const tops = await allBounded(
      slices.flatMap((slice, i) => {
        const wanted = lows[i].triples.filter((t) => t.pathTotal <= bound);
        if (wanted.length === 0) return [];
        return [
          (signal: AbortSignal) => this.sliceTop(table, slice, dialect, wanted, ranks, limit, signal, opts.meter),
        ];
      }),
      this.concurrency,
      opts.signal,
    );
    // Each slice's own top, merged: the `limit` lowest overall.
    return { top: tops.flat().sort(compareScored).slice(0, limit), counts };
  }

  /** One slice's rows of the wanted triples, best first, with the triples' verdicts. */
  private async sliceTop(
    table: FleetTable,
    slice: FleetFeatureOptions,
    dialect: Dialect,
    wanted: readonly LowTriple[],
    ranks: ReadonlyMap<string, number>,
    limit: number,
    signal: AbortSignal,
    meter: WireMeter | undefined,
  ): Promise<FleetScoredRow[]> {
    const verdicts = new Map(wanted.map((t) => [tripleText(t), t]));
    const ranked = wanted.map((t) => ({ ...t, rank: ranks.get(tripleText(t)) ?? 0 }));
    const query = sliceTopSql(this.featureSql(table, slice, dialect), ranked, limit);
    const decode = (r: WireRow): FleetScoredRow => {
      const row = decodeRow(r);
      const v = verdicts.get(tripleText(row));
      if (!v) throw new Error('server sent a row of a triple it was not asked for');
      return { ...row, pathTotal: v.pathTotal, score: v.score, flagged: v.flagged };
    };
    return this.all(query, decode, signal, meter);
  }

  /**
   * The range cut into time slices of about SLICE_ROWS rows each (one slice when it holds fewer,
   * or when it is open-ended). Every slice's features read the window before it as context, so
   * the features are the whole range's; the samples, tops and counts of the slices are merged
   * exactly as the shards' are.
   */
  private async slices(table: FleetTable, opts: FleetFeatureOptions): Promise<FleetFeatureOptions[]> {
    const { fromMs, toMs } = opts;
    if (fromMs === undefined || toMs === undefined) return [opts];
    const key = keyExpr(quoteIdent(table.columns.timestamp), table.timestampKind);
    const query = `SELECT count() AS n FROM ${quoteIdent(table.database)}.${quoteIdent(table.table)}
  WHERE ${key} >= ${fromMs} AND ${key} < ${toMs}`;
    let rows = 0;
    for await (const b of this.stream(
      query,
      (r: { n: unknown }) => int(r.n, 'count'),
      opts.signal,
      undefined,
      opts.meter,
    ))
      for (const n of b) rows = n;
    const span = toMs - fromMs;
    const k = Math.min(Math.ceil(rows / this.sliceRows), span);
    if (k <= 1) return [opts];
    return Array.from({ length: k }, (_, i) => ({
      ...opts,
      fromMs: fromMs + Math.floor((span * i) / k),
      toMs: fromMs + Math.floor((span * (i + 1)) / k),
    }));
  }

  /**
   * The entries' own fields (status, method, path, bytes, user agent) for the given (ip, ts)
   * keys, read from the table; the caller matches them to its rows by ip, ts and arrival.
   */
  async entryDetails(
    table: FleetTable,
    extra: EntryColumns,
    keys: ReadonlyArray<{ ip: string; tsMs: number }>,
    opts: { signal?: AbortSignal; meter?: WireMeter } = {},
  ): Promise<EntryDetail[]> {
    if (keys.length === 0) return [];
    const c = table.columns;
    const key = keyExpr(quoteIdent(c.timestamp), table.timestampKind);
    const ip = ipTextExpr(quoteIdent(c.ip), table.ipKind);
    const text = (col: string | undefined): string => (col === undefined ? 'NULL' : `toString(${quoteIdent(col)})`);
    for (const k of keys) if (!Number.isSafeInteger(k.tsMs)) throw new Error(`not a ms time: ${k.tsMs}`);
    const times = [...new Set(keys.map((k) => k.tsMs))].join(', ');
    const ips = [...new Set(keys.map((k) => k.ip))].map(quoteString).join(', ');
    const query = `SELECT ${ip} AS od_ip, ${key} AS od_ts,
    ${c.arrival === undefined ? "''" : `toString(${quoteIdent(c.arrival)})`} AS od_arrival,
    toInt64(${quoteIdent(c.status)}) AS od_status, ${text(extra.method)} AS od_method, ${text(extra.path)} AS od_path,
    ${text(extra.bytes)} AS od_bytes, ${text(extra.userAgent)} AS od_ua
  FROM ${quoteIdent(table.database)}.${quoteIdent(table.table)}
  WHERE ${key} IN (${times}) AND ${ip} IN (${ips})`;
    const decode = (r: Record<string, unknown>): EntryDetail => {
      const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
      const bytes = str(r.od_bytes);
      return {
        ip: String(r.od_ip),
        tsMs: int(r.od_ts, 'od_ts'),
        arrival: String(r.od_arrival),
        status: int(r.od_status, 'od_status'),
        method: str(r.od_method),
        path: str(r.od_path),
        bytes: bytes !== null && /^\d+$/.test(bytes) ? Number(bytes) : null,
        userAgent: str(r.od_ua),
      };
    };
    const out: EntryDetail[] = [];
    for await (const b of this.stream(query, decode, opts.signal, undefined, opts.meter)) out.push(...b);
    return out;
  }

  /** The engine of a table as system.tables states it in full, e.g. `Distributed(c, db, t, cityHash64(ip))`. */
  async tableEngine(database: string, table: string): Promise<{ engine: string; engineFull: string }> {
    const rows = await this.rows<{ engine: string; engine_full: string }>(
      `SELECT engine, engine_full FROM system.tables WHERE database = ${quoteString(database)} AND name = ${quoteString(table)}`,
    );
    if (rows.length !== 1) throw new Error(`${database}.${table} does not exist`);
    return { engine: String(rows[0].engine), engineFull: String(rows[0].engine_full) };
  }

  /** The replicas of a cluster from system.clusters, in shard and replica order. */
  async clusterReplicas(cluster: string): Promise<ClusterReplica[]> {
    const rows = await this.rows<Record<string, unknown>>(
      `SELECT shard_num, replica_num, host_name, host_address, port FROM system.clusters
       WHERE cluster = ${quoteString(cluster)} ORDER BY shard_num, replica_num`,
    );
    return rows.map((r) => ({
      shardNum: int(r.shard_num, 'shard_num'),
      replicaNum: int(r.replica_num, 'replica_num'),
      hostName: String(r.host_name),
      hostAddress: String(r.host_address),
      port: int(r.port, 'port'),
    }));
  }

  /** The shard numbers of `cluster` this server is (system.clusters.is_local), usually one. */
  async localShards(cluster: string): Promise<number[]> {
    const rows = await this.rows<{ shard_num: unknown }>(
      `SELECT shard_num FROM system.clusters WHERE cluster = ${quoteString(cluster)} AND is_local = 1`,
    );
    return rows.map((r) => int(r.shard_num, 'shard_num'));
  }

  private async featureQuery(table: FleetTable, opts: FleetFeatureOptions): Promise<string> {
    return this.featureSql(table, opts, opts.dialect ?? (await this.dialect()));
  }

  private featureSql(table: FleetTable, opts: FleetFeatureOptions, dialect: Dialect): string {
    return featureSql({ table, windowMs: opts.windowMs, dialect, fromMs: opts.fromMs, toMs: opts.toMs });
  }

  private async rows<T>(query: string): Promise<T[]> {
    const rs = await this.client.query({ query, format: 'JSONEachRow' });
    return rs.json<T>();
  }

  /** A small answer read whole as FORMAT JSONCompact (its totals row included). */
  private async json<T>(
    query: string,
    signal: AbortSignal | undefined,
    settings?: ClickHouseSettings,
    meter?: WireMeter,
  ): Promise<T> {
    if (meter) meter.sent += Buffer.byteLength(query);
    const rs = await this.client.query({
      query,
      format: 'JSONCompact',
      abort_signal: signal,
      clickhouse_settings: settings,
    });
    const text = await rs.text();
    if (meter) meter.received += Buffer.byteLength(text);
    return JSON.parse(text) as T;
  }

  private async all<W, R>(
    query: string,
    decode: (w: W) => R,
    signal: AbortSignal | undefined,
    meter: WireMeter | undefined,
  ): Promise<R[]> {
    const out: R[] = [];
    for await (const b of this.stream(query, decode, signal, undefined, meter)) out.push(...b);
    return out;
  }

  private async *stream<W, R>(
    query: string,
    decode: (w: W) => R,
    signal: AbortSignal | undefined,
    settings?: ClickHouseSettings,
    meter?: WireMeter,
  ): AsyncGenerator<R[], void, void> {
    if (meter) meter.sent += Buffer.byteLength(query);
    // Settings only when asked for: a readonly = 1 user may send none.
    const rs = await this.client.query({
      query,
      format: 'JSONEachRow',
      abort_signal: signal,
      clickhouse_settings: settings,
    });
    for await (const rows of rs.stream<W>()) {
      if (meter) for (const row of rows) meter.received += Buffer.byteLength(row.text) + 1;
      yield rows.map((row) => decode(row.json()));
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
