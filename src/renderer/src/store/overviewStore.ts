import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import { api, attempt } from './appStore';

interface OverviewState {
  data: Output<'overview'> | null;
  loading: boolean;
  refresh(): Promise<void>;
}

export const useOverview = create<OverviewState>((set) => ({
  data: null,
  loading: false,
  refresh: async () => {
    set({ loading: true });
    const data = await attempt('Loading the overview', () => api().overview({}));
    set((s) => ({ data: data ?? s.data, loading: false }));
  },
}));
