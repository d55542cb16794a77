import type { Api, OperationName } from '../../../shared/api';
import { OPERATION_NAMES } from '../../../shared/channels';
import { ROUTES, TOKEN_META } from '../../../shared/routes';
import type { EngineEvent } from '../../../shared/events';

const TOKEN_KEY = 'outlier-desk-token';

/**
 * Browser mode: the server trades the printed URL's `?token=` for a one-time hand-over and puts
 * the token in a <meta> tag of the page it then serves (no URL of the page ever carries it).
 * It is kept for the tab, so a reload works without the printed URL.
 */
export function takeToken(): string | null {
  const meta = document.querySelector<HTMLMetaElement>(`meta[name="${TOKEN_META}"]`);
  if (meta?.content) sessionStorage.setItem(TOKEN_KEY, meta.content);
  meta?.remove();
  return sessionStorage.getItem(TOKEN_KEY);
}

/** After "Regenerate" in Settings the tab switches to the new token (and keeps it across reloads). */
export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** The current token, read at each request so a regenerated one takes effect at once. */
export interface TokenRef {
  current: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request(name: OperationName, input: unknown, token: TokenRef): Promise<unknown> {
  const spec = ROUTES[name];
  const rest: Record<string, unknown> = { ...((input as Record<string, unknown> | undefined) ?? {}) };
  const path = spec.path.replace(/:(\w+)/g, (_m, key: string) => {
    const v = rest[key];
    delete rest[key];
    return encodeURIComponent(String(v));
  });
  const init: RequestInit = { method: spec.method, headers: { Authorization: `Bearer ${token.current}` } };
  let url = path;
  if (spec.method === 'GET' || spec.method === 'DELETE') {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(rest)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    if ([...qs].length) url += `?${qs}`;
  } else {
    init.body = JSON.stringify(rest);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new HttpError(res.status, body.message ?? `${res.status} ${res.statusText}`);
  return body;
}

export function httpApi(token: TokenRef): Api {
  return Object.fromEntries(
    OPERATION_NAMES.map((name) => [name, (input: unknown) => request(name, input, token)]),
  ) as Api;
}

/** Reconnection back-off of the event stream after a failure: short at first, capped so a restarted server is found soon. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 15_000;

/**
 * Server-sent events read with fetch, because EventSource cannot send the Authorization header
 * and the token is never put in a URL. The stream is reopened when it ends (the server ends it
 * when the token changes, or restarts) until the returned function is called.
 */
export function httpEvents(token: TokenRef, listener: (e: EngineEvent) => void): () => void {
  const abort = new AbortController();
  const { signal } = abort;
  void (async () => {
    // The stream's own `retry:` (as EventSource honours it) sets the wait after a stream ends.
    let retryMs = RETRY_FIRST_MS;
    let wait = RETRY_FIRST_MS;
    while (!signal.aborted) {
      try {
        const res = await fetch('/events', {
          headers: { Authorization: `Bearer ${token.current}`, Accept: 'text/event-stream' },
          cache: 'no-store',
          signal,
        });
        if (res.ok && res.body) {
          await readEvents(res.body, listener, (ms) => (retryMs = ms));
          wait = retryMs;
        } else {
          await res.body?.cancel();
        }
      } catch {
        // Closed by us, or the server went away: either way the loop decides below.
      }
      if (signal.aborted) return;
      await new Promise<void>((resume) => {
        const timer = setTimeout(resume, wait);
        signal.addEventListener('abort', () => (clearTimeout(timer), resume()), { once: true });
      });
      wait = Math.max(retryMs, Math.min(wait * 2, RETRY_MAX_MS));
    }
  })();
  return () => abort.abort();
}

/** Calls `listener` with each event of a text/event-stream body until it ends, and `onRetry` with a `retry:` field. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  listener: (e: EngineEvent) => void,
  onRetry: (ms: number) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 2);
      // `data:` lines carry the event's JSON (its `type` included); comments (`: ping`) have none.
      const lines = block.split('\n');
      const retry = /^retry: ?(\d+)$/.exec(lines.find((line) => line.startsWith('retry:')) ?? '');
      if (retry) onRetry(Number(retry[1]));
      const data = lines
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5))
        .join('\n');
      if (data) listener(JSON.parse(data) as EngineEvent);
    }
  }
}

/** Browser uploads: the dropped file streamed as the request body. */
export async function uploadFile(token: string, file: File): Promise<unknown> {
  const res = await fetch(`/ingest?name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
    body: file,
  });
  const body = (await res.json().catch(() => ({}))) as { message?: string };
  if (!res.ok) throw new HttpError(res.status, body.message ?? res.statusText);
  return body;
}
