/**
 * The desktop shell (src/main/index.ts, Electron faked as in test/unit/desktop/shell.test.ts):
 * a refused data folder is reported in a dialog naming it, and the engine never starts.
 */
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Engine } from '../../../src/main/engine';
import { tempDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';

const fake = vi.hoisted(() => {
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const app = {
    on: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => true),
    whenReady: () => ready,
    getPath: vi.fn(() => ''),
    quit: vi.fn(),
    exit: vi.fn(),
  };
  const electron = {
    app,
    dialog: { showErrorBox: vi.fn(), showOpenDialog: vi.fn() },
    session: { defaultSession: { webRequest: { onHeadersReceived: vi.fn() } } },
    BrowserWindow: { getAllWindows: () => [] },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: vi.fn(), setApplicationMenu: vi.fn() },
    Notification: { isSupported: () => false },
    screen: { getAllDisplays: () => [] },
    shell: { openExternal: vi.fn(), openPath: vi.fn() },
  };
  return { electron, markReady };
});
vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

describe('the desktop app on an unsafe data folder', () => {
  const t = tempDir('od-desktop-data-');
  const userData = join(t.dir, 'userData');
  afterAll(() => t.cleanup());

  it('shows a dialog naming the folder and the fix, exits, and never starts the engine', async () => {
    mkdirSync(userData);
    chmodSync(userData, 0o777);
    fake.electron.app.getPath.mockReturnValue(userData);
    const start = vi.spyOn(Engine, 'start');
    const argv = process.argv;
    const env = process.env.OUTLIER_DESK_DATA;
    process.argv = [process.execPath];
    delete process.env.OUTLIER_DESK_DATA;
    try {
      await import('../../../src/main/index');
      fake.markReady();
      const { dialog, app } = fake.electron;
      await waitFor(() => dialog.showErrorBox.mock.calls.length > 0, 'the error dialog');
      const [title, message] = dialog.showErrorBox.mock.calls[0] as [string, string];
      expect(title).toBe('Outlier Desk cannot start');
      expect(message).toContain(`Refusing to use ${userData}: it is writable by every user (mode 0777)`);
      expect(message).toContain(`chmod 700 '${userData}'`);
      expect(app.exit).toHaveBeenCalledWith(1);
      expect(start).not.toHaveBeenCalled();
      expect(readdirSync(userData)).toEqual([]);
    } finally {
      process.argv = argv;
      if (env !== undefined) process.env.OUTLIER_DESK_DATA = env;
    }
  });
});
