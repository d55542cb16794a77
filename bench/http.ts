import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/main/engine';
import { createHttpServer, listen } from '../src/main/http/server';
import {
  BATCHES,
  BATCH_SIZE,
  runDetectClient,
  type ClientFigures,
  type ClientMessage,
  type ClientTarget,
} from './httpClient';

/** Sample rows the models are trained on: the app's default sample size, so the live model is the size an analyst gets. */
const SAMPLE_ROWS = 300_000;

/**
 * Runs the client in a child process (this bench bundle with `--http-client`), so it competes
 * with the server only for the machine's cores, as a real client would. Returns its figures and
 * this (the server's) process CPU during each measured phase.
 */
function separateClient(
  target: ClientTarget,
): Promise<{ figures: ClientFigures; serverCpuUs: Record<string, number> }> {
  const child = spawn(process.execPath, [process.argv[1], '--http-client', JSON.stringify(target)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: process.env,
  });
  const started: Record<string, NodeJS.CpuUsage> = {};
  const serverCpuUs: Record<string, number> = {};
  return new Promise((resolve, reject) => {
    let figures: ClientFigures | null = null;
    child.on('message', (m: ClientMessage) => {
      if ('phase' in m) {
        if (m.edge === 'start') started[m.phase] = process.cpuUsage();
        else {
          const u = process.cpuUsage(started[m.phase]);
          serverCpuUs[m.phase] = u.user + u.system;
        }
      } else if ('done' in m) figures = m.done;
      else reject(new Error(`the client failed: ${m.error}`));
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      figures ? resolve({ figures, serverCpuUs }) : reject(new Error(`the client exited with ${code}`)),
    );
  });
}

/**
 * The loopback API's request path over real HTTP against the live model trained on the default
 * 300,000-row sample: single-entry POST /outlier/detect latency on one keep-alive connection
 * (p50/p99 of sequential requests) and POST /outlier/detect_batch throughput with batches of
 * 10,000 entries. Measured twice: first with the client in a separate process (the figure to
 * quote), then with the client in the server's process, as the bench did before.
 */
export async function benchHttp(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'od-bench-http-'));
  const engine = await Engine.start({ dataDir: dir, schedule: false });
  const app = await createHttpServer(engine);
  try {
    const port = await listen(app, 0);
    engine.httpListening(port);
    const token = engine.tokens.get();
    await engine.call('generateSample', { rows: SAMPLE_ROWS, seed: 7 });
    await engine.call('trainModels', {});
    const t0 = Date.now() + 60_000;

    const separate = await separateClient({ port, token, t0, k: 0 });
    const sameProcess = await runDetectClient({ port, token, t0, k: separate.figures.next_k });
    const { next_k: _a, ...separateFigures } = separate.figures;
    const { next_k: _b, ...sameFigures } = sameProcess;
    const singles = separate.figures.detect_requests;
    return {
      model_sample_rows: SAMPLE_ROWS,
      client_separate_process: {
        ...separateFigures,
        // The server's process (HTTP, engine, ML worker threads) per request: less noisy than wall time.
        server_process_cpu_us_per_request: separate.serverCpuUs.single / singles,
        server_process_cpu_us_per_entry: separate.serverCpuUs.batch / (BATCH_SIZE * BATCHES),
      },
      // Client and server share one process and event loop: the figures the README quoted before.
      client_in_server_process: sameFigures,
    };
  } finally {
    await app.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
