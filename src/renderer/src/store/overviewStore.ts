import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import type { AnomalyRow } from '../../../shared/schemas/analysis';
import { api, attempt, useApp } from './appStore';

const TIMELINE_BUCKETS = 240;
const LIVE_KEEP = 30;
const THROTTLE_MS = 3000;
/** Zooming stops at a minute: below it the 1-second buckets are mostly empty. */
export const MIN_ZOOM_MS = 60_000;

/** A time range [from, to) in epoch ms. */
export interface TimeRange {
  from: number;
  to: number;
}

interface OverviewState {
  data: Output<'overview'> | null;
  timeline: Output<'timeline'> | null;
  loading: boolean;
  failed: boolean;
  /** The newest flagged entries pushed by the engine, newest first. */
  live: AnomalyRow[];
  /** The timeline's zoomed range; null shows the engine's choice (the bulk of the entries, or all). */
  zoom: TimeRange | null;
  /** Unzoomed, span every entry rather than the bulk of them (strays included). */
  showAll: boolean;
  /** Dragging across the timeline zooms into the period instead of listing its flagged entries. */
  dragZooms: boolean;
  /** The latest unzoomed range: zooming out stops there. */
  home: TimeRange | null;
  refresh(): Promise<void>;
  refreshTimeline(): Promise<void>;
  /** Zooms to a range (null: back to the unzoomed range). */
  setZoom(range: TimeRange | null): void;
  /** Zooms the shown range by a factor (below 1 in, above 1 out), keeping the time `at` in place. */
  zoomBy(factor: number, at?: number): void;
  setShowAll(all: boolean): void;
  setDragZooms(on: boolean): void;
  /** Back to the default: unzoomed, the bulk of the entries. */
  resetZoom(): void;
  pushLive(rows: AnomalyRow[]): void;
  /** Something changed (ingest, scores): refresh soon, at most once per few seconds. */
  touch(): void;
}

let pending: ReturnType<typeof setTimeout> | null = null;
/** Timeline answers of an older request are dropped (a zoom overtaken by the next one). */
let timelineRequest = 0;

/** The range, widened around its middle to `span` when shorter. */
function atLeast(range: TimeRange, span: number): TimeRange {
  if (range.to - range.from >= span) return range;
  const from = Math.round((range.from + range.to - span) / 2);
  return { from, to: from + span };
}

const homeOf = (t: Output<'timeline'> | undefined): TimeRange | undefined =>
  t && t.range !== 'asked' && t.to > t.from ? { from: t.from, to: t.to } : undefined;

async function fetchTimeline(zoom: TimeRange | null, showAll: boolean) {
  const request = ++timelineRequest;
  const query = zoom
    ? { buckets: TIMELINE_BUCKETS, from: zoom.from, to: zoom.to }
    : { buckets: TIMELINE_BUCKETS, all: showAll || undefined };
  const timeline = await attempt('Loading the timeline', () => api().timeline(query));
  return request === timelineRequest ? timeline : undefined;
}

export const useOverview = create<OverviewState>((set, get) => ({
  data: null,
  timeline: null,
  loading: false,
  failed: false,
  live: [],
  zoom: null,
  showAll: false,
  dragZooms: false,
  home: null,
  refresh: async () => {
    set({ loading: true });
    // Each part is shown as it comes (the counts and the chart are separate requests, answered
    // one after the other by the engine): neither waits for the other. The chart is asked first,
    // the larger part of the view.
    const chart = fetchTimeline(get().zoom, get().showAll).then((timeline) =>
      set((s) => ({ timeline: timeline ?? s.timeline, home: homeOf(timeline) ?? s.home })),
    );
    const counts = attempt('Loading the overview', () => api().overview({})).then((data) =>
      set((s) => ({ data: data ?? s.data, failed: !data && !s.data })),
    );
    await Promise.all([counts, chart]);
    set({ loading: false });
  },
  refreshTimeline: async () => {
    const timeline = await fetchTimeline(get().zoom, get().showAll);
    if (timeline) set((s) => ({ timeline, home: homeOf(timeline) ?? s.home }));
  },
  setZoom: (range) => {
    set({ zoom: range && atLeast(range, MIN_ZOOM_MS) });
    void get().refreshTimeline();
  },
  zoomBy: (factor, at) => {
    const { timeline, home } = get();
    if (!timeline || timeline.to <= timeline.from) return;
    const centre = at ?? (timeline.from + timeline.to) / 2;
    let from = Math.floor(centre - (centre - timeline.from) * factor);
    let to = Math.ceil(centre + (timeline.to - centre) * factor);
    if (factor > 1) {
      // Zooming out ends at the unzoomed range, and stays inside it on the way.
      if (!home || (from <= home.from && to >= home.to)) return get().setZoom(null);
      if (from < home.from) [from, to] = [home.from, to + home.from - from];
      if (to > home.to) [from, to] = [from - (to - home.to), home.to];
    }
    get().setZoom({ from, to });
  },
  setShowAll: (showAll) => {
    set({ showAll, zoom: null });
    void get().refreshTimeline();
  },
  setDragZooms: (dragZooms) => set({ dragZooms }),
  resetZoom: () => {
    if (get().zoom === null && !get().showAll) return;
    set({ zoom: null, showAll: false });
    void get().refreshTimeline();
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
