import { pickRows } from '../detectors/matrix';
import type { Matrix } from '../detectors/types';
import { LONG_WINDOW_MS } from './catalogue';

/**
 * Training rows for the default mode: one per entity, a client IP within one clock hour, taken
 * from the entity's last line (whose long-window counts cover the whole hour it was active).
 * A scanner's 300 lines thus weigh as one unusual entity among thousands of ordinary visits,
 * instead of forming a cluster the detectors learn as normal.
 */
export function entityRows(entries: readonly { ip: string; tsMs: number }[], X: Matrix): Matrix {
  const last = new Map<string, number>();
  entries.forEach((e, i) => last.set(`${e.ip}\u0000${Math.floor(e.tsMs / LONG_WINDOW_MS)}`, i));
  return pickRows(
    X,
    [...last.values()].sort((a, b) => a - b),
  );
}
