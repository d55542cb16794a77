/**
 * k-nearest-neighbour distance detector, PyOD's KNN with method "largest" (k = 5): the score
 * is the distance to the k-th nearest row. Training rows exclude themselves (other copies of a
 * duplicated row count, at distance 0); new rows use the k-th nearest training row.
 *
 * Written here rather than taking the npm package `ml-knn`: that is a classifier (majority
 * label of the neighbours), not a distance-based outlier score, and it keeps no exact,
 * duplicate-aware index we could serialise.
 */
import type { NeighborOptions } from './types';
import type { Distinct } from './dedup';
import { KdTree, NeighborResult } from './kdtree';
import { NeighborDetector, parseNeighborJson } from './neighbors';
import { decodeF64, encodeF64 } from './codec';

export class KNearestNeighbors extends NeighborDetector {
  readonly name = 'knn' as const;
  /** Per distinct training point: distance to its k-th nearest other row. */
  private kdist: Float64Array = new Float64Array(0);

  constructor(opts: NeighborOptions = {}) {
    super(opts, 5);
  }

  protected fitPoints(train: Distinct, tree: KdTree, k: number): Float64Array {
    const kdist = new Float64Array(train.m);
    const res = new NeighborResult();
    for (let j = 0; j < train.m; j++) {
      tree.query(train.points, j * train.cols, k, j, res);
      kdist[j] = res.kdist;
    }
    this.kdist = kdist;
    return kdist;
  }

  protected scoreQuery(res: NeighborResult): number {
    return res.kdist;
  }

  protected extraJson(): Record<string, unknown> {
    return { kdist: encodeF64(this.kdist) };
  }

  /** Rebuilds a fitted model from toJSON() output; throws on anything malformed. */
  static fromJSON(json: unknown): KNearestNeighbors {
    const p = parseNeighborJson(json, 'knn');
    const kdist = decodeF64(p.obj.kdist, 'knn.kdist', p.train.m);
    for (let j = 0; j < kdist.length; j++) {
      if (kdist[j] < 0) throw new Error(`knn.kdist[${j}] is negative`);
    }
    const model = new KNearestNeighbors(p.options);
    model.kdist = kdist;
    model.setState(p.train, p.tree, p.k, kdist, p.scaler);
    return model;
  }
}
