import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, OPERATION_NAMES, ipcChannel, isOperationName } from '../shared/channels';
import type { DesktopBridge, IpcEnvelope } from '../shared/bridge';
import type { EngineEvent } from '../shared/events';

/**
 * The IPC transport of the Api contract. Only the contract's operations are reachable;
 * the renderer never sees ipcRenderer itself.
 */
const bridge: DesktopBridge = {
  async call(name, input) {
    if (!isOperationName(name)) throw new Error(`Unknown operation "${String(name)}"`);
    const reply = (await ipcRenderer.invoke(ipcChannel(name), input)) as IpcEnvelope;
    if (reply.ok) return reply.value;
    const err = new Error(reply.message) as Error & { status: number };
    err.status = reply.status;
    throw err;
  },
  onEvent(listener) {
    const wrapped = (_e: IpcRendererEvent, event: EngineEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  },
  getPathForFile(file) {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('outlierDesk', bridge);
contextBridge.exposeInMainWorld('outlierDeskOperations', [...OPERATION_NAMES]);
