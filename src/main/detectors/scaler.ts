import type { Matrix, ScalerParams } from './types';
import { asObject, getNumberArray } from './codec';

/**
 * Z-score scaling as scikit-learn's StandardScaler: population std (ddof 0), the corrected
 * two-pass variance, and scale 1 for (near-)constant columns. Sums run row by row; numpy may
 * sum in another order, so the last bits can differ from scikit-learn's (pass fixed params
 * when bit-exact agreement matters).
 */
export function fitScaler(X: Matrix): ScalerParams {
  const { rows: n, cols: d, data } = X;
  if (n === 0) throw new Error('cannot fit a scaler on zero rows');
  const sum = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) sum[c] += data[r * d + c];
  const mean = new Float64Array(d);
  for (let c = 0; c < d; c++) mean[c] = sum[c] / n;
  const corr = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < d; c++) {
      const t = data[r * d + c] - mean[c];
      corr[c] += t;
      sq[c] += t * t;
    }
  }
  const scale: number[] = [];
  const eps = Number.EPSILON;
  for (let c = 0; c < d; c++) {
    const variance = (sq[c] - (corr[c] * corr[c]) / n) / n;
    // scikit-learn's _is_constant_feature: variance within rounding noise of zero.
    const bound = n * eps * variance + (n * mean[c] * eps) ** 2;
    scale.push(variance <= bound ? 1 : Math.sqrt(variance));
  }
  return { mean: Array.from(mean), scale };
}

/** (x - mean) / scale per column, as two separate roundings like scikit-learn's transform. */
export function applyScaler(X: Matrix, p: ScalerParams): Matrix {
  const { rows: n, cols: d, data } = X;
  if (p.mean.length !== d) throw new Error(`scaler has ${p.mean.length} columns, data has ${d}`);
  const out = new Float64Array(data.length);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < d; c++) {
      const i = r * d + c;
      out[i] = (data[i] - p.mean[c]) / p.scale[c];
    }
  }
  return { rows: n, cols: d, data: out };
}

/** Validates z-score parameters (from options or stored JSON) and returns a private copy. */
export function checkScaler(p: unknown, cols: number | undefined, path = 'scaler'): ScalerParams {
  const obj = asObject(p, path);
  const width = cols ?? (Array.isArray(obj.mean) ? obj.mean.length : -1);
  const mean = getNumberArray(obj, 'mean', path, width);
  const scale = getNumberArray(obj, 'scale', path, width);
  for (let c = 0; c < width; c++) {
    if (!(scale[c] > 0)) throw new Error(`${path}.scale[${c}] must be positive`);
  }
  return { mean: mean.slice(), scale: scale.slice() };
}
