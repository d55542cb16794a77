import { ApiError } from '../../shared/api';
import { generateSampleSource } from '../ingest/sample/sampleJob';
import { getSource, listSources, sourceErrors } from '../ingest/sources';
import type { Handlers } from './handlers';
import type { Services } from './services';

type SourceOps =
  'listSources' | 'addSource' | 'removeSource' | 'pauseSource' | 'resumeSource' | 'sourceErrors' | 'generateSample';

export function sourceHandlers(s: Services): Handlers<SourceOps> {
  const requireSource = (id: number) => {
    const source = getSource(s.db, id);
    if (!source) throw new ApiError(404, `source ${id} does not exist`);
    return source;
  };
  return {
    listSources: async () => listSources(s.db),
    addSource: async (input) => s.ingest.addPath(input),
    removeSource: async ({ id }) => {
      requireSource(id);
      const removed = await s.ingest.remove(id);
      // Entries of other sources may have counted the removed ones in their windows.
      if (removed) {
        s.detector.resetWindow();
        void s.models.forgetRemoved();
        void s.features.recomputeAll().catch(() => undefined);
      }
      return { removed };
    },
    pauseSource: async ({ id }) => (requireSource(id), await s.ingest.pause(id), requireSource(id)),
    resumeSource: async ({ id }) => (requireSource(id), await s.ingest.resume(id), requireSource(id)),
    sourceErrors: async ({ id, limit }) => (requireSource(id), sourceErrors(s.db, id, limit)),
    generateSample: async (opts) => {
      const r = await generateSampleSource(s.ingest, s.db, s.dataDir, opts);
      await s.features.schedule();
      return {
        message: `${r.rows} rows of sample data saved to the 'logs' table in ${s.dbPath}`,
        rows: r.rows,
        anomalies: r.anomalies,
        source_id: r.sourceId,
        path: r.path,
      };
    },
  };
}
