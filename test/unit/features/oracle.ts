/** Test-only helpers shared by the feature tests: a seeded PRNG and the brute-force rule. */

export type Counts = [request: number, client: number, server: number];

export interface OracleRow {
  ip: string;
  tsMs: number;
  status: number;
}

export { rng } from '../../helpers/rng';

export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

/**
 * The rule written as plainly as possible, O(n²): rows are in arrival order (index = arrival);
 * row j counts row k when same IP, ts_k in (ts_j − W, ts_j], and (ts_k, k) ≤ (ts_j, j).
 */
export function bruteForce(rows: readonly OracleRow[], windowMs: number): Counts[] {
  return rows.map((r, j) => {
    const out: Counts = [0, 0, 0];
    rows.forEach((o, k) => {
      if (o.ip !== r.ip || o.tsMs <= r.tsMs - windowMs || o.tsMs > r.tsMs) return;
      if (o.tsMs === r.tsMs && k > j) return;
      out[0]++;
      if (o.status >= 400 && o.status <= 499) out[1]++;
      if (o.status >= 500 && o.status <= 599) out[2]++;
    });
    return out;
  });
}

/** What a live cache can know: the same rule restricted to rows that arrived before. */
export function arrivalTime(rows: readonly OracleRow[], windowMs: number): Counts[] {
  return rows.map((r, j) => {
    const out: Counts = [0, 0, 0];
    for (let k = 0; k <= j; k++) {
      const o = rows[k];
      if (o.ip !== r.ip || o.tsMs <= r.tsMs - windowMs || o.tsMs > r.tsMs) continue;
      out[0]++;
      if (o.status >= 400 && o.status <= 499) out[1]++;
      if (o.status >= 500 && o.status <= 599) out[2]++;
    }
    return out;
  });
}

/** Random logs with heavy ties, exact-W gaps and (optionally) late arrivals. */
export function randomRows(
  next: () => number,
  n: number,
  opts: { ips: number; windowMs: number; lateFraction: number; maxLateMs: number },
): OracleRow[] {
  const ips = Array.from({ length: opts.ips }, (_, k) => `10.0.0.${k}`);
  const statuses = [200, 200, 200, 301, 399, 400, 404, 499, 500, 503, 599, 600];
  const steps = [0, 0, 0, 1, 1000, opts.windowMs, opts.windowMs - 1, opts.windowMs + 1, opts.windowMs / 2];
  const rows: OracleRow[] = [];
  let t = 1_700_000_000_000;
  for (let k = 0; k < n; k++) {
    t += pick(next, steps);
    const late = next() < opts.lateFraction ? pick(next, [opts.windowMs, Math.floor(next() * opts.maxLateMs)]) : 0;
    rows.push({ ip: pick(next, ips), tsMs: t - late, status: pick(next, statuses) });
  }
  return rows;
}
