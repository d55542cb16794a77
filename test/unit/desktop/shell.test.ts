/**
 * The Electron shell (src/main/index.ts) with Electron replaced by fakes: what it wires together
 * runs for real (engine, IPC handlers, loopback API, window state, menu actions, opened files,
 * notifications); only the windowing system is pretend. Electron's binary is not needed.
 */
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/main/engine';
import { IPC_EVENT_CHANNEL } from '../../../src/shared/channels';
import type { MenuItemSpec } from '../../../src/main/desktop/menu';
import { flattenMenu } from '../../../src/main/desktop/menu';
import { WINDOW_STATE_FILE } from '../../../src/main/desktop/windowState';
import { ROOT } from '../../helpers/serveProcess';
import { tempDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';

const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => void;
  class Emitter {
    private listeners = new Map<string, Listener[]>();
    on(event: string, l: Listener) {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), l]);
      return this;
    }
    once(event: string, l: Listener) {
      const wrapped: Listener = (...a) => {
        this.listeners.set(
          event,
          (this.listeners.get(event) ?? []).filter((x) => x !== wrapped),
        );
        l(...a);
      };
      return this.on(event, wrapped);
    }
    emit(event: string, ...args: unknown[]) {
      for (const l of this.listeners.get(event) ?? []) l(...args);
    }
  }
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const state = { userData: '' };
  const app = Object.assign(new Emitter(), {
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    whenReady: () => ready,
    getPath: () => state.userData,
    getName: () => 'Outlier Desk',
    isPackaged: false,
  });
  class BrowserWindow extends Emitter {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all.filter((w) => !w.destroyed);
    bounds: { x: number; y: number; width: number; height: number };
    maximized = false;
    destroyed = false;
    shown = false;
    webContents = Object.assign(new Emitter(), {
      setWindowOpenHandler: vi.fn(),
      isLoading: () => false,
      executeJavaScript: vi.fn(async (_code: string) => undefined),
      send: vi.fn(),
      isDestroyed: () => false,
    });
    loadFile = vi.fn(async () => this.emit('ready-to-show'));
    loadURL = vi.fn(async () => this.emit('ready-to-show'));
    constructor(readonly options: { x?: number; y?: number; width: number; height: number; icon?: string }) {
      super();
      this.bounds = { x: options.x ?? 300, y: options.y ?? 100, width: options.width, height: options.height };
      BrowserWindow.all.push(this);
    }
    maximize() {
      this.maximized = true;
    }
    setFullScreen() {}
    show() {
      this.shown = true;
    }
    focus() {}
    restore() {}
    isMinimized = () => false;
    isMaximized = () => this.maximized;
    isFullScreen = () => false;
    isDestroyed = () => this.destroyed;
    getNormalBounds = () => ({ ...this.bounds });
    close() {
      this.emit('close');
      this.destroyed = true;
      this.emit('closed');
    }
  }
  class Notification {
    static shown: Notification[] = [];
    static isSupported = () => true;
    onClick: (() => void) | null = null;
    constructor(readonly options: { title: string; body: string }) {}
    on(_event: string, l: () => void) {
      this.onClick = l;
    }
    show() {
      Notification.shown.push(this);
    }
  }
  const handlers = new Map<string, (event: unknown, input: unknown) => Promise<unknown>>();
  const electron = {
    app,
    BrowserWindow,
    Notification,
    dialog: { showErrorBox: vi.fn(), showOpenDialog: vi.fn() },
    ipcMain: {
      handle: (ch: string, fn: (event: unknown, input: unknown) => Promise<unknown>) => handlers.set(ch, fn),
      removeHandler: (ch: string) => handlers.delete(ch),
    },
    Menu: { buildFromTemplate: vi.fn((t: unknown) => ({ template: t })), setApplicationMenu: vi.fn() },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: { defaultSession: { webRequest: { onHeadersReceived: vi.fn() } } },
    shell: { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => '') },
    // No keychain here: the secret store falls back to its 0600 file.
    safeStorage: { isEncryptionAvailable: () => false },
  };
  return { electron, state, markReady, handlers };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));
// The shell finds the worker, renderer and preload beside its bundle: point it at the build.
vi.mock(import('../../../src/main/paths'), async (original) => ({
  ...(await original()),
  bundleDir: () => join(ROOT, 'out', 'main'),
}));

const { app, BrowserWindow, Notification, dialog, Menu, shell } = fake.electron;
type Envelope = { ok: boolean; value?: unknown; message?: string };
const ipc = async (name: string, input: unknown = {}) =>
  (await fake.handlers.get(`outlier-desk:${name}`)!(
    { senderFrame: { url: 'file:///app/index.html' } },
    input,
  )) as Envelope;
const sourcePaths = async () => ((await ipc('listSources')).value as Array<{ path: string }>).map((s) => s.path);
const menuItems = () =>
  flattenMenu((Menu.setApplicationMenu.mock.calls.at(-1)![0] as { template: MenuItemSpec[] }).template);
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('the Electron shell, with Electron faked', () => {
  const t = tempDir('od-shell-');
  const userData = join(t.dir, 'userData');
  const logs = join(t.dir, 'logs');
  const line = (n: number) => `10.0.0.${n} - - [12/Oct/2023:10:00:0${n} +0000] "GET /x/${n} HTTP/1.1" 200 1 "-" "t"\n`;
  const fromArgv = join(logs, 'argv.log');
  const fromOpenFile = join(logs, 'open-file.log');
  const fromSecond = join(logs, 'second.log');
  const fromDialog = join(logs, 'dialog.log');
  let port = 0;
  let engine: Engine;
  const argv = process.argv;

  beforeAll(async () => {
    mkdirSync(logs, { recursive: true });
    for (const [i, p] of [fromArgv, fromOpenFile, fromSecond, fromDialog].entries()) writeFileSync(p, line(i + 1));
    // A data directory from an earlier run: the API on a free port, notifications on, a window state.
    port = await freePort();
    const before = await Engine.start({ dataDir: userData, schedule: false });
    await before.call('putConfig', { apiPort: port, notifications: true });
    await before.close();
    writeFileSync(
      join(userData, WINDOW_STATE_FILE),
      JSON.stringify({ bounds: { x: 40, y: 30, width: 1100, height: 760 }, maximized: true, fullScreen: false }),
    );
    fake.state.userData = userData;

    const start = vi.spyOn(Engine, 'start');
    process.argv = [process.execPath, '--enable-logging', fromArgv];
    try {
      await import('../../../src/main/index');
    } finally {
      process.argv = argv;
    }
    // macOS: the file that launched the app arrives before `ready`.
    const openFile = { preventDefault: vi.fn() };
    app.emit('open-file', openFile, fromOpenFile);
    expect(openFile.preventDefault).toHaveBeenCalled();
    fake.markReady();
    await waitFor(() => start.mock.results.length > 0, 'the engine to start');
    engine = await (start.mock.results[0].value as Promise<Engine>);
    await waitFor(() => BrowserWindow.all.length === 1, 'the window');
  });

  afterAll(async () => {
    if (engine?.db.open) await engine.close();
    t.cleanup();
  });

  it('adds files from the command line and from open-file (sent before ready) as sources', async () => {
    await waitFor(async () => (await sourcePaths()).length === 2, 'two sources');
    expect((await sourcePaths()).sort()).toEqual([fromArgv, fromOpenFile].sort());
    expect(dialog.showErrorBox).not.toHaveBeenCalled();
  });

  it('restores the window where it was, maximized, with the app icon', () => {
    const win = BrowserWindow.all[0];
    expect(win.options).toMatchObject({ x: 40, y: 30, width: 1100, height: 760 });
    expect(win.maximized).toBe(true);
    expect(win.shown).toBe(true);
    expect(existsSync(win.options.icon!)).toBe(true);
  });

  it('a second launch with a log file opens it in the running app (relative to its directory)', async () => {
    app.emit('second-instance', {}, ['/opt/Outlier Desk/outlier-desk', '--flag', 'second.log'], logs);
    await waitFor(async () => (await sourcePaths()).includes(fromSecond), 'the second instance’s file');
    // Opening a file that is already a source is not an error.
    app.emit('second-instance', {}, ['/opt/Outlier Desk/outlier-desk', fromSecond], logs);
    await new Promise((r) => setTimeout(r, 100));
    expect(dialog.showErrorBox).not.toHaveBeenCalled();
  });

  it('File › Add File… adds what the dialog returns', async () => {
    dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [fromDialog] });
    menuItems().find((i) => i.id === 'add-file')!.click!();
    await waitFor(async () => (await sourcePaths()).includes(fromDialog), 'the chosen file');
  });

  it('View › Models navigates the renderer; Help › API Docs opens the loopback docs', () => {
    const win = BrowserWindow.all[0];
    menuItems().find((i) => i.id === 'view-models')!.click!();
    expect(win.webContents.send).toHaveBeenLastCalledWith(IPC_EVENT_CHANNEL, { type: 'navigate', view: 'models' });
    menuItems().find((i) => i.id === 'api-docs')!.click!();
    expect(shell.openExternal).toHaveBeenLastCalledWith(`http://127.0.0.1:${port}/docs`);
  });

  it('notifies new anomalies (config.notifications is on); clicking shows the Anomalies view', async () => {
    engine.events.emit({
      type: 'anomalies',
      rows: [
        {
          id: 1,
          tsMs: 0,
          ip: '203.0.113.9',
          method: 'GET',
          endpoint: '/admin',
          status: 500,
          votes: 3,
          isAnomaly: true,
          combinedScore: 1,
        },
      ],
    });
    await waitFor(() => Notification.shown.length === 1, 'the notification', 5_000);
    expect(Notification.shown[0].options).toEqual({ title: '1 new anomaly', body: '203.0.113.9 GET /admin → 500' });
    Notification.shown[0].onClick!();
    expect(BrowserWindow.all[0].webContents.send).toHaveBeenLastCalledWith(IPC_EVENT_CHANNEL, {
      type: 'navigate',
      view: 'anomalies',
    });
  });

  it('saves the window state when the window closes', () => {
    const win = BrowserWindow.all[0];
    win.maximized = false;
    win.bounds = { x: 200, y: 120, width: 1200, height: 800 };
    win.close();
    expect(JSON.parse(readFileSync(join(userData, WINDOW_STATE_FILE), 'utf8'))).toEqual({
      bounds: { x: 200, y: 120, width: 1200, height: 800 },
      maximized: false,
      fullScreen: false,
    });
  });

  it('on quit, closes the API and the engine before letting the app exit', async () => {
    const quitting = { preventDefault: vi.fn() };
    app.emit('will-quit', quitting);
    expect(quitting.preventDefault).toHaveBeenCalled();
    await waitFor(() => app.quit.mock.calls.length > 0, 'app.quit after closing');
    expect(engine.db.open).toBe(false);
    // The second will-quit (from that app.quit) goes through.
    const again = { preventDefault: vi.fn() };
    app.emit('will-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });
});
