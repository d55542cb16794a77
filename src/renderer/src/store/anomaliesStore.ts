import { create } from 'zustand';
import type { ModelName } from '../../../shared/config';
import type { AnomalyRow, LogDetail } from '../../../shared/schemas/analysis';
import { fmtInt } from '../components/format';
import { api, attempt, errorText, useApp } from './appStore';
import { firstMissing } from './paging';

/** The filter the analyst sets; paging is the store's business. */
export interface AnomalyFilter {
  from?: number;
  to?: number;
  ip?: string;
  endpoint?: string;
  status?: number;
  minVotes?: number;
  model?: ModelName;
  q?: string;
  sort: 'time' | 'score';
  order: 'asc' | 'desc';
  onlyFlagged: boolean;
}

export const DEFAULT_FILTER: AnomalyFilter = { sort: 'score', order: 'desc', onlyFlagged: true };

export type DetailState =
  | { id: number; status: 'loading' }
  | { id: number; status: 'ready'; data: LogDetail }
  | { id: number; status: 'error'; message: string };

export interface ExportProgress {
  done: number;
  total: number;
}

interface AnomaliesState {
  filter: AnomalyFilter;
  /** Bumped on every reload; responses of an older generation are dropped. */
  generation: number;
  /** Sparse: index → row once its page has arrived. Length is `total`. */
  rows: (AnomalyRow | undefined)[];
  total: number;
  loaded: boolean;
  loading: boolean;
  error: string | null;
  /** Flagged entries announced by `anomalies` events since the last load. */
  fresh: number;
  /** Set when the scores changed underneath (a new model); the next visit reloads. */
  stale: boolean;
  selected: number;
  detail: DetailState | null;
  exporting: ExportProgress | null;
  setFilter(patch: Partial<AnomalyFilter>): void;
  replaceFilter(filter: AnomalyFilter): void;
  reload(): Promise<void>;
  /** The grid reports the rows it shows; missing pages are fetched in the background. */
  ensureRange(start: number, end: number): void;
  select(index: number): void;
  open(index?: number): void;
  close(): void;
  retryDetail(): void;
  noteFresh(n: number): void;
  markStale(): void;
}

/** Rows per request; pages start at multiples of it, so any visible range is at most two requests. */
const PAGE = 500;
/**
 * Rows of a (re)load's first request: a tall window shows ~40, so the view draws after a small
 * answer (at 10M entries 500 rows took 30–90 ms to come back); the rest of the page follows
 * through `pump` when the grid reaches it.
 */
const FIRST_ROWS = 100;
/** Rows per request when exporting the whole filter. */
const MAX_PAGE = 5000;

/** The generation the loaded pages belong to; a pump running across a reload stops using them. */
let pageGeneration = 0;
let wanted: [number, number] = [0, 0];
let pumping = false;
let detailRequest = 0;
let followTimer: ReturnType<typeof setTimeout> | null = null;
/** Holding j with the panel open should not send a request per row. */
const FOLLOW_DELAY_MS = 120;

/** The query for the engine: empty text fields mean "any". */
export function toQuery(f: AnomalyFilter) {
  return {
    ...f,
    ip: f.ip?.trim() || undefined,
    endpoint: f.endpoint?.trim() || undefined,
    q: f.q?.trim() || undefined,
  };
}

/**
 * The request for the page at `offset` of a list of `total`. A page in the back half is asked for
 * in the reversed order (the sort key and id both flip, so it is the same rows backwards), from
 * the end: the engine then skips at most half the list, and End on millions of rows stays quick.
 * `place` puts the answer back in list order.
 */
export function pageQuery<Q extends { order: 'asc' | 'desc' }>(query: Q, offset: number, total: number) {
  const limit = Math.max(1, Math.min(PAGE, total - offset));
  const fromEnd = total - offset - limit;
  if (fromEnd >= offset) return { query: { ...query, offset, limit: PAGE }, place: (rows: AnomalyRow[]) => rows };
  const order: 'asc' | 'desc' = query.order === 'desc' ? 'asc' : 'desc';
  return {
    query: { ...query, order, offset: fromEnd, limit },
    // Short only when the list shrank since it was counted (null: where these rows go is unknown).
    place: (rows: AnomalyRow[]): AnomalyRow[] | null => (rows.length < limit ? null : rows.slice().reverse()),
  };
}

export const useAnomalies = create<AnomaliesState>((set, get) => {
  /**
   * Fetches the pages of the wanted range that are missing, one request at a time. Pages are
   * addressed by offset, so End, Home or a drag to any row costs one or two requests, wherever
   * the row is in the list.
   */
  const pump = async () => {
    if (pumping) return;
    pumping = true;
    try {
      while (true) {
        const s = get();
        if (!s.loaded || s.error || s.generation !== pageGeneration) return;
        const missing = firstMissing(s.rows, wanted[0], wanted[1], s.total);
        if (missing < 0) return;
        const generation = s.generation;
        const offset = Math.floor(missing / PAGE) * PAGE;
        const { query, place } = pageQuery(toQuery(s.filter), offset, s.total);
        const page = await attempt('Loading anomalies', () => api().listAnomalies(query));
        if (get().generation !== generation || pageGeneration !== generation) continue;
        if (!page) {
          set({ error: 'A page of entries could not be loaded.' });
          return;
        }
        const placed = place(page.rows);
        const rows = get().rows.slice();
        // A page counted from the end came short: the list shrank to the engine's new count.
        if (placed === null) rows.length = Math.min(rows.length, page.total);
        else {
          placed.forEach((r, k) => {
            if (offset + k < rows.length) rows[offset + k] = r;
          });
          // A short page that ends before the list does: the list shrank since it was counted.
          const ends = offset + placed.length;
          if (placed.length < query.limit && ends < rows.length) rows.length = ends;
        }
        set({ rows, total: rows.length });
      }
    } finally {
      pumping = false;
    }
  };

  const loadDetail = async (id: number) => {
    const request = ++detailRequest;
    set({ detail: { id, status: 'loading' } });
    try {
      const data = await api().getLog({ id });
      if (request === detailRequest) set({ detail: { id, status: 'ready', data } });
    } catch (err) {
      // Shown inside the panel (with Retry) rather than as a notice.
      if (request === detailRequest) set({ detail: { id, status: 'error', message: errorText(err) } });
    }
  };

  return {
    filter: DEFAULT_FILTER,
    generation: 0,
    rows: [],
    total: 0,
    loaded: false,
    loading: false,
    error: null,
    fresh: 0,
    stale: false,
    selected: -1,
    detail: null,
    exporting: null,
    setFilter: (patch) => {
      set((s) => ({ filter: { ...s.filter, ...patch } }));
      void get().reload();
    },
    replaceFilter: (filter) => {
      set({ filter });
      void get().reload();
    },
    reload: async () => {
      const generation = get().generation + 1;
      set({ generation, loading: true, error: null, fresh: 0, stale: false, selected: -1 });
      const page = await attempt('Loading anomalies', () =>
        api().listAnomalies({ ...toQuery(get().filter), limit: FIRST_ROWS }),
      );
      if (get().generation !== generation) return;
      if (!page) {
        set({ loading: false, loaded: true, error: 'The entries could not be loaded.', rows: [], total: 0 });
        return;
      }
      const rows: (AnomalyRow | undefined)[] = new Array<AnomalyRow | undefined>(page.total);
      page.rows.forEach((r, i) => (rows[i] = r));
      pageGeneration = generation;
      set({ rows, total: page.total, loading: false, loaded: true, detail: null });
      void pump();
    },
    ensureRange: (start, end) => {
      wanted = [start, end];
      void pump();
    },
    select: (index) => {
      const { total, detail, rows } = get();
      if (total === 0) return;
      const selected = Math.max(0, Math.min(total - 1, index));
      set({ selected });
      // With the panel open, moving the selection shows the newly selected entry.
      const row = rows[selected];
      if (detail && row && row.id !== detail.id) {
        detailRequest++;
        set({ detail: { id: row.id, status: 'loading' } });
        if (followTimer) clearTimeout(followTimer);
        followTimer = setTimeout(() => {
          followTimer = null;
          if (get().detail?.id === row.id) void loadDetail(row.id);
        }, FOLLOW_DELAY_MS);
      }
    },
    open: (index) => {
      const s = get();
      const i = index ?? s.selected;
      const row = s.rows[i];
      if (!row) return;
      set({ selected: i });
      void loadDetail(row.id);
    },
    close: () => {
      detailRequest++;
      if (followTimer) clearTimeout(followTimer);
      set({ detail: null });
    },
    retryDetail: () => {
      const d = get().detail;
      if (d) void loadDetail(d.id);
    },
    noteFresh: (n) => set((s) => ({ fresh: s.fresh + n })),
    markStale: () => set({ stale: true }),
  };
});

/** Selector: the row at an index (components re-render only when that row changes). */
export const rowAt = (i: number) => (s: AnomaliesState) => s.rows[i];

/** Starting the export navigates nowhere: the CSV is built in memory and handed to the browser. */
export async function exportAnomaliesCsv(build: (rows: AnomalyRow[]) => string, fileName: string): Promise<void> {
  const { filter, exporting } = useAnomalies.getState();
  if (exporting) return;
  const query = toQuery(filter);
  const rows: AnomalyRow[] = [];
  let cursor: string | undefined;
  useAnomalies.setState({ exporting: { done: 0, total: useAnomalies.getState().total } });
  try {
    while (true) {
      const page = await api().listAnomalies({ ...query, cursor, limit: MAX_PAGE });
      rows.push(...page.rows);
      useAnomalies.setState({ exporting: { done: rows.length, total: page.total } });
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const blob = new Blob([build(rows)], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
    // Revoke later: revoking at once can cancel the download in some engines.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    useApp.getState().notify('info', `Exported ${fmtInt(rows.length)} entries to ${fileName}`);
  } catch (err) {
    useApp.getState().notify('error', `Exporting CSV: ${errorText(err)}`);
  } finally {
    useAnomalies.setState({ exporting: null });
  }
}
