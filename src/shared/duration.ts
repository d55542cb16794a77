/** Durations as analysts type them: `90s`, `5min`, `10m`, `2h`, `1d`, or plain milliseconds. */
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  d: 86_400_000,
};

const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|hr|d)?\s*$/i;

/** Returns milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const m = PATTERN.exec(text);
  if (!m) return null;
  const value = Number(m[1]) * UNITS[(m[2] ?? 'ms').toLowerCase()];
  return Number.isFinite(value) ? Math.round(value) : null;
}

/** The shortest exact label: 300000 → `5min`, 5400000 → `90min`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
