import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine } from './engine';
import { DEFAULT_PORT, createHttpServer, listen } from './http/server';
import { bundleDir, defaultDataDir } from './paths';
import { preparePrivateDataDir } from './store/dataDir';

/**
 * Headless entry: the same engine as the desktop app, the API on 127.0.0.1 and the
 * built UI at `/`. Prints the URL with the token, like Jupyter.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const dataDir = values['data-dir'] ?? defaultDataDir();
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be 0..65535, got "${values.port}"`);

  // Before the engine opens anything: a folder or token others could have planted is refused (exit 1, below).
  preparePrivateDataDir(dataDir);
  const engine = await Engine.start({ dataDir, workerFile: join(bundleDir(import.meta.url), 'mlWorker.js') });
  const app = await createHttpServer(engine, { rendererDir: join(bundleDir(import.meta.url), '../renderer') });
  const bound = await listen(app, port);
  engine.httpListening(bound);
  process.stdout.write(`Outlier Desk is running: http://127.0.0.1:${bound}/?token=${engine.tokens.get()}\n`);
  process.stdout.write(`Data directory: ${dataDir}\n`);

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await app.close();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: Error) => {
  process.stderr.write(`outlier-desk: ${err.message}\n`);
  process.exit(1);
});
