/**
 * CSV with a header line (RFC 4180 quoting; CRLF tolerated; `,` `;` `\t` or `|` separated, chosen
 * from the header). Columns are recognised by the same name table as JSON keys, so the original
 * service's `timestamp, ip_address, service_endpoint, http_response_code` work as they are.
 * A record must fit on one line: the ingest layer splits lines before parsing.
 */
import { candidateNames, missingReason, REQUIRED_FIELDS, SOURCE_FIELDS, type SourceField } from './fieldNames';
import { FieldError, toBytes, toOptionalText, toRequiredText, toStatus, toTimestamp } from './fieldValues';
import { splitRequest } from './request';
import type { FieldMapping, LineParser, ParseResult } from './types';

const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * Splits one CSV record. Quoted fields may hold the delimiter and `""` for a quote; text after a
 * closing quote is kept (lenient). Returns null for an unterminated quoted field.
 */
export function splitCsvRecord(line: string, delimiter = ','): string[] | null {
  let end = line.length;
  if (line.charCodeAt(end - 1) === 13) end--; // CR of a CRLF
  if (line.indexOf('"') === -1) return (end === line.length ? line : line.slice(0, end)).split(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (line.charCodeAt(i) === 34) {
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q === -1 || q >= end) return null;
        value += line.slice(from, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    }
    let next = line.indexOf(delimiter, i);
    if (next === -1 || next > end) next = end;
    // Unquoted field, or leniently kept text between a closing quote and the delimiter.
    value += line.slice(i, next);
    out.push(value);
    if (next >= end) return out;
    i = next + 1;
  }
}

/** The delimiter occurring most often outside quotes in the header (`,` on ties and none). */
export function guessDelimiter(header: string): string {
  let best: string = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (let i = 0; i < header.length; i++) {
      const ch = header[i];
      if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === d) count++;
    }
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

export interface CsvHeader {
  delimiter: string;
  columns: string[];
  /** Column index per entry field, -1 when absent. */
  index: Record<SourceField, number>;
  /** Why the header cannot give entries (missing required columns), or null. */
  problem: string | null;
}

/** Reads a header line: which column holds which field, and what is missing. */
export function readCsvHeader(line: string, mapping: FieldMapping = {}): CsvHeader {
  const text = line.replace(/^\uFEFF/, ''); // byte order mark of a file saved by Excel
  const delimiter = guessDelimiter(text);
  const columns = (splitCsvRecord(text, delimiter) ?? []).map((c) => c.trim());
  const lower = columns.map((c) => c.toLowerCase());
  const index = {} as Record<SourceField, number>;
  const missing: string[] = [];
  for (const f of SOURCE_FIELDS) {
    const c = candidateNames(f, mapping);
    index[f] = -1;
    for (const name of c.names) {
      index[f] = lower.indexOf(name.toLowerCase());
      if (index[f] !== -1) break;
    }
    if (index[f] !== -1) continue;
    const required = (REQUIRED_FIELDS as readonly SourceField[]).includes(f);
    // A mapping naming an absent column is an error even for an optional field.
    if (required || c.mapped) missing.push(missingReason(f, c, 'column'));
  }
  // A whole-request column stands in for an endpoint column the mapping did not name.
  const endpoint = candidateNames('endpoint', mapping);
  if (index.endpoint === -1 && index.request !== -1 && !endpoint.mapped) {
    missing.splice(missing.indexOf(missingReason('endpoint', endpoint, 'column')), 1);
  }
  const problem = missing.length === 0 ? null : `CSV header: ${missing.join('; ')}`;
  return { delimiter, columns, index, problem };
}

function cell(cells: string[], i: number): string | undefined {
  return i === -1 ? undefined : cells[i];
}

/** One data row against a header. */
export function parseCsvRow(line: string, h: CsvHeader): ParseResult {
  if (line.trim() === '') return { ok: false, reason: 'blank line', skip: true };
  if (h.problem !== null) return { ok: false, reason: h.problem };
  const cells = splitCsvRecord(line, h.delimiter);
  if (cells === null)
    return { ok: false, reason: 'unterminated quoted field (records spanning lines are not supported)' };
  const { index, columns } = h;
  const name = (f: SourceField): string => columns[index[f]];
  try {
    for (const f of REQUIRED_FIELDS) {
      const at = f === 'endpoint' && index.endpoint === -1 ? index.request : index[f];
      if (at >= cells.length) {
        throw new FieldError(`row has ${cells.length} fields but column "${columns[at]}" is number ${at + 1}`);
      }
    }
    const tsMs = toTimestamp(cell(cells, index.timestamp), name('timestamp'));
    const ip = toRequiredText(cell(cells, index.ip), name('ip'));
    const status = toStatus(cell(cells, index.status), name('status'));
    let method: string | null = null;
    let protocol: string | null = null;
    let endpoint: string;
    if (index.endpoint !== -1) {
      endpoint = toRequiredText(cell(cells, index.endpoint), name('endpoint'));
    } else {
      ({ method, endpoint, protocol } = splitRequest(toRequiredText(cell(cells, index.request), name('request'))));
    }
    method = toOptionalText(cell(cells, index.method), name('method')) ?? method;
    protocol = toOptionalText(cell(cells, index.protocol), name('protocol')) ?? protocol;
    const bytes = toBytes(cell(cells, index.bytes), name('bytes'));
    const referer = toOptionalText(cell(cells, index.referer), name('referer'));
    const userAgent = toOptionalText(cell(cells, index.userAgent), name('userAgent'));
    return { ok: true, entry: { tsMs, ip, method, endpoint, protocol, status, bytes, referer, userAgent } };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, reason: e.message };
    throw e;
  }
}

/** Stateful: the first non-blank line is the header (answered with `skip`), the rest are rows. */
export function createCsvParser(mapping: FieldMapping = {}): LineParser & { readonly header: CsvHeader | null } {
  let header: CsvHeader | null = null;
  return {
    format: 'csv',
    get header() {
      return header;
    },
    parse(line: string): ParseResult {
      if (header !== null) return parseCsvRow(line, header);
      if (line.trim() === '') return { ok: false, reason: 'blank line', skip: true };
      header = readCsvHeader(line, mapping);
      // A broken header is reported on its own line too, so the cause shows up first.
      return header.problem === null
        ? { ok: false, reason: 'CSV header', skip: true }
        : { ok: false, reason: header.problem };
    },
  };
}
