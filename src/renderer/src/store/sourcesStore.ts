import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import type { LogFormatChoice } from '../../../shared/config';
import type { EngineEvent } from '../../../shared/events';
import type { Source } from '../../../shared/schemas/sources';
import { SOURCE_STATUSES } from '../../../shared/sourceValues';
import { fmtInt } from '../components/format';
import { api, attempt, errorText, useApp } from './appStore';
import { useModels } from './modelsStore';

type Progress = Extract<EngineEvent, { type: 'ingest-progress' }>;
type SourceErrors = Output<'sourceErrors'>;

export type ErrorsState =
  { status: 'loading' } | { status: 'ready'; data: SourceErrors } | { status: 'error'; message: string };

export interface SampleState {
  running: boolean;
  rows: number;
  startedAt: number;
  result: Output<'generateSample'> | null;
}

interface SourcesState {
  sources: Source[];
  loaded: boolean;
  /** Lines per second per source, from successive progress events. */
  rates: Record<number, number>;
  errors: Record<number, ErrorsState>;
  sample: SampleState | null;
  refresh(): Promise<void>;
  applyProgress(e: Progress): void;
  add(path: string, format?: LogFormatChoice): Promise<boolean>;
  pause(id: number): Promise<void>;
  resume(id: number): Promise<void>;
  remove(id: number): Promise<void>;
  toggleErrors(id: number): Promise<void>;
  generateSample(rows: number): Promise<void>;
}

const ERRORS_SHOWN = 200;
// Last progress seen per source, for the rate; outside the store since no component renders it.
const lastSeen = new Map<number, { lines: number; at: number }>();
let refreshQueued = false;

export const useSources = create<SourcesState>((set, get) => ({
  sources: [],
  loaded: false,
  rates: {},
  errors: {},
  sample: null,
  refresh: async () => {
    const sources = await attempt('Loading sources', () => api().listSources({}));
    if (sources) set({ sources, loaded: true });
  },
  applyProgress: (e) => {
    const now = performance.now();
    const prev = lastSeen.get(e.sourceId);
    lastSeen.set(e.sourceId, { lines: e.lines, at: now });
    const active = e.status === 'ingesting';
    let rate = 0;
    if (active && prev && now > prev.at) {
      const instant = ((e.lines - prev.lines) * 1000) / (now - prev.at);
      // Smooth the rate: events arrive in bursts of uneven size.
      rate = 0.7 * (get().rates[e.sourceId] ?? instant) + 0.3 * instant;
    }
    const known = get().sources.some((s) => s.id === e.sourceId);
    const status = (SOURCE_STATUSES as readonly string[]).includes(e.status) ? (e.status as Source['status']) : null;
    set((s) => ({
      rates: { ...s.rates, [e.sourceId]: Math.max(0, rate) },
      sources: s.sources.map((src) =>
        src.id === e.sourceId
          ? {
              ...src,
              lines: e.lines,
              parseErrors: e.parseErrors,
              bytesDone: e.bytesDone,
              bytesTotal: e.bytesTotal,
              status: status ?? src.status,
            }
          : src,
      ),
    }));
    // A source we have not listed yet (a dropped file, the sample, a file appearing in a folder).
    if (!known && !refreshQueued) {
      refreshQueued = true;
      setTimeout(() => {
        refreshQueued = false;
        void get().refresh();
      }, 500);
    }
  },
  add: async (path, format = 'auto') => {
    const added = await attempt('Adding the source', () => api().addSource({ path, format }));
    await get().refresh();
    if (added) useApp.getState().notify('info', `Added ${added.path}`);
    return added !== undefined;
  },
  pause: async (id) => {
    const s = await attempt('Pausing the source', () => api().pauseSource({ id }));
    if (s) set((st) => ({ sources: st.sources.map((x) => (x.id === id ? s : x)) }));
  },
  resume: async (id) => {
    const s = await attempt('Resuming the source', () => api().resumeSource({ id }));
    if (s) set((st) => ({ sources: st.sources.map((x) => (x.id === id ? s : x)) }));
  },
  remove: async (id) => {
    const res = await attempt('Removing the source', () => api().removeSource({ id }));
    if (res?.removed) await get().refresh();
  },
  toggleErrors: async (id) => {
    if (get().errors[id]) {
      set((s) => {
        const errors = { ...s.errors };
        delete errors[id];
        return { errors };
      });
      return;
    }
    set((s) => ({ errors: { ...s.errors, [id]: { status: 'loading' } } }));
    let next: ErrorsState;
    try {
      next = { status: 'ready', data: await api().sourceErrors({ id, limit: ERRORS_SHOWN }) };
    } catch (err) {
      next = { status: 'error', message: errorText(err) };
    }
    set((s) => (s.errors[id] ? { errors: { ...s.errors, [id]: next } } : {}));
  },
  generateSample: async (rows) => {
    if (get().sample?.running) return;
    set({ sample: { running: true, rows, startedAt: Date.now(), result: null } });
    const result = await attempt('Generating sample data', () => api().generateSample({ rows }));
    set({ sample: { running: false, rows, startedAt: get().sample?.startedAt ?? Date.now(), result: result ?? null } });
    await get().refresh();
    if (result) {
      useApp
        .getState()
        .notify(
          'info',
          `Sample ready: ${fmtInt(result.rows)} entries with ${fmtInt(result.anomalies)} injected anomalies. Train the models on it?`,
          {
            label: 'Train now',
            run: () => {
              useApp.getState().go('models');
              void useModels.getState().train();
            },
          },
        );
    }
  },
}));
