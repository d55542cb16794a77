/**
 * HTTP request-line splitting (`GET /path HTTP/1.1`) shared by every format, and the
 * un-escaping of Apache's quoted fields.
 */

export interface RequestParts {
  method: string | null;
  /** What lies between method and protocol; the whole request (or `-`) when neither is there. */
  endpoint: string;
  protocol: string | null;
}

const MAX_METHOD_LENGTH = 32;

/** Method token: a letter, then letters, `-` or `_` (covers M-SEARCH, VERSION-CONTROL). */
function isMethod(s: string, start: number, end: number): boolean {
  const len = end - start;
  if (len < 1 || len > MAX_METHOD_LENGTH) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    const lower = c | 0x20; // ASCII lower-case
    if (lower >= 97 && lower <= 122) continue;
    if (i > start && (c === 45 || c === 95)) continue; // '-' '_'
    return false;
  }
  return true;
}

/** Protocol token: `HTTP/` followed by something (case-insensitive). */
function isProtocol(s: string, start: number, end: number): boolean {
  return (
    end - start > 5 &&
    (s.charCodeAt(start) | 0x20) === 104 &&
    (s.charCodeAt(start + 1) | 0x20) === 116 &&
    (s.charCodeAt(start + 2) | 0x20) === 116 &&
    (s.charCodeAt(start + 3) | 0x20) === 112 &&
    s.charCodeAt(start + 4) === 47
  );
}

/*
 * Out-parameters of splitRequestInto. The combined parser calls it once per line and copies the
 * three values straight into its entry, so no intermediate object is allocated.
 */
export const lastRequest: RequestParts = { method: null, endpoint: '-', protocol: null };

/** Splits r into lastRequest. Runs of spaces between the tokens are tolerated. */
export function splitRequestInto(r: string): void {
  let a = 0;
  let b = r.length;
  while (a < b && r.charCodeAt(a) === 32) a++;
  while (b > a && r.charCodeAt(b - 1) === 32) b--;
  lastRequest.method = null;
  lastRequest.protocol = null;
  if (a === b) {
    lastRequest.endpoint = '-';
    return;
  }
  const fs = r.indexOf(' ', a);
  if (fs === -1 || fs >= b) {
    // One token: a bare path, `-`, or junk. It is the endpoint either way.
    lastRequest.endpoint = a === 0 && b === r.length ? r : r.slice(a, b);
    return;
  }
  const ls = r.lastIndexOf(' ', b - 1);
  const hasMethod = isMethod(r, a, fs);
  const hasProtocol = isProtocol(r, ls + 1, b);
  if (!hasMethod && !hasProtocol) {
    lastRequest.endpoint = r.slice(a, b);
    return;
  }
  let ms = a;
  let me = b;
  if (hasMethod) ms = fs + 1;
  // With two tokens and a method, the second token is the path even if it looks like HTTP/x.
  const useProtocol = hasProtocol && !(hasMethod && fs === ls);
  if (useProtocol) me = ls;
  while (ms < me && r.charCodeAt(ms) === 32) ms++;
  while (me > ms && r.charCodeAt(me - 1) === 32) me--;
  if (ms === me) {
    lastRequest.endpoint = r.slice(a, b);
    return;
  }
  lastRequest.method = hasMethod ? r.slice(a, fs) : null;
  lastRequest.protocol = useProtocol ? r.slice(ls + 1, b) : null;
  lastRequest.endpoint = r.slice(ms, me);
}

/** Allocating wrapper for callers off the hot path. */
export function splitRequest(request: string): RequestParts {
  splitRequestInto(request);
  return { method: lastRequest.method, endpoint: lastRequest.endpoint, protocol: lastRequest.protocol };
}

/**
 * Apache writes `"` as `\"` and `\` as `\\` inside quoted fields (other bytes as `\xhh`, which we
 * keep verbatim: decoding them could produce invalid text).
 */
export function unescapeQuoted(s: string): string {
  if (s.indexOf('\\') === -1) return s;
  let out = '';
  let from = 0;
  for (let i = s.indexOf('\\'); i !== -1 && i + 1 < s.length; i = s.indexOf('\\', i)) {
    const next = s.charCodeAt(i + 1);
    if (next === 34 || next === 92) {
      out += s.slice(from, i);
      from = i + 1; // keep the escaped character itself
      i += 2;
    } else {
      i += 1;
    }
  }
  return out + s.slice(from);
}
