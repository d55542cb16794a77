/** The first index in [from, to] (clipped to the list) whose row is not loaded yet; −1 when all are. */
export function firstMissing(rows: readonly unknown[], from: number, to: number, total: number): number {
  const end = Math.min(total - 1, to);
  for (let i = Math.max(0, from); i <= end; i++) if (rows[i] === undefined) return i;
  return -1;
}
