import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_NAME } from '../shared/version';

/** Where Electron's userData would be, so the desktop app and `npm run serve` share data by default. */
export function defaultDataDir(): string {
  if (process.env.OUTLIER_DESK_DATA) return process.env.OUTLIER_DESK_DATA;
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_NAME);
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), APP_NAME);
}

/** Folder of the running bundle (out/main), for locating the renderer and the ML worker. */
export function bundleDir(metaUrl: string): string {
  return dirname(fileURLToPath(metaUrl));
}
