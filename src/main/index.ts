import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { Engine } from './engine';
import { createHttpServer, listen, RENDERER_CSP } from './http/server';
import { forwardEvents, registerIpc } from './ipc/register';
import { bundleDir } from './paths';

/** The Electron shell: one window, the engine in this process, the loopback API beside it. */
const here = bundleDir(import.meta.url);
const rendererIndex = join(here, '../renderer/index.html');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let win: BrowserWindow | null = null;
  let engine: Engine | null = null;

  const createWindow = () => {
    win = new BrowserWindow({
      width: 1280,
      height: 820,
      minWidth: 900,
      minHeight: 600,
      show: false,
      title: 'Outlier Desk',
      webPreferences: {
        preload: join(here, '../preload/index.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
      },
    });
    win.once('ready-to-show', () => win?.show());
    // Links open in the system browser; the app window never navigates away.
    win.webContents.setWindowOpenHandler(({ url }) => {
      if (/^https?:/.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    win.webContents.on('will-navigate', (e) => e.preventDefault());
    if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
    else void win.loadFile(rendererIndex);
    const stop = forwardEvents(engine!, win.webContents);
    win.on('closed', () => {
      stop();
      win = null;
    });
  };

  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  app.whenReady().then(async () => {
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
    });
    const started = await Engine.start({
      dataDir: app.getPath('userData'),
      // Inside a packaged app the worker is unpacked from the asar archive (electron-builder.yml).
      workerFile: join(here, 'mlWorker.js').replace('app.asar', 'app.asar.unpacked'),
    });
    engine = started;
    registerIpc(
      ipcMain,
      started,
      (event) => event.senderFrame?.url.startsWith('file://') === true || Boolean(process.env.ELECTRON_RENDERER_URL),
    );
    const config = started.config.get();
    if (config.apiEnabled) {
      try {
        const server = await createHttpServer(started);
        started.httpPort = await listen(server, config.apiPort);
      } catch (err) {
        started.logger.error({ err }, 'loopback API not started');
      }
    }
    createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) createWindow();
    });
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => {
    void engine?.close();
  });
}
