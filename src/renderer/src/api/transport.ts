import type { Api, OperationName } from '../../../shared/api';
import type { DesktopBridge } from '../../../shared/bridge';
import type { EngineEvent } from '../../../shared/events';
import { httpApi, httpEvents, takeToken, uploadFile } from './http';

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
  return {
    kind: 'http',
    api: httpApi(token),
    onEvent: (l) => httpEvents(token, l),
    async addDroppedFiles(files) {
      for (const f of files) await uploadFile(token, f);
    },
  };
}
