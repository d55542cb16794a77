/**
 * `npm run soak -- --minutes N`: the live loop end to end, for a while, under load.
 *
 * A writer (its own thread, so engine stalls cannot slow it down) appends to a watched access
 * log at --rate lines/s and rotates it (rename + re-create, a last batch still going to the
 * renamed file) every --rotate-minutes. Meanwhile POST /outlier/detect requests go to the real
 * loopback API (engine + createHttpServer on port 0, temporary data directory), and the models
 * are retrained over HTTP half-way through (after sample data and a first training at the start).
 * At the end every written line must be in the database exactly once. Prints one JSON report:
 * memory over time (with a growth check), event-loop delay and detect latency. Exit code 1 when a
 * check fails.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { request, type Answer } from '../test/helpers/http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { Engine } from '../src/main/engine';
import { createHttpServer, listen } from '../src/main/http/server';
import { bundleDir } from '../src/main/paths';

interface Options {
  minutes: number;
  rate: number;
  rotateMs: number;
  detectPerSecond: number;
  sampleRows: number;
  sampleEveryMs: number;
  maxHeapGrowthMb: number;
  maxRssGrowthMb: number;
  dataDir: string | null;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '2000' },
      'rotate-minutes': { type: 'string' },
      'detect-per-second': { type: 'string', default: '50' },
      'sample-rows': { type: 'string', default: '30000' },
      'sample-seconds': { type: 'string', default: '5' },
      'max-heap-growth-mb': { type: 'string', default: '64' },
      // RSS legitimately grows while SQLite's page cache (capped at 256 MiB) fills with the growing
      // database and the scorer threads hold the old and the new model; beyond that it is flat.
      'max-rss-growth-mb': { type: 'string', default: '512' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}, got "${v}"`);
    return n;
  };
  const minutes = num('minutes', values.minutes, 0.1);
  // "Every few minutes", but at least twice in a short run so rotation is always exercised.
  const rotateMinutes =
    values['rotate-minutes'] !== undefined
      ? num('rotate-minutes', values['rotate-minutes'], 0.05)
      : Math.min(3, minutes / 3);
  return {
    minutes,
    rate: num('rate', values.rate, 1),
    rotateMs: rotateMinutes * 60_000,
    detectPerSecond: num('detect-per-second', values['detect-per-second'], 0),
    sampleRows: num('sample-rows', values['sample-rows'], 1000),
    sampleEveryMs: num('sample-seconds', values['sample-seconds'], 0.5) * 1000,
    maxHeapGrowthMb: num('max-heap-growth-mb', values['max-heap-growth-mb'], 0),
    maxRssGrowthMb: num('max-rss-growth-mb', values['max-rss-growth-mb'], 0),
    dataDir: values['data-dir'] ?? null,
  };
}

/** The histogram records the time between its timer's ticks: the delay is that minus the interval. */
const LOOP_RESOLUTION_MS = 10;
const STALL_TICK_MS = 50;
const STALL_MS = 250;

const log = (msg: string) => process.stderr.write(`soak: ${msg}\n`);
const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const median = (xs: number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/**
 * The writer, as code for a worker thread (eval'd, CommonJS). Line n is unique: `/soak/n` and
 * bytes n, so loss and duplication show per line. It keeps the average rate exact by writing
 * whatever the clock says is due on each 20 ms tick.
 */
const WRITER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { path, rate, rotateMs } = workerData;
const MONTHS = ['Jan','Feb','Mar','Apr','May','Jun','Jul','Aug','Sep','Oct','Nov','Dec'];
const p2 = (n) => String(n).padStart(2, '0');
const clf = (ms) => { const d = new Date(ms);
  return p2(d.getUTCDate()) + '/' + MONTHS[d.getUTCMonth()] + '/' + d.getUTCFullYear() + ':' +
    p2(d.getUTCHours()) + ':' + p2(d.getUTCMinutes()) + ':' + p2(d.getUTCSeconds()) + ' +0000'; };
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.5.0', 'Googlebot/2.1', 'python-requests/2.31'];
function line(n, now) {
  // 200 ordinary clients; now and then one of a few noisy ones bursts errors.
  const noisy = n % 997 < 40;
  const ip = noisy ? '203.0.113.' + (1 + (Math.floor(n / 997) % 5)) : '10.' + (n % 3) + '.' + ((n * 7) % 200) + '.' + (n % 50);
  const status = noisy ? (n % 2 ? 404 : 500) : n % 53 === 0 ? 404 : n % 211 === 0 ? 503 : 200;
  return ip + ' - - [' + clf(now) + '] "GET /soak/' + n + ' HTTP/1.1" ' + status + ' ' + n + ' "-" "' + AGENTS[n % 4] + '"\\n';
}
let fd = fs.openSync(path, 'a');
let written = 0, rotations = 0;
const t0 = Date.now();
let nextRotate = t0 + rotateMs;
function batch(count) { const now = Date.now(); let s = ''; for (let i = 0; i < count; i++) s += line(written++, now); fs.writeSync(fd, s); }
function rotate() {
  rotations++;
  fs.renameSync(path, path + '.' + rotations);
  batch(50); // the logger has not reopened yet: these go to the renamed file
  fs.closeSync(fd);
  fd = fs.openSync(path, 'a');
}
function tick() {
  const now = Date.now();
  const due = Math.floor(((now - t0) * rate) / 1000) - written;
  if (due > 0) batch(due);
  if (now >= nextRotate) { rotate(); nextRotate += rotateMs; }
}
const timer = setInterval(tick, 20);
const report = setInterval(() => parentPort.postMessage({ type: 'progress', written, rotations }), 1000);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer); clearInterval(report);
  tick();
  fs.closeSync(fd);
  parentPort.postMessage({ type: 'done', written, rotations, seconds: (Date.now() - t0) / 1000 });
});
`;

/** An authorised call over the keep-alive agent; a body is sent as JSON. */
function call(
  agent: Agent,
  port: number,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return request(port, method, path, {
    agent,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(text === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }),
    },
    body: text,
  });
}

interface MemorySample {
  t: number;
  rssMb: number;
  heapMb: number;
  externalMb: number;
  written: number;
  stored: number;
}

async function main(): Promise<void> {
  const opts = options();
  const tmp = opts.dataDir ? null : mkdtempSync(join(tmpdir(), 'od-soak-'));
  const root = opts.dataDir ?? tmp!;
  const dataDir = join(root, 'data');
  const logDir = join(root, 'logs');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, 'access.log');

  // The engine's log goes to stderr (warnings and up), so stdout carries the report only.
  const logger = pino({ name: 'outlier-desk', level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const engine = await Engine.start({
    dataDir,
    logger,
    workerFile: join(bundleDir(import.meta.url), 'mlWorker.js'),
    schedule: false,
  });
  const app = await createHttpServer(engine);
  const port = await listen(app, 0);
  engine.httpListening(port);
  const token = engine.tokens.get();
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const api = (method: string, path: string, body?: unknown) => call(agent, port, token, method, path, body);
  const must = async (method: string, path: string, body?: unknown) => {
    const a = await api(method, path, body);
    if (a.status !== 200) throw new Error(`${method} ${path} answered ${a.status}: ${a.text.slice(0, 300)}`);
    return JSON.parse(a.text) as Record<string, unknown>;
  };
  const failures: string[] = [];

  try {
    // 1. Initial data and a first training, over HTTP like a script would.
    let t = performance.now();
    await must('POST', '/data/generate_sample', { rows: opts.sampleRows, seed: 11 });
    const sampleMs = performance.now() - t;
    t = performance.now();
    await must('POST', '/model/train_models');
    const firstTrainingMs = performance.now() - t;
    log(
      `sample of ${opts.sampleRows} rows in ${Math.round(sampleMs)} ms, first training in ${Math.round(firstTrainingMs)} ms`,
    );

    // 2. The watched log and its writer.
    const writer = new Worker(WRITER, {
      eval: true,
      workerData: { path: logPath, rate: opts.rate, rotateMs: opts.rotateMs },
    });
    let written = 0;
    let rotations = 0;
    writer.on('message', (m: { type: string; written: number; rotations: number }) => {
      written = m.written;
      rotations = m.rotations;
    });
    writer.on('error', (err) => failures.push(`writer: ${err.message}`));
    await new Promise((r) => setTimeout(r, 50));
    const source = (await must('POST', '/sources', { path: logPath, format: 'combined', watch: true })) as {
      id: number;
    };
    const storedLines = () =>
      engine.db.prepare('SELECT lines FROM sources WHERE id = ?').pluck().get(source.id) as number;

    // 3. Measurements.
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loop.enable();
    const start = Date.now();
    const endAt = start + opts.minutes * 60_000;
    const memory: MemorySample[] = [];
    const sampleMemory = () => {
      const m = process.memoryUsage();
      memory.push({
        t: round((Date.now() - start) / 1000, 1),
        rssMb: mb(m.rss),
        heapMb: mb(m.heapUsed),
        externalMb: mb(m.external),
        written,
        stored: storedLines(),
      });
    };
    sampleMemory();
    const memTimer = setInterval(sampleMemory, opts.sampleEveryMs);
    // The longest stalls of the event loop, with what was going on, to say where they come from.
    const stalls: Array<{ atS: number; ms: number; training: boolean }> = [];
    let lastTick = performance.now();
    const stallTimer = setInterval(() => {
      const nowTick = performance.now();
      const gap = nowTick - lastTick - STALL_TICK_MS;
      lastTick = nowTick;
      if (gap >= STALL_MS) {
        stalls.push({
          atS: round((Date.now() - start - gap) / 1000, 1),
          ms: Math.round(gap),
          training: engine.models.isTraining,
        });
      }
    }, STALL_TICK_MS);

    // 4. Detect requests in parallel, at a steady rate, a few in flight at most.
    const latencies: number[] = [];
    const detectErrors: Record<string, number> = {};
    let inFlight = 0;
    let skipped = 0;
    let k = 0;
    const ips = Array.from({ length: 30 }, (_, i) => `192.0.2.${i + 1}`);
    const detectOnce = async () => {
      if (inFlight >= 8) return void skipped++;
      inFlight++;
      const n = k++;
      const s = performance.now();
      try {
        const a = await api('POST', '/outlier/detect', {
          timestamp: new Date().toISOString(),
          ip_address: ips[n % ips.length],
          service_endpoint: `/api/detect/${n % 41}`,
          http_response_code: n % 17 === 0 ? 500 : n % 7 === 0 ? 404 : 200,
        });
        if (a.status === 200) latencies.push(performance.now() - s);
        else detectErrors[a.status] = (detectErrors[a.status] ?? 0) + 1;
      } catch (err) {
        detectErrors[(err as Error).message] = (detectErrors[(err as Error).message] ?? 0) + 1;
      } finally {
        inFlight--;
      }
    };
    const detectTimer =
      opts.detectPerSecond > 0 ? setInterval(() => void detectOnce(), 1000 / opts.detectPerSecond) : null;

    // 5. Retraining half-way, while everything else goes on.
    const retraining = (async () => {
      await new Promise((r) => setTimeout(r, (endAt - start) / 2));
      log('retraining half-way');
      const s = performance.now();
      await must('POST', '/model/train_models');
      return performance.now() - s;
    })().catch((err: Error) => {
      failures.push(`retraining: ${err.message}`);
      return NaN;
    });

    const progress = setInterval(() => {
      log(
        `${Math.round((Date.now() - start) / 1000)} s: written ${written}, stored ${storedLines()}, rotations ${rotations}, detect ${latencies.length}`,
      );
    }, 15_000);
    while (Date.now() < endAt) await new Promise((r) => setTimeout(r, 200));
    clearInterval(progress);
    if (detectTimer) clearInterval(detectTimer);

    // 6. Stop writing; let the ingest catch up; check every line.
    const done = await new Promise<{ written: number; rotations: number; seconds: number }>((resolve) => {
      writer.on('message', (m: { type: string; written: number; rotations: number; seconds: number }) => {
        if (m.type === 'done') resolve(m);
      });
      writer.postMessage('stop');
    });
    await writer.terminate();
    written = done.written;
    rotations = done.rotations;
    const retrainingMs = await retraining;
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 20));
    const stopAt = Date.now();
    while (storedLines() < written && Date.now() - stopAt < 120_000) await new Promise((r) => setTimeout(r, 100));
    const catchUpMs = Date.now() - stopAt;
    await engine.ingest.idle();
    clearInterval(memTimer);
    clearInterval(stallTimer);
    sampleMemory();
    loop.disable();

    const seen = new Uint8Array(written);
    let foreign = 0;
    let duplicated = 0;
    for (const endpoint of engine.db
      .prepare('SELECT endpoint FROM logs WHERE source_id = ?')
      .pluck()
      .iterate(source.id) as IterableIterator<string>) {
      const n = Number(endpoint.slice('/soak/'.length));
      if (!endpoint.startsWith('/soak/') || !Number.isInteger(n) || n < 0 || n >= written) foreign++;
      else if (seen[n]++ > 0) duplicated++;
    }
    const missing = seen.reduce((acc, v) => acc + (v === 0 ? 1 : 0), 0);
    // A file's lines are not copied into the database (only their offsets); each written line
    // carries its own number in the path, so distinct paths are distinct lines.
    const byContent = engine.db
      .prepare('SELECT count(*) AS rows, count(DISTINCT endpoint) AS distinctLines FROM logs WHERE source_id = ?')
      .get(source.id) as { rows: number; distinctLines: number };
    const lineNos = engine.db
      .prepare(
        'SELECT count(*) AS n, count(DISTINCT line_no) AS distinctNos, coalesce(min(line_no), 0) AS lo, coalesce(max(line_no), 0) AS hi FROM logs WHERE source_id = ?',
      )
      .get(source.id) as { n: number; distinctNos: number; lo: number; hi: number };
    const src = engine.db
      .prepare('SELECT status, error, lines, parse_errors AS parseErrors FROM sources WHERE id = ?')
      .get(source.id) as { status: string; error: string | null; lines: number; parseErrors: number };
    const models = (await must('GET', '/models')) as { live: number | null; versions: unknown[] };

    const lineNumbersOk = lineNos.n === lineNos.distinctNos && lineNos.lo === 1 && lineNos.hi === lineNos.n;
    if (missing > 0) failures.push(`${missing} written lines are not in the database`);
    if (duplicated > 0) failures.push(`${duplicated} lines are in the database more than once`);
    if (foreign > 0) failures.push(`${foreign} rows that were never written`);
    if (byContent.rows !== byContent.distinctLines) failures.push('some line content is stored more than once');
    if (!lineNumbersOk) failures.push('line numbers are not 1..n without gaps or repeats');
    if (src.parseErrors > 0) failures.push(`${src.parseErrors} parse errors on lines the writer made`);
    if (rotations < 1) failures.push('no rotation happened (run longer or lower --rotate-minutes)');
    if (Object.keys(detectErrors).length) failures.push(`detect errors: ${JSON.stringify(detectErrors)}`);

    // Memory: the median of the last fifth of the run against the median of its first fifth
    // (after start-up), so single GC peaks do not decide it.
    const fifth = Math.max(1, Math.floor(memory.length / 5));
    const early = memory.slice(0, fifth);
    const late = memory.slice(-fifth);
    const heapGrowth = round(median(late.map((m) => m.heapMb)) - median(early.map((m) => m.heapMb)), 1);
    const rssGrowth = round(median(late.map((m) => m.rssMb)) - median(early.map((m) => m.rssMb)), 1);
    // Informative: how much RSS still grew over the last 40 % of the run (flat once caches are full).
    const lastPart = memory.slice(Math.floor(memory.length * 0.6));
    const rssGrowthLastPart = round(
      median(lastPart.slice(-fifth).map((m) => m.rssMb)) - median(lastPart.slice(0, fifth).map((m) => m.rssMb)),
      1,
    );
    const memoryOk = heapGrowth <= opts.maxHeapGrowthMb && rssGrowth <= opts.maxRssGrowthMb;
    if (!memoryOk) {
      failures.push(
        `memory grew beyond the bound: heap +${heapGrowth} MB (bound ${opts.maxHeapGrowthMb}), rss +${rssGrowth} MB (bound ${opts.maxRssGrowthMb})`,
      );
    }

    latencies.sort((a, b) => a - b);
    const ms = (ns: number) => round(Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS));
    const report = {
      ok: failures.length === 0,
      failures,
      run: {
        minutes: opts.minutes,
        writerSeconds: round(done.seconds, 1),
        ratePerSecond: opts.rate,
        achievedRatePerSecond: round(written / done.seconds, 1),
        rotations,
        rotateEverySeconds: round(opts.rotateMs / 1000, 1),
        sampleRows: opts.sampleRows,
      },
      lines: {
        written,
        stored: byContent.rows,
        distinctContent: byContent.distinctLines,
        missing,
        duplicated,
        foreign,
        lineNumbersOk,
        sourceStatus: src.status,
        sourceError: src.error,
        catchUpAfterStopMs: catchUpMs,
      },
      training: {
        sampleMs: Math.round(sampleMs),
        firstMs: Math.round(firstTrainingMs),
        midRunMs: Math.round(retrainingMs),
        liveVersion: models.live,
        versions: models.versions.length,
      },
      detect: {
        requests: latencies.length,
        perSecond: round(latencies.length / (opts.minutes * 60), 1),
        errors: detectErrors,
        skippedBusy: skipped,
        p50Ms: round(quantile(latencies, 0.5)),
        p90Ms: round(quantile(latencies, 0.9)),
        p99Ms: round(quantile(latencies, 0.99)),
        maxMs: round(latencies[latencies.length - 1] ?? NaN),
      },
      eventLoopDelay: {
        p50Ms: ms(loop.percentile(50)),
        p99Ms: ms(loop.percentile(99)),
        maxMs: ms(loop.max),
        meanMs: ms(loop.mean),
        stallsOver250Ms: stalls.length,
        longestStalls: [...stalls].sort((a, b) => b.ms - a.ms).slice(0, 10),
      },
      memory: {
        ok: memoryOk,
        heapGrowthMb: heapGrowth,
        rssGrowthMb: rssGrowth,
        rssGrowthLast40PercentMb: rssGrowthLastPart,
        boundHeapMb: opts.maxHeapGrowthMb,
        boundRssMb: opts.maxRssGrowthMb,
        peakRssMb: Math.max(...memory.map((m) => m.rssMb)),
        peakHeapMb: Math.max(...memory.map((m) => m.heapMb)),
        samples: memory,
      },
    };
    process.stdout.write(JSON.stringify(report) + '\n');
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    agent.destroy();
    await app.close();
    await engine.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`soak: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
