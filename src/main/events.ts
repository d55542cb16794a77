import { EventEmitter } from 'node:events';
import type { EngineEvent } from '../shared/events';

/** Typed fan-out of engine events to the IPC bridge, SSE clients and tests. */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every SSE client and window subscribes once; do not warn at the default of 10.
    this.emitter.setMaxListeners(0);
  }

  emit(event: EngineEvent): void {
    this.emitter.emit('event', event);
  }

  /** Returns the unsubscribe function. */
  on(listener: (event: EngineEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }
}
