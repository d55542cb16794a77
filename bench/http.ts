import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { request, type Answer } from '../test/helpers/http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/main/engine';
import { createHttpServer, listen } from '../src/main/http/server';

/** Sample rows the models are trained on: the app's default sample size, so the live model is the size an analyst gets. */
const SAMPLE_ROWS = 300_000;
const SINGLE_REQUESTS = 10_000;
const SINGLE_WARMUP = 1_000;
const BATCH_SIZE = 10_000;
const BATCHES = 10;

/** An authorised JSON POST over the keep-alive agent. */
function post(agent: Agent, port: number, token: string, path: string, body: string): Promise<Answer> {
  return request(port, 'POST', path, {
    agent,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    },
    body,
  });
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

/**
 * The loopback API's request path, measured over real HTTP: single-entry POST /outlier/detect
 * latency on one keep-alive connection (p50/p99 of sequential requests) and POST
 * /outlier/detect_batch throughput with batches of 10,000 entries.
 */
export async function benchHttp(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-http-'));
  const engine = await Engine.start({ dataDir: dir, schedule: false });
  const app = await createHttpServer(engine);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const port = await listen(app, 0);
    engine.httpPort = port;
    const token = engine.tokens.get();
    await engine.call('generateSample', { rows: SAMPLE_ROWS, seed: 7 });
    await engine.call('trainModels', {});

    let k = 0;
    const t0 = Date.now() + 60_000;
    const single = async () => {
      const a = await post(agent, port, token, '/outlier/detect', JSON.stringify(entry(t0, k++)));
      if (a.status !== 200) throw new Error(`detect answered ${a.status}: ${a.text}`);
    };
    for (let i = 0; i < SINGLE_WARMUP; i++) await single();
    const times = new Float64Array(SINGLE_REQUESTS);
    const singleCpu = process.cpuUsage();
    const singleStart = performance.now();
    for (let i = 0; i < SINGLE_REQUESTS; i++) {
      const s = performance.now();
      await single();
      times[i] = performance.now() - s;
    }
    const singleWall = performance.now() - singleStart;
    const singleCpuUs = cpuMicros(process.cpuUsage(singleCpu));
    times.sort();

    const batchBody = () => JSON.stringify({ entries: Array.from({ length: BATCH_SIZE }, () => entry(t0, k++)) });
    // One warm-up batch, then the measured ones (request bodies are built outside the timing).
    const warm = await post(agent, port, token, '/outlier/detect_batch', batchBody());
    if (warm.status !== 200) throw new Error(`detect_batch answered ${warm.status}: ${warm.text.slice(0, 200)}`);
    const bodies = Array.from({ length: BATCHES }, batchBody);
    const batchTimes: number[] = [];
    const batchCpu = process.cpuUsage();
    for (const body of bodies) {
      const s = performance.now();
      const a = await post(agent, port, token, '/outlier/detect_batch', body);
      batchTimes.push(performance.now() - s);
      if (a.status !== 200) throw new Error(`detect_batch answered ${a.status}: ${a.text.slice(0, 200)}`);
    }
    const batchCpuUs = cpuMicros(process.cpuUsage(batchCpu));
    const batchTotal = batchTimes.reduce((a, b) => a + b, 0);
    const batchMedian = [...batchTimes].sort((a, b) => a - b)[Math.floor(batchTimes.length / 2)];

    return {
      http_detect_requests: SINGLE_REQUESTS,
      http_detect_p50_ms: quantile(times, 0.5),
      http_detect_p90_ms: quantile(times, 0.9),
      http_detect_p99_ms: quantile(times, 0.99),
      http_detect_max_ms: times[times.length - 1],
      http_detect_per_s: SINGLE_REQUESTS / (singleWall / 1000),
      // CPU of the whole process (server, ML worker and this client) per request: less noisy than wall time.
      http_detect_cpu_us_per_request: singleCpuUs / SINGLE_REQUESTS,
      http_batch_size: BATCH_SIZE,
      http_batch_ms_median: batchMedian,
      http_batch_entries_per_s: (BATCH_SIZE * BATCHES) / (batchTotal / 1000),
      http_batch_entries_per_s_median_batch: BATCH_SIZE / (batchMedian / 1000),
      http_batch_cpu_us_per_entry: batchCpuUs / (BATCH_SIZE * BATCHES),
    };
  } finally {
    agent.destroy();
    await app.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
