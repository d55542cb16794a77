import { describe, expect, it } from 'vitest';
import { assertStatusType, ipKindOf, timestampKindOf } from '../../../src/main/fleet/columnKinds';
import {
  MAX_WINDOW_MS,
  dialectFor,
  featureSql,
  quoteIdent,
  type Dialect,
  type FleetTable,
} from '../../../src/main/fleet/clickhouseSql';
import { decodeRow } from '../../../src/main/fleet/clickhouseSource';

const TABLE: FleetTable = {
  database: 'logs',
  table: 'access',
  columns: { timestamp: 'ts', ip: 'client_ip', status: 'status', arrival: 'seq' },
  timestampKind: 'datetime64',
  ipKind: 'text',
};
const DIALECTS: Dialect[] = ['window', 'array'];

/** The SQL with every quoted identifier replaced by one token: what is left is the query's shape. */
function shape(sql: string): string {
  return sql.replace(/`(?:[^`\\]|\\.)*`/g, 'ID');
}

describe('dialectFor', () => {
  it('uses window functions from 21.9 on, the array formulation before', () => {
    expect(dialectFor('26.7.2.1')).toBe('window');
    expect(dialectFor('21.9.1.7603')).toBe('window');
    expect(dialectFor('22.1')).toBe('window');
    expect(dialectFor('21.8.15.7')).toBe('array');
    expect(dialectFor('20.12.3.3')).toBe('array');
    expect(dialectFor('18.16.1')).toBe('array');
  });
  it('refuses what is not a version', () => {
    for (const v of ['', 'ClickHouse', 'v21.9', '21']) expect(() => dialectFor(v)).toThrow(/not a ClickHouse version/);
  });
});

describe('quoteIdent', () => {
  it('escapes backticks and backslashes inside backticks', () => {
    expect(quoteIdent('access')).toBe('`access`');
    expect(quoteIdent('a`b')).toBe('`a\\`b`');
    expect(quoteIdent('a\\`; DROP TABLE x; --')).toBe('`a\\\\\\`; DROP TABLE x; --`');
    expect(quoteIdent("it's")).toBe("`it's`");
  });
  it('refuses empty names and NUL', () => {
    expect(() => quoteIdent('')).toThrow(/empty/);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
  });
});

describe('featureSql', () => {
  it('states the window as (t − W, t]: RANGE W − 1 PRECEDING, expiry at t + W', () => {
    expect(featureSql({ table: TABLE, windowMs: 300_000, dialect: 'window' })).toContain(
      'RANGE BETWEEN 299999 PRECEDING AND CURRENT ROW',
    );
    expect(featureSql({ table: TABLE, windowMs: 300_000, dialect: 'array' })).toContain('od_ts + 300000, toUInt8(0)');
  });

  it('derives the ms key from the timestamp column’s kind', () => {
    const sql = (kind: FleetTable['timestampKind']): string =>
      featureSql({ table: { ...TABLE, timestampKind: kind }, windowMs: 1000, dialect: 'array' });
    expect(sql('datetime64')).toContain('toUnixTimestamp64Milli(`ts`) AS od_ts');
    expect(sql('datetime')).toContain('toInt64(`ts`) * 1000 AS od_ts');
    expect(sql('ms')).toContain('toInt64(`ts`) AS od_ts');
    expect(featureSql({ table: { ...TABLE, ipKind: 'ipv4num' }, windowMs: 1000, dialect: 'window' })).toContain(
      'IPv4NumToString(toUInt32(`client_ip`))',
    );
  });

  it('orders ties by the arrival column, or by status when there is none', () => {
    const noArrival = { ...TABLE, columns: { ...TABLE.columns, arrival: undefined } };
    expect(featureSql({ table: TABLE, windowMs: 1000, dialect: 'window' })).toContain('`seq` AS od_tie');
    expect(featureSql({ table: noArrival, windowMs: 1000, dialect: 'window' })).toContain('`status` AS od_tie');
    expect(featureSql({ table: noArrival, windowMs: 1000, dialect: 'window' })).toContain("'' AS od_arrival");
    // The array dialect makes the arrival text after its sweep, from the tie for a mapped column.
    expect(featureSql({ table: noArrival, windowMs: 1000, dialect: 'array' })).toContain("'' AS arrival");
    expect(featureSql({ table: TABLE, windowMs: 1000, dialect: 'array' })).toContain(
      'toString(tupleElement(od_ev, 3)) AS arrival',
    );
  });

  it('reads the window before fromMs as context and returns rows in [fromMs, toMs) only', () => {
    for (const dialect of DIALECTS) {
      const sql = featureSql({
        table: TABLE,
        windowMs: 300_000,
        dialect,
        fromMs: 1_700_000_000_500,
        toMs: 1_700_000_900_000,
      });
      expect(sql).toContain('toUnixTimestamp64Milli(`ts`) > 1699999700500');
      expect(sql).toContain('toUnixTimestamp64Milli(`ts`) < 1700000900000');
      // Whole seconds, widened outward, for the primary key.
      expect(sql).toContain('`ts` >= toDateTime(1699999700)');
      expect(sql).toContain('`ts` < toDateTime(1700000900)');
      expect(sql.trimEnd().endsWith('WHERE ts_ms >= 1700000000500')).toBe(true);
    }
    const ms = featureSql({ table: { ...TABLE, timestampKind: 'ms' }, windowMs: 1000, dialect: 'array', fromMs: 5000 });
    expect(ms).toContain('`ts` > 4000');
  });

  it('refuses windows and bounds that are not whole, positive, in-range milliseconds', () => {
    const bad: unknown[] = [0, -1, 1.5, Number.NaN, Infinity, MAX_WINDOW_MS + 1, '300000', '1) --', null];
    for (const dialect of DIALECTS) {
      for (const windowMs of bad) {
        expect(() => featureSql({ table: TABLE, windowMs: windowMs as number, dialect })).toThrow(RangeError);
      }
      expect(() => featureSql({ table: TABLE, windowMs: MAX_WINDOW_MS, dialect })).not.toThrow();
      expect(() => featureSql({ table: TABLE, windowMs: 1000, dialect, fromMs: 1.5 })).toThrow(RangeError);
      expect(() => featureSql({ table: TABLE, windowMs: 1000, dialect, toMs: '9' as unknown as number })).toThrow(
        RangeError,
      );
      expect(() => featureSql({ table: TABLE, windowMs: 1000, dialect, fromMs: 10, toMs: 10 })).toThrow(RangeError);
    }
    expect(() => featureSql({ table: TABLE, windowMs: 1000, dialect: 'sql' as Dialect })).toThrow(/unknown dialect/);
  });

  it('names cannot change the query: any database, table or column name leaves the same shape', () => {
    const nasty = ['x` UNION ALL SELECT 1 --', 'a\\', 'a\\`', "it's", 'x"; DROP TABLE t; --', 'line\nbreak', '`'];
    for (const dialect of DIALECTS) {
      const plain = shape(featureSql({ table: TABLE, windowMs: 60_000, dialect, fromMs: 0, toMs: 10 }));
      expect(plain).not.toContain('`');
      for (const name of nasty) {
        const tables: FleetTable[] = [
          { ...TABLE, database: name },
          { ...TABLE, table: name },
          { ...TABLE, columns: { timestamp: name, ip: 'i', status: 's', arrival: 'a' } },
          { ...TABLE, columns: { timestamp: 't', ip: name, status: 's', arrival: 'a' } },
          { ...TABLE, columns: { timestamp: 't', ip: 'i', status: name, arrival: 'a' } },
          { ...TABLE, columns: { timestamp: 't', ip: 'i', status: 's', arrival: name } },
        ];
        for (const table of tables) {
          expect(shape(featureSql({ table, windowMs: 60_000, dialect, fromMs: 0, toMs: 10 }))).toBe(plain);
        }
      }
    }
  });

  it('refuses column names that would collide with its own aliases', () => {
    for (const name of ['od_ts', 'OD_IP', 'od_evs']) {
      const table = { ...TABLE, columns: { ...TABLE.columns, status: name } };
      expect(() => featureSql({ table, windowMs: 1000, dialect: 'window' })).toThrow(/reserved/);
    }
    // The result's names are given outside the mapped columns' scope, so a column may be called ts_ms.
    const table = { ...TABLE, columns: { ...TABLE.columns, timestamp: 'ts_ms' } };
    expect(() => featureSql({ table, windowMs: 1000, dialect: 'window' })).not.toThrow();
  });
});

describe('column kinds from DESCRIBE', () => {
  it('timestamp: DateTime64, DateTime or integer ms, through Nullable/LowCardinality', () => {
    expect(timestampKindOf("DateTime64(3, 'UTC')")).toBe('datetime64');
    expect(timestampKindOf('Nullable(DateTime64(6))')).toBe('datetime64');
    expect(timestampKindOf("DateTime('Europe/Paris')")).toBe('datetime');
    expect(timestampKindOf('DateTime')).toBe('datetime');
    expect(timestampKindOf('UInt64')).toBe('ms');
    expect(timestampKindOf('Int64')).toBe('ms');
    for (const t of ['String', 'Date', 'Float64', 'Decimal(18, 3)'])
      expect(() => timestampKindOf(t)).toThrow(/timestamp/);
  });
  it('client IP: text types, IPv4/IPv6 domains, or IPv4 as UInt32', () => {
    expect(ipKindOf('String')).toBe('text');
    expect(ipKindOf('LowCardinality(String)')).toBe('text');
    expect(ipKindOf('IPv4')).toBe('text');
    expect(ipKindOf('IPv6')).toBe('ipv6');
    expect(ipKindOf('FixedString(16)')).toBe('text');
    expect(ipKindOf('UInt32')).toBe('ipv4num');
    expect(ipKindOf('Nullable(IPv6)')).toBe('ipv6');
    expect(() => ipKindOf('UInt64')).toThrow(/client IP/);
  });
  it('status: integers only', () => {
    expect(() => assertStatusType('UInt16')).not.toThrow();
    expect(() => assertStatusType('Nullable(Int32)')).not.toThrow();
    expect(() => assertStatusType('String')).toThrow(/status/);
  });
});

describe('decodeRow', () => {
  const row = {
    ip: '10.0.0.1',
    ts_ms: '1700000000000',
    arrival: '7',
    request_count: '3',
    client_error_count: 1,
    server_error_count: '0',
  };
  it('reads 64-bit integers sent as JSON strings or numbers', () => {
    expect(decodeRow(row)).toEqual({
      ip: '10.0.0.1',
      tsMs: 1_700_000_000_000,
      arrival: '7',
      request: 3,
      client: 1,
      server: 0,
    });
  });
  it('refuses values that are not safe integers', () => {
    expect(() => decodeRow({ ...row, request_count: '1e3' })).toThrow(/request_count/);
    expect(() => decodeRow({ ...row, ts_ms: '9007199254740993' })).toThrow(/ts_ms/);
    expect(() => decodeRow({ ...row, ip: 5 })).toThrow(/malformed/);
  });
});
