/**
 * One labelled case, scored the way the app scores it in either mode, and the figures an analyst
 * cares about: how well the combined score ranks attacks (ROC-AUC), how many lines get flagged,
 * how many of those are attacks, and which attacks are found.
 */
import { performance } from 'node:perf_hooks';
import { featureSet, transformRow, type FeatureSetName } from '../../src/main/features/catalogue';
import {
  CatalogueWindow,
  ENTITY_COLUMNS,
  RAW_COLUMNS,
  type CatalogueEntry,
} from '../../src/main/features/catalogueWindow';
import { Ensemble } from '../../src/main/detectors/ensemble';
import { LedEnsemble } from '../../src/main/detectors/ledEnsemble';
import { rocAuc } from '../../src/main/detectors/stats';
import type { Matrix } from '../../src/main/detectors/types';
import { entityRows } from '../../src/main/features/entities';

export interface Labelled extends CatalogueEntry {
  attack: string | null;
}

export interface CaseResult {
  mode: FeatureSetName;
  rows: number;
  attackRows: number;
  auc: number;
  flaggedShare: number;
  precision: number;
  recall: number;
  top100Precision: number;
  perAttackRecall: Record<string, number>;
  featureMs: number;
  trainMs: number;
}

export interface EvaluateOptions {
  windowMs: number;
  contamination: number;
  seed: number;
}

/** Raw catalogue rows (RAW_COLUMNS per entry), entries in order. */
export function catalogueRows(entries: readonly Labelled[], windowMs: number): Float64Array {
  const win = new CatalogueWindow(windowMs);
  const out = new Float64Array(entries.length * RAW_COLUMNS);
  entries.forEach((e, i) => win.push(e, out, i * RAW_COLUMNS));
  return out;
}

export function evaluate(entries: readonly Labelled[], mode: FeatureSetName, opts: EvaluateOptions): CaseResult {
  const n = entries.length;
  const t0 = performance.now();
  const raw = catalogueRows(entries, opts.windowMs);
  const defs = featureSet(mode);
  const X: Matrix = { rows: n, cols: defs.length, data: new Float64Array(n * defs.length) };
  for (let i = 0; i < n; i++) {
    const r = raw.subarray(i * RAW_COLUMNS, (i + 1) * RAW_COLUMNS);
    transformRow(defs, r, X.data, i * defs.length, opts.windowMs, r[ENTITY_COLUMNS]);
  }
  const featureMs = performance.now() - t0;

  const t1 = performance.now();
  let combined: Float64Array;
  let flagged: Uint8Array;
  if (mode === 'original') {
    const s = new Ensemble({ contamination: opts.contamination, seed: opts.seed }).fit(X).score(X);
    combined = s.combined;
    flagged = s.isAnomaly;
  } else {
    const E = entityRows(entries, X);
    const s = new LedEnsemble({ contamination: opts.contamination, seed: opts.seed }).fitScore(E, X);
    combined = s.combined;
    flagged = s.isAnomaly;
  }
  const trainMs = performance.now() - t1;
  return { mode, ...measure(entries, combined, flagged), featureMs, trainMs };
}

export function measure(
  entries: readonly Labelled[],
  combined: Float64Array,
  flagged: Uint8Array,
): Omit<CaseResult, 'mode' | 'featureMs' | 'trainMs'> {
  const n = entries.length;
  const labels = Uint8Array.from(entries, (e) => (e.attack ? 1 : 0));
  let attackRows = 0;
  let flaggedRows = 0;
  let tp = 0;
  const kindTotal = new Map<string, number>();
  const kindHit = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const kind = entries[i].attack;
    if (flagged[i]) flaggedRows++;
    if (!kind) continue;
    attackRows++;
    kindTotal.set(kind, (kindTotal.get(kind) ?? 0) + 1);
    if (flagged[i]) {
      tp++;
      kindHit.set(kind, (kindHit.get(kind) ?? 0) + 1);
    }
  }
  const order = [...Array(n).keys()].filter((i) => flagged[i]).sort((a, b) => combined[b] - combined[a]);
  const top = order.slice(0, 100);
  const perAttackRecall: Record<string, number> = {};
  for (const [kind, total] of [...kindTotal].sort()) perAttackRecall[kind] = round((kindHit.get(kind) ?? 0) / total);
  return {
    rows: n,
    attackRows,
    auc: round(rocAuc(combined, labels)),
    flaggedShare: round(flaggedRows / n),
    precision: round(flaggedRows ? tp / flaggedRows : 0),
    recall: round(attackRows ? tp / attackRows : 0),
    top100Precision: round(top.length ? top.filter((i) => labels[i]).length / top.length : 0),
    perAttackRecall,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
