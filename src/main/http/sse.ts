import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine';

const HEARTBEAT_MS = 15_000;

/** GET /events: the engine's events as server-sent events, one `event:` per type. */
export function registerEvents(app: FastifyInstance, engine: Engine): void {
  app.get('/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    const off = engine.events.on((e) => {
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    });
    const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    req.raw.on('close', () => {
      clearInterval(beat);
      off();
    });
  });
}
