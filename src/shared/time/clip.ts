/** Small text helpers for error reasons. */

/** Keeps error reasons short when a field holds something huge. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
