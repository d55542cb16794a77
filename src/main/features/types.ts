/** The three windowed counts kept per log entry (names as in the original's API). */
export interface FeatureCounts {
  request_count: number;
  client_error_count: number;
  server_error_count: number;
}

/** The `original` set's features, in this column order everywhere (SQL, matrices, explanations). */
export const FEATURE_NAMES = ['request_count', 'client_error_count', 'server_error_count'] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Called between steps of a long computation; `done` never exceeds `total`. */
export type RowProgressFn = (done: number, total: number) => void;

/** Status class as stored in scratch arrays: 0 other, 1 client error (4xx), 2 server error (5xx). */
export type StatusClass = 0 | 1 | 2;

export function statusClass(status: number): StatusClass {
  if (status >= 400 && status <= 499) return 1;
  if (status >= 500 && status <= 599) return 2;
  return 0;
}

/** SQL for the same classification, so SQLite and JS never disagree on the bounds. */
export const STATUS_CLASS_SQL =
  'CASE WHEN status BETWEEN 400 AND 499 THEN 1 WHEN status BETWEEN 500 AND 599 THEN 2 ELSE 0 END';

/**
 * Windows are whole milliseconds: the window is (t − W, t] on integer ms timestamps, and W is
 * inlined into SQL text, so anything but a positive safe integer is refused here.
 */
export function assertWindowMs(windowMs: number): void {
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new RangeError(`window must be a positive whole number of milliseconds, got ${windowMs}`);
  }
}
