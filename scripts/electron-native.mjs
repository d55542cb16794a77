// Builds better-sqlite3 for Electron's ABI into native-electron/, leaving the Node build
// in node_modules untouched for tests and browser mode. Skipped when already built.
import { cpSync, existsSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const electronVersion = require('electron/package.json').version;
const target = join('native-electron', 'better_sqlite3.node');
const stamp = join('native-electron', `electron-${electronVersion}`);
if (existsSync(target) && existsSync(stamp)) process.exit(0);

const work = join('native-electron', 'build');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
cpSync(join('node_modules', 'better-sqlite3'), work, {
  recursive: true,
  filter: (p) => !p.includes(`${'build'}/Release`),
});
const r = spawnSync(
  'npx',
  [
    'node-gyp',
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    '--runtime=electron',
    '--dist-url=https://electronjs.org/headers',
  ],
  { cwd: work, stdio: 'inherit' },
);
if (r.status !== 0) {
  console.error('Could not build better-sqlite3 for Electron (it needs Electron headers from the network once).');
  process.exit(r.status ?? 1);
}
copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), target);
copyFileSync(target, stamp);
