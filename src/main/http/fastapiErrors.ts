import type { z } from 'zod';
import type { OperationName } from '../../shared/api';

/**
 * The original service was a FastAPI app, and scripts written for it read its error shapes:
 * `{"detail": "..."}` for errors and, for an invalid body, HTTP 422 with
 * `{"detail": [{"loc": ["body", field, ...], "msg": "...", "type": "..."}]}`. Every error answer
 * carries `detail` here (beside our own `error` and `message`); the 422 list is the original
 * routes' own.
 */
export const ORIGINAL_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'generateSample',
  'generateFeatures',
  'trainModels',
  'reloadModels',
  'detect',
]);

export interface FastApiIssue {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

/** The value at `path` in the body as sent (undefined when absent). */
function valueAt(body: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = body;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || typeof key === 'symbol' || !Object.hasOwn(v, key)) return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

/** Pydantic's names of the types zod names (`int` is zod's own for `.int()`). */
const PYDANTIC_TYPE: Record<string, string> = {
  number: 'int',
  int: 'int',
  boolean: 'bool',
  object: 'dict',
  array: 'list',
};

/** Pydantic's error type names for the zod issues they correspond to. */
function typeOf(issue: z.ZodError['issues'][number], body: unknown): string {
  if (issue.code === 'unrecognized_keys') return 'extra_forbidden';
  const value = valueAt(body, issue.path);
  // Absent, whatever the schema (a union such as the timestamp's reports `invalid_union`).
  if (value === undefined) return 'missing';
  if (issue.code === 'invalid_type') {
    const name = PYDANTIC_TYPE[issue.expected] ?? issue.expected;
    // Pydantic's lax mode parses text first (so "abc" is int_parsing) and refuses 404.5 by name.
    if (name === 'int' && typeof value === 'number') return 'int_from_float';
    return typeof value === 'string' && (name === 'int' || name === 'bool') ? `${name}_parsing` : `${name}_type`;
  }
  if (issue.code === 'too_small') return 'greater_than_equal';
  if (issue.code === 'too_big') return 'less_than_equal';
  return 'value_error';
}

const MISSING_BODY: FastApiIssue[] = [{ loc: ['body'], msg: 'Field required', type: 'missing' }];

/**
 * FastAPI's validation `detail` list for a body (as sent; undefined when there was none) that
 * failed the contract's schema. No body where one is required is one issue at `["body"]`, as
 * FastAPI reported it.
 */
export function fastApiDetail(err: z.ZodError, body: unknown): FastApiIssue[] {
  if (body === undefined) return MISSING_BODY;
  return err.issues.flatMap((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? p : String(p)));
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => ({
        loc: ['body', ...path, k],
        msg: 'Extra inputs are not permitted',
        type: typeOf(i, body),
      }));
    const type = typeOf(i, body);
    return [{ loc: ['body', ...path], msg: type === 'missing' ? 'Field required' : i.message, type }];
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
