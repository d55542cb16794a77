import { create } from 'zustand';
import type { AnomalyQuery, AnomalyRow } from '../../../shared/schemas/analysis';
import { api, attempt } from './appStore';

interface AnomaliesState {
  filter: AnomalyQuery;
  rows: AnomalyRow[];
  total: number;
  cursor: string | null;
  loading: boolean;
  loaded: boolean;
  setFilter(patch: Partial<AnomalyQuery>): void;
  reload(): Promise<void>;
  loadMore(): Promise<void>;
}

const PAGE = 500;

export const useAnomalies = create<AnomaliesState>((set, get) => ({
  filter: { sort: 'score', order: 'desc', onlyFlagged: true },
  rows: [],
  total: 0,
  cursor: null,
  loading: false,
  loaded: false,
  setFilter: (patch) => {
    set((s) => ({ filter: { ...s.filter, ...patch } }));
    void get().reload();
  },
  reload: async () => {
    set({ loading: true });
    const page = await attempt('Loading anomalies', () => api().listAnomalies({ ...get().filter, limit: PAGE }));
    set({
      loading: false,
      loaded: true,
      ...(page ? { rows: page.rows, total: page.total, cursor: page.nextCursor } : {}),
    });
  },
  loadMore: async () => {
    const { cursor, loading } = get();
    if (!cursor || loading) return;
    set({ loading: true });
    const page = await attempt('Loading anomalies', () =>
      api().listAnomalies({ ...get().filter, cursor, limit: PAGE }),
    );
    set((s) => ({ loading: false, ...(page ? { rows: [...s.rows, ...page.rows], cursor: page.nextCursor } : {}) }));
  },
}));
