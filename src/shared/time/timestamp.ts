/**
 * Timestamp parsing to UTC epoch milliseconds: CLF (`17/May/2015:10:05:03 +0000`), ISO 8601
 * and epoch numbers. Hand-written digit scanners instead of Date.parse: Date.parse is slower,
 * takes naive strings as local time, and silently rolls over invalid dates (Feb 30).
 */
import { clip } from './clip';

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2100;

export type TimestampResult = { ok: true; ms: number } | { ok: false; reason: string };

const MIN_MS = 0;
// First instant of MAX_YEAR + 1, exclusive bound for epoch values.
const MAX_MS = Date.UTC(MAX_YEAR + 1, 0, 1);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
export const MONTH_NAMES = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Leap years in 1..y (Gregorian, proleptic). */
function leapYearsThrough(y: number): number {
  return Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
}

const LEAPS_BEFORE_1970 = leapYearsThrough(1969);

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1];
}

/** Days from 1970-01-01 to the given (valid) calendar date. */
function epochDay(y: number, m: number, d: number): number {
  return (
    365 * (y - 1970) +
    leapYearsThrough(y - 1) -
    LEAPS_BEFORE_1970 +
    DAYS_BEFORE_MONTH[m - 1] +
    (m > 2 && isLeapYear(y) ? 1 : 0) +
    d -
    1
  );
}

// Month lookup keyed by the three lower-cased letter codes packed into one integer.
const MONTH_BY_KEY = new Map<number, number>();
MONTH_NAMES.forEach((name, i) => {
  const k = name.toLowerCase();
  MONTH_BY_KEY.set((k.charCodeAt(0) << 16) | (k.charCodeAt(1) << 8) | k.charCodeAt(2), i + 1);
});

/** Reads n decimal digits at s[i..i+n); -1 when any is not a digit (or past the end). */
function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(i + k) - 48;
    // NaN (past the end) fails both comparisons, hence the negated form.
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/*
 * Scratch fields of the last scanned timestamp. Module-level so the hot path (one call per log
 * line) allocates nothing; JavaScript is single-threaded, and every reader runs right after the
 * scanner that filled them.
 */
let fYear = 0;
let fMonth = 0;
let fDay = 0;
let fHour = 0;
let fMinute = 0;
let fSecond = 0;
let fMillis = 0;
let fOffsetMin = 0;

/** Why the scratch fields are not a valid date-time, or null when they are. */
function fieldsProblem(): string | null {
  if (fYear < MIN_YEAR || fYear > MAX_YEAR) return `year ${fYear} outside ${MIN_YEAR}..${MAX_YEAR}`;
  if (fMonth < 1 || fMonth > 12) return fMonth === 0 ? 'unknown month name' : `month ${fMonth} out of range`;
  if (fDay < 1 || fDay > daysInMonth(fYear, fMonth)) {
    return `day ${fDay} does not exist in ${fYear}-${String(fMonth).padStart(2, '0')}`;
  }
  if (fHour > 23) return `hour ${fHour} out of range`;
  if (fMinute > 59) return `minute ${fMinute} out of range`;
  if (fSecond > 59) return `second ${fSecond} out of range`;
  if (fOffsetMin <= -1440 || fOffsetMin >= 1440) return 'zone offset out of range';
  return null;
}

function fieldsMs(): number {
  return (
    (epochDay(fYear, fMonth, fDay) * 86_400 + fHour * 3600 + fMinute * 60 + fSecond) * 1000 +
    fMillis -
    fOffsetMin * 60_000
  );
}

/**
 * Scans `dd/Mon/yyyy:HH:MM:SS ±zzzz` (26 chars) at s[i]; fills the scratch fields.
 * False when the shape is wrong; an unknown month name leaves fMonth = 0.
 */
function scanClf(s: string, i: number): boolean {
  fDay = digitsAt(s, i, 2);
  fYear = digitsAt(s, i + 7, 4);
  fHour = digitsAt(s, i + 12, 2);
  fMinute = digitsAt(s, i + 15, 2);
  fSecond = digitsAt(s, i + 18, 2);
  const oh = digitsAt(s, i + 22, 2);
  const om = digitsAt(s, i + 24, 2);
  const sign = s.charCodeAt(i + 21);
  if (
    (fDay | fYear | fHour | fMinute | fSecond | oh | om) < 0 ||
    s.charCodeAt(i + 2) !== 47 || // '/'
    s.charCodeAt(i + 6) !== 47 ||
    s.charCodeAt(i + 11) !== 58 || // ':'
    s.charCodeAt(i + 14) !== 58 ||
    s.charCodeAt(i + 17) !== 58 ||
    s.charCodeAt(i + 20) !== 32 || // ' '
    (sign !== 43 && sign !== 45) // '+' / '-'
  ) {
    return false;
  }
  // `| 0x20` lower-cases ASCII letters: %b matching is case-insensitive.
  const key = ((s.charCodeAt(i + 3) | 0x20) << 16) | ((s.charCodeAt(i + 4) | 0x20) << 8) | (s.charCodeAt(i + 5) | 0x20);
  fMonth = MONTH_BY_KEY.get(key) ?? 0;
  fMillis = 0;
  // An offset's minutes must be below 60, which fieldsProblem cannot see once combined.
  fOffsetMin = om > 59 ? 100_000 : (sign === 45 ? -1 : 1) * (oh * 60 + om);
  return true;
}

/** CLF timestamp at s[i..i+26) to epoch ms; NaN when invalid (see parseClfTimestamp for why). */
export function clfTimestampAt(s: string, i: number): number {
  if (!scanClf(s, i) || fieldsProblem() !== null) return NaN;
  return fieldsMs();
}

const CLF_SHAPE = 'dd/Mon/yyyy:HH:MM:SS ±zzzz';

/** `17/May/2015:10:05:03 +0000`, optionally inside `[ ]`. */
export function parseClfTimestamp(text: string): TimestampResult {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.length !== CLF_SHAPE.length || !scanClf(t, 0)) {
    return { ok: false, reason: `timestamp "${clip(t)}" is not ${CLF_SHAPE}` };
  }
  const problem = fieldsProblem();
  if (problem !== null) return { ok: false, reason: `invalid timestamp "${t}": ${problem}` };
  return { ok: true, ms: fieldsMs() };
}

/**
 * Scans ISO 8601 `YYYY-MM-DD[(T|t| )HH:MM[:SS[(.|,)fff…]]][ ][Z|±hh[:]mm|±hh|UTC|GMT]`.
 * No zone means UTC (the original's test vector treats `2023-01-01 10:00:10` as UTC).
 */
function scanIso(s: string): boolean {
  const n = s.length;
  fYear = digitsAt(s, 0, 4);
  fMonth = digitsAt(s, 5, 2);
  fDay = digitsAt(s, 8, 2);
  if ((fYear | fMonth | fDay) < 0 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  fHour = fMinute = fSecond = fMillis = fOffsetMin = 0;
  if (n === 10) return true;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 116 && sep !== 32) return false; // T t space
  fHour = digitsAt(s, 11, 2);
  fMinute = digitsAt(s, 14, 2);
  if ((fHour | fMinute) < 0 || s.charCodeAt(13) !== 58) return false;
  let i = 16;
  if (s.charCodeAt(i) === 58) {
    fSecond = digitsAt(s, i + 1, 2);
    if (fSecond < 0) return false;
    i += 3;
    const dot = s.charCodeAt(i);
    if (dot === 46 || dot === 44) {
      // Fraction: keep milliseconds, drop finer digits (truncation, like most log tools).
      const start = ++i;
      let scale = 100;
      while (i < n) {
        const c = s.charCodeAt(i) - 48;
        if (!(c >= 0 && c <= 9)) break;
        if (scale >= 1) fMillis += c * scale;
        scale /= 10;
        i++;
      }
      if (i === start) return false;
    }
  }
  if (s.charCodeAt(i) === 32) i++;
  if (i === n) return true;
  const z = s.charCodeAt(i);
  if ((z === 90 || z === 122) && i + 1 === n) return true; // Z z
  if (z === 43 || z === 45) {
    const oh = digitsAt(s, i + 1, 2);
    if (oh < 0) return false;
    let om = 0;
    let end = i + 3;
    if (end < n) {
      if (s.charCodeAt(end) === 58) end++;
      om = digitsAt(s, end, 2);
      if (om < 0) return false;
      end += 2;
    }
    if (end !== n) return false;
    fOffsetMin = om > 59 ? 100_000 : (z === 45 ? -1 : 1) * (oh * 60 + om);
    return true;
  }
  const rest = s.slice(i).toUpperCase();
  return rest === 'UTC' || rest === 'GMT';
}

export function parseIsoTimestamp(text: string): TimestampResult {
  const t = text.trim();
  if (!scanIso(t)) return { ok: false, reason: `timestamp "${clip(t)}" is not ISO 8601` };
  const problem = fieldsProblem();
  if (problem !== null) return { ok: false, reason: `invalid timestamp "${clip(t)}": ${problem}` };
  return { ok: true, ms: fieldsMs() };
}

/**
 * Epoch number to ms. The unit is inferred from magnitude: below 1e11 seconds (1e11 ms would
 * be 1973, 1e11 s is year 5138), below 1e15 milliseconds, below 1e18 microseconds, then
 * nanoseconds. The ms band reaches past year 2100 on purpose, so a millisecond date in year
 * 9999 is refused rather than read as microseconds in 1978 (µs epochs before 2001 are the cost).
 */
export function epochToMs(value: number): TimestampResult {
  if (!Number.isFinite(value)) return { ok: false, reason: `epoch value ${value} is not a finite number` };
  const a = Math.abs(value);
  const ms =
    a < 1e11
      ? Math.round(value * 1000)
      : a < 1e15
        ? Math.round(value)
        : a < 1e18
          ? Math.floor(value / 1e3)
          : Math.floor(value / 1e6);
  if (ms < MIN_MS || ms >= MAX_MS) {
    return { ok: false, reason: `epoch value ${value} is outside years ${MIN_YEAR}..${MAX_YEAR}` };
  }
  return { ok: true, ms };
}

const EPOCH_TEXT = /^-?\d+(?:\.\d+)?$/;
// Date.parse is trusted only with an explicit zone; without one it would use local time.
const EXPLICIT_ZONE = /(?:\b(?:GMT|UTC)|[+-]\d{2}:?\d{2})$/i;

/** Any supported form: ISO 8601, CLF (bare or in brackets), epoch number or numeric text. */
export function parseTimestamp(value: string | number): TimestampResult {
  if (typeof value === 'number') return epochToMs(value);
  const t = value.trim();
  if (t.length === 0) return { ok: false, reason: 'timestamp is empty' };
  const c0 = t.charCodeAt(0);
  if (c0 === 91 || t.charCodeAt(2) === 47) return parseClfTimestamp(t); // '[' or dd/
  if (t.charCodeAt(4) === 45 && c0 >= 48 && c0 <= 57) return parseIsoTimestamp(t); // yyyy-
  if (EPOCH_TEXT.test(t)) return epochToMs(Number(t));
  if (EXPLICIT_ZONE.test(t)) {
    // RFC 2822 / RFC 1123 forms such as `Sun, 17 May 2015 10:05:03 GMT`.
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) {
      if (ms < MIN_MS || ms >= MAX_MS) {
        return { ok: false, reason: `timestamp "${clip(t)}" is outside years ${MIN_YEAR}..${MAX_YEAR}` };
      }
      return { ok: true, ms };
    }
  }
  return { ok: false, reason: `unrecognised timestamp "${clip(t)}"` };
}

/** Epoch ms to CLF `dd/Mon/yyyy:HH:MM:SS +0000` (UTC). */
export function formatClfTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad2(d.getUTCDate())}/${MONTH_NAMES[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} +0000`
  );
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
