/**
 * Common machinery of the distance-based detectors (LOF, KNN): optional z-scoring, the
 * distinct-point k-d tree, scoring new rows once per distinct row, thresholds and the shared
 * part of the serialised form.
 *
 * Serialised index (all typed arrays as base64 of little-endian bytes, see codec.ts):
 * `points` = the m distinct training points (m × cols float64, in the model's scaled space,
 * in order of first occurrence), `rowPoint` = for each of the `rows` training rows the id of
 * its point (int32; restores multiplicities and the row order that breaks distance ties).
 * Per-point values (kdist, lrd, …) are stored per distinct point: copies share them.
 */
import type { Detector, Matrix, ModelName, NeighborOptions, ScalerParams } from './types';
import { checkMatrix } from './matrix';
import { applyScaler, checkScaler, fitScaler } from './scaler';
import { dedupRows, expand, groupRows, type Distinct } from './dedup';
import { KdTree, NeighborResult } from './kdtree';
import { above, thresholdFor } from './stats';
import {
  checkContamination,
  checkHeader,
  decodeF64,
  decodeI32,
  encodeF64,
  encodeI32,
  getBoolean,
  getInt,
  getNumber,
} from './codec';

export const NEIGHBOR_FORMAT_VERSION = 1;

export interface NeighborJson {
  kind: ModelName;
  version: number;
  contamination: number;
  nNeighbors: number;
  /** Effective k = min(nNeighbors, rows - 1). */
  k: number;
  scaler: ScalerParams | null;
  /** True when the scaler came from the options rather than from the training rows. */
  scalerPreset: boolean;
  cols: number;
  rows: number;
  distinct: number;
  points: string;
  rowPoint: string;
}

export abstract class NeighborDetector implements Detector {
  abstract readonly name: ModelName;
  readonly contamination: number;
  readonly nNeighbors: number;
  protected readonly standardize: boolean;
  /** Fixed scaling given in the options (kept across refits), else null. */
  private readonly presetScaler: ScalerParams | null;
  /** Scaling in use: the preset, or fitted on the training rows when standardize is set. */
  private scaler: ScalerParams | null;
  protected k = 0;
  protected train: Distinct | null = null;
  protected tree: KdTree | null = null;
  private scores: Float64Array | null = null;
  private thresholdValue = NaN;

  constructor(opts: NeighborOptions, defaultK: number) {
    this.contamination = checkContamination(opts.contamination ?? 0.05, 'contamination');
    const k = opts.nNeighbors ?? defaultK;
    if (!Number.isInteger(k) || k < 1) throw new Error(`nNeighbors must be a positive integer, got ${k}`);
    this.nNeighbors = k;
    this.presetScaler = opts.scaler ? checkScaler(opts.scaler, undefined) : null;
    this.scaler = this.presetScaler;
    this.standardize = opts.standardize === true || opts.scaler !== undefined;
  }

  /** Score of each distinct training point, given the fitted index (self excluded). */
  protected abstract fitPoints(train: Distinct, tree: KdTree, k: number): Float64Array;
  /** Score of one new point from its k nearest training rows. */
  protected abstract scoreQuery(res: NeighborResult): number;
  /** Model-specific serialised fields. */
  protected abstract extraJson(): Record<string, unknown>;

  get cols(): number {
    return this.fitted().cols;
  }

  get trainingScores(): Float64Array {
    if (!this.scores) throw new Error(`${this.name}: not fitted`);
    return this.scores;
  }

  get threshold(): number {
    if (!this.scores) throw new Error(`${this.name}: not fitted`);
    return this.thresholdValue;
  }

  /** The scaling applied before distances, or null. */
  get scaling(): ScalerParams | null {
    return this.scaler ? { mean: this.scaler.mean.slice(), scale: this.scaler.scale.slice() } : null;
  }

  fit(X: Matrix): this {
    checkMatrix(X);
    if (X.rows < 2) throw new Error(`${this.name}: needs at least 2 training rows`);
    const preset = this.presetScaler;
    if (preset && preset.mean.length !== X.cols) {
      throw new Error(`${this.name}: scaler has ${preset.mean.length} columns, data has ${X.cols}`);
    }
    const scaler = preset ?? (this.standardize ? fitScaler(X) : null);
    const Xs = scaler ? applyScaler(X, scaler) : X;
    const train = dedupRows(Xs);
    const k = Math.min(this.nNeighbors, X.rows - 1);
    const tree = new KdTree(train.points, train.m, train.cols, train.counts, train.rowStart, train.rowList);
    const perPoint = this.fitPoints(train, tree, k);
    this.setState(train, tree, k, perPoint, scaler);
    return this;
  }

  /** Scores of new rows (neighbours among the training rows only). */
  score(X: Matrix): Float64Array {
    const train = this.fitted();
    checkMatrix(X, 'X', train.cols);
    const Xs = this.scaler ? applyScaler(X, this.scaler) : X;
    const queries = dedupRows(Xs);
    const tree = this.tree as KdTree;
    const res = new NeighborResult();
    const perQuery = new Float64Array(queries.m);
    for (let j = 0; j < queries.m; j++) {
      tree.query(queries.points, j * queries.cols, this.k, -1, res);
      perQuery[j] = this.scoreQuery(res);
    }
    return expand(perQuery, queries.rowPoint);
  }

  predict(X: Matrix): Uint8Array {
    return above(this.score(X), this.threshold);
  }

  toJSON(): NeighborJson & Record<string, unknown> {
    const train = this.fitted();
    return {
      kind: this.name,
      version: NEIGHBOR_FORMAT_VERSION,
      contamination: this.contamination,
      nNeighbors: this.nNeighbors,
      k: this.k,
      scaler: this.scaling,
      scalerPreset: this.presetScaler !== null,
      cols: train.cols,
      rows: train.n,
      distinct: train.m,
      points: encodeF64(train.points),
      rowPoint: encodeI32(train.rowPoint),
      ...this.extraJson(),
    };
  }

  protected fitted(): Distinct {
    if (!this.train) throw new Error(`${this.name}: not fitted`);
    return this.train;
  }

  protected setState(
    train: Distinct,
    tree: KdTree,
    k: number,
    perPoint: Float64Array,
    scaler: ScalerParams | null,
  ): void {
    this.scaler = scaler;
    this.train = train;
    this.tree = tree;
    this.k = k;
    this.scores = expand(perPoint, train.rowPoint);
    this.thresholdValue = thresholdFor(this.scores, this.contamination);
  }
}

/** Parsed and validated common part of a serialised LOF/KNN model. */
export interface ParsedNeighborJson {
  obj: Record<string, unknown>;
  options: NeighborOptions;
  scaler: ScalerParams | null;
  k: number;
  train: Distinct;
  tree: KdTree;
}

export function parseNeighborJson(json: unknown, kind: ModelName): ParsedNeighborJson {
  const obj = checkHeader(json, kind, NEIGHBOR_FORMAT_VERSION);
  const contamination = checkContamination(getNumber(obj, 'contamination', kind), kind);
  const nNeighbors = getInt(obj, 'nNeighbors', kind, 1);
  const cols = getInt(obj, 'cols', kind, 1, 1 << 20);
  const rows = getInt(obj, 'rows', kind, 2, 0x7fffffff);
  const k = getInt(obj, 'k', kind, 1);
  if (k !== Math.min(nNeighbors, rows - 1)) throw new Error(`${kind}.k: expected min(nNeighbors, rows - 1)`);
  const m = getInt(obj, 'distinct', kind, 1, rows);
  const scaler = obj.scaler === null ? null : checkScaler(obj.scaler, cols, `${kind}.scaler`);
  const scalerPreset = getBoolean(obj, 'scalerPreset', kind);
  if (scalerPreset && !scaler) throw new Error(`${kind}.scalerPreset: set without a scaler`);
  const points = decodeF64(obj.points, `${kind}.points`, m * cols);
  const rowPoint = decodeI32(obj.rowPoint, `${kind}.rowPoint`, rows, 0, m - 1);
  // Point ids must appear in order of first occurrence, each point must be used, and the
  // points must really be distinct: re-deduplicating them has to give the same set.
  let next = 0;
  for (let r = 0; r < rows; r++) {
    if (rowPoint[r] > next) throw new Error(`${kind}.rowPoint: point ids are not in order of first occurrence`);
    if (rowPoint[r] === next) next++;
  }
  if (next !== m) throw new Error(`${kind}.rowPoint: ${m - next} points have no rows`);
  if (dedupRows({ rows: m, cols, data: points }).m !== m) throw new Error(`${kind}.points: points are not distinct`);
  const train = groupRows(rows, m, cols, points, rowPoint);
  const tree = new KdTree(train.points, train.m, train.cols, train.counts, train.rowStart, train.rowList);
  const options: NeighborOptions = scalerPreset
    ? { contamination, nNeighbors, scaler: scaler as ScalerParams }
    : { contamination, nNeighbors, standardize: scaler !== null };
  return { obj, options, scaler, k, train, tree };
}
