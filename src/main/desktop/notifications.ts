import type { EngineEvent } from '../../shared/events';
import type { AnomalyRow } from '../../shared/schemas/analysis';

/**
 * Desktop notifications for new anomalies (engine events of type 'anomalies'), when the
 * analyst turned them on (config.notifications). Electron-free: the shell supplies `show`.
 * Bursts are gathered: the first flagged entries wait `gatherMs` for the rest of their burst, and
 * there is at most one notification per `minIntervalMs`, telling how many arrived meanwhile.
 */

export interface AnomalyNotice {
  title: string;
  body: string;
  count: number;
}

export interface AnomalyNotifierOptions {
  events: { on(listener: (event: EngineEvent) => void): () => void };
  /** Read at every event, so turning the setting off takes effect at once. */
  enabled: () => boolean;
  show: (notice: AnomalyNotice) => void;
  minIntervalMs?: number;
  /** Entries flagged within this long after the first are told in the same notification. */
  gatherMs?: number;
  now?: () => number;
}

const SHOWN_ROWS = 3;

function describeRow(r: AnomalyRow): string {
  return `${r.ip} ${r.method ? `${r.method} ` : ''}${r.endpoint} → ${r.status}`;
}

/** Title and text for a batch of flagged entries (the most anomalous first). */
export function describeAnomalies(rows: readonly AnomalyRow[], total = rows.length): AnomalyNotice {
  const top = [...rows].sort((a, b) => b.combinedScore - a.combinedScore).slice(0, SHOWN_ROWS);
  const lines = top.map(describeRow);
  if (total > top.length) lines.push(`…and ${(total - top.length).toLocaleString('en-US')} more`);
  return {
    title: total === 1 ? '1 new anomaly' : `${total.toLocaleString('en-US')} new anomalies`,
    body: lines.join('\n'),
    count: total,
  };
}

/** Subscribes to the engine's events; returns the unsubscribe function (which drops anything pending). */
export function notifyAnomalies(opts: AnomalyNotifierOptions): () => void {
  const minInterval = opts.minIntervalMs ?? 15_000;
  const gather = opts.gatherMs ?? 1_000;
  const now = opts.now ?? Date.now;
  let lastShown = -Infinity;
  let pending: AnomalyRow[] = [];
  let pendingCount = 0;
  let timer: NodeJS.Timeout | null = null;

  const flush = () => {
    timer = null;
    if (!pendingCount || !opts.enabled()) {
      pending = [];
      pendingCount = 0;
      return;
    }
    const notice = describeAnomalies(pending, pendingCount);
    pending = [];
    pendingCount = 0;
    lastShown = now();
    opts.show(notice);
  };

  const off = opts.events.on((event) => {
    if (event.type !== 'anomalies' || !opts.enabled()) return;
    const flagged = event.rows.filter((r) => r.isAnomaly);
    if (!flagged.length) return;
    pendingCount += flagged.length;
    // Keep only the few that will be shown: a burst of thousands must not pile up here.
    pending = [...pending, ...flagged].sort((a, b) => b.combinedScore - a.combinedScore).slice(0, SHOWN_ROWS);
    if (timer) return;
    timer = setTimeout(flush, Math.max(gather, lastShown + minInterval - now()));
    timer.unref?.();
  });

  return () => {
    off();
    if (timer) clearTimeout(timer);
    timer = null;
  };
}
