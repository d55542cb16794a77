/**
 * Operation names and IPC channels, kept free of zod so the sandboxed preload
 * bundle stays tiny. `operations` in api.ts is checked against this list.
 */
export const OPERATION_NAMES = [
  'health',
  'getConfig',
  'putConfig',
  'previewWindow',
  'listSources',
  'addSource',
  'removeSource',
  'pauseSource',
  'resumeSource',
  'sourceErrors',
  'generateSample',
  'generateFeatures',
  'trainModels',
  'reloadModels',
  'detect',
  'detectBatch',
  'listAnomalies',
  'getLog',
  'listModels',
  'overview',
  'timeline',
  'listIncidents',
  'getIncident',
  'incidentReport',
  'modelDiff',
  'giveFeedback',
  'listSuppressions',
  'addSuppression',
  'updateSuppression',
  'removeSuppression',
  'getToken',
  'regenerateToken',
  'fleetConnection',
  'fleetConnect',
  'fleetSaveConnection',
  'fleetAnalyse',
] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

export const IPC_PREFIX = 'outlier-desk:';
export const ipcChannel = (name: OperationName): string => `${IPC_PREFIX}${name}`;
export const IPC_EVENT_CHANNEL = `${IPC_PREFIX}event`;
export const isOperationName = (name: unknown): name is OperationName =>
  typeof name === 'string' && (OPERATION_NAMES as readonly string[]).includes(name);
