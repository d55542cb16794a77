import { ApiError } from '../../shared/api';
import { catalogueFeaturesOf, explanationItems } from '../features/explanation';
import { incidentReport } from '../incidents/report';
import { listAnomalies } from '../queries/anomalies';
import { logDetail } from '../queries/logDetail';
import { overviewCounts, timeline } from '../queries/overview';
import type { Handlers } from './handlers';
import type { Services } from './services';

type FindingOps =
  'listAnomalies' | 'getLog' | 'overview' | 'timeline' | 'listIncidents' | 'getIncident' | 'incidentReport';

/** An incident id is a moment's grouping: it can vanish when entries are rescored. */
export const incidentGone = (id: string) =>
  new ApiError(404, `incident ${id} does not exist (incidents change as entries are scored)`);

/** What the analyst looks at: flagged entries, one entry in full, counts, the timeline and incidents. */
export function findingHandlers(s: Services): Handlers<FindingOps> {
  return {
    listAnomalies: async (q) => listAnomalies(s.db, q),
    getLog: async ({ id }) => {
      const windowMs = s.config.get().windowMs;
      const detail = logDetail(s.db, id, (v) => s.models.registry.thresholds(v), windowMs);
      if (!detail) throw new ApiError(404, `log entry ${id} does not exist`);
      if (s.models.liveFeatureSet === 'entity') {
        const raw = catalogueFeaturesOf(s.db, windowMs, id);
        const explained = raw && (await s.models.explain(Array.from(raw)));
        if (raw && explained) {
          const { features, featuresHigher } = explained.result;
          detail.explanation = explanationItems(raw, features, featuresHigher ?? [], windowMs);
        }
      } else if (detail.features) {
        const f = detail.features;
        const explained = await s.models.explain([f.request_count, f.client_error_count, f.server_error_count]);
        if (explained) {
          const [a, b, c] = explained.result.features;
          detail.featurePercentiles = { request_count: a, client_error_count: b, server_error_count: c };
        }
      }
      return detail;
    },
    overview: async () => ({
      ...overviewCounts(s.db),
      liveModel: s.models.liveVersion,
      nextRunAt: s.scheduler.nextRunAt,
    }),
    timeline: async (q) => timeline(s.db, q),
    // The incidents are brought up to date in slices first (settle), so a request never holds the loop long.
    listIncidents: async (q) => s.incidents.page(q),
    getIncident: async ({ id }) => {
      await s.incidents.settle();
      const incident = s.incidents.detail(id);
      if (!incident) throw incidentGone(id);
      return incident;
    },
    incidentReport: async ({ id }) => {
      await s.incidents.settle();
      const detail = s.incidents.detail(id);
      const flagged = s.incidents.flaggedIds(id);
      if (!detail || !flagged) throw incidentGone(id);
      return incidentReport(s.db, detail, flagged);
    },
  };
}
