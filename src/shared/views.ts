/** Kept free of zod: the renderer's sidebar reads it before anything else (events.ts has the schema). */
/** The app's views in sidebar order: the renderer's sidebar and Alt+N keys and the desktop View menu both read this. */
export const VIEWS = ['incidents', 'overview', 'anomalies', 'sources', 'models', 'settings', 'fleet'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Record<View, string> = {
  incidents: 'Incidents',
  overview: 'Overview',
  anomalies: 'Anomalies',
  sources: 'Sources',
  fleet: 'Fleet',
  models: 'Models',
  settings: 'Settings',
};
