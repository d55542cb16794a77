import type { Api, OperationName } from '../../../shared/api';
import type { DesktopBridge } from '../../../shared/bridge';
import type { EngineEvent } from '../../../shared/events';
import { httpApi, httpEvents, storeToken, takeToken, uploadFile, type TokenRef } from './http';

declare global {
  interface Window {
    outlierDesk?: DesktopBridge;
    outlierDeskOperations?: OperationName[];
  }
}

export interface Transport {
  kind: 'ipc' | 'http';
  api: Api;
  onEvent(listener: (e: EngineEvent) => void): () => void;
  /** Adds dropped files: by path on the desktop, by upload in the browser. */
  addDroppedFiles(files: File[]): Promise<void>;
  /** Browser mode only: switch to a regenerated token (requests and the event stream). */
  switchToken?(token: string): void;
}

function ipcTransport(bridge: DesktopBridge, names: OperationName[]): Transport {
  const api = Object.fromEntries(names.map((n) => [n, (input: unknown) => bridge.call(n, input)])) as Api;
  return {
    kind: 'ipc',
    api,
    onEvent: (l) => bridge.onEvent(l),
    async addDroppedFiles(files) {
      for (const f of files) await api.addSource({ path: bridge.getPathForFile(f) });
    },
  };
}

/** IPC when the preload bridge exists (desktop), HTTP otherwise (browser mode). */
export function createTransport(): Transport | { error: string } {
  if (window.outlierDesk && window.outlierDeskOperations)
    return ipcTransport(window.outlierDesk, window.outlierDeskOperations);
  const token = takeToken();
  if (!token)
    return { error: 'No API token: open the URL that `npm start` or `npm run serve` printed (it ends in ?token=…).' };
  const ref: TokenRef = { current: token };
  // Open event streams, so a new token can reconnect them.
  const streams = new Set<{ listener: (e: EngineEvent) => void; close: () => void }>();
  return {
    kind: 'http',
    api: httpApi(ref),
    onEvent(listener) {
      const stream = { listener, close: httpEvents(ref, listener) };
      streams.add(stream);
      return () => {
        stream.close();
        streams.delete(stream);
      };
    },
    async addDroppedFiles(files) {
      for (const f of files) await uploadFile(ref.current, f);
    },
    switchToken(next) {
      ref.current = next;
      storeToken(next);
      // The server ends the streams of the old token; reopen them now rather than after the back-off.
      for (const s of streams) {
        s.close();
        s.close = httpEvents(ref, s.listener);
      }
    },
  };
}
