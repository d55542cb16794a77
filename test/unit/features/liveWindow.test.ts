import { describe, expect, it } from 'vitest';
import { LiveWindowCache } from '../../../src/main/features/liveWindow';
import type { FeatureCounts } from '../../../src/main/features/types';
import { arrivalTime, bruteForce, type Counts, type OracleRow } from './oracle';

const triple = (f: FeatureCounts): Counts => [f.request_count, f.client_error_count, f.server_error_count];
const entry = (ip: string, tsMs: number, status = 200): OracleRow => ({ ip, tsMs, status });

describe('LiveWindowCache', () => {
  it('keeps the left edge open, counts ties in arrival order, classifies 4xx/5xx inclusively', () => {
    const c = new LiveWindowCache({ windowMs: 1000 });
    expect(triple(c.add(entry('a', 0, 499)))).toEqual([1, 1, 0]);
    expect(triple(c.add(entry('a', 0, 500)))).toEqual([2, 1, 1]);
    expect(triple(c.add(entry('a', 999, 599)))).toEqual([3, 1, 2]);
    expect(triple(c.add(entry('a', 1000, 600)))).toEqual([2, 0, 1]); // rows at 0 are exactly W older
    expect(triple(c.add(entry('a', 1000, 399)))).toEqual([3, 0, 1]);
    expect(triple(c.add(entry('b', 1000, 400)))).toEqual([1, 1, 0]);
  });

  it('a flood from one IP at few distinct timestamps gives exact counts', () => {
    const c = new LiveWindowCache({ windowMs: 10_000 });
    let last: FeatureCounts = { request_count: 0, client_error_count: 0, server_error_count: 0 };
    for (let k = 0; k < 200_000; k++)
      last = c.add(entry('flood', Math.floor(k / 1000) * 1000, k % 10 === 0 ? 503 : 200));
    // The last 10 s hold timestamps 190,000 … 199,000 ms: 10 × 1000 entries, one in ten a 503.
    expect(triple(last)).toEqual([10_000, 0, 1000]);
  });

  it('bounds the IPs held by LRU: a flood of distinct IPs keeps at most maxIps', () => {
    const c = new LiveWindowCache({ windowMs: 300_000, maxIps: 1000 });
    let largest = 0;
    for (let k = 0; k < 100_000; k++) {
      c.add(entry(`ip-${k}`, 1_000_000 + k));
      largest = Math.max(largest, c.size);
    }
    expect(largest).toBe(1000);
    expect(c.size).toBe(1000);
    // The newest IPs are kept, the oldest were evicted and start over.
    expect(c.add(entry('ip-99999', 1_100_000)).request_count).toBe(2);
    expect(c.add(entry('ip-0', 1_100_000)).request_count).toBe(1);
  });

  it('evicts the least recently used IP, not the first inserted', () => {
    const c = new LiveWindowCache({ windowMs: 1000, maxIps: 3 });
    c.add(entry('a', 0));
    c.add(entry('b', 1));
    c.add(entry('c', 2));
    c.add(entry('a', 3)); // a is now the most recent
    c.add(entry('d', 4)); // evicts b
    expect(c.size).toBe(3);
    expect(c.add(entry('a', 5)).request_count).toBe(3);
    expect(c.add(entry('b', 6)).request_count).toBe(1);
  });

  it('expires IPs after the TTL (default W + 60 s) on the data clock', () => {
    const W = 1000;
    const c = new LiveWindowCache({ windowMs: W });
    expect(c.ttlMs).toBe(61_000);
    c.add(entry('a', 0));
    c.add(entry('b', 60_999));
    expect(c.size).toBe(2);
    c.add(entry('b', 61_000));
    expect(c.size).toBe(1);
  });

  it('can expire by an injected clock instead', () => {
    let wall = 0;
    const c = new LiveWindowCache({ windowMs: 1000, ttlMs: 5000, now: () => wall });
    c.add(entry('a', 123));
    wall = 4999;
    c.add(entry('b', 124));
    expect(c.size).toBe(2);
    wall = 5000;
    c.add(entry('b', 125));
    expect(c.size).toBe(1);
  });

  it('late entries: exact arrival-time counts within the grace, stored for later entries', () => {
    const W = 10_000;
    const rows = [
      entry('a', 100_000, 404),
      entry('a', 95_000, 500), // late, inside W of the newest
      entry('a', 80_000, 200), // late, beyond W but within the 60 s grace
      entry('a', 95_000, 200), // ties with a late entry
      entry('a', 104_999, 200), // counts the 95,000 rows, not the 80,000 one
      entry('a', 105_000, 200), // 95,000 is exactly W older: out
    ];
    const c = new LiveWindowCache({ windowMs: W });
    expect(rows.map((r) => triple(c.add(r)))).toEqual(arrivalTime(rows, W));
    expect(arrivalTime(rows, W).slice(4)).toEqual(bruteForce(rows, W).slice(4));
  });

  it('late entries older than the TTL are answered from what is left, and not stored', () => {
    const c = new LiveWindowCache({ windowMs: 1000, ttlMs: 2000 });
    c.add(entry('a', 10_000));
    c.add(entry('a', 9_500));
    expect(triple(c.add(entry('a', 7_000, 500)))).toEqual([1, 0, 1]);
    expect(c.add(entry('a', 7_000)).request_count).toBe(1);
    expect(c.add(entry('a', 10_001)).request_count).toBe(3);
  });

  it('clear() forgets everything; bad options and timestamps are refused', () => {
    const c = new LiveWindowCache({ windowMs: 1000 });
    c.add(entry('a', 1));
    c.clear();
    expect(c.size).toBe(0);
    expect(c.add(entry('a', 1)).request_count).toBe(1);
    expect(() => new LiveWindowCache({ windowMs: 0 })).toThrow(RangeError);
    expect(() => new LiveWindowCache({ windowMs: 1000, ttlMs: 999 })).toThrow(RangeError);
    expect(() => new LiveWindowCache({ windowMs: 1000, maxIps: 0 })).toThrow(RangeError);
    expect(() => c.add(entry('a', Number.NaN))).toThrow(RangeError);
  });

  it('warm() feeds entries without answers', () => {
    const c = new LiveWindowCache({ windowMs: 1000 });
    expect(c.warm([entry('a', 1), entry('a', 2)])).toBe(2);
    expect(c.add(entry('a', 3)).request_count).toBe(3);
  });
});
