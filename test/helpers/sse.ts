import { request as httpRequest, type ClientRequest } from 'node:http';

export interface SseClient {
  events: Array<{ type: string; data: Record<string, unknown> }>;
  /** Resolves with the first event (seen or still to come) matching `pred`. */
  next(pred: (e: { type: string; data: Record<string, unknown> }) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** GET /events of a running server, parsed as it streams. */
export function sse(port: number, token: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const events: SseClient['events'] = [];
    const waiters: Array<{ pred: Parameters<SseClient['next']>[0]; done: () => void }> = [];
    let buf = '';
    const req: ClientRequest = httpRequest(
      { host: '127.0.0.1', port, path: '/events', headers: { Authorization: `Bearer ${token}` } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET /events answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let cut: number;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const type = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (!type || !data) continue;
            const e = { type, data: JSON.parse(data) as Record<string, unknown> };
            events.push(e);
            for (const w of waiters.slice()) {
              if (w.pred(e)) {
                waiters.splice(waiters.indexOf(w), 1);
                w.done();
              }
            }
          }
        });
        resolve({
          events,
          next: (pred, timeoutMs = 60_000) =>
            new Promise<void>((done, fail) => {
              if (events.some(pred)) return done();
              const timer = setTimeout(() => fail(new Error('timed out waiting for a server-sent event')), timeoutMs);
              waiters.push({
                pred,
                done: () => {
                  clearTimeout(timer);
                  done();
                },
              });
            }),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', (err) => reject(err));
    req.end();
  });
}
