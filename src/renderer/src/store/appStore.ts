import { create } from 'zustand';
import type { Api } from '../../../shared/api';
import type { Transport } from '../api/transport';

export const VIEWS = ['overview', 'anomalies', 'sources', 'models', 'settings'] as const;
export type View = (typeof VIEWS)[number];

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

interface AppState {
  transport: Transport | null;
  view: View;
  notices: Notice[];
  setTransport(t: Transport): void;
  go(view: View): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
}

let nextNotice = 1;

/** Navigation, the transport and transient notices; each view keeps its data in its own slice. */
export const useApp = create<AppState>((set) => ({
  transport: null,
  view: (VIEWS as readonly string[]).includes(location.hash.slice(1)) ? (location.hash.slice(1) as View) : 'overview',
  notices: [],
  setTransport: (transport) => set({ transport }),
  go: (view) => {
    history.replaceState(null, '', `#${view}`);
    set({ view });
  },
  notify: (kind, text) => set((s) => ({ notices: [...s.notices.slice(-3), { id: nextNotice++, kind, text }] })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
}));

/** The Api for use outside React (store actions). */
export function api(): Api {
  const t = useApp.getState().transport;
  if (!t) throw new Error('not connected');
  return t.api;
}

/** Runs an action, turning a failure into a visible notice instead of an unhandled rejection. */
export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    useApp.getState().notify('error', `${what}: ${(err as Error).message}`);
    return undefined;
  }
}
