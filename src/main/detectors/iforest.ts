/**
 * Isolation Forest (Liu, Ting & Zhou 2008) as scikit-learn implements it: each of the
 * `nEstimators` trees is grown on its own subsample of max_samples = min(256, n) rows drawn
 * without replacement, splits pick a uniformly random non-constant feature and a uniform
 * threshold between its min and max in the node (x <= t goes left), trees stop at depth
 * ceil(log2(max_samples)) or when a node cannot be split, and
 *   score(x) = 2^(-E[h(x)] / c(max_samples)),  h(x) = depth of x's leaf + c(leaf size),
 *   c(n) = 2 (ln(n - 1) + γ) - 2 (n - 1) / n  (c(1) = 0, c(2) = 1).
 *
 * Written here rather than taking the npm package `isolation-forest`: it grows every tree on
 * the whole data set instead of its subsample (different model, and slow at 300,000 rows) and
 * its fitted forest cannot be serialised. Trees live in flat typed arrays (feature, threshold,
 * left child, leaf size), so scoring is a tight loop and the model is a few base64 strings.
 */
import type { Detector, IsolationForestOptions, Matrix } from './types';
import { checkMatrix } from './matrix';
import { Rng } from './rng';
import { dedupRows, expand } from './dedup';
import { above, thresholdFor } from './stats';
import {
  checkContamination,
  checkHeader,
  decodeF64,
  decodeI32,
  encodeF64,
  encodeI32,
  getInt,
  getNumber,
} from './codec';

const EULER_GAMMA = 0.5772156649015329;
/** scikit-learn treats a feature whose range in a node is at most this as constant. */
const FEATURE_THRESHOLD = 1e-7;
const FORMAT_VERSION = 1;

/** Average path length of an unsuccessful search in a binary search tree of n points. */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** Trees of the forest, all nodes in flat arrays; tree t's root is node treeStart[t]. */
interface Forest {
  treeStart: Int32Array;
  /** Split feature, or -1 for a leaf. */
  feature: Int32Array;
  threshold: Float64Array;
  /** Left child (absolute node index); the right child is left + 1. -1 for a leaf. */
  left: Int32Array;
  /** Subsample rows that reached the node. */
  size: Int32Array;
  /** Leaves: depth + c(size), the path length credited to points ending there. */
  leafPath: Float64Array;
}

export class IsolationForest implements Detector {
  readonly name = 'iforest' as const;
  readonly contamination: number;
  readonly nEstimators: number;
  readonly seed: number;
  private readonly maxSamplesOption: number | undefined;
  private forest: Forest | null = null;
  private samples = 0;
  private nCols = 0;
  private scores: Float64Array | null = null;
  private thresholdValue = NaN;

  constructor(opts: IsolationForestOptions = {}) {
    this.contamination = checkContamination(opts.contamination ?? 0.05, 'contamination');
    this.nEstimators = opts.nEstimators ?? 100;
    if (!Number.isInteger(this.nEstimators) || this.nEstimators < 1) {
      throw new Error(`nEstimators must be a positive integer, got ${this.nEstimators}`);
    }
    this.seed = opts.seed ?? 0;
    if (!Number.isInteger(this.seed)) throw new Error(`seed must be an integer, got ${this.seed}`);
    if (opts.maxSamples !== undefined && !(Number.isInteger(opts.maxSamples) && opts.maxSamples >= 1)) {
      throw new Error(`maxSamples must be a positive integer, got ${opts.maxSamples}`);
    }
    this.maxSamplesOption = opts.maxSamples;
  }

  get cols(): number {
    this.fitted();
    return this.nCols;
  }

  /** Rows per tree actually used: min(maxSamples, n). */
  get maxSamples(): number {
    this.fitted();
    return this.samples;
  }

  get trainingScores(): Float64Array {
    if (!this.scores) throw new Error('iforest: not fitted');
    return this.scores;
  }

  get threshold(): number {
    if (!this.scores) throw new Error('iforest: not fitted');
    return this.thresholdValue;
  }

  fit(X: Matrix): this {
    checkMatrix(X);
    const n = X.rows;
    if (n < 1) throw new Error('iforest: needs at least 1 training row');
    const samples = Math.min(this.maxSamplesOption ?? 256, n);
    const heightLimit = Math.ceil(Math.log2(Math.max(samples, 2)));
    const rng = new Rng(this.seed);
    const perm = new Int32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const maxNodes = this.nEstimators * (2 * samples - 1);
    const b: Forest = {
      treeStart: new Int32Array(this.nEstimators + 1),
      feature: new Int32Array(maxNodes),
      threshold: new Float64Array(maxNodes),
      left: new Int32Array(maxNodes),
      size: new Int32Array(maxNodes),
      leafPath: new Float64Array(maxNodes),
    };
    const work = new Int32Array(samples);
    let used = 0;
    for (let t = 0; t < this.nEstimators; t++) {
      // Partial Fisher-Yates: the first `samples` slots become a uniform sample without
      // replacement; the permutation carries over to the next tree, which stays uniform.
      for (let i = 0; i < samples; i++) {
        const j = i + rng.nextInt(n - i);
        const tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
      }
      work.set(perm.subarray(0, samples));
      b.treeStart[t] = used;
      used = growTree(X, work, heightLimit, rng, b, used);
    }
    b.treeStart[this.nEstimators] = used;
    this.forest = {
      treeStart: b.treeStart,
      feature: b.feature.slice(0, used),
      threshold: b.threshold.slice(0, used),
      left: b.left.slice(0, used),
      size: b.size.slice(0, used),
      leafPath: b.leafPath.slice(0, used),
    };
    this.samples = samples;
    this.nCols = X.cols;
    this.scores = this.score(X);
    this.thresholdValue = thresholdFor(this.scores, this.contamination);
    return this;
  }

  score(X: Matrix): Float64Array {
    const forest = this.fitted();
    checkMatrix(X, 'X', this.nCols);
    const { treeStart, feature, threshold, left, leafPath } = forest;
    // Scores depend only on a row's values: compute once per distinct row.
    const q = dedupRows(X);
    const d = q.cols;
    const pts = q.points;
    const trees = this.nEstimators;
    const denominator = trees * averagePathLength(this.samples);
    const perPoint = new Float64Array(q.m);
    for (let p = 0; p < q.m; p++) {
      const base = p * d;
      let total = 0;
      for (let t = 0; t < trees; t++) {
        let node = treeStart[t];
        let f = feature[node];
        while (f >= 0) {
          node = pts[base + f] <= threshold[node] ? left[node] : left[node] + 1;
          f = feature[node];
        }
        total += leafPath[node];
      }
      perPoint[p] = Math.pow(2, -total / denominator);
    }
    return expand(perPoint, q.rowPoint);
  }

  predict(X: Matrix): Uint8Array {
    return above(this.score(X), this.threshold);
  }

  /**
   * Plain JSON: options, and the trees as base64 little-endian typed arrays (treeStart,
   * feature, left: int32; threshold: float64; size: int32), plus the training scores.
   */
  toJSON(): Record<string, unknown> {
    const f = this.fitted();
    return {
      kind: 'iforest',
      version: FORMAT_VERSION,
      contamination: this.contamination,
      nEstimators: this.nEstimators,
      maxSamples: this.samples,
      seed: this.seed,
      cols: this.nCols,
      rows: this.trainingScores.length,
      nodes: f.feature.length,
      treeStart: encodeI32(f.treeStart),
      feature: encodeI32(f.feature),
      threshold: encodeF64(f.threshold),
      left: encodeI32(f.left),
      size: encodeI32(f.size),
      trainingScores: encodeF64(this.trainingScores),
    };
  }

  /** Rebuilds a fitted forest from toJSON() output; checks every tree's structure. */
  static fromJSON(json: unknown): IsolationForest {
    const obj = checkHeader(json, 'iforest', FORMAT_VERSION);
    const P = 'iforest';
    const contamination = checkContamination(getNumber(obj, 'contamination', P), P);
    const nEstimators = getInt(obj, 'nEstimators', P, 1, 1 << 20);
    const samples = getInt(obj, 'maxSamples', P, 1, 1 << 30);
    const seed = getInt(obj, 'seed', P, Number.MIN_SAFE_INTEGER);
    const cols = getInt(obj, 'cols', P, 1, 1 << 20);
    const rows = getInt(obj, 'rows', P, samples, 0x7fffffff);
    const nodes = getInt(obj, 'nodes', P, nEstimators, nEstimators * (2 * samples - 1));
    const treeStart = decodeI32(obj.treeStart, `${P}.treeStart`, nEstimators + 1, 0, nodes);
    const feature = decodeI32(obj.feature, `${P}.feature`, nodes, -1, cols - 1);
    const threshold = decodeF64(obj.threshold, `${P}.threshold`, nodes);
    const left = decodeI32(obj.left, `${P}.left`, nodes, -1, nodes - 1);
    const size = decodeI32(obj.size, `${P}.size`, nodes, 1, samples);
    const trainingScores = decodeF64(obj.trainingScores, `${P}.trainingScores`, rows);
    for (let i = 0; i < rows; i++) {
      if (!(trainingScores[i] > 0 && trainingScores[i] <= 1))
        throw new Error(`${P}.trainingScores[${i}] is outside (0, 1]`);
    }
    if (treeStart[0] !== 0 || treeStart[nEstimators] !== nodes)
      throw new Error(`${P}.treeStart: must run from 0 to nodes`);
    const heightLimit = Math.ceil(Math.log2(Math.max(samples, 2)));
    const leafPath = new Float64Array(nodes);
    const depth = new Int32Array(nodes);
    for (let t = 0; t < nEstimators; t++) {
      const s = treeStart[t];
      const e = treeStart[t + 1];
      if (e <= s) throw new Error(`${P}: tree ${t} is empty`);
      if (size[s] !== samples) throw new Error(`${P}: tree ${t} root holds ${size[s]} rows, expected ${samples}`);
      // Children always come after their parent, so one forward pass visits parents first;
      // every node but the root must be some node's child exactly once.
      const seen = new Uint8Array(e - s);
      seen[0] = 1;
      for (let i = s; i < e; i++) {
        if (!seen[i - s]) throw new Error(`${P}: tree ${t} node ${i - s} is unreachable`);
        if (feature[i] < 0) {
          if (left[i] !== -1) throw new Error(`${P}: tree ${t} leaf ${i - s} has children`);
          leafPath[i] = depth[i] + averagePathLength(size[i]);
          continue;
        }
        const l = left[i];
        if (l <= i || l + 1 >= e) throw new Error(`${P}: tree ${t} node ${i - s} has children outside the tree`);
        if (seen[l - s] || seen[l + 1 - s]) throw new Error(`${P}: tree ${t} node ${l - s} has two parents`);
        if (size[l] + size[l + 1] !== size[i]) throw new Error(`${P}: tree ${t} node ${i - s} sizes do not add up`);
        if (depth[i] + 1 > heightLimit) throw new Error(`${P}: tree ${t} is deeper than ${heightLimit}`);
        seen[l - s] = seen[l + 1 - s] = 1;
        depth[l] = depth[l + 1] = depth[i] + 1;
      }
    }
    const model = new IsolationForest({ contamination, nEstimators, seed, maxSamples: samples });
    model.forest = { treeStart, feature, threshold, left, size, leafPath };
    model.samples = samples;
    model.nCols = cols;
    model.scores = trainingScores;
    model.thresholdValue = thresholdFor(trainingScores, contamination);
    return model;
  }

  private fitted(): Forest {
    if (!this.forest) throw new Error('iforest: not fitted');
    return this.forest;
  }
}

/**
 * Grows one tree breadth-first (children adjacent) over the row indices in `rows`, writing
 * nodes from `next` on; returns the next free node index.
 */
function growTree(X: Matrix, rows: Int32Array, heightLimit: number, rng: Rng, f: Forest, next: number): number {
  const d = X.cols;
  const data = X.data;
  const lo = new Float64Array(d);
  const hi = new Float64Array(d);
  const candidates = new Int32Array(d);
  // Per pending node: its range in `rows` and its depth (a queue in node order).
  const root = next;
  const rangeStart: number[] = [0];
  const rangeEnd: number[] = [rows.length];
  const depths: number[] = [0];
  next++;
  for (let k = 0; k < rangeStart.length; k++) {
    const node = root + k;
    const s = rangeStart[k];
    const e = rangeEnd[k];
    const depth = depths[k];
    f.size[node] = e - s;
    let nCand = 0;
    if (depth < heightLimit && e - s > 1) {
      lo.fill(Infinity);
      hi.fill(-Infinity);
      for (let i = s; i < e; i++) {
        const b = rows[i] * d;
        for (let c = 0; c < d; c++) {
          const v = data[b + c];
          if (v < lo[c]) lo[c] = v;
          if (v > hi[c]) hi[c] = v;
        }
      }
      for (let c = 0; c < d; c++) if (hi[c] > lo[c] + FEATURE_THRESHOLD) candidates[nCand++] = c;
    }
    if (nCand === 0) {
      f.feature[node] = -1;
      f.left[node] = -1;
      f.threshold[node] = 0;
      f.leafPath[node] = depth + averagePathLength(e - s);
      continue;
    }
    const c = candidates[rng.nextInt(nCand)];
    let t = lo[c] + (hi[c] - lo[c]) * rng.nextFloat();
    if (t >= hi[c]) t = lo[c]; // rounding reached the max: keep both sides non-empty
    // Partition rows[s..e) so that x[c] <= t comes first.
    let i = s;
    let j = e - 1;
    while (i <= j) {
      if (data[rows[i] * d + c] <= t) i++;
      else {
        const tmp = rows[i];
        rows[i] = rows[j];
        rows[j--] = tmp;
      }
    }
    f.feature[node] = c;
    f.threshold[node] = t;
    f.left[node] = next;
    f.leafPath[node] = 0;
    next += 2;
    rangeStart.push(s, i);
    rangeEnd.push(i, e);
    depths.push(depth + 1, depth + 1);
  }
  return next;
}
