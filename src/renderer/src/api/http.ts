import { operations, type Api, type OperationName } from '../../../shared/api';
import type { EngineEvent } from '../../../shared/events';

const TOKEN_KEY = 'outlier-desk-token';

/** Browser mode: the token arrives once in `?token=`, is kept for the tab, and removed from the address bar. */
export function takeToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }
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
  const spec = operations[name];
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
    Object.keys(operations).map((name) => [name, (input: unknown) => request(name as OperationName, input, token)]),
  ) as Api;
}

/** Server-sent events; EventSource cannot send headers, so the token goes in the query. */
export function httpEvents(token: string, listener: (e: EngineEvent) => void): () => void {
  const source = new EventSource(`/events?token=${encodeURIComponent(token)}`);
  const onMessage = (msg: MessageEvent<string>) => listener(JSON.parse(msg.data) as EngineEvent);
  const types: EngineEvent['type'][] = [
    'ingest-progress',
    'features-progress',
    'training-progress',
    'training-failed',
    'anomalies',
    'model-swapped',
    'config-changed',
  ];
  types.forEach((t) => source.addEventListener(t, onMessage as EventListener));
  return () => source.close();
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
