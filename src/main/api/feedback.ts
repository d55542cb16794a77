import { ApiError } from '../../shared/api';
import { logExists } from '../queries/logDetail';
import { incidentGone } from './findings';
import type { Handlers } from './handlers';
import type { Services } from './services';

type FeedbackOps = 'giveFeedback' | 'listSuppressions' | 'addSuppression' | 'updateSuppression' | 'removeSuppression';

/** The analyst's verdicts and the suppression rules they create. */
export function feedbackHandlers(s: Services): Handlers<FeedbackOps> {
  return {
    giveFeedback: async (f) => {
      if (f.entry !== undefined) {
        if (!logExists(s.db, f.entry)) throw new ApiError(404, `log entry ${f.entry} does not exist`);
        return s.feedback.record(f, [f.entry], `entry ${f.entry}`);
      }
      const incident = f.incident!;
      await s.incidents.settle();
      const ids = s.incidents.flaggedIds(incident);
      if (!ids) throw incidentGone(incident);
      return s.feedback.record(f, ids, `incident ${incident}`);
    },
    listSuppressions: async () => ({ suppressions: s.feedback.listSuppressions() }),
    addSuppression: async (rule) => s.feedback.addSuppression(rule),
    updateSuppression: async ({ id, ...patch }) => s.feedback.updateSuppression(id, patch),
    removeSuppression: async ({ id }) => (s.feedback.removeSuppression(id), { removed: true as const }),
  };
}
