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
 */
export function sampleSql(featureQuery: string, plan: SamplePlan): string {
  planSample(plan.perStratum, plan.strata);
  return `SELECT ip, ts_ms, arrival, request_count, client_error_count, server_error_count,
    toUInt32(cityHash64(ip) % ${plan.strata}) AS od_stratum,
    toString(${ROW_HASH}) AS od_rank
  FROM (
    ${featureQuery}
  )
  ORDER BY od_stratum, ${ROW_HASH}, request_count, client_error_count, server_error_count
  LIMIT ${plan.perStratum} BY od_stratum`;
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
