import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  fileStore,
  initialBounds,
  isVisibleOnSomeDisplay,
  keepWindowState,
  parseWindowState,
  WINDOW_STATE_FILE,
  type Rect,
  type StateStore,
  type TrackedWindow,
} from '../../../src/main/desktop/windowState';
import { tempDir } from '../../helpers/tmp';

const DEFAULTS = { width: 1280, height: 820, minWidth: 900, minHeight: 600 };
const laptop: Rect = { x: 0, y: 0, width: 1920, height: 1050 };
const rightMonitor: Rect = { x: 1920, y: 0, width: 2560, height: 1400 };
const state = (bounds: Rect, maximized = false) => ({ bounds, maximized, fullScreen: false });

describe('window state: restore', () => {
  it('opens with the defaults the first time', () => {
    expect(initialBounds(null, [laptop], DEFAULTS)).toEqual({
      width: 1280,
      height: 820,
      maximized: false,
      fullScreen: false,
    });
  });

  it('restores size and position on a display that is there', () => {
    const saved = state({ x: 2100, y: 100, width: 1500, height: 1000 }, true);
    expect(initialBounds(saved, [laptop, rightMonitor], DEFAULTS)).toEqual({
      x: 2100,
      y: 100,
      width: 1500,
      height: 1000,
      maximized: true,
      fullScreen: false,
    });
  });

  it('drops the position when its display is gone (monitor unplugged), keeping a size that fits', () => {
    const saved = state({ x: 2100, y: 100, width: 2400, height: 1300 });
    const b = initialBounds(saved, [laptop], DEFAULTS);
    expect(b.x).toBeUndefined();
    expect(b.y).toBeUndefined();
    expect(b.width).toBe(1920);
    expect(b.height).toBe(1050);
  });

  it('drops a position that leaves only a sliver of the title bar on screen', () => {
    expect(isVisibleOnSomeDisplay({ x: 1880, y: 10, width: 1200, height: 800 }, [laptop])).toBe(false);
    expect(isVisibleOnSomeDisplay({ x: 200, y: -500, width: 1200, height: 800 }, [laptop])).toBe(false);
    expect(isVisibleOnSomeDisplay({ x: -600, y: 20, width: 1200, height: 800 }, [laptop])).toBe(true);
    expect(isVisibleOnSomeDisplay({ x: 1800, y: 20, width: 1200, height: 800 }, [laptop, rightMonitor])).toBe(true);
  });

  it('never opens smaller than the minimum size', () => {
    const b = initialBounds(state({ x: 10, y: 10, width: 200, height: 100 }), [laptop], DEFAULTS);
    expect([b.width, b.height]).toEqual([900, 600]);
  });

  it('ignores a broken or foreign state file', () => {
    for (const text of [
      null,
      '',
      'not json',
      '{}',
      '{"bounds":{"x":"1","y":0,"width":10,"height":10}}',
      '{"bounds":{"x":0,"y":0,"width":-5,"height":10}}',
      'null',
      '[]',
    ]) {
      expect(parseWindowState(text)).toBeNull();
    }
    expect(parseWindowState('{"bounds":{"x":-10,"y":5,"width":1000,"height":700},"maximized":true}')).toEqual({
      bounds: { x: -10, y: 5, width: 1000, height: 700 },
      maximized: true,
      fullScreen: false,
    });
  });
});

class FakeWindow implements TrackedWindow {
  bounds: Rect = { x: 100, y: 100, width: 1280, height: 820 };
  maximized = false;
  minimized = false;
  destroyed = false;
  private listeners = new Map<string, Array<() => void>>();
  getNormalBounds = () => ({ ...this.bounds });
  isMaximized = () => this.maximized;
  isFullScreen = () => false;
  isMinimized = () => this.minimized;
  isDestroyed = () => this.destroyed;
  on(event: string, listener: () => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: string) {
    for (const l of this.listeners.get(event) ?? []) l();
  }
}

function memoryStore(): StateStore & { writes: string[] } {
  const writes: string[] = [];
  return { writes, read: () => writes.at(-1) ?? null, write: (t) => void writes.push(t) };
}

describe('window state: keep', () => {
  afterEach(() => vi.useRealTimers());

  it('saves after moves and resizes settle, at once on maximize and close', () => {
    vi.useFakeTimers();
    const win = new FakeWindow();
    const store = memoryStore();
    keepWindowState(win, store, { debounceMs: 500 });
    win.bounds = { x: 150, y: 120, width: 1300, height: 900 };
    win.emit('move');
    win.emit('resize');
    vi.advanceTimersByTime(400);
    expect(store.writes).toHaveLength(0);
    vi.advanceTimersByTime(200);
    expect(store.writes).toHaveLength(1);
    expect(parseWindowState(store.read())!.bounds).toEqual({ x: 150, y: 120, width: 1300, height: 900 });

    win.maximized = true;
    win.emit('maximize');
    expect(parseWindowState(store.read())!.maximized).toBe(true);
    win.emit('close');
    expect(store.writes).toHaveLength(2); // nothing changed: not written again
  });

  it('keeps the last state while minimized, and the normal bounds while maximized', () => {
    vi.useFakeTimers();
    const win = new FakeWindow();
    const store = memoryStore();
    const flush = keepWindowState(win, store);
    flush();
    win.minimized = true;
    win.bounds = { x: -32000, y: -32000, width: 160, height: 28 }; // what Windows reports
    win.emit('resize');
    vi.runAllTimers();
    win.emit('close');
    expect(store.writes).toHaveLength(1);
    expect(parseWindowState(store.read())!.bounds.x).toBe(100);
  });

  it('persists as JSON in the data directory, replacing the file whole', () => {
    const t = tempDir();
    try {
      const store = fileStore(t.dir);
      expect(store.read()).toBeNull();
      const win = new FakeWindow();
      keepWindowState(win, store)();
      const text = readFileSync(join(t.dir, WINDOW_STATE_FILE), 'utf8');
      expect(JSON.parse(text)).toEqual({ bounds: win.bounds, maximized: false, fullScreen: false });
      expect(initialBounds(parseWindowState(fileStore(t.dir).read()), [laptop], DEFAULTS)).toMatchObject(win.bounds);
    } finally {
      t.cleanup();
    }
  });

  it('a failing store is reported, not thrown into the window’s event', () => {
    const win = new FakeWindow();
    const onError = vi.fn();
    const flush = keepWindowState(
      win,
      {
        read: () => null,
        write: () => {
          throw new Error('read-only disk');
        },
      },
      { onError },
    );
    expect(() => flush()).not.toThrow();
    expect(onError).toHaveBeenCalledOnce();
  });
});
