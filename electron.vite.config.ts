import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// electron-vite derives its Node/Chrome targets from the installed `electron` package. Where npm
// removed it (its binary download failed), take the major version the project declares, so the
// build never depends on Electron being installed.
function declaredElectronMajor(): string {
  try {
    createRequire(__filename).resolve('electron/package.json');
    return '';
  } catch {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as {
      optionalDependencies?: Record<string, string>;
    };
    return /\d+/.exec(pkg.optionalDependencies?.electron ?? '')?.[0] ?? '';
  }
}
const major = declaredElectronMajor();
if (major && !process.env.ELECTRON_MAJOR_VER) process.env.ELECTRON_MAJOR_VER = major;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // The benchmarks drive Chromium; playwright-core stays a dev dependency loaded at run time.
        external: ['playwright-core'],
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          serve: resolve(__dirname, 'src/main/serve.ts'),
          mlWorker: resolve(__dirname, 'src/main/models/mlWorker.ts'),
          checkpointWorker: resolve(__dirname, 'src/main/store/checkpointWorker.ts'),
          bench: resolve(__dirname, 'bench/index.ts'),
          soak: resolve(__dirname, 'bench/soak.ts'),
          fleetLoad: resolve(__dirname, 'src/main/fleet/loadCli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot require anything but electron: bundle all of it, as CommonJS.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    // Relative asset URLs work both from file:// (desktop) and from http://127.0.0.1 (browser mode).
    base: './',
    build: {
      outDir: 'out/renderer',
      // electron-vite leaves the renderer unminified: 1.26 MB of script for Chromium to parse
      // before the first request, which showed in the first paint of every view.
      minify: true,
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
