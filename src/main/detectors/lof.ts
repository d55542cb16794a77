/**
 * Local Outlier Factor (Breunig et al.), with scikit-learn's formula and defaults as PyOD /
 * PyCaret use them: k = 20, Euclidean; training scores are the LOF of the training rows
 * (neighbours exclude the row itself), new rows are scored as scikit-learn's `novelty=True`.
 *   kdist(o) = distance to o's k-th nearest row
 *   reach(p, o) = max(kdist(o), d(p, o))
 *   lrd(p) = 1 / (mean over p's k neighbours of reach(p, o) + 1e-10)
 *   LOF(p) = mean over p's k neighbours of lrd(o) / lrd(p)
 * Neighbours at equal distance are taken in row order (lower row first), see kdtree.ts.
 *
 * Written here rather than taken from npm: no package offers LOF with novelty scoring,
 * exact tie handling, duplicate-aware speed and a serialisable fitted state.
 */
import type { NeighborOptions } from './types';
import type { Distinct } from './dedup';
import { KdTree, NeighborResult } from './kdtree';
import { NeighborDetector, parseNeighborJson } from './neighbors';
import { decodeF64, encodeF64 } from './codec';

export class LocalOutlierFactor extends NeighborDetector {
  readonly name = 'lof' as const;
  /** Per distinct training point: k-distance, local reachability density, LOF. */
  private kdist: Float64Array = new Float64Array(0);
  private lrd: Float64Array = new Float64Array(0);
  private lof: Float64Array = new Float64Array(0);

  constructor(opts: NeighborOptions = {}) {
    super(opts, 20);
  }

  protected fitPoints(train: Distinct, tree: KdTree, k: number): Float64Array {
    const { m, cols, points } = train;
    const kdist = new Float64Array(m);
    // Neighbour groups of every distinct point, kept until lrd is known (CSR layout).
    const start = new Int32Array(m + 1);
    let ids: Int32Array = new Int32Array(m * 4);
    let take: Int32Array = new Int32Array(m * 4);
    let dist: Float64Array = new Float64Array(m * 4);
    let used = 0;
    const res = new NeighborResult();
    for (let j = 0; j < m; j++) {
      tree.query(points, j * cols, k, j, res);
      kdist[j] = res.kdist;
      if (used + res.count > ids.length) {
        const size = Math.max(used + res.count, ids.length * 2);
        ids = growI32(ids, size);
        take = growI32(take, size);
        dist = growF64(dist, size);
      }
      ids.set(res.ids.subarray(0, res.count), used);
      take.set(res.take.subarray(0, res.count), used);
      dist.set(res.dist.subarray(0, res.count), used);
      used += res.count;
      start[j + 1] = used;
    }
    const lrd = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let g = start[j]; g < start[j + 1]; g++) {
        const o = ids[g];
        sum += take[g] * (kdist[o] > dist[g] ? kdist[o] : dist[g]);
      }
      lrd[j] = 1 / (sum / k + 1e-10);
    }
    const lof = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      let sum = 0;
      for (let g = start[j]; g < start[j + 1]; g++) sum += take[g] * (lrd[ids[g]] / lrd[j]);
      lof[j] = sum / k;
    }
    this.kdist = kdist;
    this.lrd = lrd;
    this.lof = lof;
    return lof;
  }

  protected scoreQuery(res: NeighborResult): number {
    const { kdist, lrd } = this;
    let reach = 0;
    for (let g = 0; g < res.count; g++) {
      const o = res.ids[g];
      reach += res.take[g] * (kdist[o] > res.dist[g] ? kdist[o] : res.dist[g]);
    }
    const own = 1 / (reach / this.k + 1e-10);
    let sum = 0;
    for (let g = 0; g < res.count; g++) sum += res.take[g] * (lrd[res.ids[g]] / own);
    return sum / this.k;
  }

  protected extraJson(): Record<string, unknown> {
    return { kdist: encodeF64(this.kdist), lrd: encodeF64(this.lrd), lof: encodeF64(this.lof) };
  }

  /** Rebuilds a fitted model from toJSON() output; throws on anything malformed. */
  static fromJSON(json: unknown): LocalOutlierFactor {
    const p = parseNeighborJson(json, 'lof');
    const m = p.train.m;
    const kdist = decodeF64(p.obj.kdist, 'lof.kdist', m);
    const lrd = decodeF64(p.obj.lrd, 'lof.lrd', m);
    const lof = decodeF64(p.obj.lof, 'lof.lof', m);
    for (let j = 0; j < m; j++) {
      if (kdist[j] < 0) throw new Error(`lof.kdist[${j}] is negative`);
      if (!(lrd[j] > 0)) throw new Error(`lof.lrd[${j}] must be positive`);
      if (!(lof[j] > 0)) throw new Error(`lof.lof[${j}] must be positive`);
    }
    const model = new LocalOutlierFactor(p.options);
    model.kdist = kdist;
    model.lrd = lrd;
    model.lof = lof;
    model.setState(p.train, p.tree, p.k, lof, p.scaler);
    return model;
  }
}

function growI32(a: Int32Array, size: number): Int32Array {
  const out = new Int32Array(size);
  out.set(a);
  return out;
}

function growF64(a: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size);
  out.set(a);
  return out;
}
