/**
 * Type checks and conversions of JSON / CSV values into entry fields. They throw FieldError with
 * a reason naming the source field; the parsers turn it into a failed ParseResult.
 */
import { clip } from '../../../shared/time/clip';
import { epochToMs, parseTimestamp } from '../../../shared/time/timestamp';

export class FieldError extends Error {}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `"${clip(v, 40)}"`;
  return `${typeof v} ${String(v)}`;
}

/** Absent, null, empty or `-`: the usual spellings of "no value" in logs. */
export function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || v === '' || v === '-';
}

export function toTimestamp(v: unknown, field: string): number {
  if (isAbsent(v)) throw new FieldError(`field "${field}" is empty`);
  if (typeof v !== 'string' && typeof v !== 'number') {
    throw new FieldError(`field "${field}": expected a timestamp string or epoch number, got ${describe(v)}`);
  }
  const r = typeof v === 'number' ? epochToMs(v) : parseTimestamp(v);
  if (!r.ok) throw new FieldError(`field "${field}": ${r.reason}`);
  return r.ms;
}

export function toRequiredText(v: unknown, field: string): string {
  if (isAbsent(v)) throw new FieldError(`field "${field}" is empty`);
  if (typeof v !== 'string') throw new FieldError(`field "${field}": expected a string, got ${describe(v)}`);
  return v;
}

export function toOptionalText(v: unknown, field: string): string | null {
  if (isAbsent(v)) return null;
  if (typeof v !== 'string') throw new FieldError(`field "${field}": expected a string, got ${describe(v)}`);
  return v;
}

const STATUS_TEXT = /^[1-5]\d\d$/;

export function toStatus(v: unknown, field: string): number {
  if (isAbsent(v)) throw new FieldError(`field "${field}" is empty`);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 100 && v <= 599) return v;
  } else if (typeof v === 'string') {
    const t = v.trim();
    if (STATUS_TEXT.test(t)) return Number(t);
  } else {
    throw new FieldError(`field "${field}": expected an HTTP status number, got ${describe(v)}`);
  }
  throw new FieldError(`field "${field}": ${describe(v)} is not an HTTP status (100..599)`);
}

const BYTES_TEXT = /^\d{1,15}$/;

export function toBytes(v: unknown, field: string): number | null {
  if (isAbsent(v)) return null;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v;
  } else if (typeof v === 'string') {
    const t = v.trim();
    if (BYTES_TEXT.test(t)) return Number(t);
  } else {
    throw new FieldError(`field "${field}": expected a byte count, got ${describe(v)}`);
  }
  throw new FieldError(`field "${field}": ${describe(v)} is not a byte count`);
}
