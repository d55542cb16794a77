import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';

vi.mock('electron', () => ({ ipcMain: {}, app: {} }));

import { OPERATION_NAMES } from '../../../src/shared/api';
import { IPC_EVENT_CHANNEL, ipcChannel } from '../../../src/shared/channels';
import type { IpcEnvelope } from '../../../src/shared/bridge';
import { Engine } from '../../../src/main/engine';
import { forwardEvents, registerIpc, type IpcMainLike } from '../../../src/main/ipc/register';
import { tempDir } from '../../helpers/tmp';

type Handler = (event: IpcMainInvokeEvent, input: unknown) => Promise<IpcEnvelope>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipc, handlers };
}

const trusted = { senderFrame: { url: 'file:///app/index.html' } } as unknown as IpcMainInvokeEvent;
const foreign = { senderFrame: { url: 'https://evil.example/' } } as unknown as IpcMainInvokeEvent;

describe('IPC bridge (main side)', () => {
  let engine: Engine;
  let cleanup: () => void;
  beforeEach(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    engine = await Engine.start({ dataDir: t.dir });
  });
  afterEach(async () => {
    await engine.close();
    cleanup();
  });

  it('wires a handler for every contract operation and nothing else', () => {
    const { ipc, handlers } = fakeIpcMain();
    registerIpc(ipc, engine, (e) => e.senderFrame?.url.startsWith('file://') === true);
    expect([...handlers.keys()].sort()).toEqual(OPERATION_NAMES.map(ipcChannel).sort());
    expect(handlers.has('outlier-desk:dropDatabase')).toBe(false);
  });

  it('delegates to the engine and wraps answers and errors', async () => {
    const { ipc, handlers } = fakeIpcMain();
    registerIpc(ipc, engine, (e) => e.senderFrame?.url.startsWith('file://') === true);
    const health = await handlers.get(ipcChannel('health'))!(trusted, {});
    expect(health).toEqual({ ok: true, value: { status: 'ok', version: expect.any(String) } });

    const bad = await handlers.get(ipcChannel('putConfig'))!(trusted, { contamination: 'lots' });
    expect(bad.ok).toBe(false);
    expect(bad).toMatchObject({ status: 400, message: expect.stringContaining('contamination') });

    const saved = await handlers.get(ipcChannel('putConfig'))!(trusted, { window: '15min' });
    expect(saved).toMatchObject({ ok: true, value: { windowMs: 900_000 } });

    const missing = await handlers.get(ipcChannel('sourceErrors'))!(trusted, { id: 999 });
    expect(missing).toMatchObject({ ok: false, status: 404 });
  });

  it('refuses calls from frames that are not the app', async () => {
    const { ipc, handlers } = fakeIpcMain();
    registerIpc(ipc, engine, (e) => e.senderFrame?.url.startsWith('file://') === true);
    const res = await handlers.get(ipcChannel('getToken'))!(foreign, {});
    expect(res).toEqual({ ok: false, status: 403, message: 'untrusted sender' });
  });

  it('removes every handler on dispose and forwards events to a live window only', () => {
    const { ipc, handlers } = fakeIpcMain();
    const dispose = registerIpc(ipc, engine, () => true);
    dispose();
    expect(handlers.size).toBe(0);

    const sent: unknown[] = [];
    let destroyed = false;
    const stop = forwardEvents(engine, { isDestroyed: () => destroyed, send: (c, p) => sent.push([c, p]) });
    engine.events.emit({ type: 'config-changed' });
    destroyed = true;
    engine.events.emit({ type: 'config-changed' });
    stop();
    expect(sent).toEqual([[IPC_EVENT_CHANNEL, { type: 'config-changed' }]]);
  });
});
