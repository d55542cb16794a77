import { Agent } from 'node:http';
import { request, type Answer } from '../test/helpers/http';

const SINGLE_REQUESTS = 10_000;
const SINGLE_WARMUP = 1_000;
export const BATCH_SIZE = 10_000;
export const BATCHES = 10;

/** Where the client sends its traffic; `k` is the first entry of the stream it sends. */
export interface ClientTarget {
  port: number;
  token: string;
  t0: number;
  k: number;
}

export type Phase = 'single' | 'batch';

export interface ClientFigures {
  detect_requests: number;
  detect_p50_ms: number;
  detect_p90_ms: number;
  detect_p99_ms: number;
  detect_max_ms: number;
  detect_per_s: number;
  /** CPU of the client's own process per request (in-process: server, ML worker and client together). */
  client_process_cpu_us_per_request: number;
  batch_size: number;
  batch_ms_median: number;
  batch_entries_per_s: number;
  batch_entries_per_s_median_batch: number;
  client_process_cpu_us_per_entry: number;
  /** The next entry of the stream, for whoever sends after this client. */
  next_k: number;
}

const IPS = Array.from({ length: 40 }, (_, i) => `10.9.${i >> 4}.${i & 15}`);
const CODES = [200, 200, 200, 200, 200, 200, 304, 404, 500, 403];

/** Entry k of a deterministic stream of in-order traffic starting at `t0`. */
function entry(t0: number, k: number) {
  return {
    timestamp: new Date(t0 + k * 50).toISOString(),
    ip_address: IPS[(k * 7) % IPS.length],
    service_endpoint: `/api/items/${k % 97}`,
    http_response_code: CODES[k % CODES.length],
  };
}

function cpuMicros(u: NodeJS.CpuUsage): number {
  return u.user + u.system;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The load of bench/http.ts: sequential single-entry POST /outlier/detect on one keep-alive
 * connection (after a warm-up), then batches of 10,000 entries to /outlier/detect_batch.
 * `phase` is told when each measured phase starts and ends, so the server side can read its CPU.
 */
export async function runDetectClient(
  target: ClientTarget,
  phase: (p: Phase, edge: 'start' | 'end') => void = () => undefined,
): Promise<ClientFigures> {
  const { port, token, t0 } = target;
  let k = target.k;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = (path: string, body: string): Promise<Answer> =>
    request(port, 'POST', path, {
      agent,
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      },
      body,
    });
  try {
    const single = async () => {
      const a = await post('/outlier/detect', JSON.stringify(entry(t0, k++)));
      if (a.status !== 200) throw new Error(`detect answered ${a.status}: ${a.text}`);
    };
    for (let i = 0; i < SINGLE_WARMUP; i++) await single();
    const times = new Float64Array(SINGLE_REQUESTS);
    phase('single', 'start');
    const singleCpu = process.cpuUsage();
    const singleStart = performance.now();
    for (let i = 0; i < SINGLE_REQUESTS; i++) {
      const s = performance.now();
      await single();
      times[i] = performance.now() - s;
    }
    const singleWall = performance.now() - singleStart;
    const singleCpuUs = cpuMicros(process.cpuUsage(singleCpu));
    phase('single', 'end');
    times.sort();

    const batchBody = () => JSON.stringify({ entries: Array.from({ length: BATCH_SIZE }, () => entry(t0, k++)) });
    // One warm-up batch, then the measured ones (request bodies are built outside the timing).
    const warm = await post('/outlier/detect_batch', batchBody());
    if (warm.status !== 200) throw new Error(`detect_batch answered ${warm.status}: ${warm.text.slice(0, 200)}`);
    const bodies = Array.from({ length: BATCHES }, batchBody);
    const batchTimes: number[] = [];
    phase('batch', 'start');
    const batchCpu = process.cpuUsage();
    for (const body of bodies) {
      const s = performance.now();
      const a = await post('/outlier/detect_batch', body);
      batchTimes.push(performance.now() - s);
      if (a.status !== 200) throw new Error(`detect_batch answered ${a.status}: ${a.text.slice(0, 200)}`);
    }
    const batchCpuUs = cpuMicros(process.cpuUsage(batchCpu));
    phase('batch', 'end');
    const batchTotal = batchTimes.reduce((a, b) => a + b, 0);
    const batchMedian = [...batchTimes].sort((a, b) => a - b)[Math.floor(batchTimes.length / 2)];

    return {
      detect_requests: SINGLE_REQUESTS,
      detect_p50_ms: quantile(times, 0.5),
      detect_p90_ms: quantile(times, 0.9),
      detect_p99_ms: quantile(times, 0.99),
      detect_max_ms: times[times.length - 1],
      detect_per_s: SINGLE_REQUESTS / (singleWall / 1000),
      client_process_cpu_us_per_request: singleCpuUs / SINGLE_REQUESTS,
      batch_size: BATCH_SIZE,
      batch_ms_median: batchMedian,
      batch_entries_per_s: (BATCH_SIZE * BATCHES) / (batchTotal / 1000),
      batch_entries_per_s_median_batch: BATCH_SIZE / (batchMedian / 1000),
      client_process_cpu_us_per_entry: batchCpuUs / (BATCH_SIZE * BATCHES),
      next_k: k,
    };
  } finally {
    agent.destroy();
  }
}

/** Messages from the client child (bench/index.ts `--http-client`) to the bench that spawned it. */
export type ClientMessage = { phase: Phase; edge: 'start' | 'end' } | { done: ClientFigures } | { error: string };

/** The child's side: runs the client against `target`, reporting phases and figures over IPC. */
export async function detectClientChild(target: ClientTarget): Promise<void> {
  const send = (m: ClientMessage) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  try {
    const figures = await runDetectClient(target, (p, edge) => void send({ phase: p, edge }));
    await send({ done: figures });
  } catch (err) {
    await send({ error: (err as Error).stack ?? String(err) });
  }
}
