import type { Browser, Page } from 'playwright-core';
import { tempDir } from '../../helpers/tmp';
import { launchBrowser, openPage, serve, type ConsoleTrack, type Served } from '../harness';
import { seed, type Seeded, type SeedOptions } from '../seed';

export { trackConsole, type ConsoleTrack } from '../harness';

export interface SeededApp {
  server: Served;
  browser: Browser;
  seeded: Seeded;
  close(): Promise<void>;
}

/** Seeds a fresh data directory, then starts `serve` on it and a browser. */
export async function seededApp(opts: SeedOptions): Promise<SeededApp> {
  const tmp = tempDir('od-ui-');
  const seeded = seed(tmp.dir, opts);
  const server = await serve({ dataDir: tmp.dir });
  const browser = await launchBrowser();
  return {
    server,
    browser,
    seeded,
    close: async () => {
      await browser.close();
      await server.stop();
      tmp.cleanup();
    },
  };
}

/** Opens the app on a view (the hash survives the token hand-over). */
export async function openView(
  app: SeededApp,
  view: string,
): Promise<{ page: Page; errors: string[]; track: ConsoleTrack }> {
  const opened = await openPage(app.browser, `${app.server.url}#${view}`);
  await opened.page.getByRole('heading', { level: 2 }).waitFor();
  return opened;
}

export const fmt = new Intl.NumberFormat('en-US');
export const utcText = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
