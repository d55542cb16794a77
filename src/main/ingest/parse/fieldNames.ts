/**
 * Names under which JSON keys and CSV columns carry each entry field, in order of preference.
 * Shared by the JSON-lines and CSV parsers and by format detection. Matching is exact first,
 * then case-insensitive; dotted names address nested JSON objects (ECS-style logs).
 */

export type SourceField =
  'timestamp' | 'ip' | 'endpoint' | 'status' | 'method' | 'bytes' | 'userAgent' | 'referer' | 'protocol' | 'request';

/** Every source field, in the order parsers resolve them. */
export const SOURCE_FIELDS = [
  'timestamp',
  'ip',
  'endpoint',
  'status',
  'method',
  'bytes',
  'userAgent',
  'referer',
  'protocol',
  'request',
] as const satisfies readonly SourceField[];

export const FIELD_NAMES: Readonly<Record<SourceField, readonly string[]>> = {
  timestamp: ['timestamp', '@timestamp', 'time', 'ts', 'datetime', 'time_local', 'time_iso8601'],
  // The original service's own columns come first where they differ from the generic names.
  ip: ['ip', 'ip_address', 'remote_addr', 'client_ip', 'clientip', 'remote_ip', 'src_ip', 'client.ip', 'source.ip'],
  endpoint: ['endpoint', 'service_endpoint', 'path', 'url', 'request_uri', 'uri', 'url.path', 'url.original'],
  status: ['status', 'http_response_code', 'status_code', 'response_code', 'http_status', 'http.response.status_code'],
  method: ['method', 'http_method', 'request_method', 'verb', 'http.request.method'],
  bytes: ['bytes', 'body_bytes_sent', 'bytes_sent', 'response_size', 'size', 'http.response.body.bytes'],
  userAgent: ['user_agent', 'useragent', 'agent', 'http_user_agent', 'ua', 'user_agent.original'],
  referer: ['referer', 'referrer', 'http_referer', 'http.request.referrer'],
  protocol: ['protocol', 'server_protocol', 'http_version'],
  // A whole request line, `GET /x HTTP/1.1`: gives endpoint (and method, protocol) when no
  // endpoint field exists.
  request: ['request', 'request_line'],
};

/** Fields a FieldMapping can point elsewhere. */
export type MappableField = 'timestamp' | 'ip' | 'endpoint' | 'status' | 'method' | 'bytes' | 'userAgent';

/**
 * Names to try for a field: the mapped name alone when the mapping gives one (a mapping is an
 * explicit choice, so no guessing behind it), else the built-in list.
 */
export function candidateNames(
  field: SourceField,
  mapping: Partial<Record<MappableField, string>>,
): { names: readonly string[]; mapped: boolean } {
  const mapped = field in mapping ? mapping[field as MappableField] : undefined;
  return mapped !== undefined && mapped !== ''
    ? { names: [mapped], mapped: true }
    : { names: FIELD_NAMES[field], mapped: false };
}

/** How a missing field is reported. */
export function missingReason(
  field: SourceField,
  c: { names: readonly string[]; mapped: boolean },
  what: string,
): string {
  return c.mapped
    ? `no ${what} "${c.names[0]}" (mapped to ${field})`
    : `no ${field} ${what} (looked for ${c.names.join(', ')})`;
}

/** Fields an entry cannot do without; `endpoint` may come from `request` instead. */
export const REQUIRED_FIELDS = ['timestamp', 'ip', 'endpoint', 'status'] as const;

/** Every known name, lower-cased, for recognising a CSV header. */
export const KNOWN_NAMES: ReadonlySet<string> = new Set(
  Object.values(FIELD_NAMES).flatMap((names) => names.map((n) => n.toLowerCase())),
);
