/**
 * The distinct-point k-d tree against a plain row-level brute force that applies the definition
 * directly: distances = sqrt of the column-by-column sum of squares, neighbours sorted by
 * (distance, row index), the querying row itself excluded. Small-integer data makes nearly
 * every query hit duplicates and ties at the k-th distance, the case the dedup logic must get
 * exactly right.
 */
import { describe, expect, it } from 'vitest';
import { KNearestNeighbors, LocalOutlierFactor, type Matrix } from '../../../src/main/detectors';
import { Rng } from '../../../src/main/detectors/rng';

function distance(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) {
    const t = a[i * d + c] - b[j * d + c];
    s += t * t;
  }
  return Math.sqrt(s);
}

/** k nearest training rows of query row q (excluding training row `self`, or none if -1). */
function nearest(train: Matrix, query: Matrix, q: number, self: number, k: number): { idx: number[]; dist: number[] } {
  const cand: Array<[number, number]> = [];
  for (let r = 0; r < train.rows; r++) {
    if (r !== self) cand.push([distance(query.data, q, train.data, r, train.cols), r]);
  }
  cand.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const top = cand.slice(0, k);
  return { idx: top.map((c) => c[1]), dist: top.map((c) => c[0]) };
}

function bruteLof(train: Matrix, k: number): { lof: number[]; kdist: number[]; lrd: number[] } {
  const nb = Array.from({ length: train.rows }, (_, i) => nearest(train, train, i, i, k));
  const kdist = nb.map((x) => x.dist[k - 1]);
  const lrd = nb.map((x) => 1 / (x.idx.reduce((s, o, j) => s + Math.max(kdist[o], x.dist[j]), 0) / k + 1e-10));
  const lof = nb.map((x, i) => x.idx.reduce((s, o) => s + lrd[o] / lrd[i], 0) / k);
  return { lof, kdist, lrd };
}

function bruteLofNovelty(train: Matrix, query: Matrix, k: number): number[] {
  const fit = bruteLof(train, k);
  const out: number[] = [];
  for (let q = 0; q < query.rows; q++) {
    const x = nearest(train, query, q, -1, k);
    const own = 1 / (x.idx.reduce((s, o, j) => s + Math.max(fit.kdist[o], x.dist[j]), 0) / k + 1e-10);
    out.push(x.idx.reduce((s, o) => s + fit.lrd[o] / own, 0) / k);
  }
  return out;
}

/** Random rows over a tiny value set (with -0) so that duplicates and ties abound. */
function tinyIntegers(rng: Rng, rows: number, cols: number, values: number[]): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = values[rng.nextInt(values.length)];
  return { rows, cols, data };
}

function expectRel(actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= rel * Math.abs(expected[i]) || diff <= 1e-300)) {
      expect.fail(`row ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

const CASES = [
  { rows: 120, cols: 1, values: [0, 1, 2, 3, 5, 8], k: 5 },
  { rows: 300, cols: 2, values: [-0, 0, 1, 2, 3], k: 20 },
  { rows: 250, cols: 3, values: [0, 1, 2], k: 20 },
  { rows: 200, cols: 3, values: [0, 1, 2, 4, 7, 11, 16], k: 3 },
  { rows: 150, cols: 4, values: [0, 0.5, 1.5], k: 7 },
  { rows: 24, cols: 2, values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], k: 20 },
  { rows: 15, cols: 2, values: [0, 1], k: 20 }, // k is clamped to rows - 1 = 14
];

describe('neighbour detectors vs row-level brute force', () => {
  CASES.forEach((c, caseNo) => {
    it(`case ${caseNo}: ${c.rows} rows × ${c.cols}, k = ${c.k}`, () => {
      const rng = new Rng(1000 + caseNo);
      const train = tinyIntegers(rng, c.rows, c.cols, c.values);
      const query = tinyIntegers(rng, 60, c.cols, c.values.concat([2.5, 9]));
      const k = Math.min(c.k, c.rows - 1);

      const knn = new KNearestNeighbors({ nNeighbors: c.k }).fit(train);
      const knnTrain = Array.from({ length: train.rows }, (_, i) => nearest(train, train, i, i, k).dist[k - 1]);
      expectRel(knn.trainingScores, knnTrain);
      const knnNew = Array.from({ length: query.rows }, (_, q) => nearest(train, query, q, -1, k).dist[k - 1]);
      expectRel(knn.score(query), knnNew);

      const lof = new LocalOutlierFactor({ nNeighbors: c.k }).fit(train);
      expectRel(lof.trainingScores, bruteLof(train, k).lof);
      expectRel(lof.score(query), bruteLofNovelty(train, query, k));
    });
  });

  it('handles a training set of identical rows (lrd = 1e10, LOF = 1)', () => {
    const X: Matrix = { rows: 30, cols: 2, data: new Float64Array(60).fill(4) };
    const lof = new LocalOutlierFactor().fit(X);
    expectRel(lof.trainingScores, bruteLof(X, 20).lof);
    expect(lof.trainingScores[0]).toBe(1);
    const knn = new KNearestNeighbors().fit(X);
    expect(Array.from(knn.trainingScores)).toEqual(new Array(30).fill(0));
    const query: Matrix = { rows: 2, cols: 2, data: Float64Array.from([4, 4, 4, 7]) };
    expectRel(lof.score(query), bruteLofNovelty(X, query, 20));
    expect(Array.from(knn.score(query))).toEqual([0, 3]);
  });

  it('fits a fresh scaler on every fit, but keeps a preset one', () => {
    const rng = new Rng(5);
    const a = tinyIntegers(rng, 50, 2, [0, 1, 2, 3]);
    const b: Matrix = { ...a, data: a.data.map((v) => v * 10 + 1) };
    const knn = new KNearestNeighbors({ standardize: true }).fit(a);
    const first = knn.scaling;
    knn.fit(b);
    expect(knn.scaling).not.toEqual(first);
    const preset = { mean: [1, 2], scale: [3, 4] };
    const fixed = new KNearestNeighbors({ scaler: preset }).fit(a).fit(b);
    expect(fixed.scaling).toEqual(preset);
    const back = KNearestNeighbors.fromJSON(JSON.parse(JSON.stringify(fixed.toJSON())));
    expect(back.fit(a).scaling).toEqual(preset);
  });

  it('a tie at the k-th distance goes to the lower row index', () => {
    // Row 0 at the origin; rows 1-4 all at distance 1 with different neighbourhoods.
    // With k = 2, row 0's neighbours are rows 1 and 2 (lowest indices among the tied four).
    const X: Matrix = {
      rows: 8,
      cols: 2,
      data: Float64Array.from([0, 0, 1, 0, 0, 1, -1, 0, 0, -1, 1.2, 0, 0, 1.2, 5, 5]),
    };
    const lof = new LocalOutlierFactor({ nNeighbors: 2 }).fit(X);
    expectRel(lof.trainingScores, bruteLof(X, 2).lof);
  });
});
