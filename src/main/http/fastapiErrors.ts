import type { z } from 'zod';
import type { OperationName } from '../../shared/api';

/**
 * The original service was a FastAPI app, and scripts written for it read its error shapes:
 * `{"detail": "..."}` for errors and, for an invalid body, HTTP 422 with
 * `{"detail": [{"loc": ["body", field, ...], "msg": "...", "type": "..."}]}`. Its routes answer
 * that way here too, beside our own `error` and `message`.
 */
export const ORIGINAL_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'generateSample',
  'generateFeatures',
  'trainModels',
  'reloadModels',
  'detect',
]);

/** Paths under the original's routes (its own, and detect_batch beside them): their errors carry `detail`. */
const ORIGINAL_PATH = /^\/(outlier|model|data)\/|^\/features\/generate_features(\/|$|\?)/;

export function isOriginalPath(url: string): boolean {
  return ORIGINAL_PATH.test(url);
}

export interface FastApiIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** Pydantic's error type names for the zod issues they correspond to. */
function typeOf(issue: z.ZodError['issues'][number]): string {
  if (issue.code === 'unrecognized_keys') return 'extra_forbidden';
  if (issue.code === 'invalid_type')
    return /received undefined/.test(issue.message) ? 'missing' : `${issue.expected}_type`;
  if (issue.code === 'too_small') return 'greater_than_equal';
  if (issue.code === 'too_big') return 'less_than_equal';
  return 'value_error';
}

/** FastAPI's validation `detail` list for a body that failed the contract's schema. */
export function fastApiDetail(err: z.ZodError): FastApiIssue[] {
  return err.issues.flatMap((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({ loc: ['body', ...path, k], msg: 'Extra inputs are not permitted', type: typeOf(i) }));
    const msg = typeOf(i) === 'missing' ? 'Field required' : i.message;
    return [{ loc: ['body', ...path], msg, type: typeOf(i) }];
  });
}

/** An error answer's JSON text with `detail` added (the message), when it has none. */
export function withDetail(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (body === null || typeof body !== 'object' || typeof body.message !== 'string' || 'detail' in body) return text;
    return JSON.stringify({ ...body, detail: body.message });
  } catch {
    return text;
  }
}
