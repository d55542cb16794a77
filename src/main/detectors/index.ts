/**
 * Anomaly detectors of Outlier Desk: pure code on typed arrays (no I/O), used by the ML worker.
 * Isolation Forest, LOF and KNN reproduce scikit-learn / PyOD (the original service's
 * PyCaret models); see each file for the definitions and for why they are written here.
 */
export type {
  Matrix,
  ModelName,
  ScalerParams,
  DetectorOptions,
  IsolationForestOptions,
  NeighborOptions,
  Detector,
} from './types';
export { matrixFromRows, sliceRows, checkMatrix } from './matrix';
export { IsolationForest, averagePathLength } from './iforest';
export { LocalOutlierFactor } from './lof';
export { KNearestNeighbors } from './knn';
export { Ensemble, isMajority } from './ensemble';
export type {
  EnsembleOptions,
  EnsembleScores,
  ModelScores,
  Explanation,
  ModelExplanation,
  FeatureExplanation,
  TrainingProgressFn,
} from './ensemble';
export { percentile, quantileSorted, thresholdFor, rocAuc } from './stats';
export { fitScaler, applyScaler } from './scaler';
