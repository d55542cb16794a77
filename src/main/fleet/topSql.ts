import { flagSql, floatLiteral, type CompiledForest } from './iforestSql';

/**
 * A shard's top rows and counts, time slice by time slice, in two steps:
 *
 *   sliceLowSql  the slice's rows scored and flagged, and its distinct (request, 4xx, 5xx) triples
 *                of the `limit` lowest path totals, with their rows.
 *   sliceTopSql  the slice's rows of given triples, best first (the triples' rank by path total,
 *                then time, IP, arrival).
 * The caller takes the lowest triples over all slices until they hold `limit` rows: that path
 * total bounds the shard's top, so only slices with a triple at or under it are read again, for
 * those triples only. Exact: a row of slice s over the bound, or over s's `limit`-th lowest
 * path total, has at least `limit` rows strictly before it.
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

/**
 * The slice's low triples, grouped by path total: the `limit` lowest totals (so at least `limit`
 * triples, ties included), each with od_path, iforest_score, iforest_flag, od_triples (the
 * triples and their rows, as [request, 4xx, 5xx, rows]) and od_scored (its rows). Run as
 * FORMAT JSONCompact: the totals row carries the slice's od_scored and od_flagged.
 *
 * The forest sits one level under the outer query: 18.16 analyses a subquery again for each
 * level above it, ~1.1 s a level for a 100-tree forest (2.8 s at the top, 6.2 s two levels down
 * with ARRAY JOIN). The outer GROUP BY only regroups (one row a total) to get totals of the
 * counts without the inner groups' triples: its argMin keeps the lowest group's.
 */
export function sliceLowSql(featureQuery: string, c: CompiledForest, limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`limit must be ≥ 1, got ${limit}`);
  const flag = flagSql(c);
  return `SELECT od_path, pow(2, -od_path / ${floatLiteral(c.denominator)}) AS iforest_score, toUInt8(${flag}) AS iforest_flag,
    argMin(od_group, od_path) AS od_triples, sum(od_n) AS od_scored, sumIf(od_n, ${flag}) AS od_flagged
  FROM (
    SELECT (${c.pathExpr}) AS od_path, groupArray(tuple(${TRIPLE}, od_rows)) AS od_group, sum(od_rows) AS od_n
    FROM (
      SELECT ${TRIPLE}, count() AS od_rows
      FROM (
        ${featureQuery}
      )
      GROUP BY ${TRIPLE}
    )
    GROUP BY od_path
  )
  GROUP BY od_path WITH TOTALS
  ORDER BY od_path
  LIMIT ${limit}`;
}

/** A sliceLowSql answer (FORMAT JSONCompact: rows as arrays in its column order, 64-bit integers as text). */
export interface WireLowGroups {
  data: readonly unknown[][];
  totals?: readonly unknown[];
}

const count = (v: unknown, name: string): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`server sent ${name} = ${JSON.stringify(v)}, not a count`);
  return n;
};

const finite = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`server sent ${name} = ${JSON.stringify(v)}`);
  return v;
};

/** The low triples and the slice's counts (no totals row: an empty slice). */
export function decodeLowGroups(w: WireLowGroups): { triples: LowTriple[]; scored: number; flagged: number } {
  const triples: LowTriple[] = [];
  for (const [path, sc, fl, group] of w.data) {
    const pathTotal = finite(path, 'od_path');
    const score = finite(sc, 'iforest_score');
    const flag = count(fl, 'iforest_flag');
    if (flag > 1 || !Array.isArray(group)) throw new Error('server sent a malformed triple group');
    for (const t of group as unknown[]) {
      if (!Array.isArray(t) || t.length !== 4) throw new Error('server sent a malformed triple');
      const [request, client, server, rows] = t.map((v, k) => count(v, `triple field ${k}`));
      triples.push({ request, client, server, pathTotal, score, flagged: flag === 1, rows });
    }
  }
  return {
    triples,
    scored: w.totals ? count(w.totals[4], 'od_scored') : 0,
    flagged: w.totals ? count(w.totals[5], 'od_flagged') : 0,
  };
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
