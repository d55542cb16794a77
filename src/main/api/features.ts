import { previewWindow } from '../features';
import type { Handlers } from './handlers';
import type { Services } from './services';

export function featureHandlers(s: Services): Handlers<'previewWindow' | 'generateFeatures'> {
  return {
    previewWindow: async ({ window }) => {
      const p = previewWindow(s.db, window, { sampleLimit: 1_000_000 });
      return { windowMs: p.windowMs, rows: p.rows, proposed: p.proposed, current: p.current };
    },
    generateFeatures: async () => {
      await s.features.recomputeAll();
      return { status: 'success', message: 'Feature generation task completed successfully.' };
    },
  };
}
