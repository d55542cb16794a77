import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/main/engine';
import { ApiServer } from '../../../src/main/http/apiServer';
import { request } from '../../helpers/http';
import { tempDir } from '../../helpers/tmp';

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const health = (port: number) =>
  request(port, 'GET', '/health').then(
    (r) => r.status,
    () => 'refused' as const,
  );

describe('the desktop API follows its settings live', () => {
  let engine: Engine;
  let api: ApiServer;
  let cleanup: () => void;
  beforeEach(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    engine = await Engine.start({ dataDir: t.dir, schedule: false });
    api = new ApiServer(engine);
  });
  afterEach(async () => {
    await api.close();
    await engine.close();
    cleanup();
  });

  it('starts on the configured port, moves when the port changes, stops when switched off', async () => {
    const [first, second] = [await freePort(), await freePort()];
    await engine.call('putConfig', { apiPort: first });
    await api.apply(engine.config.get());
    expect(await health(first)).toBe(200);
    expect(engine.httpPort).toBe(first);

    // A configuration change (Settings → putConfig) is followed without a restart.
    await engine.call('putConfig', { apiPort: second });
    await api.apply(engine.config.get()); // joins the change already queued by the event
    expect(await health(second)).toBe(200);
    expect(await health(first)).toBe('refused');

    await engine.call('putConfig', { apiEnabled: false });
    await api.apply(engine.config.get());
    expect(await health(second)).toBe('refused');
    expect(engine.httpPort).toBeNull();
  });

  it('logs a taken port and keeps the app running without the API', async () => {
    const port = await freePort();
    const blocker = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    await api.apply({ apiEnabled: true, apiPort: port });
    expect(engine.httpPort).toBeNull();
    blocker.close();
  });
});
