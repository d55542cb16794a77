import type { FleetRole } from '../../shared/fleetValues';
import type { FleetColumnMapping } from '../../shared/schemas/fleet';
import { assertStatusType, ipKindOf, timestampKindOf } from './columnKinds';

/**
 * Which column of an access-log table holds what, found from DESCRIBE's names and types: the
 * first column whose name matches a role's names (in their order of preference) and whose type
 * the role can read. A role the caller mapped keeps its column when that column exists.
 */

export interface DescribedColumn {
  name: string;
  type: string;
}

const NAMES: Record<FleetRole, readonly string[]> = {
  timestamp: ['timestamp', 'ts_ms', 'ts', 'time', 'event_time', 'datetime', 'date_time', '@timestamp'],
  ip: ['client_ip', 'ip', 'remote_addr', 'remote_ip', 'ip_address', 'client', 'host'],
  status: ['status', 'status_code', 'http_status', 'response_code', 'http_response_code', 'code'],
  arrival: ['seq', 'sequence', 'offset', 'file_offset', 'line_no', 'line', 'row_id'],
  method: ['method', 'http_method', 'verb', 'request_method'],
  path: ['path', 'endpoint', 'uri', 'url', 'request_uri', 'request_path', 'service_endpoint'],
  bytes: ['bytes', 'body_bytes_sent', 'bytes_sent', 'size', 'response_size'],
  userAgent: ['user_agent', 'useragent', 'http_user_agent', 'ua', 'agent'],
};

const bare = (t: string): string => t.replace(/^(?:Nullable|LowCardinality)\((.*)\)$/, '$1');
const isInteger = (t: string): boolean => /^U?Int(8|16|32|64|128|256)$/.test(bare(bare(t)));
const isText = (t: string): boolean => /^(String|FixedString\(\d+\))$/.test(bare(bare(t)));
const fits = (check: (type: string) => unknown) => (type: string) => {
  try {
    check(type);
    return true;
  } catch {
    return false;
  }
};

/** Whether a column of this type can hold the role; the features' roles as the SQL reads them. */
const TYPE_OK: Record<FleetRole, (type: string) => boolean> = {
  timestamp: fits(timestampKindOf),
  ip: fits(ipKindOf),
  status: fits(assertStatusType),
  arrival: isInteger,
  method: isText,
  path: isText,
  bytes: isInteger,
  userAgent: isText,
};

const ROLES = Object.keys(NAMES) as FleetRole[];

export function detectMapping(
  columns: readonly DescribedColumn[],
  given: Partial<FleetColumnMapping> = {},
): Partial<FleetColumnMapping> {
  const byName = new Map(columns.map((c) => [c.name, c.type]));
  const lower = new Map(columns.map((c) => [c.name.toLowerCase(), c]));
  const out: Partial<FleetColumnMapping> = {};
  const taken = new Set<string>();
  for (const role of ROLES) {
    const mapped = given[role];
    if (mapped !== undefined && byName.has(mapped)) {
      out[role] = mapped;
      taken.add(mapped);
    }
  }
  for (const role of ROLES) {
    if (out[role] !== undefined) continue;
    for (const name of NAMES[role]) {
      const col = lower.get(name);
      if (col && !taken.has(col.name) && TYPE_OK[role](col.type)) {
        out[role] = col.name;
        taken.add(col.name);
        break;
      }
    }
  }
  return out;
}

/** What keeps a mapping from being used: missing required roles, absent or mistyped columns. */
export function mappingProblems(columns: readonly DescribedColumn[], mapping: Partial<FleetColumnMapping>): string[] {
  const byName = new Map(columns.map((c) => [c.name, c.type]));
  const problems: string[] = [];
  for (const role of ROLES) {
    const name = mapping[role];
    if (name === undefined) {
      if (role === 'timestamp' || role === 'ip' || role === 'status') problems.push(`map a column as ${role}`);
      continue;
    }
    const type = byName.get(name);
    if (type === undefined) problems.push(`the table has no column ${name} (mapped as ${role})`);
    else if (!TYPE_OK[role](type)) problems.push(`${name} (${type}) cannot be read as ${role}`);
  }
  return problems;
}
