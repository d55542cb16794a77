import { create } from 'zustand';
import type { Source } from '../../../shared/schemas/sources';
import type { EngineEvent } from '../../../shared/events';
import { api, attempt } from './appStore';

interface SourcesState {
  sources: Source[];
  loaded: boolean;
  refresh(): Promise<void>;
  applyProgress(e: Extract<EngineEvent, { type: 'ingest-progress' }>): void;
}

export const useSources = create<SourcesState>((set) => ({
  sources: [],
  loaded: false,
  refresh: async () => {
    const sources = await attempt('Loading sources', () => api().listSources({}));
    if (sources) set({ sources, loaded: true });
  },
  applyProgress: (e) =>
    set((s) => ({
      sources: s.sources.map((src) =>
        src.id === e.sourceId
          ? {
              ...src,
              lines: e.lines,
              parseErrors: e.parseErrors,
              bytesDone: e.bytesDone,
              bytesTotal: e.bytesTotal,
              status: e.status as Source['status'],
            }
          : src,
      ),
    })),
}));
