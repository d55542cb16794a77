/**
 * Windowed per-IP features: request, 4xx and 5xx counts over (t − W, t] in (ts_ms, id) order.
 * Batch (canonical, into `features`), incremental after ingest, live (in-memory cache), CSV
 * export and a read-only preview of another window.
 */
export { recomputeAllFeatures, recomputeAllFeaturesAsync } from './batch';
export type { RecomputeAsyncOptions, RecomputeResult } from './batch';
export { updateFeaturesAfterInsert } from './incremental';
export type { IncrementalResult } from './incremental';
export { FeatureTail } from './tail';
export type { AdvanceOptions, AdvanceResult, FeatureTailOptions } from './tail';
export { LiveWindowCache } from './liveWindow';
export type { LiveEntry, LiveWindowOptions } from './liveWindow';
export { EXPORT_HEADER, exportFeaturesCsv } from './export';
export type { ExportOptions } from './export';
export { previewWindow } from './preview';
export type { FeatureDistributions, PreviewOptions, WindowPreview } from './preview';
export type { FeatureStats, HistogramBin } from './distribution';
export { FEATURE_NAMES } from './types';
export type { FeatureCounts, FeatureName, RowProgressFn } from './types';
