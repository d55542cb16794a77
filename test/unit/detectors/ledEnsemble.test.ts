import { describe, expect, it } from 'vitest';
import { LedEnsemble } from '../../../src/main/detectors/ledEnsemble';
import { rocAuc } from '../../../src/main/detectors/stats';
import type { Matrix } from '../../../src/main/detectors/types';
import { DATASETS, loadDataset } from './fixtures';

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Window-count-like rows: most rows are copies of a handful of small integer vectors. */
function duplicateHeavy(seed: number, rows: number, cols: number): Matrix {
  const next = mulberry(seed);
  const common = Array.from({ length: 4 }, () => Array.from({ length: cols }, () => Math.floor(next() * 3)));
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const u = next();
    for (let c = 0; c < cols; c++) {
      data[r * cols + c] =
        u < 0.9 ? common[Math.floor(next() * common.length)][c] : Math.floor(next() ** 4 * 40 + (c === 0 ? 1 : 0));
    }
    // One value per row from the common vector's own pick, so duplicates are exact copies.
    if (u < 0.9) data.set(common[r % common.length], r * cols);
  }
  return { rows, cols, data };
}

const share = (v: Uint8Array): number => v.reduce((a, b) => a + b, 0) / v.length;

describe('LedEnsemble: thresholds that respect ties', () => {
  for (const contamination of [0.01, 0.05, 0.1]) {
    for (const seed of [1, 2]) {
      it(`duplicate-heavy data, contamination ${contamination}, seed ${seed}: no model and not the ensemble flags more than contamination + 0.5 pp`, () => {
        const X = duplicateHeavy(seed, 3000, 3);
        // Entities: every tenth row (the detectors learn from fewer rows than they calibrate on).
        const idx = Array.from({ length: 300 }, (_, k) => k * 10);
        const E: Matrix = { rows: idx.length, cols: 3, data: new Float64Array(idx.length * 3) };
        idx.forEach((r, k) => E.data.set(X.data.subarray(r * 3, r * 3 + 3), k * 3));
        const s = new LedEnsemble({ contamination, seed }).fitScore(E, X);
        for (const m of s.models) expect(share(m.votes), m.model).toBeLessThanOrEqual(contamination + 0.005);
        expect(share(s.isAnomaly)).toBeLessThanOrEqual(contamination + 0.005);
        // The same model scoring the same lines again agrees with its calibration.
        const again = new LedEnsemble({ contamination, seed }).fit(E, X).score(X);
        expect(Array.from(again.isAnomaly)).toEqual(Array.from(s.isAnomaly));
      });
    }
  }
});

describe('LedEnsemble: on tie-free lines the thresholds flag contamination, not fewer', () => {
  for (const contamination of [0.01, 0.05, 0.1]) {
    it(`continuous data, contamination ${contamination}: each model and the ensemble flag within 0.2 pp below it`, () => {
      const next = mulberry(11);
      const rows = 5000;
      const X: Matrix = { rows, cols: 3, data: Float64Array.from({ length: rows * 3 }, () => next() ** 3 * 100) };
      const idx = Array.from({ length: 500 }, (_, k) => k * 10);
      const E: Matrix = { rows: idx.length, cols: 3, data: new Float64Array(idx.length * 3) };
      idx.forEach((r, k) => E.data.set(X.data.subarray(r * 3, r * 3 + 3), k * 3));
      const s = new LedEnsemble({ contamination, seed: 1 }).fitScore(E, X);
      for (const m of s.models) {
        expect(share(m.votes), m.model).toBeGreaterThanOrEqual(contamination - 0.002);
        expect(share(m.votes), m.model).toBeLessThanOrEqual(contamination);
      }
      expect(share(s.isAnomaly)).toBeGreaterThanOrEqual(contamination - 0.002);
      expect(share(s.isAnomaly)).toBeLessThanOrEqual(contamination);
    });
  }
});

describe('LedEnsemble: the combined score is at least as good as its best member − 0.02', () => {
  for (const name of DATASETS) {
    it(name, () => {
      const { X, labels } = loadDataset(name);
      const s = new LedEnsemble({ seed: 0 }).fitScore(X, X);
      const members = s.models.map((m) => rocAuc(m.scores, labels));
      const combined = rocAuc(s.combined, labels);
      console.log(
        `${name}: ${s.models.map((m, i) => `${m.model} ${members[i].toFixed(3)}`).join(', ')}, combined ${combined.toFixed(3)}`,
      );
      expect(combined).toBeGreaterThanOrEqual(Math.max(...members) - 0.02);
    });
  }
});
