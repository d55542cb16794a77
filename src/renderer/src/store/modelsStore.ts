import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import type { ModelVersion } from '../../../shared/schemas/analysis';
import type { ModelDiff } from '../../../shared/schemas/incidents';
import { api, attempt, errorText, useApp } from './appStore';
import { useJobs } from './jobsStore';

/** Two versions to compare: `from` the older side, `to` the newer (any order is allowed). */
export interface DiffPair {
  from: number;
  to: number;
}

export type DiffState = DiffPair &
  ({ status: 'loading' } | { status: 'ready'; data: ModelDiff } | { status: 'error'; message: string });

interface ModelsState {
  data: Output<'listModels'> | null;
  loaded: boolean;
  /** A train request is in flight (progress itself comes from events, in the jobs slice). */
  requested: boolean;
  refresh(): Promise<void>;
  train(): Promise<void>;
  reload(): Promise<void>;
  /** The analyst's pick; null follows the default (the live version against the one before it). */
  diffPick: DiffPair | null;
  diff: DiffState | null;
  pickDiff(pair: DiffPair): void;
  compare(pair: DiffPair): Promise<void>;
}

/** Versions a comparison can use: trained to completion (failed or running ones flagged nothing). */
/** Versions whose flags were kept when they went live (older databases lack them). */
export const comparable = (versions: readonly ModelVersion[]): ModelVersion[] =>
  versions.filter((v) => v.status === 'complete' && v.comparable);

/** The live version (else the newest) against the newest version older than it; null with fewer than two. */
export function defaultPair(versions: readonly ModelVersion[]): DiffPair | null {
  const done = comparable(versions).sort((a, b) => b.version - a.version);
  const to = done.find((v) => v.live) ?? done[0];
  const from = done.find((v) => v.version < (to?.version ?? 0));
  return to && from ? { from: from.version, to: to.version } : null;
}

let diffRequest = 0;

export const useModels = create<ModelsState>((set, get) => ({
  data: null,
  loaded: false,
  requested: false,
  diffPick: null,
  diff: null,
  refresh: async () => {
    const data = await attempt('Loading models', () => api().listModels({}));
    set((s) => ({ data: data ?? s.data, loaded: true }));
  },
  train: async () => {
    if (get().requested) return;
    set({ requested: true });
    // Show something at once; the engine's training-progress events take over from here.
    if (!useJobs.getState().training) useJobs.getState().setTraining({ stage: 'starting', fraction: 0 });
    const res = await attempt('Training', () => api().trainModels({}));
    set({ requested: false });
    const t = useJobs.getState().training;
    if (!res || t?.stage === 'starting') useJobs.getState().setTraining(null);
    if (res) useApp.getState().notify('info', res.message);
    await get().refresh();
  },
  reload: async () => {
    const res = await attempt('Reloading models', () => api().reloadModels({}));
    if (res) useApp.getState().notify('info', res.message);
    await get().refresh();
  },
  pickDiff: (pair) => set({ diffPick: pair }),
  compare: async (pair) => {
    const request = ++diffRequest;
    const shown = get().diff;
    // The same pair again (a revisit, a refresh) keeps its answer on screen until the new one arrives.
    const same = shown?.status === 'ready' && shown.from === pair.from && shown.to === pair.to;
    if (!same) set({ diff: { ...pair, status: 'loading' } });
    try {
      const data = await api().modelDiff(pair);
      if (request === diffRequest) set({ diff: { ...pair, status: 'ready', data } });
    } catch (err) {
      // Shown in the comparison itself (with Retry) rather than as a notice.
      if (request === diffRequest) set({ diff: { ...pair, status: 'error', message: errorText(err) } });
    }
  },
}));

/** The live version's record, if the list has it. */
export const selectLiveModel = (s: ModelsState) => s.data?.versions.find((v) => v.live) ?? null;
