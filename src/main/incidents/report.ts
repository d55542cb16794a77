import { isIP } from 'node:net';
import type { IncidentDetail } from '../../shared/schemas/incidents';
import type { Db } from '../store/db';
import { readRawLine } from '../ingest/rawLine';
import { durationWords } from './describe';

/** Raw lines quoted in a report at most. */
const MAX_LINES = 200;

interface RawRow {
  id: number;
  ts_ms: number;
  ip: string;
  status: number;
  raw: string | null;
  byte_offset: number | null;
  path: string;
}

/** Text in a Markdown table cell or code span: backticks and pipes cannot end or split it. */
function code(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');
  const ticks = Math.max(0, ...(clean.match(/`+/g) ?? []).map((t) => t.length)) + 1;
  const fence = '`'.repeat(ticks);
  return `${fence}${ticks > 1 ? ' ' : ''}${clean}${ticks > 1 ? ' ' : ''}${fence}`;
}

/** A code fence longer than any run of backticks in the quoted lines. */
function fenced(lines: readonly string[]): string {
  const longest = Math.max(2, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((t) => t.length)));
  const fence = '`'.repeat(longest + 1);
  return [fence, ...lines, fence].join('\n');
}

/**
 * An incident as a Markdown report (summary, period, counts, a per-bucket timeline, raw lines of
 * its flagged entries) and its client IPs as a plain block list for a firewall or fail2ban:
 * one valid IP per line (anything a log called an IP that is not one is left out, and said so
 * in a comment line, so the list can be fed to a tool as is).
 */
export function incidentReport(db: Db, d: IncidentDetail, flaggedIds: readonly number[]) {
  const iso = (t: number) => new Date(t).toISOString();
  const rows = db
    .prepare(
      `SELECT l.id, l.ts_ms, l.ip, l.status, l.raw, l.byte_offset, src.path FROM logs l
       JOIN sources src ON src.id = l.source_id
       WHERE l.id IN (SELECT value FROM json_each(?)) ORDER BY l.ts_ms, l.id LIMIT ?`,
    )
    .all(JSON.stringify(flaggedIds), MAX_LINES) as RawRow[];
  const lines = rows.map(
    (r) =>
      r.raw ??
      (r.byte_offset === null ? null : readRawLine(r.path, r.byte_offset, r)) ??
      `(entry ${r.id}: no longer in ${r.path})`,
  );
  const buckets = timeline(d);
  const md = [
    `# ${d.label}`,
    '',
    d.summary,
    '',
    `- Period: ${iso(d.firstTsMs)} – ${iso(d.lastTsMs)} (${durationWords(d.lastTsMs - d.firstTsMs)})`,
    `- Score: ${d.score.toFixed(4)}`,
    `- Flagged entries: ${d.flagged} of ${d.entries} from its IPs in the period`,
    `- Client IPs (${d.ipCount}): ${d.ips.map(code).join(', ')}${d.ipCount > d.ips.length ? ', …' : ''}`,
    '',
    '| Top endpoints | Entries |',
    '| --- | --- |',
    ...d.topEndpoints.map((e) => `| ${code(e.endpoint)} | ${e.count} |`),
    '',
    '| Status | Entries |',
    '| --- | --- |',
    ...d.statuses.map((s) => `| ${s.status} | ${s.count} |`),
    '',
    '| User agent | Entries |',
    '| --- | --- |',
    ...d.userAgents.map((u) => `| ${code(u.userAgent)} | ${u.count} |`),
    '',
    `## Timeline (${durationWords(buckets.width)} buckets)`,
    '',
    '| From | Entries | Flagged |',
    '| --- | --- | --- |',
    ...buckets.rows.map((b) => `| ${iso(b.from)} | ${b.entries} | ${b.flagged} |`),
    '',
    `## Flagged lines${flaggedIds.length > MAX_LINES ? ` (first ${MAX_LINES} of ${flaggedIds.length})` : ''}`,
    '',
    fenced(lines),
    '',
  ].join('\n');
  const ips = [
    ...new Set(
      d.rows
        .filter((r) => r.isAnomaly)
        .map((r) => r.ip)
        .concat(d.ips),
    ),
  ].sort();
  const valid = ips.filter((ip) => isIP(ip) !== 0);
  const skipped = ips.length - valid.length;
  const blocklist = [
    `# ${d.label} (${iso(d.firstTsMs)} – ${iso(d.lastTsMs)}), Outlier Desk incident ${d.id}`,
    ...(skipped > 0 ? [`# ${skipped} value(s) that are not IP addresses were left out`] : []),
    ...valid,
    '',
  ].join('\n');
  return { id: d.id, markdown: md, blocklist };
}

/** Entries and flagged entries of the incident in about 20 equal buckets. */
function timeline(d: IncidentDetail): {
  width: number;
  rows: Array<{ from: number; entries: number; flagged: number }>;
} {
  const span = Math.max(1000, d.lastTsMs - d.firstTsMs + 1);
  const width = Math.max(1000, Math.ceil(span / 20 / 1000) * 1000);
  const rows = new Map<number, { from: number; entries: number; flagged: number }>();
  for (const r of d.rows) {
    const from = d.firstTsMs + Math.floor((r.tsMs - d.firstTsMs) / width) * width;
    const b = rows.get(from) ?? { from, entries: 0, flagged: 0 };
    b.entries++;
    if (r.isAnomaly) b.flagged++;
    rows.set(from, b);
  }
  return { width, rows: [...rows.values()].sort((a, b) => a.from - b.from) };
}
