import type { FleetFeatureRow } from './clickhouseSource';

/**
 * The stratified training sample of fleet mode: feature rows computed on the server, split into
 * strata by a hash of the client IP (cityHash64(ip) % strata), at most `perStratum` rows of each,
 * chosen by a hash of the row (cityHash64(ip, ts_ms, arrival)) so the choice is deterministic and
 * even within a stratum. A few IPs with most of the traffic fill their strata only; quiet IPs
 * in other strata are kept whole. Only the chosen rows cross the wire.
 *
 * On a Distributed table each shard caps its own strata; a stratum whose IPs live on several
 * shards can then arrive over the cap, so `capStrata` applies the same order and cap to the
 * union: the sample equals the one a single server holding every row would send.
 */

export interface SamplePlan {
  strata: number;
  perStratum: number;
}

/** `sampleRows` spread over `strata`: the cap per stratum (≥ 1). */
export function planSample(sampleRows: number, strata: number): SamplePlan {
  if (!Number.isSafeInteger(sampleRows) || sampleRows < 1)
    throw new RangeError(`sampleRows must be ≥ 1, got ${sampleRows}`);
  if (!Number.isSafeInteger(strata) || strata < 1 || strata > 65_536)
    throw new RangeError(`strata must be 1 … 65536, got ${strata}`);
  return { strata, perStratum: Math.max(1, Math.ceil(sampleRows / strata)) };
}

/** A sampled row: its features, its stratum and its rank in the stratum (the row hash, UInt64). */
export interface SampledRow extends FleetFeatureRow {
  stratum: number;
  rank: bigint;
}

/** Row hash and stratum: the same argument types in both dialects, so shards agree. */
const ROW_HASH = 'cityHash64(ip, toInt64(ts_ms), toString(arrival))';

/**
 * The sample of a feature query's rows (RESULT_COLUMNS): each stratum's first `perStratum` rows
 * by rank. Ties of rank (identical ip, ts and arrival) are broken by the counts.
 *
 * With `cutoffs` (sampleCutoffs), a stratum named there first drops its rows ranked over its
 * cutoff, so only a few times the cap are sorted, not every row of a busy IP. Exact as long as
 * each such stratum still keeps `perStratum` rows (filledStrata): every dropped row is ranked after
 * every kept one.
 */
export function sampleSql(featureQuery: string, plan: SamplePlan, cutoffs?: ReadonlyMap<number, bigint>): string {
  planSample(plan.perStratum, plan.strata);
  const stratum = `toUInt32(cityHash64(ip) % ${plan.strata})`;
  let where = '';
  if (cutoffs && cutoffs.size > 0) {
    const keys: string[] = [];
    const values: string[] = [];
    for (const [k, c] of cutoffs) {
      if (!Number.isSafeInteger(k) || k < 0 || k >= plan.strata) throw new RangeError(`no stratum ${k}`);
      if (typeof c !== 'bigint' || c < 0n || c > MAX_U64) throw new RangeError(`not a UInt64 cutoff: ${c}`);
      keys.push(String(k));
      values.push(String(c));
    }
    where = `\n  WHERE ${ROW_HASH} <= transform(${stratum}, CAST([${keys.join(', ')}] AS Array(UInt32)), CAST([${values.join(', ')}] AS Array(UInt64)), toUInt64(${MAX_U64}))`;
  }
  return `SELECT ip, ts_ms, arrival, request_count, client_error_count, server_error_count,
    ${stratum} AS od_stratum,
    toString(${ROW_HASH}) AS od_rank
  FROM (
    ${featureQuery}
  )${where}
  ORDER BY od_stratum, ${ROW_HASH}, request_count, client_error_count, server_error_count
  LIMIT ${plan.perStratum} BY od_stratum`;
}

const MAX_U64 = 2n ** 64n - 1n;

/**
 * Rows a cut stratum aims to keep beyond the cap: the row hash spreads a stratum's rows evenly,
 * so the kept count is about binomial; 8 standard deviations and a floor of 16 make a shortfall
 * (and the slice's rerun uncut) a rarity.
 */
export function defaultSpare(perStratum: number): number {
  return Math.ceil(8 * Math.sqrt(perStratum)) + 16;
}

/**
 * Row-hash cutoffs for the strata of a slice holding more than `perStratum + spare` rows (from
 * strataSizesSql): each keeps about that many, the hash's lowest share. Other strata are not cut.
 */
export function sampleCutoffs(
  sizes: ReadonlyMap<number, number>,
  plan: SamplePlan,
  spare = defaultSpare(plan.perStratum),
): Map<number, bigint> {
  const out = new Map<number, bigint>();
  const want = plan.perStratum + spare;
  if (!Number.isFinite(want)) return out;
  for (const [stratum, n] of sizes) {
    if (n <= want) continue;
    const keep = BigInt(Math.max(0, Math.floor(want)));
    out.set(stratum, ((MAX_U64 + 1n) * keep) / BigInt(n));
  }
  return out;
}

/** Whether every cut stratum still gave its full cap (else the cut sample is not the true one). */
export function filledStrata(
  rows: readonly SampledRow[],
  cutoffs: ReadonlyMap<number, bigint>,
  perStratum: number,
): boolean {
  const got = new Map<number, number>();
  for (const r of rows) got.set(r.stratum, (got.get(r.stratum) ?? 0) + 1);
  for (const stratum of cutoffs.keys()) if ((got.get(stratum) ?? 0) < perStratum) return false;
  return true;
}

/** The order sampleSql sorts in: stratum, rank, then the counts. */
export function compareSampled(a: SampledRow, b: SampledRow): number {
  return (
    a.stratum - b.stratum ||
    (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0) ||
    a.request - b.request ||
    a.client - b.client ||
    a.server - b.server
  );
}

/** The union of the shards' samples, in sample order, with each stratum cut to the cap. */
export function capStrata(rows: readonly SampledRow[], perStratum: number): SampledRow[] {
  const sorted = [...rows].sort(compareSampled);
  const out: SampledRow[] = [];
  let stratum = -1;
  let kept = 0;
  for (const r of sorted) {
    if (r.stratum !== stratum) {
      stratum = r.stratum;
      kept = 0;
    }
    if (kept < perStratum) {
      out.push(r);
      kept++;
    }
  }
  return out;
}

/** The training matrix (request, 4xx, 5xx per row, the desktop's column order), row-major. */
export function sampleMatrix(rows: readonly FleetFeatureRow[]): { rows: number; cols: 3; data: Float64Array } {
  const data = new Float64Array(rows.length * 3);
  rows.forEach((r, i) => {
    data[i * 3] = r.request;
    data[i * 3 + 1] = r.client;
    data[i * 3 + 2] = r.server;
  });
  return { rows: rows.length, cols: 3, data };
}
