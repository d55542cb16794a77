import { join } from 'node:path';
import { openDatabase } from '../../src/main/store/db';
import { DEFAULT_CONFIG } from '../../src/shared/config';
import { rng } from '../helpers/rng';
import { LOG_MINUTES_FROM_LOGS_SQL } from '../../src/main/store/migrations';

/**
 * Writes analysed data straight into a data directory's SQLite file, before `serve` opens it,
 * so UI tests get exact, known data quickly, without waiting for ingest, features or training.
 */

export const DB_FILE = 'outlier-desk.sqlite';
export const THRESHOLDS = { iforest: 0.6, lof: 1.5, knn: 3 } as const;
export const WINDOW_MS = 300_000;
export const XSS = '<script>alert(1)</script>';

export interface SeededLog {
  id: number;
  sourceId: number;
  sourcePath: string;
  lineNo: number;
  tsMs: number;
  ip: string;
  method: string;
  endpoint: string;
  status: number;
  bytes: number;
  userAgent: string;
  raw: string;
  requestCount: number;
  clientErrors: number;
  serverErrors: number;
  scores: { iforest: number; lof: number; knn: number };
  votes: number;
  isAnomaly: boolean;
  combinedScore: number;
}

export interface SeedOptions {
  rows: number;
  /** First timestamp (epoch ms, UTC). */
  startMs?: number;
  /** Entries spread evenly-ish over this span. */
  spanMs?: number;
  /** Flag every entry (for the big-table test, where the list must hold every row). */
  allFlagged?: boolean;
  /** Add one flagged entry whose endpoint, user agent and raw line carry a script tag. */
  xss?: boolean;
  seed?: number;
}

export interface Seeded {
  logs: SeededLog[];
  flagged: SeededLog[];
  xss: SeededLog | null;
  sources: { id: number; path: string }[];
}

const ENDPOINTS = ['/', '/index.html', '/api/items', '/api/items/42', '/login', '/static/app.js', '/search?q=logs'];
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64)', 'curl/8.5.0', 'python-requests/2.31'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function apacheTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export const ipOf = (n: number) => `10.0.0.${n}`;

/** Seeds `rows` entries (plus the optional script-tag entry) with features, scores, two model versions. */
export function seed(dataDir: string, opts: SeedOptions): Seeded {
  const random = rng(opts.seed ?? 7);
  const startMs = opts.startMs ?? Date.UTC(2024, 2, 1, 8, 0, 0);
  const spanMs = opts.spanMs ?? 6 * 3_600_000;
  const sources = [
    { id: 1, path: '/var/log/nginx/access.log', kind: 'file', format: 'combined', status: 'watching' },
    { id: 2, path: '/srv/logs/api.jsonl', kind: 'file', format: 'jsonl', status: 'done' },
  ];

  // Timestamps ascending; a few IPs burst (many requests, many errors) to give the scores a reason.
  const logs: SeededLog[] = [];
  const lineNos = [0, 0, 0];
  // Per IP: its entries so far, the index of the oldest inside the window, and running error counts.
  const windows = new Map<string, { ts: number[]; status: number[]; head: number; client: number; server: number }>();
  const total = opts.rows + (opts.xss ? 1 : 0);
  const xssAt = opts.xss ? Math.floor(total / 2) : -1;
  for (let i = 0; i < total; i++) {
    const tsMs = startMs + Math.floor((i / total) * spanMs) + Math.floor(random() * 1000);
    const isXss = i === xssAt;
    // Attacks come in bursts: six short windows spread over the span, where three IPs hammer the server.
    const phase = ((i / total) * 6) % 1;
    const burst = Math.abs(phase - 0.5) < 0.08 ? random() < 0.5 : random() < 0.003;
    const ip = isXss
      ? '198.51.100.66'
      : burst
        ? ipOf(1 + Math.floor(random() * 3))
        : ipOf(4 + Math.floor(random() * 17));
    const status = isXss
      ? 404
      : burst
        ? random() < 0.5
          ? 404
          : random() < 0.5
            ? 500
            : 200
        : random() < 0.05
          ? 404
          : 200;
    const endpoint = isXss ? `/search?q=${XSS}` : ENDPOINTS[Math.floor(random() * ENDPOINTS.length)];
    const method = endpoint.startsWith('/api') && random() < 0.3 ? 'POST' : 'GET';
    const userAgent = isXss ? XSS : AGENTS[Math.floor(random() * AGENTS.length)];
    const bytes = 200 + Math.floor(random() * 5000);
    const sourceId = i % 5 === 4 ? 2 : 1;
    const lineNo = ++lineNos[sourceId];

    // Rolling features over (t − W, t] for this IP, as the engine defines them.
    let win = windows.get(ip);
    if (!win) windows.set(ip, (win = { ts: [], status: [], head: 0, client: 0, server: 0 }));
    win.ts.push(tsMs);
    win.status.push(status);
    if (status >= 400 && status < 500) win.client++;
    if (status >= 500) win.server++;
    while (win.ts[win.head] <= tsMs - WINDOW_MS) {
      const old = win.status[win.head++];
      if (old >= 400 && old < 500) win.client--;
      if (old >= 500) win.server--;
    }
    const requestCount = win.ts.length - win.head;
    const clientErrors = win.client;
    const serverErrors = win.server;

    const heat = isXss ? 3 : burst ? 1 + random() : random() * 0.9;
    const scores = {
      iforest: 0.35 + 0.15 * heat + random() * 0.05,
      lof: 1 + 0.45 * heat + random() * 0.1,
      knn: 0.5 + 1.6 * heat + random() * 0.3,
    };
    const votes = (Object.keys(THRESHOLDS) as (keyof typeof THRESHOLDS)[]).filter(
      (m) => scores[m] > THRESHOLDS[m],
    ).length;
    // Distinct by construction (the id breaks ties), so "the lowest score" names one row.
    const combinedScore =
      (scores.iforest / THRESHOLDS.iforest + scores.lof / THRESHOLDS.lof + scores.knn / THRESHOLDS.knn) / 3 +
      (isXss ? 5 : 0) +
      i * 1e-9;
    logs.push({
      id: i + 1,
      sourceId,
      sourcePath: sources[sourceId - 1].path,
      lineNo,
      tsMs,
      ip,
      method,
      endpoint,
      status,
      bytes,
      userAgent,
      raw: `${ip} - - [${apacheTime(tsMs)}] "${method} ${endpoint} HTTP/1.1" ${status} ${bytes} "-" "${userAgent}"`,
      requestCount,
      clientErrors,
      serverErrors,
      scores,
      votes,
      isAnomaly: opts.allFlagged || isXss || votes >= 2,
      combinedScore,
    });
  }

  const db = openDatabase(join(dataDir, DB_FILE));
  try {
    const insertSource = db.prepare(
      `INSERT INTO sources (id, path, kind, format, byte_offset, bytes_total, lines, parse_errors, status, added_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertError = db.prepare('INSERT INTO parse_errors (source_id, line_no, reason, line) VALUES (?, ?, ?, ?)');
    const insertLog = db.prepare(
      `INSERT INTO logs (id, source_id, line_no, ts_ms, ip, method, endpoint, status, bytes, user_agent, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertFeatures = db.prepare(
      `INSERT INTO features (log_id, window_ms, request_count, client_error_count, server_error_count)
       VALUES (?, ?, ?, ?, ?)`,
    );
    const insertScore = db.prepare(
      `INSERT INTO scores (log_id, model_version, iforest_score, lof_score, knn_score, iforest_vote, lof_vote,
         knn_vote, votes, is_anomaly, combined_score) VALUES (?, 2, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertModel = db.prepare(
      `INSERT INTO models (version, created_at, status, config, span_start_ms, span_end_ms, rows, thresholds, metrics,
         train_ms, params) VALUES (?, ?, 'complete', ?, ?, ?, ?, ?, ?, ?, NULL)`,
    );
    db.transaction(() => {
      for (const s of sources) {
        const mine = logs.filter((l) => l.sourceId === s.id);
        const bytes = mine.reduce((n, l) => n + l.raw.length + 1, 0);
        const errors = s.id === 2 ? 3 : 0;
        insertSource.run(s.id, s.path, s.kind, s.format, bytes, bytes, mine.length, errors, s.status, startMs);
        for (let k = 1; k <= errors; k++)
          insertError.run(s.id, k * 7, 'not valid JSON', `{"ts": "2024-03-01T08:00:0${k}Z", "ip": <broken>`);
      }
      for (const l of logs) {
        insertLog.run(
          l.id,
          l.sourceId,
          l.lineNo,
          l.tsMs,
          l.ip,
          l.method,
          l.endpoint,
          l.status,
          l.bytes,
          l.userAgent,
          l.raw,
        );
        insertFeatures.run(l.id, WINDOW_MS, l.requestCount, l.clientErrors, l.serverErrors);
        insertScore.run(
          l.id,
          l.scores.iforest,
          l.scores.lof,
          l.scores.knn,
          Number(l.scores.iforest > THRESHOLDS.iforest),
          Number(l.scores.lof > THRESHOLDS.lof),
          Number(l.scores.knn > THRESHOLDS.knn),
          l.votes,
          Number(l.isAnomaly),
          l.combinedScore,
        );
      }
      const config = JSON.stringify(DEFAULT_CONFIG);
      const flaggedCount = logs.filter((l) => l.isAnomaly).length;
      insertModel.run(
        1,
        startMs + spanMs / 2,
        config,
        startMs,
        startMs + spanMs / 2,
        Math.floor(logs.length / 2),
        JSON.stringify({ iforest: 0.58, lof: 1.45, knn: 2.9 }),
        JSON.stringify({ flagged: Math.floor(flaggedCount / 2) }),
        1840,
      );
      insertModel.run(
        2,
        startMs + spanMs,
        config,
        startMs,
        startMs + spanMs,
        logs.length,
        JSON.stringify(THRESHOLDS),
        JSON.stringify({ flagged: flaggedCount, scored: logs.length, recall: 0.92, precision: 0.81, labelled: 120 }),
        2650,
      );
    })();
    // Entries per minute, as the ingest keeps them (the rows above bypass it).
    db.exec(LOG_MINUTES_FROM_LOGS_SQL);
  } finally {
    db.close();
  }
  const flagged = logs.filter((l) => l.isAnomaly);
  return {
    logs,
    flagged,
    xss: logs.find((l) => l.userAgent === XSS) ?? null,
    sources: sources.map(({ id, path }) => ({ id, path })),
  };
}

/** The Anomalies view's default order: combined score, then id, both descending (as the engine sorts). */
export function byScoreDesc(a: SeededLog, b: SeededLog): number {
  return b.combinedScore - a.combinedScore || b.id - a.id;
}
