import type { IpKind, TimestampKind } from './clickhouseSql';

/** Strips the wrappers that do not change how a value is read: Nullable, LowCardinality. */
function bare(type: string): string {
  let t = type.trim();
  for (;;) {
    const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t);
    if (!m) return t;
    t = m[1].trim();
  }
}

const INTEGER = /^U?Int(8|16|32|64|128|256)$/;

/** DESCRIBE's type of the timestamp column → how the ms key is derived (integers are ms). */
export function timestampKindOf(type: string): TimestampKind {
  const t = bare(type);
  if (/^DateTime64\b/.test(t)) return 'datetime64';
  if (/^DateTime\b/.test(t)) return 'datetime';
  if (INTEGER.test(t)) return 'ms';
  throw new Error(`timestamp column has type ${type}: expected DateTime, DateTime64 or integer ms`);
}

export function ipKindOf(type: string): IpKind {
  const t = bare(type);
  if (t === 'UInt32') return 'ipv4num';
  if (t === 'IPv6') return 'ipv6';
  if (t === 'String' || /^FixedString\(\d+\)$/.test(t) || t === 'IPv4') return 'text';
  throw new Error(`client IP column has type ${type}: expected String, IPv4, IPv6 or UInt32`);
}

/** Status classes are compared as numbers, so the column must hold integers. */
export function assertStatusType(type: string): void {
  if (!INTEGER.test(bare(type))) throw new Error(`status column has type ${type}: expected an integer type`);
}
