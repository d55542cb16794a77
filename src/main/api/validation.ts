import type { z } from 'zod';

/** One line naming the first offending field, e.g. `http_response_code: must be between 100 and 599`. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .flatMap((i) => {
      // A strict object reports its unknown keys together at the object's path: name each one.
      if (i.code === 'unrecognized_keys') return i.keys.map((k) => `${[...i.path, k].join('.')}: unknown field`);
      const field = i.path.length ? i.path.join('.') : 'body';
      const message = i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'is required' : i.message;
      return [`${field}: ${message}`];
    })
    .slice(0, 3)
    .join('; ');
}
