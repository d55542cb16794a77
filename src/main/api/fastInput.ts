import type { z } from 'zod';
import type { OperationName } from '../../shared/api';
import type { DetectBatchRequestSchema, DetectRequestSchema } from '../../shared/schemas/original';
import { parseTimestamp } from '../../shared/time/timestamp';

type DetectInput = z.output<typeof DetectRequestSchema>;
type BatchInput = z.output<typeof DetectBatchRequestSchema>;

/** The limits of DetectRequestSchema / DetectBatchRequestSchema (test/integration/api/fuzz.test.ts checks they agree). */
const IP_MAX = 256;
const ENDPOINT_MAX = 8192;
const BATCH_MAX = 10_000;

/**
 * The hot path's validation: a well-formed detect entry is checked and converted by hand, which
 * costs a fraction of the generic zod parse (it matters for 10,000-entry batches). Anything it
 * does not accept — every invalid body, and anything unusual — returns undefined and goes
 * through the zod schema, which then produces the output or the error message. So for any
 * input, the result is the schema's: the fast path only ever says "yes, and here is exactly
 * what zod would give".
 */
function detectEntry(v: unknown): DetectInput | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  // The schema is strict: with the four fields checked below, a fifth key is an unknown one.
  if (!hasKeyCount(o, 4)) return undefined;
  const { timestamp, ip_address: ip, service_endpoint: endpoint, http_response_code: code } = o;
  if (typeof ip !== 'string' || ip.length < 1 || ip.length > IP_MAX) return undefined;
  if (typeof endpoint !== 'string' || endpoint.length < 1 || endpoint.length > ENDPOINT_MAX) return undefined;
  if (typeof code !== 'number' || !Number.isSafeInteger(code) || code < 100 || code > 599) return undefined;
  if (typeof timestamp !== 'string' && !(typeof timestamp === 'number' && Number.isFinite(timestamp))) {
    return undefined;
  }
  const t = parseTimestamp(timestamp);
  if (!t.ok) return undefined;
  return { timestamp: t.ms, ip_address: ip, service_endpoint: endpoint, http_response_code: code };
}

function detectBatch(v: unknown): BatchInput | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  if (!hasKeyCount(v as Record<string, unknown>, 1)) return undefined;
  const entries = (v as Record<string, unknown>).entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > BATCH_MAX) return undefined;
  const out = new Array<DetectInput>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = detectEntry(entries[i]);
    if (e === undefined) return undefined;
    out[i] = e;
  }
  return { entries: out };
}

/** True when `o` has exactly `n` own enumerable keys (counted without allocating a key array). */
function hasKeyCount(o: Record<string, unknown>, n: number): boolean {
  let count = 0;
  for (const key in o) if (Object.hasOwn(o, key) && ++count > n) return false;
  return count === n;
}

/** Operations with a hand-written fast path in front of their zod input schema. */
export const FAST_INPUT: Partial<Record<OperationName, (raw: unknown) => unknown>> = {
  detect: detectEntry,
  detectBatch,
};
