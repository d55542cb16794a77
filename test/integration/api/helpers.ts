import { get as httpGet, type IncomingMessage } from 'node:http';
import { expect } from 'vitest';
import type { EngineEvent } from '../../../src/shared/events';
import type { TestServer } from '../../helpers/http';

/** The entry of the original's README (its curl example for POST /outlier/detect). */
export const ORIGINAL_ENTRY = {
  timestamp: '2023-10-27T10:00:00Z',
  ip_address: '10.0.0.5',
  service_endpoint: '/admin',
  http_response_code: 500,
} as const;

/** Sample rows used by these tests: enough for every detector, quick to generate and train. */
export const SAMPLE_ROWS = 20_000;

/** The original's first steps: a sample log, then a trained ensemble. */
export async function generateAndTrain(s: TestServer, rows = SAMPLE_ROWS): Promise<void> {
  const sample = await s.call('POST', '/data/generate_sample', { rows, seed: 11 });
  expect(sample.status, sample.text).toBe(200);
  const train = await s.call('POST', '/model/train_models');
  expect(train.status, train.text).toBe(200);
}

/** Counts one SQL value. */
export function scalar(s: TestServer, sql: string, ...params: unknown[]): number {
  return s.engine.db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

/** The id of the source that holds POST /outlier/detect entries, or null before the first one. */
export function apiSourceId(s: TestServer): number | null {
  const id = s.engine.db.prepare("SELECT id FROM sources WHERE kind = 'api'").pluck().get() as number | undefined;
  return id ?? null;
}

export interface EventStream {
  events: EngineEvent[];
  /** Resolves with the first event (seen so far or later) that matches. */
  waitFor<T extends EngineEvent['type']>(
    type: T,
    pred?: (e: Extract<EngineEvent, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<EngineEvent, { type: T }>>;
  close(): void;
}

/**
 * GET /events read with plain http.get, parsing the text/event-stream framing by hand, so the
 * test sees exactly what a script would.
 */
export function openEvents(s: TestServer): Promise<EventStream & { response: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const events: EngineEvent[] = [];
    const waiters: Array<() => void> = [];
    const req = httpGet(
      {
        host: '127.0.0.1',
        port: s.port,
        path: '/events',
        headers: { Authorization: `Bearer ${s.token}`, Accept: 'text/event-stream' },
      },
      (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          buffer += text;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = '';
            const data: string[] = [];
            for (const line of frame.split('\n')) {
              if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (!type || !data.length) continue; // comments (: connected, : ping)
            const event = JSON.parse(data.join('\n')) as EngineEvent;
            expect(event.type).toBe(type);
            events.push(event);
            for (const w of waiters.splice(0)) w();
          }
        });
        res.on('error', () => undefined);
        const stream: EventStream & { response: IncomingMessage } = {
          response: res,
          events,
          waitFor: (type, pred = () => true, timeoutMs = 30_000) =>
            new Promise((ok, fail) => {
              const find = () =>
                events.find((e) => e.type === type && pred(e as never)) as
                  Extract<EngineEvent, { type: typeof type }> | undefined;
              const timer = setTimeout(
                () => fail(new Error(`no "${type}" event within ${timeoutMs} ms (got ${events.map((e) => e.type)})`)),
                timeoutMs,
              );
              const check = () => {
                const hit = find();
                if (hit) {
                  clearTimeout(timer);
                  ok(hit);
                } else waiters.push(check);
              };
              check();
            }),
          close: () => req.destroy(),
        };
        resolve(stream);
      },
    );
    req.on('error', reject);
  });
}

/** A stack frame in an answer would leak internals: `at fn (/path/file.js:1:2)`. */
export const STACK_FRAME = /\bat .*\.(js|ts|mjs|cjs):\d+/;
