import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Window size and position, remembered across runs in the data directory. Electron-free: the
 * shell passes the displays' work areas and the window through the small interfaces below.
 */

export const WINDOW_STATE_FILE = 'window-state.json';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** The normal (not maximized, not full-screen) bounds. */
  bounds: Rect;
  maximized: boolean;
  fullScreen: boolean;
}

/** Where the state is kept: a JSON file in the data directory, or anything else (tests). */
export interface StateStore {
  read(): string | null;
  write(text: string): void;
}

export function fileStore(dataDir: string, name = WINDOW_STATE_FILE): StateStore {
  const path = join(dataDir, name);
  return {
    read: () => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    },
    write: (text) => {
      // Written aside and renamed: a crash mid-write leaves the previous state, not half a file.
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}

export interface WindowDefaults {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
}

/** What to create the window with: a position only when it is on a display that exists now. */
export interface InitialBounds {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized: boolean;
  fullScreen: boolean;
}

/** Enough of the window must be visible to grab it: this much of its top strip on one display. */
const MIN_VISIBLE_WIDTH = 120;
const MIN_VISIBLE_HEIGHT = 40;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Number.isInteger(v);

/** The stored state, or null when there is none or it is not a state (hand-edited, older format). */
export function parseWindowState(text: string | null): WindowState | null {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const s = v as Partial<WindowState> | null;
  const b = s?.bounds as Partial<Rect> | undefined;
  if (!b || !isInt(b.x) || !isInt(b.y) || !isInt(b.width) || !isInt(b.height)) return null;
  if (b.width <= 0 || b.height <= 0) return null;
  return {
    bounds: { x: b.x, y: b.y, width: b.width, height: b.height },
    maximized: s?.maximized === true,
    fullScreen: s?.fullScreen === true,
  };
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * True when the window's title-bar strip is on one of the displays' work areas far enough to be
 * seen and dragged (a monitor that was unplugged, or a resolution that shrank, fails this).
 */
export function isVisibleOnSomeDisplay(bounds: Rect, workAreas: Rect[]): boolean {
  const strip: Rect = { x: bounds.x, y: bounds.y, width: bounds.width, height: Math.min(bounds.height, 60) };
  return workAreas.some((area) => {
    const o = overlap(strip, area);
    return (
      o.width >= Math.min(MIN_VISIBLE_WIDTH, bounds.width) && o.height >= Math.min(MIN_VISIBLE_HEIGHT, strip.height)
    );
  });
}

/**
 * The bounds to open the window with. The saved size is kept (within the minimum and the largest
 * display); the saved position only when it is visible on a display now, else the window is
 * centred by the system. Without a saved state: the defaults.
 */
export function initialBounds(saved: WindowState | null, workAreas: Rect[], defaults: WindowDefaults): InitialBounds {
  if (!saved) return { width: defaults.width, height: defaults.height, maximized: false, fullScreen: false };
  const maxW = Math.max(defaults.minWidth, ...workAreas.map((a) => a.width));
  const maxH = Math.max(defaults.minHeight, ...workAreas.map((a) => a.height));
  const width = Math.min(Math.max(saved.bounds.width, defaults.minWidth), maxW);
  const height = Math.min(Math.max(saved.bounds.height, defaults.minHeight), maxH);
  const placed = { ...saved.bounds, width, height };
  const visible = isVisibleOnSomeDisplay(placed, workAreas);
  return {
    width,
    height,
    ...(visible ? { x: placed.x, y: placed.y } : {}),
    maximized: saved.maximized,
    fullScreen: saved.fullScreen,
  };
}

/** The slice of BrowserWindow the keeper uses. */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isFullScreen(): boolean;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  on(
    event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'enter-full-screen' | 'leave-full-screen' | 'close',
    listener: () => void,
  ): unknown;
}

export interface KeeperOptions {
  /** Saves at most this often while the window is dragged or resized. */
  debounceMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Follows a window and saves its state: after moves and resizes (debounced), at once on
 * maximize / full-screen changes and when it closes. A minimized window keeps its last state.
 * Returns `flush`, which saves now (call it before quitting).
 */
export function keepWindowState(win: TrackedWindow, store: StateStore, opts: KeeperOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? 500;
  let timer: NodeJS.Timeout | null = null;
  let last: string | null = null;
  const save = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (win.isDestroyed() || win.isMinimized()) return;
    const state: WindowState = {
      bounds: win.getNormalBounds(),
      maximized: win.isMaximized(),
      fullScreen: win.isFullScreen(),
    };
    const text = JSON.stringify(state);
    if (text === last) return;
    try {
      store.write(text);
      last = text;
    } catch (err) {
      opts.onError?.(err);
    }
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, debounceMs);
    timer.unref?.();
  };
  win.on('resize', later);
  win.on('move', later);
  for (const e of ['maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen', 'close'] as const)
    win.on(e, save);
  return save;
}
