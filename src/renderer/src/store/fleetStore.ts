import { create } from 'zustand';
import type { Output } from '../../../shared/api';
import { FLEET_ROLES, type FleetRole } from '../../../shared/fleetValues';
import type { FleetColumnMapping } from '../../../shared/schemas/fleet';
import { api, errorText, useApp } from './appStore';

type Info = Output<'fleetConnection'>;
type Tested = Output<'fleetConnect'>;
type Result = Output<'fleetAnalyse'>;

/** The connection form as typed: text fields, the password only while it is being entered. */
export interface FleetForm {
  url: string;
  username: string;
  password: string;
  database: string;
  table: string;
  columns: Record<FleetRole, string>;
}

const EMPTY_COLUMNS = Object.fromEntries(FLEET_ROLES.map((r) => [r, ''])) as Record<FleetRole, string>;

export const EMPTY_FORM: FleetForm = {
  url: 'http://127.0.0.1:8123',
  username: 'default',
  password: '',
  database: 'default',
  table: '',
  columns: EMPTY_COLUMNS,
};

export type Busy = 'testing' | 'saving' | 'analysing' | null;

interface FleetState {
  form: FleetForm;
  info: Info | null;
  tested: Tested | null;
  busy: Busy;
  /** The last failure of a test, save or analysis, shown beside the form it concerns. */
  error: { what: 'connection' | 'analysis'; message: string } | null;
  stage: { text: string; fraction: number } | null;
  result: Result | null;
  /** The selected row among those shown (all returned rows, or the open incident's). */
  selected: number;
  /** The selected incident, and the one whose rows the row grid shows (null: all rows). */
  incidentSelected: number;
  incidentOpen: number | null;
  edit(patch: Partial<Omit<FleetForm, 'columns'>>): void;
  editColumn(role: FleetRole, name: string): void;
  load(): Promise<void>;
  test(): Promise<void>;
  save(): Promise<void>;
  analyse(range: { from: number; to: number; windowMs: number; limit: number }): Promise<void>;
  progress(stage: string, fraction: number): void;
  select(index: number): void;
  selectIncident(index: number): void;
  /** Shows only this incident's rows (null: all of them again). */
  openIncident(index: number | null): void;
}

/** The rows the row grid shows: the open incident's, or every returned row. */
export function shownRows(s: Pick<FleetState, 'result' | 'incidentOpen'>): Result['rows'] {
  const r = s.result;
  if (!r) return [];
  const open = s.incidentOpen === null ? undefined : r.incidents[s.incidentOpen];
  return open ? open.rows.map((i) => r.rows[i]) : r.rows;
}

/** The mapping as the contract takes it: empty optional roles left out. */
export function mappingOf(columns: Record<FleetRole, string>): Partial<FleetColumnMapping> {
  const out: Partial<FleetColumnMapping> = {};
  for (const role of FLEET_ROLES) if (columns[role].trim()) out[role] = columns[role].trim();
  return out;
}

const settingsOf = (f: FleetForm) => ({
  url: f.url.trim(),
  username: f.username.trim() || 'default',
  database: f.database.trim() || 'default',
  table: f.table.trim(),
});

export const useFleet = create<FleetState>((set, get) => ({
  form: EMPTY_FORM,
  info: null,
  tested: null,
  busy: null,
  error: null,
  stage: null,
  result: null,
  selected: -1,
  incidentSelected: -1,
  incidentOpen: null,
  edit: (patch) => set((s) => ({ form: { ...s.form, ...patch } })),
  editColumn: (role, name) => set((s) => ({ form: { ...s.form, columns: { ...s.form.columns, [role]: name } } })),
  load: async () => {
    try {
      const info = await api().fleetConnection({});
      const c = info.connection;
      set({
        info,
        form: c
          ? {
              url: c.url,
              username: c.username,
              password: '',
              database: c.database,
              table: c.table,
              columns: { ...EMPTY_COLUMNS, ...c.columns },
            }
          : get().form,
      });
    } catch (err) {
      set({ error: { what: 'connection', message: errorText(err) } });
    }
  },
  test: async () => {
    const f = get().form;
    set({ busy: 'testing', error: null });
    try {
      const mapping = mappingOf(f.columns);
      const tested = await api().fleetConnect({
        ...settingsOf(f),
        ...(f.password ? { password: f.password } : {}),
        ...(mapping.timestamp && mapping.ip && mapping.status ? { columns: mapping as FleetColumnMapping } : {}),
      });
      // The detected mapping fills the roles the analyst left empty.
      const columns = { ...f.columns };
      for (const role of FLEET_ROLES)
        if (!columns[role] && tested.detected[role]) columns[role] = tested.detected[role];
      set({ tested, form: { ...get().form, columns } });
    } catch (err) {
      set({ tested: null, error: { what: 'connection', message: errorText(err) } });
    } finally {
      set({ busy: null });
    }
  },
  save: async () => {
    const f = get().form;
    const mapping = mappingOf(f.columns);
    if (!mapping.timestamp || !mapping.ip || !mapping.status) {
      set({ error: { what: 'connection', message: 'Map the timestamp, client IP and status columns first' } });
      return;
    }
    set({ busy: 'saving', error: null });
    try {
      const info = await api().fleetSaveConnection({
        ...settingsOf(f),
        columns: mapping as FleetColumnMapping,
        ...(f.password ? { password: f.password } : {}),
      });
      // The password is now in the secret store; the form forgets it.
      set({ info, form: { ...get().form, password: '' } });
      useApp.getState().notify('info', 'ClickHouse connection saved');
    } catch (err) {
      set({ error: { what: 'connection', message: errorText(err) } });
    } finally {
      set({ busy: null });
    }
  },
  analyse: async (range) => {
    set({ busy: 'analysing', error: null, stage: { text: 'starting', fraction: 0 } });
    try {
      const result = await api().fleetAnalyse(range);
      set({
        result,
        selected: result.rows.length ? 0 : -1,
        incidentSelected: result.incidents.length ? 0 : -1,
        incidentOpen: null,
      });
    } catch (err) {
      set({ error: { what: 'analysis', message: errorText(err) } });
    } finally {
      set({ busy: null, stage: null });
    }
  },
  progress: (text, fraction) => {
    if (get().busy === 'analysing') set({ stage: { text, fraction } });
  },
  select: (index) => {
    const n = shownRows(get()).length;
    if (n) set({ selected: Math.max(0, Math.min(n - 1, index)) });
  },
  selectIncident: (index) => {
    const n = get().result?.incidents.length ?? 0;
    if (n) set({ incidentSelected: Math.max(0, Math.min(n - 1, index)) });
  },
  openIncident: (index) => {
    const n = get().result?.incidents.length ?? 0;
    if (index === null || (index >= 0 && index < n)) set({ incidentOpen: index, selected: 0 });
  },
}));
