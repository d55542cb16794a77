import type { EngineEvent } from './events';
import type { OperationName } from './channels';

/** What crosses IPC for every call: errors keep their HTTP-like status instead of a bare message. */
export type IpcEnvelope<T = unknown> = { ok: true; value: T } | { ok: false; status: number; message: string };

/** `window.outlierDesk`, exposed by the preload script in the desktop app. */
export interface DesktopBridge {
  call(name: OperationName, input: unknown): Promise<unknown>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  getPathForFile(file: File): string;
}
