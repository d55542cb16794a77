import pino from 'pino';
import type { Logger } from '../../../src/main/logger';
import type { Engine } from '../../../src/main/engine';
import type { EngineEvent } from '../../../src/shared/events';

/** A logger whose JSON lines are kept, so a test can assert what was logged. */
export function captureLogger(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  return { logger, lines };
}

/** pino's numeric level for error. */
export const LOG_ERROR = 50;

/** Every engine event from now on, in order, with the time it was seen. */
export function recordEvents(engine: Engine): { events: Array<EngineEvent & { at: number }>; stop: () => void } {
  const events: Array<EngineEvent & { at: number }> = [];
  const stop = engine.events.on((e) => events.push({ ...e, at: performance.now() }));
  return { events, stop };
}

/** A detection request for the sample's time range (timestamps in ms). */
export function detectInput(tsMs: number, ip = '10.0.0.1', status = 200) {
  return { timestamp: tsMs, ip_address: ip, service_endpoint: '/api/items', http_response_code: status };
}

export { sse, type SseClient } from '../../helpers/sse';
