import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { Ensemble } from '../../../src/main/detectors/ensemble';
import { IsolationForest } from '../../../src/main/detectors/iforest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import type { ClickHouseClient } from '@clickhouse/client';
import {
  ClickHouseSource,
  type FleetFeatureOptions,
  type FleetFeatureRow,
  type FleetScoredRow,
  type SourceTuning,
} from '../../../src/main/fleet/clickhouseSource';
import type { FleetTable } from '../../../src/main/fleet/clickhouseSql';
import { capStrata, planSample } from '../../../src/main/fleet/sampler';
import { forestTrees, pathTotal } from '../../../src/main/fleet/iforestSql';
import type { FleetTopRow } from '../../../src/shared/schemas/fleet';
import { createCombinedParser } from '../../../src/main/ingest/parse';
import type { Counts, OracleRow } from '../../unit/features/oracle';
import { addSource, insertLogs, readGzCsv, storedFeatures, tempDb } from '../features/helpers';

/** The real 10,000-line Apache log (the same file the desktop's ingest tests read). */
export const APACHE_LOG = fileURLToPath(new URL('../../fixtures/ingest/apache_logs.log.gz', import.meta.url));

/** The log's lines parsed by the desktop's combined parser, in file (arrival) order. */
export function apacheRows(): OracleRow[] {
  const parser = createCombinedParser();
  const lines = gunzipSync(readFileSync(APACHE_LOG)).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const rows = lines.map((line, k) => {
    const r = parser.parse(line);
    if (!r.ok) throw new Error(`line ${k + 1} does not parse: ${r.reason}`);
    return { ip: r.entry.ip, tsMs: r.entry.tsMs, status: r.entry.status };
  });
  // The same entries the other feature tests read from the parsed fixture.
  const parsed = readGzCsv('../ingest/apache_logs.parsed.csv.gz');
  const col = (name: string): number => parsed[0].indexOf(name);
  expect(rows).toEqual(
    parsed.slice(1).map((r) => ({ ip: r[col('ip')], tsMs: Number(r[col('ts_ms')]), status: Number(r[col('status')]) })),
  );
  return rows;
}

/** What the desktop stores for these rows, inserted in this (arrival) order: windowScan on SQLite. */
export function desktopFeatures(rows: readonly OracleRow[], windowMs: number): Counts[] {
  const t = tempDb();
  try {
    insertLogs(t.db, addSource(t.db, '/fleet/test.log'), rows);
    expect(recomputeAllFeatures(t.db, windowMs).rows).toBe(rows.length);
    return storedFeatures(t.db);
  } finally {
    t.cleanup();
  }
}

export async function collect<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}

/**
 * Mismatch descriptions (empty when equal): every expected row once, with its ip, ts and counts.
 * `arrival` of a server row is the row's index in `rows` plus `firstSeq`; `only` limits the rows
 * expected (a time range).
 */
export function compareByArrival(
  got: readonly FleetFeatureRow[],
  rows: readonly OracleRow[],
  want: readonly Counts[],
  opts: { firstSeq?: number; only?: (k: number) => boolean } = {},
): string[] {
  const { firstSeq = 0, only = () => true } = opts;
  const bad: string[] = [];
  const seen = new Set<number>();
  for (const g of got) {
    const k = Number(g.arrival) - firstSeq;
    if (!Number.isInteger(k) || k < 0 || k >= rows.length || !only(k) || seen.has(k)) {
      bad.push(`unexpected or repeated row ${JSON.stringify(g)}`);
      continue;
    }
    seen.add(k);
    const w = want[k];
    if (
      g.ip !== rows[k].ip ||
      g.tsMs !== rows[k].tsMs ||
      g.request !== w[0] ||
      g.client !== w[1] ||
      g.server !== w[2]
    ) {
      bad.push(`row ${k}: got ${JSON.stringify(g)}, want ${rows[k].ip} ${rows[k].tsMs} ${w.join('/')}`);
    }
  }
  rows.forEach((_, k) => {
    if (only(k) && !seen.has(k)) bad.push(`row ${k} missing`);
  });
  return bad;
}

/** The desktop's Isolation Forest on the `original` features, trained and scored as the ML worker does. */
export interface DesktopForest {
  model: IsolationForest;
  scores: Float64Array;
  flags: Uint8Array;
}

export function trainDesktopForest(features: readonly Counts[], seed: number, trees?: number): DesktopForest {
  const X = { rows: features.length, cols: 3, data: Float64Array.from(features.flat()) };
  if (trees !== undefined) {
    // A bigger forest than the desktop's 100 trees, for the size limits: the detector itself.
    const model = new IsolationForest({ contamination: 0.05, seed, nEstimators: trees }).fit(X);
    return { model, scores: model.trainingScores, flags: model.predict(X) };
  }
  // The worker's `original` path: new Ensemble(options).fit(features), untransformed counts.
  const ensemble = new Ensemble({ models: ['iforest'], contamination: 0.05, seed }).fit(X);
  const s = ensemble.score(X);
  return { model: ensemble.detector('iforest') as IsolationForest, scores: s.models[0].scores, flags: s.isAnomaly };
}

/** Scored server rows against the desktop's verdicts, joined on arrival; mismatch descriptions. */
export function compareScores(
  got: readonly FleetScoredRow[],
  desktop: DesktopForest,
  totals: Float64Array,
  firstSeq = 0,
): { bad: string[]; maxScoreDiff: number } {
  const bad: string[] = [];
  let maxScoreDiff = 0;
  const seen = new Set<number>();
  for (const g of got) {
    const k = Number(g.arrival) - firstSeq;
    if (!Number.isInteger(k) || k < 0 || k >= desktop.flags.length || seen.has(k)) {
      bad.push(`unexpected or repeated row ${JSON.stringify(g)}`);
      continue;
    }
    seen.add(k);
    maxScoreDiff = Math.max(maxScoreDiff, Math.abs(g.score - desktop.scores[k]));
    if (g.flagged !== (desktop.flags[k] === 1) || g.pathTotal !== totals[k]) {
      bad.push(
        `row ${k}: got flag ${g.flagged} total ${g.pathTotal} score ${g.score}, ` +
          `desktop flag ${desktop.flags[k]} total ${totals[k]} score ${desktop.scores[k]}`,
      );
    }
  }
  if (seen.size !== desktop.flags.length) bad.push(`${desktop.flags.length - seen.size} rows missing`);
  return { bad, maxScoreDiff };
}

/** A top row without the entry's own fields (those are read back from the table, not computed). */
/** What the server's forest decides of a returned row (the desktop's LOF, KNN and vote left out). */
export type RankedRow = Pick<
  FleetTopRow,
  | 'ip'
  | 'tsMs'
  | 'arrival'
  | 'requestCount'
  | 'clientErrorCount'
  | 'serverErrorCount'
  | 'pathTotal'
  | 'score'
  | 'flagged'
>;

/** What the desktop ranks first for [from, to) with a forest trained on `sample`, as fleet analyse answers it. */
export interface DesktopRanking {
  top: RankedRow[];
  flagged: number;
  scored: number;
  threshold: number;
}

/**
 * The desktop's side of a fleet analysis: the sample's features checked against the desktop's
 * (row for row, joined on arrival), the ML worker's `original` Isolation Forest trained on them
 * (an Ensemble of the one model, untransformed counts, the given seed), every desktop row of the
 * range scored, ranked by path total (then time, IP, arrival) and cut at `limit`.
 */
export function desktopRanking(opts: {
  sample: readonly FleetFeatureRow[];
  rows: readonly OracleRow[];
  features: readonly Counts[];
  firstSeq: number;
  from: number;
  to: number;
  seed: number;
  limit: number;
  contamination?: number;
}): DesktopRanking {
  const { rows, features, firstSeq } = opts;
  for (const s of opts.sample) {
    const k = Number(s.arrival) - firstSeq;
    expect([s.ip, s.tsMs, s.request, s.client, s.server]).toEqual([rows[k].ip, rows[k].tsMs, ...features[k]]);
  }
  const X = {
    rows: opts.sample.length,
    cols: 3,
    data: Float64Array.from(opts.sample.flatMap((s) => [s.request, s.client, s.server])),
  };
  const ensemble = new Ensemble({
    models: ['iforest'],
    contamination: opts.contamination ?? 0.05,
    seed: opts.seed,
  }).fit(X);
  const model = ensemble.detector('iforest') as IsolationForest;
  const trees = forestTrees(model);
  const inRange = rows.map((_, k) => k).filter((k) => rows[k].tsMs >= opts.from && rows[k].tsMs < opts.to);
  const scores = model.score({
    rows: inRange.length,
    cols: 3,
    data: Float64Array.from(inRange.flatMap((k) => features[k])),
  });
  const ranked: RankedRow[] = inRange.map((k, i) => ({
    ip: rows[k].ip,
    tsMs: rows[k].tsMs,
    arrival: String(k + firstSeq),
    requestCount: features[k][0],
    clientErrorCount: features[k][1],
    serverErrorCount: features[k][2],
    pathTotal: pathTotal(trees, features[k]),
    score: scores[i],
    flagged: scores[i] > model.threshold,
  }));
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  ranked.sort((a, b) => a.pathTotal - b.pathTotal || a.tsMs - b.tsMs || cmp(a.ip, b.ip) || cmp(a.arrival, b.arrival));
  return {
    top: ranked.slice(0, opts.limit),
    flagged: ranked.filter((x) => x.flagged).length,
    scored: inRange.length,
    threshold: model.threshold,
  };
}

/** Fleet top rows against the desktop's: equal but for the score, which may differ by 1e-12 (pow in libm vs V8). */
export function expectSameTop(
  got: readonly FleetTopRow[],
  want: readonly RankedRow[],
  rows: readonly OracleRow[],
  firstSeq: number,
): void {
  expect(got).toHaveLength(want.length);
  let maxScoreDiff = 0;
  got.forEach((full, i) => {
    const {
      status,
      method,
      path,
      bytes,
      userAgent,
      models,
      votes,
      isAnomaly,
      combinedScore,
      featurePercentiles,
      ...g
    } = full;
    // The ensemble's verdict is the candidates' tests' (fleetApi.test.ts); here the forest's.
    expect({ i, forestVote: models.iforest.vote, votes }).toEqual({
      i,
      forestVote: g.flagged,
      votes: expect.any(Number),
    });
    expect([typeof isAnomaly, typeof combinedScore, typeof featurePercentiles]).toEqual([
      'boolean',
      'number',
      'object',
    ]);
    // The entry's own fields are read back from its row of the table.
    const k = Number(g.arrival) - firstSeq;
    expect({ i, status, method: typeof method, path: typeof path }).toEqual({
      i,
      status: rows[k].status,
      method: 'string',
      path: 'string',
    });
    expect(bytes === null || Number.isInteger(bytes)).toBe(true);
    expect(userAgent === null || typeof userAgent === 'string').toBe(true);
    const { score: gs, ...gRest } = g;
    const { score: ws, ...wRest } = want[i];
    expect({ i, ...gRest }).toEqual({ i, ...wRest });
    maxScoreDiff = Math.max(maxScoreDiff, Math.abs(gs - ws));
  });
  expect(maxScoreDiff).toBeLessThanOrEqual(1e-12);
}

/** The client, with the text of every query it is given pushed onto `seen`. */
export function recording(client: ClickHouseClient, seen: string[]): ClickHouseClient {
  return new Proxy(client, {
    get(target, name) {
      if (name === 'query')
        return (params: Parameters<ClickHouseClient['query']>[0]) => {
          seen.push(params.query);
          return target.query(params);
        };
      const v: unknown = Reflect.get(target, name);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * The sample with its busy strata cut by row hash before the sort equals the uncut sample; and
 * when a cut stratum comes short (a spare forced below zero), the slice is sampled again uncut
 * and still equals it. Checks from the queries sent that each path was taken.
 */
export async function expectCutSampleExact(
  client: ClickHouseClient,
  table: FleetTable,
  opts: FleetFeatureOptions,
): Promise<void> {
  const plan = planSample(640, 64);
  const seen: string[] = [];
  const samples = () => seen.filter((q) => q.includes(`LIMIT ${plan.perStratum} BY od_stratum`));
  const sample = async (tuning: SourceTuning) => {
    seen.length = 0;
    const source = new ClickHouseSource(recording(client, seen), tuning);
    return capStrata(await collect(source.sampledFeatures(table, plan, opts)), plan.perStratum);
  };
  const uncut = await sample({ sampleSpare: Infinity });
  expect(uncut.length).toBeGreaterThan(100);
  expect(samples().map((q) => q.includes('transform('))).toEqual([false]);
  expect(await sample({})).toEqual(uncut);
  expect(samples().map((q) => q.includes('transform('))).toEqual([true]);
  expect(await sample({ sampleSpare: -(plan.perStratum - 2) })).toEqual(uncut);
  expect(samples().map((q) => q.includes('transform('))).toEqual([true, false]);
}
