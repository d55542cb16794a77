import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import { api, attempt, useApp } from './appStore';

interface ModelsState {
  data: Output<'listModels'> | null;
  progress: { stage: string; fraction: number } | null;
  refresh(): Promise<void>;
  train(): Promise<void>;
  reload(): Promise<void>;
  setProgress(p: ModelsState['progress']): void;
}

export const useModels = create<ModelsState>((set, get) => ({
  data: null,
  progress: null,
  refresh: async () => {
    const data = await attempt('Loading models', () => api().listModels({}));
    if (data) set({ data });
  },
  train: async () => {
    set({ progress: { stage: 'starting', fraction: 0 } });
    const res = await attempt('Training', () => api().trainModels({}));
    set({ progress: null });
    if (res) useApp.getState().notify('info', res.message);
    await get().refresh();
  },
  reload: async () => {
    const res = await attempt('Reloading models', () => api().reloadModels({}));
    if (res) useApp.getState().notify('info', res.message);
    await get().refresh();
  },
  setProgress: (progress) => set({ progress }),
}));
