import { ApiError } from '../../shared/api';

/**
 * Keys refused anywhere in a JSON body: JSON.parse keeps them as plain own properties, but any
 * code that later merges or copies the body (`{...a, ...b}`, Object.assign, a deep merge) could
 * reach an object's prototype through them.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/**
 * The JSON routes' body parser: a 400 that says what is wrong, and a forbidden key refused by
 * its path (e.g. `entries.3.__proto__`) rather than as "not valid JSON".
 */
export function parseJsonBody(text: string): unknown {
  // An empty body with a JSON content type is no body (FastAPI accepts it on routes without one).
  if (text.trim().length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, `body: not valid JSON (${(err as Error).message})`);
  }
  // A forbidden key needs its name in the text, or a \u escape that spells it: most bodies skip the walk.
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) {
    const at = forbiddenKeyPath(value);
    if (at !== null) throw new ApiError(400, `${at}: this key is not allowed`);
  }
  return value;
}

/** The path of the first forbidden key, or null. Iterative: nesting depth is the client's choice. */
function forbiddenKeyPath(root: unknown): string | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path } = item;
    if (typeof value !== 'object' || value === null) continue;
    const prefix = path ? `${path}.` : '';
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${prefix}${i}` });
      continue;
    }
    const keys = Object.keys(value);
    for (const key of keys) if (FORBIDDEN_KEYS.has(key)) return `${prefix}${key}`;
    for (let i = keys.length - 1; i >= 0; i--) {
      stack.push({ value: (value as Record<string, unknown>)[keys[i]], path: `${prefix}${keys[i]}` });
    }
  }
  return null;
}
