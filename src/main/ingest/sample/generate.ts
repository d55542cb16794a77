/**
 * Sample Apache combined log, the original's POST /data/generate_sample made real: 20 clients,
 * six endpoints, the original's status mix, uniform times over the 24 h before endMs, plus
 * labelled injected anomalies. Pure and seeded: the same options give the same lines. The caller
 * writes the lines to a file; nothing here does I/O.
 */
import { MONTH_NAMES } from '../../../shared/time/timestamp';
import {
  BROWSER_AGENTS,
  BRUTE_FORCE_AGENT,
  BURST_AGENT,
  ENDPOINTS,
  NORMAL_IPS,
  SCAN_AGENT,
  SCAN_STEMS,
  SCAN_SUFFIXES,
  SITE,
  STATUS_WEIGHTS,
  TOOL_AGENTS,
} from './catalog';
import { Prng } from './prng';

export const SAMPLE_LABELS = ['burst', '5xx_storm', '404_scan', 'brute_force'] as const;
export type SampleLabel = (typeof SAMPLE_LABELS)[number];

export interface SampleOptions {
  /** Lines in total, anomalies included. Default 300,000 (the original's sample size). */
  rows?: number;
  seed?: number;
  /** Inject the labelled anomalies (only when rows >= MIN_ROWS_FOR_ANOMALIES). Default true. */
  anomalies?: boolean;
  /** End of the covered 24 h (exclusive), epoch ms. Default now. */
  endMs?: number;
}

export interface SampleLine {
  /** One Apache combined-format line, without newline. */
  line: string;
  label: SampleLabel | null;
}

export interface AnomalyPlan {
  label: SampleLabel;
  ip: string;
  rows: number;
  startMs: number;
  endMs: number;
}

export interface SamplePlan {
  rows: number;
  seed: number;
  startMs: number;
  endMs: number;
  normalRows: number;
  anomalies: AnomalyPlan[];
}

export const DEFAULT_SAMPLE_ROWS = 300_000;
export const DEFAULT_SAMPLE_SEED = 0x5eed;
/** Below this many rows the injected patterns would swamp the normal traffic. */
export const MIN_ROWS_FOR_ANOMALIES = 1000;
const SPAN_MS = 86_400_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * Size per 300,000 rows (scaled with rows so the contrast with normal traffic stays the same:
 * a normal client makes ~10 requests a minute at 300k rows), minimum size, and duration.
 * Total ≈ 0.5 % of rows.
 */
const ANOMALY_SHAPES: Readonly<Record<SampleLabel, { per300k: number; min: number; durationMs: number }>> = {
  burst: { per300k: 400, min: 10, durationMs: 2 * MINUTE },
  '5xx_storm': { per300k: 250, min: 8, durationMs: 4 * MINUTE },
  '404_scan': { per300k: 300, min: 8, durationMs: 5 * MINUTE },
  brute_force: { per300k: 480, min: 8, durationMs: 4 * HOUR },
};

/** What generateSample will produce for these options (anomaly IPs, sizes and times). */
export function planSample(options: SampleOptions = {}): SamplePlan {
  const rows = Math.max(0, Math.floor(options.rows ?? DEFAULT_SAMPLE_ROWS));
  const seed = options.seed ?? DEFAULT_SAMPLE_SEED;
  const endMs = Math.floor(options.endMs ?? Date.now());
  const startMs = endMs - SPAN_MS;
  // A stream of its own, so the plan does not shift the traffic stream.
  const rng = new Prng(seed ^ 0x51a7e);
  const anomalies: AnomalyPlan[] = [];
  if ((options.anomalies ?? true) && rows >= MIN_ROWS_FOR_ANOMALIES) {
    const burstIp = rng.int(NORMAL_IPS.length);
    const stormIp = (burstIp + 1 + rng.int(NORMAL_IPS.length - 1)) % NORMAL_IPS.length;
    // Outside the normal clients (192.168.1.0/24 and 10.0.0.5): these addresses never appear otherwise.
    const ips: Record<SampleLabel, string> = {
      burst: NORMAL_IPS[burstIp],
      '5xx_storm': NORMAL_IPS[stormIp],
      '404_scan': `203.0.113.${10 + rng.int(240)}`,
      brute_force: `198.51.100.${10 + rng.int(240)}`,
    };
    for (const label of SAMPLE_LABELS) {
      const shape = ANOMALY_SHAPES[label];
      const count = Math.max(shape.min, Math.round((shape.per300k * rows) / DEFAULT_SAMPLE_ROWS));
      // Kept an hour clear of both ends so every window around it is complete.
      const start = Math.floor(rng.range(startMs + HOUR, endMs - HOUR - shape.durationMs));
      anomalies.push({ label, ip: ips[label], rows: count, startMs: start, endMs: start + shape.durationMs });
    }
  }
  const injected = anomalies.reduce((s, a) => s + a.rows, 0);
  return { rows, seed, startMs, endMs, normalRows: rows - injected, anomalies };
}

/** One line's content before formatting. */
interface Row {
  tMs: number;
  ip: string;
  method: string;
  path: string;
  status: number;
  bytes: number; // 0 is written as `-`
  referer: string;
  agent: string;
  label: SampleLabel | null;
}

const PAD2 = Array.from({ length: 60 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

/** CLF timestamps, cached per second and per day: lines come in time order. */
class ClfClock {
  private day = -1;
  private dayPrefix = '';
  private second = -1;
  private text = '';

  format(ms: number): string {
    const sec = Math.floor(ms / 1000);
    if (sec === this.second) return this.text;
    const day = Math.floor(sec / 86_400);
    if (day !== this.day) {
      const d = new Date(day * 86_400_000);
      this.day = day;
      this.dayPrefix = `${PAD2[d.getUTCDate()]}/${MONTH_NAMES[d.getUTCMonth()]}/${d.getUTCFullYear()}:`;
    }
    const s = sec - day * 86_400;
    this.second = sec;
    this.text = `${this.dayPrefix}${PAD2[Math.floor(s / 3600)]}:${PAD2[Math.floor(s / 60) % 60]}:${PAD2[s % 60]} +0000`;
    return this.text;
  }
}

function formatRow(r: Row, clock: ClfClock): string {
  return (
    `${r.ip} - - [${clock.format(r.tMs)}] "${r.method} ${r.path} HTTP/1.1" ${r.status} ` +
    `${r.bytes === 0 ? '-' : r.bytes} "${r.referer}" "${r.agent}"`
  );
}

function pickCumulative<T>(rng: Prng, table: readonly (readonly [T, number])[]): T {
  const u = rng.next();
  for (const [v, p] of table) if (u < p) return v;
  return table[table.length - 1][0];
}

const STATUS_CUMULATIVE: readonly (readonly [number, number])[] = (() => {
  let acc = 0;
  return STATUS_WEIGHTS.map(([s, p]) => [s, (acc += p)] as const);
})();

/** Response size: around the endpoint's size for success, small bodies for errors. */
function bytesFor(rng: Prng, status: number, size: number): number {
  switch (status) {
    case 200:
      return Math.round(size * (0.6 + 0.8 * rng.next()));
    case 201:
      return 80 + rng.int(320);
    case 302:
      return 0;
    case 401:
      return 110 + rng.int(60);
    case 404:
      return 190 + rng.int(40);
    default:
      return 300 + rng.int(300);
  }
}

/** Normal traffic: each client keeps one browser, with an occasional tool or second browser. */
class NormalTraffic {
  private readonly agents: string[];

  constructor(private readonly rng: Prng) {
    this.agents = NORMAL_IPS.map(() => rng.pick(BROWSER_AGENTS));
  }

  row(tMs: number): Row {
    const rng = this.rng;
    const client = rng.int(NORMAL_IPS.length);
    const ep = ENDPOINTS[rng.int(ENDPOINTS.length)];
    const status = pickCumulative(rng, STATUS_CUMULATIVE);
    const method = status === 201 ? 'POST' : pickCumulative(rng, ep.methods);
    const roll = rng.next();
    const agent = roll < 0.9 ? this.agents[client] : roll < 0.95 ? rng.pick(TOOL_AGENTS) : rng.pick(BROWSER_AGENTS);
    const referer = rng.next() < 0.3 ? '-' : `${SITE}${ENDPOINTS[rng.int(ENDPOINTS.length)].path}`;
    return {
      tMs,
      ip: NORMAL_IPS[client],
      method,
      path: ep.path,
      status,
      bytes: bytesFor(rng, status, ep.size),
      referer,
      agent,
      label: null,
    };
  }
}

/** Distinct probe paths for a 404 scan, in random order. */
function scanPaths(rng: Prng, count: number): string[] {
  const prefixes = ['', '/site', '/blog', '/old-site'];
  const all: string[] = [];
  for (const p of prefixes) for (const s of SCAN_STEMS) for (const x of SCAN_SUFFIXES) all.push(`${p}${s}${x}`);
  for (let i = all.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [all[i], all[j]] = [all[j], all[i]];
  }
  for (let i = all.length; i < count; i++) all.push(`${all[i % all.length]}?id=${i}`);
  return all.slice(0, count);
}

/** The rows of one injected anomaly, in time order. */
function anomalyRows(rng: Prng, a: AnomalyPlan): Row[] {
  const span = a.endMs - a.startMs;
  let times: number[];
  if (a.label === 'brute_force') {
    // Steady: one attempt per slot, jittered inside it so the series still looks machine-made.
    const slot = span / a.rows;
    times = Array.from({ length: a.rows }, (_, k) => Math.floor(a.startMs + (k + 0.2 + 0.6 * rng.next()) * slot));
  } else {
    times = Array.from({ length: a.rows }, () => Math.floor(a.startMs + rng.next() * span)).sort((x, y) => x - y);
  }
  const paths = a.label === '404_scan' ? scanPaths(rng, a.rows) : [];
  const stormAgent = rng.pick(BROWSER_AGENTS); // a real client keeps its browser
  return times.map((tMs, k): Row => {
    const base = { tMs, ip: a.ip, label: a.label, referer: '-' };
    switch (a.label) {
      case 'burst': {
        const ep = rng.next() < 0.7 ? ENDPOINTS[2] : ENDPOINTS[0]; // /api/data, /home
        const status = rng.next() < 0.95 ? 200 : 404;
        return {
          ...base,
          method: 'GET',
          path: ep.path,
          status,
          bytes: bytesFor(rng, status, ep.size),
          agent: BURST_AGENT,
        };
      }
      case '5xx_storm': {
        const ep = rng.next() < 0.6 ? ENDPOINTS[2] : ENDPOINTS[3]; // /api/data, /profile
        const u = rng.next();
        const status = u < 0.85 ? 500 : u < 0.93 ? 503 : 502;
        const method = ep.path === '/profile' ? 'PUT' : 'GET';
        return {
          ...base,
          method,
          path: ep.path,
          status,
          bytes: bytesFor(rng, status, ep.size),
          agent: stormAgent,
        };
      }
      case '404_scan':
        return { ...base, method: 'GET', path: paths[k], status: 404, bytes: bytesFor(rng, 404, 0), agent: SCAN_AGENT };
      case 'brute_force':
        return {
          ...base,
          method: 'POST',
          path: '/login',
          status: 401,
          bytes: bytesFor(rng, 401, 0),
          referer: `${SITE}/login`,
          agent: BRUTE_FORCE_AGENT,
        };
    }
  });
}

/**
 * The sample log, line by line in time order. Normal rows get sorted uniform times one at a
 * time (each is the minimum of the uniforms still to come), so nothing is buffered or sorted;
 * the anomaly rows (≤ ~1 %) are prepared up front and merged in.
 */
export function* generateSample(options: SampleOptions = {}): Generator<SampleLine, void, undefined> {
  const plan = planSample(options);
  const rng = new Prng(plan.seed);
  const traffic = new NormalTraffic(rng);
  const injected = plan.anomalies.flatMap((a) => anomalyRows(rng, a)).sort((x, y) => x.tMs - y.tMs);
  const clock = new ClfClock();
  let next = 0;
  let u = 0; // position of the previous normal row in [0, 1)
  for (let i = 0; i < plan.normalRows; i++) {
    // Minimum of (normalRows - i) uniforms on [u, 1): the next order statistic.
    u += (1 - u) * (1 - Math.pow(1 - rng.next(), 1 / (plan.normalRows - i)));
    const tMs = plan.startMs + Math.min(Math.floor(u * SPAN_MS), SPAN_MS - 1);
    while (next < injected.length && injected[next].tMs < tMs) {
      const r = injected[next++];
      yield { line: formatRow(r, clock), label: r.label };
    }
    const r = traffic.row(tMs);
    yield { line: formatRow(r, clock), label: null };
  }
  while (next < injected.length) {
    const r = injected[next++];
    yield { line: formatRow(r, clock), label: r.label };
  }
}
