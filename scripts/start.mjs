// `npm start`: the desktop app where Electron's binary is installed, browser mode otherwise.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);
const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

function electronBinary() {
  try {
    const path = require('electron'); // the package exports the binary's path, or throws when it was not downloaded
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const browserMode = (why) => {
  console.log(`${why}, so Outlier Desk starts in browser mode: open the URL below.`);
  run('npx', ['electron-vite', 'build', '--logLevel', 'error']);
  run('node', ['out/main/serve.js', ...extra]);
};

const extra = process.argv.slice(2);
if (!electronBinary()) {
  browserMode("Electron's binary is not installed here");
} else if (spawnSync('node', ['scripts/electron-native.mjs'], { stdio: 'inherit' }).status !== 0) {
  // The desktop app needs better-sqlite3 built for Electron's ABI (kept apart from the Node build).
  browserMode('better-sqlite3 could not be built for Electron here');
} else {
  run('npx', ['electron-vite', 'preview', ...extra], {
    OUTLIER_DESK_SQLITE_BINDING: 'native-electron/better_sqlite3.node',
  });
}
