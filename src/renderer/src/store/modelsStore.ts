import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import { api, attempt, useApp } from './appStore';
import { useJobs } from './jobsStore';

interface ModelsState {
  data: Output<'listModels'> | null;
  loaded: boolean;
  /** A train request is in flight (progress itself comes from events, in the jobs slice). */
  requested: boolean;
  refresh(): Promise<void>;
  train(): Promise<void>;
  reload(): Promise<void>;
}

export const useModels = create<ModelsState>((set, get) => ({
  data: null,
  loaded: false,
  requested: false,
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
}));

/** The live version's record, if the list has it. */
export const selectLiveModel = (s: ModelsState) => s.data?.versions.find((v) => v.live) ?? null;
