import type { CompiledForest } from './iforestSql';

/**
 * A shard's top rows and counts, time slice by time slice, in two steps:
 *
 *   sliceLowSql  the slice's rows scored and flagged, and its distinct (request, 4xx, 5xx) triples
 *                whose path total is at most the `limit`-th lowest triple's, with their rows.
 *   sliceTopSql  the slice's rows of given triples, best first (the triples' rank by path total,
 *                then time, IP, arrival).
 * The caller takes the lowest triples over all slices until they hold `limit` rows: that path
 * total bounds the shard's top, so only slices with a triple at or under it are read again, for
 * those triples only. Exact: a row of slice s over the bound, or over s's own `limit`-th lowest
 * triple, has at least `limit` rows strictly before it.
 *
 * Why not one query per slice joining the scored triples back to the rows: that computed every
 * slice's features twice and, on 18.16, analysed the forest expression twice (7.3 s of a slice's
 * 27 s before any row is read, on the 20M-row bench; the sweep takes 4 s, the forest over the
 * slice's 1.04M distinct triples 11 s). The forest is still evaluated once per distinct triple of
 * each slice, on one block: the single-stream GROUP BY hands all triples over at once, and a
 * parallel one would hand over 256 small blocks, each paying 18.16's per-block overhead for the
 * ~16,000 actions of a 100-tree forest (~0.4 s a block).
 * Only the low triples (≤ limit and ties, per slice) and the top rows cross the wire. Ranks, not
 * path totals, go back into SQL: a double printed and parsed again need not be the same double.
 */

export const TRIPLE = 'request_count, client_error_count, server_error_count';

const float = (v: number): string => {
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  const s = String(v);
  return s.includes('e') || s.includes('.') ? s : `${s}.0`;
};

/**
 * Columns: the triple, od_path, iforest_score, iforest_flag, od_rows (the triple's rows in the
 * slice), od_scored and od_flagged (the slice's counts, on every row). No rows for an empty slice.
 */
export function sliceLowSql(featureQuery: string, c: CompiledForest, limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be ≥ 1, got ${limit}`);
  const flag = (path: string): string => (c.cutoff < 0 ? '0' : `${path} <= ${float(c.cutoff)}`);
  const t = (k: number): string => `tupleElement(od_t, ${k})`;
  return `SELECT ${t(1)} AS request_count, ${t(2)} AS client_error_count, ${t(3)} AS server_error_count,
    ${t(4)} AS od_path, pow(2, -od_path / ${float(c.denominator)}) AS iforest_score,
    toUInt8(${flag('od_path')}) AS iforest_flag, ${t(5)} AS od_rows, od_scored, od_flagged
  FROM (
    SELECT arraySort(od_x -> tupleElement(od_x, 4), groupArray(tuple(${TRIPLE}, od_tp, od_rows))) AS od_all,
      sum(od_rows) AS od_scored, sumIf(od_rows, ${flag('od_tp')}) AS od_flagged
    FROM (
      SELECT ${TRIPLE}, od_rows, (${c.pathExpr}) AS od_tp
      FROM (
        SELECT ${TRIPLE}, count() AS od_rows
        FROM (
          ${featureQuery}
        )
        GROUP BY ${TRIPLE}
      )
    )
  )
  ARRAY JOIN od_all AS od_t
  WHERE ${t(4)} <= tupleElement(od_all[least(${limit}, length(od_all))], 4)`;
}

export interface RankedTriple {
  request: number;
  client: number;
  server: number;
  /** ≥ 1; equal for equal path totals, rising with them. */
  rank: number;
}

const tripleKey =
  "concat(toString(request_count), ',', toString(client_error_count), ',', toString(server_error_count))";

/** The triple as sliceTopSql's key text. */
export const tripleText = (t: { request: number; client: number; server: number }): string =>
  `${t.request},${t.client},${t.server}`;

/**
 * One slice's rows whose triple is among `low`, best first: RESULT_COLUMNS and od_rank, at most
 * `limit` rows.
 */
export function sliceTopSql(featureQuery: string, low: readonly RankedTriple[], limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be ≥ 1, got ${limit}`);
  if (low.length === 0) throw new RangeError('no triples');
  for (const t of low) {
    for (const v of [t.request, t.client, t.server, t.rank]) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`not a count: ${v}`);
    }
    if (t.rank < 1) throw new RangeError(`rank must be ≥ 1, got ${t.rank}`);
  }
  const keys = low.map((t) => `'${tripleText(t)}'`).join(',');
  const ranks = low.map((t) => String(t.rank)).join(',');
  // Two tuples at least: `IN ((1, 2, 3))` would read as one tuple of three values.
  const tuples = low.map((t) => `(${t.request}, ${t.client}, ${t.server})`);
  const set = (tuples.length === 1 ? [tuples[0], tuples[0]] : tuples).join(', ');
  return `SELECT ip, ts_ms, arrival, ${TRIPLE}, od_rank
  FROM (
    SELECT ip, ts_ms, arrival, ${TRIPLE}, transform(${tripleKey}, [${keys}], [${ranks}], 0) AS od_rank
    FROM (
      ${featureQuery}
    )
    WHERE (${TRIPLE}) IN (${set})
  )
  ORDER BY od_rank, ts_ms, ip, arrival
  LIMIT ${limit}`;
}

/** A slice's low triple with the forest's verdict (a sliceLowSql row). */
export interface LowTriple {
  request: number;
  client: number;
  server: number;
  pathTotal: number;
  score: number;
  flagged: boolean;
  /** The triple's rows in its slice. */
  rows: number;
}

/**
 * Of every slice's low triples, those that can hold a row of the top `limit`: the lowest path
 * totals until their rows reach `limit`, and all tied with the last. Each kept triple gets its
 * rank among the kept path totals (1-based, equal totals equal ranks), by tripleText.
 */
export function topTriples(
  slices: ReadonlyArray<readonly LowTriple[]>,
  limit: number,
): { bound: number; ranks: Map<string, number> } {
  const all = slices.flat().sort((a, b) => a.pathTotal - b.pathTotal);
  let bound = Infinity;
  let rows = 0;
  for (const t of all) {
    rows += t.rows;
    if (rows >= limit) {
      bound = t.pathTotal;
      break;
    }
  }
  const ranks = new Map<string, number>();
  let rank = 0;
  let last = NaN;
  for (const t of all) {
    if (t.pathTotal > bound) break;
    if (t.pathTotal !== last) rank++;
    last = t.pathTotal;
    ranks.set(tripleText(t), rank);
  }
  return { bound, ranks };
}
