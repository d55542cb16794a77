// `npm start`: the desktop app where Electron's binary is installed, browser mode otherwise.
//
// npm never runs Electron's install script (`allowScripts` in package.json): where GitHub is
// unreachable it fails and npm would then remove the whole package, types included. The binary
// is fetched here instead, once, and only when its download host answers within a few seconds,
// so no step waits on a closed network.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

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

function electronPackage() {
  try {
    return require.resolve('electron/install.js');
  } catch {
    return null;
  }
}

/** True when a TCP connection to the download host opens within `ms`. */
function reachable(host, ms = 3000) {
  return new Promise((done) => {
    const socket = connect({ host, port: 443, timeout: ms });
    const end = (ok) => {
      socket.destroy();
      done(ok);
    };
    socket.once('connect', () => end(true));
    socket.once('timeout', () => end(false));
    socket.once('error', () => end(false));
  });
}

async function downloadElectron() {
  const installer = electronPackage();
  if (!installer || process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return false;
  const mirror = process.env.ELECTRON_MIRROR ?? process.env.npm_config_electron_mirror;
  const host = mirror ? new URL(mirror).hostname : 'github.com';
  if (!(await reachable(host))) return false;
  console.log("Downloading Electron's binary (once)…");
  return spawnSync('node', [installer], { stdio: 'inherit' }).status === 0 && electronBinary() !== null;
}

const browserMode = (why) => {
  console.log(`${why}, so Outlier Desk starts in browser mode: open the URL below.`);
  run('npx', ['electron-vite', 'build', '--logLevel', 'error']);
  run('node', ['out/main/serve.js', ...extra]);
};

const extra = process.argv.slice(2);
if (!electronBinary() && !(await downloadElectron())) {
  browserMode("Electron's binary is not installed and cannot be downloaded here");
} else if (spawnSync('node', ['scripts/electron-native.mjs'], { stdio: 'inherit' }).status !== 0) {
  // The desktop app needs better-sqlite3 built for Electron's ABI (kept apart from the Node build).
  browserMode('better-sqlite3 could not be built for Electron here');
} else {
  run('npx', ['electron-vite', 'preview', ...extra], {
    OUTLIER_DESK_SQLITE_BINDING: 'native-electron/better_sqlite3.node',
  });
}
