import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, Notification, safeStorage, screen, session, shell } from 'electron';
import { apiDocsUrl, buildMenuTemplate } from './desktop/menu';
import { notifyAnomalies } from './desktop/notifications';
import { addPathsAsSources, describeFailures, OpenQueue, pathsFromArgv } from './desktop/openFiles';
import { fileStore, initialBounds, keepWindowState, parseWindowState, WINDOW_STATE_FILE } from './desktop/windowState';
import { Engine } from './engine';
import { ApiServer } from './http/apiServer';
import { RENDERER_CSP } from './http/server';
import { forwardEvents, registerIpc } from './ipc/register';
import { bundleDir } from './paths';
import { preparePrivateDataDir } from './store/dataDir';
import { FileSecretStore } from './store/secretStore';
import { IPC_EVENT_CHANNEL } from '../shared/channels';
import type { EngineEvent } from '../shared/events';
import type { View } from '../shared/views';

/**
 * The Electron shell: one window, the engine in this process, the loopback API beside it, the
 * application menu, remembered window bounds, logs opened from the system ("Open with", the
 * command line, a second launch) and optional notifications of new anomalies. The logic of each
 * lives in ./desktop (Electron-free, unit-tested); this file only wires it to Electron.
 */
const here = bundleDir(import.meta.url);
const rendererIndex = join(here, '../renderer/index.html');
const WINDOW_DEFAULTS = { width: 1280, height: 820, minWidth: 900, minHeight: 600 };
const LOG_EXTENSIONS = ['log', 'txt', 'gz', 'json', 'jsonl', 'ndjson', 'csv'];

/** `electron <app> file.log` has the app path among the arguments; a packaged app does not. */
const defaultApp = process.defaultApp === true;

// Paths the system hands us before the engine runs wait here. macOS sends `open-file` (also for
// the file that launched the app) possibly before `ready`, so listen from the very start.
const opened = new OpenQueue();
app.on('open-file', (event, path) => {
  event.preventDefault();
  opened.push([path]);
});

if (!app.requestSingleInstanceLock()) {
  // The running instance gets our argv through 'second-instance' and opens the files.
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let engine: Engine | null = null;
  let apiServer: ApiServer | null = null;
  let flushWindowState: (() => void) | null = null;
  let stopNotifications: (() => void) | null = null;
  let closed = false;

  opened.push(pathsFromArgv(process.argv, { defaultApp, cwd: process.cwd() }));

  const showWindow = () => {
    if (!win) return createWindow();
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };

  const showView = (view: View) => {
    showWindow();
    const target = win;
    if (!target) return;
    // Over the event channel the renderer already listens on: its store switches the view.
    const navigate: EngineEvent = { type: 'navigate', view };
    const run = () => target.webContents.send(IPC_EVENT_CHANNEL, navigate);
    if (target.webContents.isLoading()) target.webContents.once('did-finish-load', run);
    else run();
  };

  const addPaths = async (paths: string[]) => {
    if (!engine || !paths.length) return;
    const started = engine;
    const outcomes = await addPathsAsSources(paths, (input) => started.call('addSource', input));
    const failures = describeFailures(outcomes);
    if (failures) {
      started.logger.warn({ failures }, 'opening files failed');
      dialog.showErrorBox('Could not add as a source', failures);
    }
    if (outcomes.some((o) => o.result !== 'failed')) showView('sources');
  };

  const choose = async (what: 'file' | 'folder') => {
    const options: Electron.OpenDialogOptions =
      what === 'file'
        ? {
            title: 'Add log files',
            properties: ['openFile', 'multiSelections'],
            filters: [
              { name: 'Logs', extensions: LOG_EXTENSIONS },
              { name: 'All files', extensions: ['*'] },
            ],
          }
        : { title: 'Add a folder of logs', properties: ['openDirectory'] };
    const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    if (!r.canceled) await addPaths(r.filePaths);
  };

  const openApiDocs = () => {
    const port = engine?.httpPort ?? null;
    if (port === null) {
      dialog.showErrorBox(
        'The API is off',
        'The loopback API is not running, so its docs are not available. Turn it on in Settings.',
      );
      return;
    }
    void shell.openExternal(apiDocsUrl(port));
  };

  const setMenu = (started: Engine) => {
    const template = buildMenuTemplate({
      platform: process.platform,
      appName: app.getName(),
      apiDocsAvailable: started.httpPort !== null,
      actions: {
        addFile: () => void choose('file'),
        addFolder: () => void choose('folder'),
        showView,
        openApiDocs,
        openDataFolder: () => void shell.openPath(started.dataDir),
      },
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };

  const createWindow = () => {
    const started = engine!;
    const store = fileStore(started.dataDir);
    const workAreas = screen.getAllDisplays().map((d) => d.workArea);
    const bounds = initialBounds(parseWindowState(store.read()), workAreas, WINDOW_DEFAULTS);
    win = new BrowserWindow({
      width: bounds.width,
      height: bounds.height,
      ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : { center: true }),
      minWidth: WINDOW_DEFAULTS.minWidth,
      minHeight: WINDOW_DEFAULTS.minHeight,
      show: false,
      title: 'Outlier Desk',
      icon: join(here, '../../resources/icon.png'),
      webPreferences: {
        preload: join(here, '../preload/index.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
      },
    });
    const current = win;
    if (bounds.maximized) current.maximize();
    if (bounds.fullScreen) current.setFullScreen(true);
    flushWindowState = keepWindowState(current, store, {
      onError: (err) => started.logger.warn({ err }, 'window state not saved'),
    });
    current.once('ready-to-show', () => current.show());
    // Links open in the system browser; the app window never navigates away.
    current.webContents.setWindowOpenHandler(({ url }) => {
      if (/^https?:/.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    current.webContents.on('will-navigate', (e) => e.preventDefault());
    if (process.env.ELECTRON_RENDERER_URL) void current.loadURL(process.env.ELECTRON_RENDERER_URL);
    else void current.loadFile(rendererIndex);
    const stop = forwardEvents(started, current.webContents);
    current.on('closed', () => {
      stop();
      if (win === current) {
        win = null;
        flushWindowState = null;
      }
    });
  };

  app.on('second-instance', (_event, argv, workingDirectory) => {
    if (engine) showWindow();
    opened.push(pathsFromArgv(argv, { defaultApp, cwd: workingDirectory }));
  });

  app.whenReady().then(async () => {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
    });
    // OUTLIER_DESK_DATA points the app elsewhere, as for `npm run serve` (tests, a second profile).
    const dataDir = process.env.OUTLIER_DESK_DATA || app.getPath('userData');
    let started: Engine;
    try {
      // Before the engine opens anything: a folder or token others could have planted is refused.
      preparePrivateDataDir(dataDir, { alsoTighten: [WINDOW_STATE_FILE] });
      started = await Engine.start({
        dataDir,
        // Inside a packaged app the worker is unpacked from the asar archive (electron-builder.yml).
        workerFile: join(here, 'mlWorker.js').replace('app.asar', 'app.asar.unpacked'),
        // The ClickHouse password, encrypted by the OS keychain; a 0600 file where it has none.
        secrets: new FileSecretStore(dataDir, safeStorage.isEncryptionAvailable() ? safeStorage : undefined),
      });
    } catch (err) {
      // Without a window nothing else would tell the user why the app did not open.
      dialog.showErrorBox('Outlier Desk cannot start', (err as Error).message);
      app.exit(1);
      return;
    }
    engine = started;
    registerIpc(
      ipcMain,
      started,
      (event) => event.senderFrame?.url.startsWith('file://') === true || Boolean(process.env.ELECTRON_RENDERER_URL),
    );
    apiServer = new ApiServer(started);
    await apiServer.apply(started.config.get());
    setMenu(started);
    stopNotifications = notifyAnomalies({
      events: started.events,
      enabled: () => started.config.get().notifications && Notification.isSupported(),
      show: (notice) => {
        const n = new Notification({ title: notice.title, body: notice.body });
        n.on('click', () => showView('anomalies'));
        n.show();
      },
    });
    createWindow();
    opened.attach((paths) => void addPaths(paths));
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Close the API and the engine (the database gets a clean shutdown) before the process exits.
  app.on('will-quit', (event) => {
    if (closed || !engine) return;
    event.preventDefault();
    closed = true;
    flushWindowState?.();
    stopNotifications?.();
    const started = engine;
    void (async () => {
      try {
        await apiServer?.close();
        await started.close();
      } catch (err) {
        started.logger.error({ err }, 'closing the engine failed');
      } finally {
        app.quit();
      }
    })();
  });
}
