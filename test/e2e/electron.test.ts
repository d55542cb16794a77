/**
 * The real desktop window, driven by Playwright's Electron support. It needs Electron's binary
 * (downloaded from GitHub when `npm ci` runs with network) and better-sqlite3 built for
 * Electron's ABI (scripts/electron-native.mjs, which `npm start` runs). Where the binary is not
 * installed (CI, this sandbox) the whole suite is reported as skipped, with that reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WINDOW_STATE_FILE } from '../../src/main/desktop/windowState';
import { ROOT } from '../helpers/serveProcess';
import { trackConsole, type ConsoleTrack } from './harness';
import { tempDir } from '../helpers/tmp';

/** The Electron executable when its binary is installed, else null. */
function electronBinary(): string | null {
  try {
    // The package exports the binary's path, and throws when the binary was never downloaded.
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const ELECTRON = electronBinary();
const SKIP_REASON = "Electron's binary is not installed";
const NATIVE = join(ROOT, 'native-electron', 'better_sqlite3.node');

describe.skipIf(ELECTRON === null)(
  `the desktop window (Electron)${ELECTRON === null ? ` — skipped: ${SKIP_REASON}` : ''}`,
  () => {
    const t = tempDir('od-electron-');
    const dataDir = join(t.dir, 'data');
    const log = join(t.dir, 'opened.log');
    let app: ElectronApplication;
    let page: Page;
    // One per window opened: the restart test opens a second one.
    const tracks: ConsoleTrack[] = [];

    const launch = () =>
      _electron.launch({
        executablePath: ELECTRON!,
        // `electron <app dir> <file>`: the file is opened as a source, as with "Open with".
        args: [ROOT, `--user-data-dir=${join(t.dir, 'chromium')}`, log],
        cwd: ROOT,
        env: {
          ...process.env,
          OUTLIER_DESK_DATA: dataDir,
          OUTLIER_DESK_SQLITE_BINDING: NATIVE,
          ELECTRON_ENABLE_LOGGING: '1',
        },
        timeout: 60_000,
      });

    beforeAll(async () => {
      if (!existsSync(NATIVE)) {
        // better-sqlite3 for Electron's ABI, kept apart from the Node build the other tests use.
        const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'electron-native.mjs')], {
          cwd: ROOT,
          stdio: 'inherit',
        });
        if (r.status !== 0) throw new Error('could not build better-sqlite3 for Electron');
      }
      writeFileSync(log, '10.0.0.1 - - [12/Oct/2023:10:00:00 +0000] "GET /opened HTTP/1.1" 200 1 "-" "e2e"\n');
      app = await launch();
      page = await app.firstWindow();
      tracks.push(trackConsole(page));
      await page.getByRole('navigation', { name: 'Views' }).waitFor();
    }, 180_000);

    afterAll(async () => {
      await app?.close().catch(() => undefined);
      t.cleanup();
    });

    it('opens one window with the renderer and the IPC bridge (no Node in the page)', async () => {
      expect(await page.title()).toMatch(/Outlier Desk/);
      expect(
        await page.evaluate(() => typeof (globalThis as { outlierDesk?: { call?: unknown } }).outlierDesk?.call),
      ).toBe('function');
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.getByText('Desktop').count()).toBeGreaterThan(0);
      expect(app.windows()).toHaveLength(1);
    });

    it('has the application menu, and View › Sources shows the file given on the command line', async () => {
      const labels = await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.items.map((i) => i.label) ?? []);
      expect(labels.map((l) => l.replace('&', ''))).toEqual(expect.arrayContaining(['File', 'Edit', 'View', 'Help']));
      await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('view-sources')?.click());
      await page.getByRole('heading', { name: 'Sources' }).waitFor();
      await page.getByText('opened.log').first().waitFor({ timeout: 30_000 });
    });

    it('remembers the window bounds across a restart', async () => {
      await app.evaluate(({ BrowserWindow }) =>
        BrowserWindow.getAllWindows()[0].setBounds({ x: 60, y: 40, width: 1000, height: 700 }),
      );
      await app.close();
      const saved = JSON.parse(readFileSync(join(dataDir, WINDOW_STATE_FILE), 'utf8')) as {
        bounds: { width: number; height: number };
      };
      expect(saved.bounds).toMatchObject({ width: 1000, height: 700 });
      app = await launch();
      page = await app.firstWindow();
      tracks.push(trackConsole(page));
      await page.getByRole('navigation', { name: 'Views' }).waitFor();
      const bounds = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].getBounds());
      expect(bounds).toMatchObject({ width: 1000, height: 700 });
    }, 120_000);

    it('logs no renderer errors in either window', () => {
      expect(tracks).toHaveLength(2);
      for (const track of tracks) track.assertClean();
    });
  },
);

// Said once more where it is easy to see in the run's output.
if (ELECTRON === null) console.info(`test/e2e/electron.test.ts skipped: ${SKIP_REASON}`);
