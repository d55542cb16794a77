import type { EngineEvent } from '../../../shared/events';
import { useAnomalies } from './anomaliesStore';
import { useFleet } from './fleetStore';
import { useApp } from './appStore';
import { useJobs } from './jobsStore';
import { useModels } from './modelsStore';
import { useOverview } from './overviewStore';
import { useSettings } from './settingsStore';
import { useSources } from './sourcesStore';

/** Routes each engine event to the slices it concerns; components re-render through their selectors only. */
export function routeEvent(e: EngineEvent): void {
  switch (e.type) {
    case 'ingest-progress':
      useSources.getState().applyProgress(e);
      useOverview.getState().touch();
      break;
    case 'features-progress':
      useJobs.getState().setFeatures({ done: e.done, total: e.total });
      break;
    case 'training-progress':
      useJobs.getState().setTraining({ stage: e.stage, fraction: e.fraction });
      break;
    case 'training-failed':
      useJobs.getState().setTraining(null);
      useApp.getState().notify('error', `Training failed: ${e.message}`);
      void useModels.getState().refresh();
      break;
    case 'anomalies':
      useOverview.getState().pushLive(e.rows);
      useOverview.getState().touch();
      useAnomalies.getState().noteFresh(e.rows.filter((r) => r.isAnomaly).length);
      break;
    case 'model-swapped':
      useJobs.getState().setTraining(null);
      useApp.getState().notify('info', `Model version ${e.version} is live`);
      void useModels.getState().refresh();
      useAnomalies.getState().markStale();
      useOverview.getState().touch();
      break;
    case 'fleet-progress':
      useFleet.getState().progress(e.stage, e.fraction);
      break;
    case 'navigate':
      useApp.getState().go(e.view);
      break;
    case 'config-changed':
      void useSettings.getState().refreshConfig();
      break;
  }
}
