import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine';

const HEARTBEAT_MS = 15_000;
/** A client that lets this much pile up unread is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** GET /events: the engine's events as server-sent events, one `event:` per type. */
export function registerEvents(app: FastifyInstance, engine: Engine): void {
  /** One function per open stream, ending it. */
  const open = new Set<() => void>();
  const endAll = () => {
    for (const end of [...open]) end();
  };
  // A stream was authorised once, when it opened: a new token must end it, so a client holding
  // the old token stops receiving events and has to reconnect with the new one.
  const offToken = engine.onTokenChange(endAll);
  // Open streams never end by themselves: end them so that closing the server does not wait on them.
  app.addHook('preClose', async () => {
    offToken();
    endAll();
  });

  app.get('/events', (_req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(': connected\n\n');
    const send = (text: string) => {
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        engine.logger.warn('an events client stopped reading; disconnecting it');
        res.destroy();
        return;
      }
      res.write(text);
    };
    const off = engine.events.on((e) => send(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
    const beat = setInterval(() => send(': ping\n\n'), HEARTBEAT_MS);
    beat.unref();
    const stop = () => {
      clearInterval(beat);
      off();
      open.delete(end);
    };
    // Unsubscribed first, so that no event is written after the end.
    const end = () => {
      stop();
      res.end();
    };
    open.add(end);
    // The response's 'close' (client gone, or ended at shutdown); the request's may fire as soon as it is read.
    res.on('close', stop);
  });
}
