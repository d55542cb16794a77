import { describe, expect, it } from 'vitest';
import {
  capStrata,
  defaultSpare,
  filledStrata,
  planSample,
  sampleCutoffs,
  sampleMatrix,
  sampleSql,
  type SampledRow,
} from '../../../src/main/fleet/sampler';
import { detectMapping, mappingProblems } from '../../../src/main/fleet/columnMapping';

const row = (stratum: number, rank: bigint, request = 1): SampledRow => ({
  ip: `10.0.0.${stratum}`,
  tsMs: 1_000 + Number(rank % 1000n),
  arrival: String(rank),
  request,
  client: 0,
  server: 0,
  stratum,
  rank,
});

describe('planSample', () => {
  it('spreads the sample over the strata, rounding the cap up', () => {
    expect(planSample(4_000, 64)).toEqual({ strata: 64, perStratum: 63 });
    expect(planSample(100, 1)).toEqual({ strata: 1, perStratum: 100 });
    expect(planSample(10, 64)).toEqual({ strata: 64, perStratum: 1 });
  });

  it('refuses what is not a whole positive count', () => {
    expect(() => planSample(0, 4)).toThrow(RangeError);
    expect(() => planSample(10.5, 4)).toThrow(RangeError);
    expect(() => planSample(10, 0)).toThrow(RangeError);
    expect(() => planSample(10, Number.NaN)).toThrow(RangeError);
  });
});

describe('sampleSql', () => {
  it('caps each stratum of the IP hash, ordered by the row hash, around the feature query', () => {
    const sql = sampleSql('SELECT 1', { strata: 16, perStratum: 50 });
    expect(sql).toContain('cityHash64(ip) % 16');
    expect(sql).toContain('LIMIT 50 BY od_stratum');
    expect(sql).toMatch(/ORDER BY od_stratum, cityHash64\(ip, toInt64\(ts_ms\), toString\(arrival\)\)/);
    expect(sql).toContain('SELECT 1');
  });

  it('puts only validated integers into the text', () => {
    expect(() => sampleSql('SELECT 1', { strata: 16, perStratum: 1.5 })).toThrow(RangeError);
    expect(() => sampleSql('SELECT 1', { strata: 0, perStratum: 5 })).toThrow(RangeError);
  });
});

describe('sampleCutoffs and filledStrata', () => {
  const plan = { strata: 8, perStratum: 100 };
  it('cuts only the strata holding more than the cap and its spare, to about that many rows', () => {
    const want = 100 + defaultSpare(100);
    const cut = sampleCutoffs(
      new Map([
        [0, 50],
        [1, want],
        [2, want + 1],
        [3, 4 * want],
      ]),
      plan,
    );
    expect([...cut.keys()]).toEqual([2, 3]);
    // A quarter of the hash space for a stratum four times the aim.
    expect(cut.get(3)).toBe(2n ** 62n);
    expect(cut.get(2)! > 2n ** 63n).toBe(true);
  });
  it('cuts nothing with an endless spare', () => {
    expect(sampleCutoffs(new Map([[0, 10 ** 9]]), plan, Infinity).size).toBe(0);
  });
  it('says whether each cut stratum still gave its whole cap', () => {
    const rows = [...Array.from({ length: 100 }, () => row(2, 1n)), row(3, 1n)];
    expect(filledStrata(rows, new Map([[2, 5n]]), 100)).toBe(true);
    expect(filledStrata(rows, new Map([[3, 5n]]), 100)).toBe(false);
    expect(filledStrata(rows, new Map(), 100)).toBe(true);
  });
  it('puts the cutoffs into the sample query as UInt64 literals, each with its stratum', () => {
    const sql = sampleSql('SELECT 1', plan, new Map([[3, 2n ** 64n - 1n]]));
    expect(sql).toContain('CAST([3] AS Array(UInt32)), CAST([18446744073709551615] AS Array(UInt64))');
    expect(() => sampleSql('SELECT 1', plan, new Map([[8, 1n]]))).toThrow(RangeError);
    expect(() => sampleSql('SELECT 1', plan, new Map([[0, 2n ** 64n]]))).toThrow(RangeError);
  });
});

describe('capStrata', () => {
  it('keeps the lowest ranks of each stratum, in stratum and rank order', () => {
    const rows = [row(2, 9n), row(1, 5n), row(1, 3n), row(2, 1n), row(1, 4n), row(2, 7n)];
    expect(capStrata(rows, 2).map((r) => [r.stratum, r.rank])).toEqual([
      [1, 3n],
      [1, 4n],
      [2, 1n],
      [2, 7n],
    ]);
  });

  it('orders 64-bit ranks exactly (beyond 2^53)', () => {
    const big = 2n ** 63n;
    const rows = [row(0, big + 2n), row(0, big + 1n)];
    expect(capStrata(rows, 1)[0].rank).toBe(big + 1n);
  });

  it('is the same whatever order the shards sent their rows in', () => {
    const rows = Array.from({ length: 200 }, (_, i) => row(i % 7, BigInt((i * 7919) % 1009), i % 3));
    const a = capStrata(rows, 5);
    const b = capStrata([...rows].reverse(), 5);
    expect(b).toEqual(a);
    expect(a).toHaveLength(35);
  });

  it('gives the training matrix in the desktop column order', () => {
    const m = sampleMatrix([{ ...row(0, 1n), request: 3, client: 2, server: 1 }]);
    expect(m).toEqual({ rows: 1, cols: 3, data: Float64Array.from([3, 2, 1]) });
  });
});

describe('column mapping', () => {
  const columns = [
    { name: 'event_time', type: "DateTime64(3, 'UTC')" },
    { name: 'remote_addr', type: 'IPv4' },
    { name: 'status', type: 'UInt16' },
    { name: 'request_uri', type: 'String' },
    { name: 'http_user_agent', type: 'LowCardinality(String)' },
    { name: 'body_bytes_sent', type: 'UInt64' },
    { name: 'method', type: 'LowCardinality(String)' },
  ];

  it('finds the roles of a typical nginx table by name and type', () => {
    expect(detectMapping(columns)).toEqual({
      timestamp: 'event_time',
      ip: 'remote_addr',
      status: 'status',
      path: 'request_uri',
      userAgent: 'http_user_agent',
      bytes: 'body_bytes_sent',
      method: 'method',
    });
    expect(mappingProblems(columns, detectMapping(columns))).toEqual([]);
  });

  it('names missing roles and mistyped columns', () => {
    expect(mappingProblems([{ name: 'x', type: 'String' }], { timestamp: 'x' })).toEqual([
      'x (String) cannot be read as timestamp',
      'map a column as ip',
      'map a column as status',
    ]);
    expect(mappingProblems(columns, { timestamp: 'event_time', ip: 'gone', status: 'status' })).toEqual([
      'the table has no column gone (mapped as ip)',
    ]);
  });

  it('skips a column whose name fits but whose type does not', () => {
    expect(detectMapping([{ name: 'status', type: 'String' }]).status).toBeUndefined();
  });
});
