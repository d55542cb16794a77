import type { Matrix } from './types';

/** Builds a matrix from an array of equal-length rows (tests, small inputs). */
export function matrixFromRows(rows: ArrayLike<number>[], cols?: number): Matrix {
  const c = cols ?? (rows.length > 0 ? rows[0].length : 0);
  const data = new Float64Array(rows.length * c);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row.length !== c) throw new Error(`row ${r} has ${row.length} values, expected ${c}`);
    for (let j = 0; j < c; j++) data[r * c + j] = row[j];
  }
  return { rows: rows.length, cols: c, data };
}

/** Rows [start, end) as a new matrix sharing no memory with the input. */
export function sliceRows(X: Matrix, start: number, end: number): Matrix {
  return { rows: end - start, cols: X.cols, data: X.data.slice(start * X.cols, end * X.cols) };
}

/** The given rows (by index, in that order) as a new matrix sharing no memory with the input. */
export function pickRows(X: Matrix, rows: readonly number[]): Matrix {
  const data = new Float64Array(rows.length * X.cols);
  rows.forEach((r, k) => data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), k * X.cols));
  return { rows: rows.length, cols: X.cols, data };
}

/**
 * Throws unless X is a well-formed matrix of finite numbers. NaN or Infinity would silently
 * break distance ordering and tree splits, so they are refused at the door.
 */
export function checkMatrix(X: Matrix, what = 'X', cols?: number): void {
  if (X === null || typeof X !== 'object') throw new Error(`${what} must be a matrix`);
  const { rows, cols: c, data } = X;
  if (!Number.isInteger(rows) || rows < 0) throw new Error(`${what}.rows must be a non-negative integer`);
  if (!Number.isInteger(c) || c < 1) throw new Error(`${what}.cols must be a positive integer`);
  if (!(data instanceof Float64Array)) throw new Error(`${what}.data must be a Float64Array`);
  if (data.length !== rows * c) {
    throw new Error(`${what}.data has ${data.length} values, expected rows*cols = ${rows * c}`);
  }
  if (cols !== undefined && c !== cols) throw new Error(`${what} has ${c} columns, the model expects ${cols}`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) throw new Error(`${what} has a non-finite value at row ${Math.floor(i / c)}, column ${i % c}`);
  }
}
