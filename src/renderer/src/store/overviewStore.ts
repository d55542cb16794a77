import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import type { AnomalyRow } from '../../../shared/schemas/analysis';
import { api, attempt, useApp } from './appStore';

const TIMELINE_BUCKETS = 240;
const LIVE_KEEP = 30;
const THROTTLE_MS = 3000;

interface OverviewState {
  data: Output<'overview'> | null;
  timeline: Output<'timeline'> | null;
  loading: boolean;
  failed: boolean;
  /** The newest flagged entries pushed by the engine, newest first. */
  live: AnomalyRow[];
  refresh(): Promise<void>;
  pushLive(rows: AnomalyRow[]): void;
  /** Something changed (ingest, scores): refresh soon, at most once per few seconds. */
  touch(): void;
}

let pending: ReturnType<typeof setTimeout> | null = null;

export const useOverview = create<OverviewState>((set, get) => ({
  data: null,
  timeline: null,
  loading: false,
  failed: false,
  live: [],
  refresh: async () => {
    set({ loading: true });
    const [data, timeline] = await Promise.all([
      attempt('Loading the overview', () => api().overview({})),
      attempt('Loading the timeline', () => api().timeline({ buckets: TIMELINE_BUCKETS })),
    ]);
    set((s) => ({
      data: data ?? s.data,
      timeline: timeline ?? s.timeline,
      loading: false,
      failed: !data && !s.data,
    }));
  },
  pushLive: (rows) =>
    set((s) => ({ live: [...[...rows].sort((a, b) => b.tsMs - a.tsMs), ...s.live].slice(0, LIVE_KEEP) })),
  touch: () => {
    if (pending || useApp.getState().view !== 'overview') return;
    pending = setTimeout(() => {
      pending = null;
      if (useApp.getState().view === 'overview') void get().refresh();
    }, THROTTLE_MS);
  },
}));
