import type { z } from 'zod';

/** One line naming the first offending field, e.g. `http_response_code: must be between 100 and 599`. */
export function describeZodError(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => {
      const field = i.path.length ? i.path.join('.') : 'body';
      const message = i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'is required' : i.message;
      return `${field}: ${message}`;
    })
    .join('; ');
}
