/** Loads the ADBench datasets and scikit-learn reference outputs copied into test/fixtures/ml. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../../../src/main/detectors';

const dir = fileURLToPath(new URL('../../fixtures/ml/', import.meta.url));

export type DatasetName = 'cardio' | 'shuttle' | 'smtp';
export const DATASETS: DatasetName[] = ['cardio', 'shuttle', 'smtp'];

export interface Dataset {
  X: Matrix;
  labels: Uint8Array;
  nTrain: number;
}

interface ScalerRef {
  mean: number[];
  scale: number[];
}

/** The keys of <name>.reference.json.gz that the tests use (see the reference README). */
export interface Reference {
  n: number;
  d: number;
  split: { n_train: number; n_test: number };
  knn_train: number[];
  knn_test: number[];
  knn_train_std: number[];
  knn_test_std: number[];
  lof_train_index_tiebreak: number[];
  lof_novelty_test_index_tiebreak: number[];
  lof_train_index_tiebreak_std: number[];
  lof_novelty_test_index_tiebreak_std: number[];
  lof_auc: number;
  knn_auc: number;
  thresholds: Record<
    'lof_train' | 'knn_train' | 'lof_train_std' | 'knn_train_std',
    { threshold: number; n_above: number }
  >;
  standard_scaler: { all_rows: ScalerRef; train_rows: ScalerRef };
  iforest_auc: { mean: number; std: number; auc: number[] };
}

const datasets = new Map<DatasetName, Dataset>();
const references = new Map<DatasetName, Reference>();

export function loadDataset(name: DatasetName): Dataset {
  const cached = datasets.get(name);
  if (cached) return cached;
  const lines = gunzipSync(readFileSync(dir + `${name}.csv.gz`))
    .toString('utf8')
    .trimEnd()
    .split('\n');
  const cols = lines[0].split(',').length - 1;
  const rows = lines.length - 1;
  const data = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const parts = lines[r + 1].split(',');
    for (let c = 0; c < cols; c++) data[r * cols + c] = Number(parts[c]);
    labels[r] = Number(parts[cols]);
  }
  const ds = { X: { rows, cols, data }, labels, nTrain: Math.floor(0.8 * rows) };
  datasets.set(name, ds);
  return ds;
}

export function loadReference(name: DatasetName): Reference {
  const cached = references.get(name);
  if (cached) return cached;
  const ref = JSON.parse(gunzipSync(readFileSync(dir + `${name}.reference.json.gz`)).toString('utf8')) as Reference;
  references.set(name, ref);
  return ref;
}

/**
 * Index of the first row where `actual` differs from `expected` by more than `rel` relative
 * (or `abs` absolute, for values near zero), or -1.
 */
export function firstMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-6, abs = 1e-9): number {
  if (actual.length !== expected.length) return -2;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const diff = Math.abs(a - e);
    if (!(diff <= abs || diff <= rel * Math.abs(e))) return i;
  }
  return -1;
}

export function describeMismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, i: number): string {
  if (i === -2) return `length ${actual.length} vs ${expected.length}`;
  return i < 0 ? 'ok' : `row ${i}: got ${actual[i]}, expected ${expected[i]}`;
}
