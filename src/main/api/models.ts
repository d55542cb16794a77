import { modelDiff } from '../incidents/modelDiff';
import type { Handlers } from './handlers';
import type { Services } from './services';

export function modelHandlers(s: Services): Handlers<'trainModels' | 'reloadModels' | 'listModels' | 'modelDiff'> {
  // The original answered with the Python list of the models it trains, e.g. ['iforest', 'lof'].
  const modelsText = () =>
    `[${s.config
      .get()
      .models.map((m) => `'${m}'`)
      .join(', ')}]`;
  return {
    trainModels: async () => {
      await s.models.train('requested');
      s.scheduler.noteTrained();
      return { status: 'success', message: `Model training initiated for: ${modelsText()}` };
    },
    reloadModels: async () => {
      await s.models.reload();
      return { status: 'success', message: 'Models reloaded successfully.' };
    },
    listModels: async () => ({
      live: s.models.liveVersion,
      training: s.models.isTraining,
      nextRunAt: s.scheduler.nextRunAt,
      versions: s.models.registry.list(s.models.liveVersion),
    }),
    modelDiff: async ({ from, to }) => modelDiff(s.db, from, to),
  };
}
