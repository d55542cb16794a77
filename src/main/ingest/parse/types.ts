/** Shapes shared by every line parser. Parsers are pure: strings in, results out. */

// 'combined' covers Apache/Nginx combined AND common (no referer/agent).
export type LogFormat = 'combined' | 'jsonl' | 'csv';

export interface ParsedEntry {
  /** UTC epoch milliseconds. */
  tsMs: number;
  ip: string;
  method: string | null;
  /** The request path; the whole request text when it has no method/protocol. */
  endpoint: string;
  protocol: string | null;
  status: number;
  bytes: number | null;
  referer: string | null;
  userAgent: string | null;
}

/**
 * `skip: true` marks a line that is not an entry and not an error either (a CSV header, a blank
 * line): the ingest pipeline should neither store it nor count it as a parse error.
 */
export type ParseResult = { ok: true; entry: ParsedEntry } | { ok: false; reason: string; skip?: true };

/** Source field (JSON key, dotted path or CSV column) for each entry field. */
export interface FieldMapping {
  timestamp?: string;
  ip?: string;
  endpoint?: string;
  status?: string;
  method?: string;
  bytes?: string;
  userAgent?: string;
}

/** One parser per source; stateful for csv (the first line is the header). */
export interface LineParser {
  format: LogFormat;
  parse(line: string): ParseResult;
}
