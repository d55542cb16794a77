import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Sockets open at once. The UI needs about seven (a browser's six per host and the event
 * stream), scripts a few each; 512 keeps the app's file descriptors (the database, watched
 * log files, the ML worker need theirs too) far below the per-process limit, which a flood of
 * ~20,000 idle sockets used to exhaust.
 */
export const MAX_CONNECTIONS = 512;
/** A loopback client sends its headers at once: 5 s is ample even on a loaded machine. */
export const HEADERS_TIMEOUT_MS = 5_000;
/** How often Node looks for sockets past the headers timeout (its default, 30 s, would let them linger). */
const CHECK_INTERVAL_MS = 1_000;

/**
 * Node server options for the limits above. No request or socket timeout: uploads to
 * POST /ingest, event streams and training requests are long but never idle-and-silent
 * before their headers. The keep-alive timeout stays fastify's 72 s: idle keep-alive sockets
 * are the first closed at the cap (below), and a short one makes clients that reuse a pooled
 * socket race the server's close (Node's agent gives up only 1 s before the server does).
 */
export const SERVER_TIMEOUTS: ServerOptions = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  connectionsCheckingInterval: CHECK_INTERVAL_MS,
};

/**
 * Keeps at most `max` sockets. At the cap, the socket idle the longest (no request in flight,
 * including one that never sent a byte) is closed to make room for the new one, so a flood of
 * idle connections costs the flooder its own oldest sockets rather than locking the UI out, as
 * a plain `server.maxConnections` (which refuses the newcomer) would.
 */
export function capConnections(server: Server, max = MAX_CONNECTIONS): void {
  /** Sockets with no request in flight, oldest-idle first (a Set keeps insertion order). */
  const idle = new Set<Socket>();
  /** Requests in flight per busy socket. */
  const inFlight = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    idle.add(socket);
    socket.once('close', () => {
      idle.delete(socket);
      inFlight.delete(socket);
    });
    if (idle.size + inFlight.size > max) idle.values().next().value?.destroy();
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    if (socket.destroyed) return;
    idle.delete(socket);
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (left > 0) return void inFlight.set(socket, left);
      inFlight.delete(socket);
      if (!socket.destroyed) idle.add(socket);
    });
  });
}
