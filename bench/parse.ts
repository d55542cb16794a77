/**
 * Parsing-layer throughput: parse-only lines/s on 1,000,000 lines built from the reference Apache
 * log (test/fixtures/ingest, read relative to the working directory: run from the repo root),
 * the line splitter, the JSON-lines and CSV parsers, and the sample generator.
 * Each figure is the best of a few runs after a warm-up, one core.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCombined } from '../src/main/ingest/parse/combined';
import { createCsvParser } from '../src/main/ingest/parse/csv';
import { createJsonlParser } from '../src/main/ingest/parse/jsonl';
import { LineSplitter } from '../src/main/ingest/parse/lineSplitter';
import type { LineParser, ParsedEntry } from '../src/main/ingest/parse/types';
import { generateSample } from '../src/main/ingest/sample/generate';

const LINES = 1_000_000;
const RUNS = 3;

function referenceLog(): Buffer {
  return gunzipSync(readFileSync(resolve(process.cwd(), 'test/fixtures/ingest/apache_logs.log.gz')));
}

/** Best rate of RUNS timed runs of fn (which returns how many items it handled). */
function bestRate(fn: () => number): number {
  fn(); // warm-up: let the JIT settle before timing
  let best = 0;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const n = fn();
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, n / s);
  }
  return Math.round(best);
}

function repeatTo<T>(items: readonly T[], n: number): T[] {
  return Array.from({ length: n }, (_, i) => items[i % items.length]);
}

function parseAll(lines: readonly string[], make: () => LineParser, header?: string): number {
  const p = make();
  if (header !== undefined) p.parse(header);
  let ok = 0;
  for (const l of lines) if (p.parse(l).ok) ok++;
  if (ok !== lines.length) throw new Error(`bench input did not parse: ${lines.length - ok} failures`);
  return ok;
}

function csvCell(v: string): string {
  return /[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export async function benchParse(): Promise<Record<string, number>> {
  const log = referenceLog();
  const text = log
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');
  const lines = repeatTo(text, LINES);
  const entries = text.map((l) => {
    const r = parseCombined(l);
    if (!r.ok) throw new Error(r.reason);
    return r.entry;
  });
  const iso = (e: ParsedEntry) => new Date(e.tsMs).toISOString();
  const jsonLines = repeatTo(
    entries.map((e) =>
      JSON.stringify({
        '@timestamp': iso(e),
        remote_addr: e.ip,
        request: `${e.method} ${e.endpoint} ${e.protocol}`,
        status: e.status,
        body_bytes_sent: e.bytes,
        http_user_agent: e.userAgent,
      }),
    ),
    LINES / 10,
  );
  const csvLines = repeatTo(
    entries.map((e) => [iso(e), e.ip, e.endpoint, String(e.status)].map(csvCell).join(',')),
    LINES / 10,
  );
  // 10 copies of the log as one 23 MB input, fed in 64 KiB chunks as a file read would.
  const big = Buffer.concat(Array.from({ length: 10 }, () => log));
  const CHUNK = 64 * 1024;

  const result: Record<string, number> = {
    parse_combined_lines_per_s: bestRate(() => parseAll(lines, () => ({ format: 'combined', parse: parseCombined }))),
    split_lines_per_s: bestRate(() => {
      const s = new LineSplitter();
      let n = 0;
      for (let pos = 0; pos < big.length; pos += CHUNK) n += s.push(big.subarray(pos, pos + CHUNK)).length;
      return n + s.end().length;
    }),
    split_and_parse_combined_lines_per_s: bestRate(() => {
      const s = new LineSplitter();
      let n = 0;
      for (let pos = 0; pos < big.length; pos += CHUNK) {
        for (const l of s.push(big.subarray(pos, pos + CHUNK))) if (parseCombined(l.text).ok) n++;
      }
      return n;
    }),
    parse_jsonl_lines_per_s: bestRate(() => parseAll(jsonLines, () => createJsonlParser())),
    parse_csv_lines_per_s: bestRate(() =>
      parseAll(csvLines, () => createCsvParser(), 'timestamp,ip_address,service_endpoint,http_response_code'),
    ),
    generate_lines_per_s: bestRate(() => {
      let n = 0;
      for (const s of generateSample({ rows: LINES, seed: 1, endMs: Date.UTC(2024, 0, 1) }))
        n += s.line.length > 0 ? 1 : 0;
      return n;
    }),
  };
  return result;
}
