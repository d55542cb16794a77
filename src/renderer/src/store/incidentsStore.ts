import { create } from 'zustand';
import type { EngineEvent } from '../../../shared/events';
import type { Incident, IncidentDetail } from '../../../shared/schemas/incidents';
import type { DetailState } from './anomaliesStore';
import { api, attempt, errorText, useApp } from './appStore';
import { firstMissing } from './paging';

export type IncidentEntry = IncidentDetail['rows'][number];

export type OpenIncident =
  | { id: string; status: 'loading' }
  /** `outdated`: the scores changed and the engine no longer has this incident; shown as last loaded. */
  | { id: string; status: 'ready'; data: IncidentDetail; outdated: boolean }
  | { id: string; status: 'error'; message: string };

interface IncidentsState {
  /** Bumped on every reload; pages of an older generation are dropped. */
  generation: number;
  /** Sparse, ranked: index → incident once its page has arrived. Length is `total`. */
  rows: (Incident | undefined)[];
  total: number;
  /** Flagged entries grouped into the incidents. */
  flagged: number;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  /** Scores changed while neither Incidents nor Overview was shown: the next visit reloads. */
  stale: boolean;
  selected: number;
  open: OpenIncident | null;
  /** The selected entry of the open incident, and its getLog detail when opened. */
  entrySelected: number;
  entry: DetailState | null;
  /** Fetches the first page again, keeping the selection on the same incident. */
  reload(): Promise<void>;
  /** The grid reports the rows it shows; missing pages are fetched in the background. */
  ensureRange(start: number, end: number): void;
  select(index: number): void;
  openAt(index?: number): void;
  openById(id: string): void;
  close(): void;
  retryOpen(): void;
  selectEntry(index: number): void;
  openEntry(index?: number): void;
  closeEntry(): void;
  retryEntry(): void;
}

/** Incidents per request (the first page is what Overview's top list reads). */
const PAGE = 200;
/** Scores arrive in bursts while a file is followed: refetch at most this often. */
const REFRESH_MS = 2000;
/** Holding j with an entry open should not send a request per row. */
const FOLLOW_DELAY_MS = 120;

let pageGeneration = 0;
let wanted: [number, number] = [0, 0];
let pumping = false;
let incidentRequest = 0;
let entryRequest = 0;
let followTimer: ReturnType<typeof setTimeout> | null = null;
let lastRefresh = 0;
let trailing: ReturnType<typeof setTimeout> | null = null;

const clamp = (i: number, n: number) => Math.max(0, Math.min(n - 1, i));

const get = () => useIncidents.getState();
const set = (patch: Partial<IncidentsState>) => useIncidents.setState(patch);

/** Fetches the missing pages of the wanted range, one request at a time (as the Anomalies list does). */
async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    while (true) {
      const s = get();
      if (!s.loaded || s.generation !== pageGeneration) return;
      const missing = firstMissing(s.rows, wanted[0], wanted[1], s.total);
      if (missing < 0) return;
      const generation = s.generation;
      const offset = Math.floor(missing / PAGE) * PAGE;
      const page = await attempt('Loading incidents', () => api().listIncidents({ offset, limit: PAGE }));
      if (get().generation !== generation) continue;
      if (!page) return;
      const rows = get().rows.slice();
      page.incidents.forEach((x, k) => {
        if (offset + k < rows.length) rows[offset + k] = x;
      });
      // A short page ending before the list does: incidents merged since the count.
      const ends = offset + page.incidents.length;
      if (page.incidents.length < PAGE && ends < rows.length) rows.length = ends;
      set({ rows, total: rows.length });
    }
  } finally {
    pumping = false;
  }
}

/** `quiet`: refresh the open incident in place (new scores), keeping what is shown if it is gone. */
async function loadIncident(id: string, quiet = false): Promise<void> {
  const request = ++incidentRequest;
  if (!quiet) {
    cancelEntry();
    set({ open: { id, status: 'loading' }, entrySelected: -1, entry: null });
  }
  try {
    const data = await api().getIncident({ id });
    const s = get();
    if (request !== incidentRequest || s.open?.id !== id) return;
    // The entry the analyst was on stays selected if it is still listed.
    const entryId = selectedEntry(s)?.id;
    const entrySelected = entryId === undefined ? -1 : data.rows.findIndex((r) => r.id === entryId);
    set({ open: { id, status: 'ready', data, outdated: false }, entrySelected });
  } catch (err) {
    const s = get();
    if (request !== incidentRequest || s.open?.id !== id) return;
    if (quiet && s.open.status === 'ready') set({ open: { ...s.open, outdated: true } });
    else set({ open: { id, status: 'error', message: errorText(err) } });
  }
}

async function loadEntry(id: number): Promise<void> {
  const request = ++entryRequest;
  set({ entry: { id, status: 'loading' } });
  try {
    const data = await api().getLog({ id });
    if (request === entryRequest) set({ entry: { id, status: 'ready', data } });
  } catch (err) {
    // Shown inside the panel (with Retry) rather than as a notice.
    if (request === entryRequest) set({ entry: { id, status: 'error', message: errorText(err) } });
  }
}

function cancelEntry(): void {
  entryRequest++;
  if (followTimer) clearTimeout(followTimer);
  followTimer = null;
}

function entryRows(): IncidentEntry[] {
  const open = get().open;
  return open?.status === 'ready' ? open.data.rows : [];
}

export const useIncidents = create<IncidentsState>(() => ({
  generation: 0,
  rows: [],
  total: 0,
  flagged: 0,
  loaded: false,
  loading: false,
  error: null,
  stale: false,
  selected: -1,
  open: null,
  entrySelected: -1,
  entry: null,
  reload: async () => {
    const generation = get().generation + 1;
    lastRefresh = Date.now();
    // The rows shown stay until the new page replaces them: no flash of placeholders on refresh.
    set({ generation, loading: true, stale: false });
    const page = await attempt('Loading incidents', () => api().listIncidents({ limit: PAGE }));
    const s = get();
    if (s.generation !== generation) return;
    if (!page) {
      set({ loading: false, loaded: true, error: s.total ? null : 'The incidents could not be loaded.' });
      return;
    }
    const rows = new Array<Incident | undefined>(page.total);
    page.incidents.forEach((x, i) => (rows[i] = x));
    // Ranks move as scores change: follow the selected incident rather than its old position.
    const selectedId = s.rows[s.selected]?.id;
    const found = selectedId === undefined ? -1 : rows.findIndex((x) => x?.id === selectedId);
    const selected = found >= 0 ? found : s.selected >= 0 && page.total ? clamp(s.selected, page.total) : -1;
    pageGeneration = generation;
    set({ rows, total: page.total, flagged: page.flagged, loading: false, loaded: true, error: null, selected });
    void pump();
  },
  ensureRange: (start, end) => {
    wanted = [start, end];
    void pump();
  },
  select: (index) => {
    const { total } = get();
    if (total > 0) set({ selected: clamp(index, total) });
  },
  openAt: (index) => {
    const s = get();
    const i = index ?? s.selected;
    const row = s.rows[i];
    if (!row) return;
    set({ selected: i });
    void loadIncident(row.id);
  },
  openById: (id) => {
    const i = get().rows.findIndex((x) => x?.id === id);
    if (i >= 0) set({ selected: i });
    void loadIncident(id);
  },
  close: () => {
    incidentRequest++;
    cancelEntry();
    set({ open: null, entry: null, entrySelected: -1 });
  },
  retryOpen: () => {
    const open = get().open;
    if (open) void loadIncident(open.id);
  },
  selectEntry: (index) => {
    const rows = entryRows();
    if (!rows.length) return;
    const entrySelected = clamp(index, rows.length);
    set({ entrySelected });
    // With the entry open, moving the selection shows the newly selected entry.
    const row = rows[entrySelected];
    const entry = get().entry;
    if (entry && row.id !== entry.id) {
      cancelEntry();
      set({ entry: { id: row.id, status: 'loading' } });
      followTimer = setTimeout(() => {
        followTimer = null;
        if (get().entry?.id === row.id) void loadEntry(row.id);
      }, FOLLOW_DELAY_MS);
    }
  },
  openEntry: (index) => {
    const i = index ?? get().entrySelected;
    const row = entryRows()[i];
    if (!row) return;
    cancelEntry();
    set({ entrySelected: i });
    void loadEntry(row.id);
  },
  closeEntry: () => {
    cancelEntry();
    set({ entry: null });
  },
  retryEntry: () => {
    const e = get().entry;
    if (e) void loadEntry(e.id);
  },
}));

/** The selected entry of the open incident (a stable reference while it does not change). */
export const selectedEntry = (s: IncidentsState): IncidentEntry | undefined =>
  s.open?.status === 'ready' ? s.open.data.rows[s.entrySelected] : undefined;

/** Reloads now where incidents are on screen; elsewhere the next visit does. */
function refreshShown(): void {
  const view = useApp.getState().view;
  if (view === 'incidents' || view === 'overview') void useIncidents.getState().reload();
  else useIncidents.setState({ stale: true });
}

/** At most one refresh per REFRESH_MS; a burst of events ends with one refresh after its last event. */
function refreshThrottled(): void {
  if (trailing) return;
  const wait = lastRefresh + REFRESH_MS - Date.now();
  if (wait <= 0) {
    lastRefresh = Date.now();
    refreshShown();
    return;
  }
  trailing = setTimeout(() => {
    trailing = null;
    lastRefresh = Date.now();
    refreshShown();
  }, wait);
}

/**
 * Engine events that change incidents: a new model rescored everything (refresh now, and the
 * open incident too); newly scored entries may extend or add incidents (refresh, throttled).
 * Subscribed next to routeEvent in App.tsx.
 */
export function incidentEvent(e: EngineEvent): void {
  if (e.type === 'model-swapped') {
    refreshShown();
    const open = useIncidents.getState().open;
    if (open?.status === 'ready') void loadIncident(open.id, true);
  } else if (e.type === 'anomalies') {
    refreshThrottled();
  }
}
