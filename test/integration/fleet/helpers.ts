import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { Ensemble } from '../../../src/main/detectors/ensemble';
import { IsolationForest } from '../../../src/main/detectors/iforest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import type { FleetFeatureRow, FleetScoredRow } from '../../../src/main/fleet/clickhouseSource';
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
