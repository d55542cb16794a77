import { assertWindowMs } from '../features/types';

/**
 * The `original` features (request, 4xx and 5xx counts per client IP over (t − W, t], in
 * (timestamp, arrival) order; DESIGN.md "Features") as ClickHouse SQL, so a fleet's logs are
 * counted where they live. Pure text generation: no I/O, testable without a server.
 *
 * Two dialects, one rule:
 *   window  (≥ 21.9) RANGE frame on an integer ms key: rows of the IP with ts in (t − W, t],
 *           ties at t included, minus the ties that arrived later (a ROWS frame over the tie
 *           group ordered by arrival). RANGE frames on DateTime64 are not implemented, hence
 *           the Int64 ms key.
 *   array   (older servers, e.g. Debian's 18.16) an event sweep per IP: +1 at each arrival,
 *           −1 at arrival + W, sorted by (time, expiries first, arrival) and summed with
 *           arrayCumSum; the sum at an arrival is its feature. An expiry at exactly t sorts
 *           before the arrival at t, so a row at t − W is out, as the rule says.
 * Only validated integers and quoted identifiers are ever put into the text.
 */

export type Dialect = 'window' | 'array';

/** How the mapped timestamp column holds time; the ms key is derived from it. */
export type TimestampKind = 'datetime64' | 'datetime' | 'ms';
/** A text column (String, LowCardinality(String), IPv4/IPv6 domains) or IPv4 as UInt32. */
/** How the IP column reads as text: as it is, a UInt32 IPv4, or an IPv6 type (which shows IPv4 as ::ffff:a.b.c.d). */
export type IpKind = 'text' | 'ipv4num' | 'ipv6';

export interface FleetColumns {
  timestamp: string;
  ip: string;
  status: string;
  /**
   * A column that orders entries sharing one millisecond as they arrived (a sequence number,
   * a file offset). Without it ties are ordered by status: deterministic, but equal to the
   * desktop's counts only where no IP has two entries with different status classes in one ms.
   */
  arrival?: string;
}

export interface FleetTable {
  database: string;
  table: string;
  columns: FleetColumns;
  timestampKind: TimestampKind;
  ipKind: IpKind;
}

export interface FeatureQuery {
  table: FleetTable;
  windowMs: number;
  dialect: Dialect;
  /** Entries with fromMs ≤ ts_ms < toMs get features; the W before fromMs is read as context. */
  fromMs?: number;
  toMs?: number;
}

/** Columns of every feature query's result, in this order. */
export const RESULT_COLUMNS = [
  'ip',
  'ts_ms',
  'arrival',
  'request_count',
  'client_error_count',
  'server_error_count',
] as const;

/**
 * The RANGE frame's offset must fit in 32 bits on the servers checked; the array dialect shares
 * the bound so both accept the same windows (24.8 days).
 */
export const MAX_WINDOW_MS = 2 ** 31;

/** Window functions without the experimental flag arrived in 21.9. */
const WINDOW_SINCE: readonly [number, number] = [21, 9];

/** `SELECT version()` → dialect. Throws on text that is not a ClickHouse version. */
export function dialectFor(version: string): Dialect {
  const m = /^\s*(\d+)\.(\d+)(?:\.\d+)*/.exec(version);
  if (!m) throw new Error(`not a ClickHouse version: ${JSON.stringify(version)}`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const [wm, wn] = WINDOW_SINCE;
  return major > wm || (major === wm && minor >= wn) ? 'window' : 'array';
}

/** Backtick-quoted identifier; backslash escapes are understood by 18.16 and current servers. */
export function quoteIdent(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error('an identifier may not be empty');
  if (name.includes('\0')) throw new Error('an identifier may not contain NUL');
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** Single-quoted string literal; backslash escapes are understood by 18.16 and current servers. */
export function quoteString(value: string): string {
  if (typeof value !== 'string') throw new Error('a string literal must be a string');
  if (value.includes('\0')) throw new Error('a string literal may not contain NUL');
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

function assertWholeMs(name: string, v: number): void {
  if (!Number.isSafeInteger(v)) throw new RangeError(`${name} must be a whole number of ms, got ${v}`);
}

export function assertFleetWindow(windowMs: number): void {
  assertWindowMs(windowMs);
  if (windowMs > MAX_WINDOW_MS) throw new RangeError(`window may be at most ${MAX_WINDOW_MS} ms, got ${windowMs}`);
}

// Internal aliases: refused as mapped column names, so `f(x) AS x` (a cyclic alias) cannot occur.
// The result's own names (ts_ms, …) are given one level out, where no mapped column is in scope.
const A = {
  ip: 'od_ip',
  ts: 'od_ts',
  tie: 'od_tie',
  arrival: 'od_arrival',
  c4: 'od_c4',
  c5: 'od_c5',
} as const;
const RESERVED = new Set<string>([
  ...Object.values(A),
  'od_ev',
  'od_evs',
  'od_r',
  'od_c',
  'od_s',
  'od_rs',
  'od_cs',
  'od_ss',
]);

/** The Int64 ms key of a quoted timestamp column. */
export function keyExpr(col: string, kind: TimestampKind): string {
  if (kind === 'datetime64') return `toUnixTimestamp64Milli(${col})`;
  if (kind === 'datetime') return `toInt64(${col}) * 1000`;
  return `toInt64(${col})`;
}

/**
 * An index-friendly condition on the raw column, implied by `lo < key < hi`, so the primary key
 * can skip parts before the exact (function-wrapped) condition is evaluated.
 */
function rawRange(col: string, kind: TimestampKind, lo: number | undefined, hi: number | undefined): string[] {
  const out: string[] = [];
  if (kind === 'ms') {
    if (lo !== undefined) out.push(`${col} > ${lo}`);
    if (hi !== undefined) out.push(`${col} < ${hi}`);
    return out;
  }
  // Whole seconds, widened outward, inside DateTime's range (0 … 2^32 − 1 s).
  const clamp = (s: number): number => Math.min(Math.max(s, 0), 4_294_967_295);
  if (lo !== undefined && lo >= 0) out.push(`${col} >= toDateTime(${clamp(Math.floor(lo / 1000))})`);
  if (hi !== undefined && Math.ceil(hi / 1000) < 4_294_967_295)
    out.push(`${col} < toDateTime(${clamp(Math.ceil(hi / 1000))})`);
  return out;
}

function validateTable(t: FleetTable): void {
  const cols = t.columns;
  for (const [role, name] of Object.entries(cols)) {
    if (name === undefined) continue;
    quoteIdent(name);
    if (RESERVED.has(name.toLowerCase())) throw new Error(`column ${role} may not be named ${name} (reserved here)`);
  }
  if (!['datetime64', 'datetime', 'ms'].includes(t.timestampKind)) throw new Error('unknown timestamp kind');
  if (!['text', 'ipv4num', 'ipv6'].includes(t.ipKind)) throw new Error('unknown ip kind');
}

/** The client IP of a quoted column as the text every result carries. */
export function ipTextExpr(col: string, kind: IpKind): string {
  if (kind === 'ipv4num') return `IPv4NumToString(toUInt32(${col}))`;
  // An IPv4 client stored in an IPv6 column reads back as ::ffff:a.b.c.d; the desktop has the
  // address as the log wrote it.
  if (kind === 'ipv6')
    return `replaceRegexpOne(toString(${col}), '^::ffff:([0-9]+[.][0-9]+[.][0-9]+[.][0-9]+)$', '\\1')`;
  return `toString(${col})`;
}

/** Conditions for lo < ms key < hi (either end may be open), the raw column's index-friendly ones first. */
function openRange(ts: string, kind: TimestampKind, lo: number | undefined, hi: number | undefined): string[] {
  const key = keyExpr(ts, kind);
  return [
    ...rawRange(ts, kind, lo, hi),
    ...(lo === undefined ? [] : [`${key} > ${lo}`]),
    ...(hi === undefined ? [] : [`${key} < ${hi}`]),
  ];
}

/** The mapped rows with the ms key, status classes and tie order; context included. */
function innerSql(q: FeatureQuery, dialect: Dialect): string {
  const t = q.table;
  validateTable(t);
  const ts = quoteIdent(t.columns.timestamp);
  const ip = quoteIdent(t.columns.ip);
  const status = quoteIdent(t.columns.status);
  const tie = t.columns.arrival === undefined ? status : quoteIdent(t.columns.arrival);
  // Context: a row's window can only hold rows with ts > from − W; rows at or after `to` are
  // later than every row that gets a result.
  const where = openRange(ts, t.timestampKind, q.fromMs === undefined ? undefined : q.fromMs - q.windowMs, q.toMs);
  const ipExpr = ipTextExpr(ip, t.ipKind);
  // The array dialect sums Int8 ±1 deltas (arrayCumSum widens them to Int64) and makes the
  // arrival text after its sweep.
  const cls = dialect === 'array' ? 'toInt8' : 'toInt64';
  const arrivalText =
    dialect === 'array'
      ? ''
      : `\n      ${t.columns.arrival === undefined ? "''" : `toString(${tie})`} AS ${A.arrival},`;
  return `SELECT
      ${ipExpr} AS ${A.ip},
      ${keyExpr(ts, t.timestampKind)} AS ${A.ts},
      ${tie} AS ${A.tie},${arrivalText}
      ${cls}(${status} BETWEEN 400 AND 499) AS ${A.c4},
      ${cls}(${status} BETWEEN 500 AND 599) AS ${A.c5}
    FROM ${quoteIdent(t.database)}.${quoteIdent(t.table)}${where.length ? `\n    WHERE ${where.join(' AND ')}` : ''}`;
}

function windowSql(q: FeatureQuery): string {
  const W = q.windowMs;
  return `SELECT ${A.ip} AS ip, ${A.ts} AS ts_ms, ${A.arrival} AS arrival,
    toUInt64(count() OVER od_w - count() OVER od_later) AS request_count,
    toUInt64(sum(${A.c4}) OVER od_w - sum(${A.c4}) OVER od_later) AS client_error_count,
    toUInt64(sum(${A.c5}) OVER od_w - sum(${A.c5}) OVER od_later) AS server_error_count
  FROM (
    ${innerSql(q, 'window')}
  )
  WINDOW
    od_w AS (PARTITION BY ${A.ip} ORDER BY ${A.ts} RANGE BETWEEN ${W - 1} PRECEDING AND CURRENT ROW),
    od_later AS (PARTITION BY ${A.ip}, ${A.ts} ORDER BY ${A.tie} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)`;
}

function arraySql(q: FeatureQuery): string {
  const W = q.windowMs;
  // Event: (time, kind 0 = expiry / 1 = arrival, tie, Δ4xx, Δ5xx); Δrequests is 2·kind − 1. Kept
  // this lean because every row of an IP is held twice in memory at once (~170 bytes a row on
  // 18.16, where the arrival text in the tuple cost ~300): the arrival text is made from the tie
  // after the sweep.
  const arrival = `tuple(${A.ts}, toUInt8(1), ${A.tie}, ${A.c4}, ${A.c5})`;
  const expiry = `tuple(${A.ts} + ${W}, toUInt8(0), ${A.tie}, -${A.c4}, -${A.c5})`;
  const cum = (delta: string): string => `arrayCumSum(arrayMap(e -> ${delta}, od_evs))`;
  const arrivalText = q.table.columns.arrival === undefined ? "''" : 'toString(tupleElement(od_ev, 3))';
  return `SELECT ${A.ip} AS ip, tupleElement(od_ev, 1) AS ts_ms, ${arrivalText} AS arrival,
    toUInt64(od_r) AS request_count, toUInt64(od_c) AS client_error_count, toUInt64(od_s) AS server_error_count
  FROM (
    SELECT ${A.ip}, od_evs, ${cum('toInt8(tupleElement(e, 2)) * 2 - 1')} AS od_rs,
      ${cum('tupleElement(e, 4)')} AS od_cs, ${cum('tupleElement(e, 5)')} AS od_ss
    FROM (
      SELECT ${A.ip}, arraySort(arrayConcat(groupArray(${arrival}), groupArray(${expiry}))) AS od_evs
      FROM (
        ${innerSql(q, 'array')}
      )
      GROUP BY ${A.ip}
    )
  )
  ARRAY JOIN od_evs AS od_ev, od_rs AS od_r, od_cs AS od_c, od_ss AS od_s
  WHERE tupleElement(od_ev, 2) = 1`;
}

/**
 * Rows per stratum (cityHash64 of the IP text, modulo `strata`) among the entries a feature query
 * gives results for (fromMs ≤ ts < toMs): columns od_stratum, od_n. A plain scan and GROUP BY, no
 * windows: what the sampler needs to know before it samples (sampler.ts, sampleCutoffs).
 */
export function strataSizesSql(q: Omit<FeatureQuery, 'dialect' | 'windowMs'>, strata: number): string {
  if (!Number.isSafeInteger(strata) || strata < 1) throw new RangeError(`strata must be ≥ 1, got ${strata}`);
  if (q.fromMs !== undefined) assertWholeMs('fromMs', q.fromMs);
  if (q.toMs !== undefined) assertWholeMs('toMs', q.toMs);
  const t = q.table;
  validateTable(t);
  // The ms key is a whole number: from ≤ key is from − 1 < key.
  const where = openRange(
    quoteIdent(t.columns.timestamp),
    t.timestampKind,
    q.fromMs === undefined ? undefined : q.fromMs - 1,
    q.toMs,
  );
  return `SELECT toUInt32(cityHash64(${ipTextExpr(quoteIdent(t.columns.ip), t.ipKind)}) % ${strata}) AS od_stratum, count() AS od_n
  FROM ${quoteIdent(t.database)}.${quoteIdent(t.table)}${where.length ? `\n  WHERE ${where.join(' AND ')}` : ''}
  GROUP BY od_stratum`;
}

/** The feature query for one dialect; the result has RESULT_COLUMNS, in no particular order. */
export function featureSql(q: FeatureQuery): string {
  assertFleetWindow(q.windowMs);
  if (q.fromMs !== undefined) assertWholeMs('fromMs', q.fromMs);
  if (q.toMs !== undefined) assertWholeMs('toMs', q.toMs);
  if (q.fromMs !== undefined && q.toMs !== undefined && q.toMs <= q.fromMs)
    throw new RangeError('toMs must be after fromMs');
  const body = q.dialect === 'window' ? windowSql(q) : q.dialect === 'array' ? arraySql(q) : undefined;
  if (body === undefined) throw new Error(`unknown dialect ${String(q.dialect)}`);
  // Context rows (before fromMs) are read for their windows but get no result.
  return q.fromMs === undefined ? body : `SELECT * FROM (\n  ${body}\n) WHERE ts_ms >= ${q.fromMs}`;
}
