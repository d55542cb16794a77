import { create } from 'zustand';
import type { Api } from '../../../shared/api';
import { VIEWS, type View } from '../../../shared/views';
import type { Transport } from '../api/transport';

export interface NoticeAction {
  label: string;
  run(): void;
}

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
  action?: NoticeAction;
}

interface AppState {
  transport: Transport | null;
  view: View;
  notices: Notice[];
  setTransport(t: Transport): void;
  go(view: View): void;
  notify(kind: Notice['kind'], text: string, action?: NoticeAction): void;
  dismiss(id: number): void;
}

let nextNotice = 1;
const INFO_TTL_MS = 6000;

const viewFromHash = (): View =>
  (VIEWS as readonly string[]).includes(location.hash.slice(1)) ? (location.hash.slice(1) as View) : 'incidents';

/** Navigation, the transport and transient notices; each view keeps its data in its own slice. */
export const useApp = create<AppState>((set, get) => ({
  transport: null,
  view: viewFromHash(),
  notices: [],
  setTransport: (transport) => set({ transport }),
  go: (view) => {
    history.replaceState(null, '', `#${view}`);
    set({ view });
  },
  notify: (kind, text, action) => {
    const id = nextNotice++;
    set((s) => ({ notices: [...s.notices.slice(-3), { id, kind, text, action }] }));
    // Information fades on its own; errors and notices that offer an action wait for the analyst.
    if (kind === 'info' && !action) setTimeout(() => get().dismiss(id), INFO_TTL_MS);
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
}));

/** The Api for use outside React (store actions). */
export function api(): Api {
  const t = useApp.getState().transport;
  if (!t) throw new Error('not connected');
  return t.api;
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Runs an action, turning a failure into a visible notice instead of an unhandled rejection. */
export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    useApp.getState().notify('error', `${what}: ${errorText(err)}`);
    return undefined;
  }
}
