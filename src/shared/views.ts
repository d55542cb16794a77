import { z } from 'zod';

/** The app's views in sidebar order: the renderer's sidebar and Alt+N keys and the desktop View menu both read this. */
export const VIEWS = ['incidents', 'overview', 'anomalies', 'sources', 'models', 'settings', 'fleet'] as const;
export type View = (typeof VIEWS)[number];
export const ViewSchema = z.enum(VIEWS);

export const VIEW_LABELS: Record<View, string> = {
  incidents: 'Incidents',
  overview: 'Overview',
  anomalies: 'Anomalies',
  sources: 'Sources',
  fleet: 'Fleet',
  models: 'Models',
  settings: 'Settings',
};
