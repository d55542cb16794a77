import type { IpcMainInvokeEvent } from 'electron';
import { ApiError, OPERATION_NAMES, type OperationName } from '../../shared/api';
import { IPC_EVENT_CHANNEL, ipcChannel } from '../../shared/channels';
import type { IpcEnvelope } from '../../shared/bridge';
import type { Engine } from '../engine';

/** The slice of ipcMain we use, so tests can pass a fake. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, input: unknown) => Promise<IpcEnvelope>): void;
  removeHandler(channel: string): void;
}

export interface EventSink {
  isDestroyed(): boolean;
  send(channel: string, payload: unknown): void;
}

/**
 * One handler per contract operation: validate with the shared schema, delegate to the
 * engine, wrap the answer. `isTrustedSender` rejects frames that are not our renderer.
 */
export function registerIpc(
  ipcMain: IpcMainLike,
  engine: Engine,
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const name of OPERATION_NAMES) {
    ipcMain.handle(ipcChannel(name), async (event, input) => {
      if (!isTrustedSender(event)) return { ok: false, status: 403, message: 'untrusted sender' };
      return invoke(engine, name, input);
    });
  }
  return () => OPERATION_NAMES.forEach((name) => ipcMain.removeHandler(ipcChannel(name)));
}

export async function invoke(engine: Engine, name: OperationName, input: unknown): Promise<IpcEnvelope> {
  try {
    return { ok: true, value: await engine.call(name, input as never) };
  } catch (err) {
    if (err instanceof ApiError) return { ok: false, status: err.status, message: err.message };
    engine.logger.error({ err, operation: name }, 'IPC operation failed');
    return { ok: false, status: 500, message: (err as Error).message };
  }
}

/** Forwards engine events to a window while it lives. */
export function forwardEvents(engine: Engine, target: EventSink): () => void {
  return engine.events.on((event) => {
    if (!target.isDestroyed()) target.send(IPC_EVENT_CHANNEL, event);
  });
}
