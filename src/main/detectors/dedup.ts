import type { Matrix } from './types';

/**
 * Distinct rows of a matrix. Production features are three small integers per row, so 300,000
 * rows hold only a few thousand distinct points; every detector's score depends only on a row's
 * values (and, for neighbour ties, on row order, kept in `rowList`), so the work is done once
 * per distinct point and copied out.
 */
export interface Distinct {
  /** Rows of the input. */
  n: number;
  /** Distinct rows. */
  m: number;
  cols: number;
  /** m × cols, in order of first occurrence (so point ids ascend with their lowest row). */
  points: Float64Array;
  /** Distinct id of each input row. */
  rowPoint: Int32Array;
  /** Rows per distinct point. */
  counts: Int32Array;
  /** CSR: rows of point j are rowList[rowStart[j] .. rowStart[j+1]), ascending. */
  rowStart: Int32Array;
  rowList: Int32Array;
}

/** Groups equal rows (by value: -0 equals 0). Values must be finite. */
export function dedupRows(X: Matrix): Distinct {
  const { rows: n, cols: d, data } = X;
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
  let size = 16;
  while (size < 2 * n) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size); // distinct id + 1; 0 = empty slot
  const points = new Float64Array(n * d);
  const rowPoint = new Int32Array(n);
  let m = 0;
  for (let r = 0; r < n; r++) {
    const base = r * d;
    let h = 0x811c9dc5;
    for (let c = 0; c < d; c++) {
      let lo = bits[2 * (base + c)];
      let hi = bits[2 * (base + c) + 1];
      if (data[base + c] === 0) lo = hi = 0; // -0 and +0 hash alike
      h = Math.imul(h ^ lo, 0x9e3779b1);
      h = Math.imul(h ^ (h >>> 15) ^ hi, 0x85ebca77);
      h ^= h >>> 13;
    }
    h = Math.imul(h ^ (h >>> 16), 0xc2b2ae3d) ^ (h >>> 11);
    let slot = h & mask;
    for (;;) {
      const entry = table[slot];
      if (entry === 0) {
        table[slot] = m + 1;
        points.set(data.subarray(base, base + d), m * d);
        rowPoint[r] = m++;
        break;
      }
      const pb = (entry - 1) * d;
      let same = true;
      for (let c = 0; c < d; c++) {
        if (points[pb + c] !== data[base + c]) {
          same = false;
          break;
        }
      }
      if (same) {
        rowPoint[r] = entry - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return groupRows(n, m, d, points.slice(0, m * d), rowPoint);
}

/** Builds counts and the per-point row lists from a row → point map. */
export function groupRows(n: number, m: number, cols: number, points: Float64Array, rowPoint: Int32Array): Distinct {
  const counts = new Int32Array(m);
  for (let r = 0; r < n; r++) counts[rowPoint[r]]++;
  const rowStart = new Int32Array(m + 1);
  for (let j = 0; j < m; j++) rowStart[j + 1] = rowStart[j] + counts[j];
  const fill = rowStart.slice(0, m);
  const rowList = new Int32Array(n);
  for (let r = 0; r < n; r++) rowList[fill[rowPoint[r]]++] = r;
  return { n, m, cols, points, rowPoint, counts, rowStart, rowList };
}

/** Spreads one value per distinct point back to the rows. */
export function expand(perPoint: Float64Array, rowPoint: Int32Array): Float64Array {
  const out = new Float64Array(rowPoint.length);
  for (let r = 0; r < rowPoint.length; r++) out[r] = perPoint[rowPoint[r]];
  return out;
}
