import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { assertStatusType, ipKindOf, timestampKindOf } from './columnKinds';
import { dialectFor, featureSql, quoteIdent, type Dialect, type FleetColumns, type FleetTable } from './clickhouseSql';

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

export class ClickHouseSource {
  private version: string | undefined;

  /** Takes any client, so tests can hand in one wired to an in-process engine. */
  constructor(private readonly client: ClickHouseClient) {}

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
    const dialect = opts.dialect ?? (await this.dialect());
    const query = featureSql({ table, windowMs: opts.windowMs, dialect, fromMs: opts.fromMs, toMs: opts.toMs });
    const rs = await this.client.query({ query, format: 'JSONEachRow', abort_signal: opts.signal });
    for await (const rows of rs.stream<WireRow>()) {
      yield rows.map((row) => decodeRow(row.json()));
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
