import type { OperationName } from './channels';

/**
 * Each operation's HTTP method and path, kept free of zod (as channels.ts is) so the renderer,
 * which only needs to address the routes, does not build the whole contract before its first
 * paint (~30–40 ms of module evaluation in Chromium). `operations` in api.ts takes these.
 */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
}

export const ROUTES = {
  health: { method: 'GET', path: '/health' },
  getConfig: { method: 'GET', path: '/config' },
  putConfig: { method: 'PUT', path: '/config' },
  previewWindow: { method: 'GET', path: '/features/preview' },
  listSources: { method: 'GET', path: '/sources' },
  addSource: { method: 'POST', path: '/sources' },
  removeSource: { method: 'DELETE', path: '/sources/:id' },
  pauseSource: { method: 'POST', path: '/sources/:id/pause' },
  resumeSource: { method: 'POST', path: '/sources/:id/resume' },
  sourceErrors: { method: 'GET', path: '/sources/:id/errors' },
  generateSample: { method: 'POST', path: '/data/generate_sample' },
  generateFeatures: { method: 'POST', path: '/features/generate_features' },
  trainModels: { method: 'POST', path: '/model/train_models' },
  reloadModels: { method: 'POST', path: '/outlier/reload_models' },
  detect: { method: 'POST', path: '/outlier/detect' },
  detectBatch: { method: 'POST', path: '/outlier/detect_batch' },
  listAnomalies: { method: 'GET', path: '/anomalies' },
  getLog: { method: 'GET', path: '/logs/:id' },
  listModels: { method: 'GET', path: '/models' },
  overview: { method: 'GET', path: '/overview' },
  timeline: { method: 'GET', path: '/timeline' },
  listIncidents: { method: 'GET', path: '/incidents' },
  getIncident: { method: 'GET', path: '/incidents/:id' },
  incidentReport: { method: 'GET', path: '/incidents/:id/report' },
  modelDiff: { method: 'GET', path: '/models/diff' },
  giveFeedback: { method: 'POST', path: '/feedback' },
  listSuppressions: { method: 'GET', path: '/suppressions' },
  addSuppression: { method: 'POST', path: '/suppressions' },
  updateSuppression: { method: 'PUT', path: '/suppressions/:id' },
  removeSuppression: { method: 'DELETE', path: '/suppressions/:id' },
  getToken: { method: 'GET', path: '/token' },
  regenerateToken: { method: 'POST', path: '/token/regenerate' },
  fleetConnection: { method: 'GET', path: '/fleet/connection' },
  fleetConnect: { method: 'POST', path: '/fleet/connect' },
  fleetSaveConnection: { method: 'PUT', path: '/fleet/connection' },
  fleetAnalyse: { method: 'POST', path: '/fleet/analyse' },
} as const satisfies Record<OperationName, Route>;

/** Browser mode: the <meta> name under which the page at `/` hands the API token to the renderer. */
export const TOKEN_META = 'outlier-desk-token';
