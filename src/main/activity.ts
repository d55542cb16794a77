/** How long background work rests after the analyst's latest request. */
export const HOLD_MS = 250;

/**
 * When the analyst (or a script) last asked for something through the API, IPC or HTTP. Background
 * work nobody waits for, such as regrouping the incidents after a rescoring, rests for a moment
 * after each request, so the answer and the view that shows it get the machine's cores first: at
 * 10M entries the Anomalies view's first rows took ~0.43 s while a rebuild ran beside it, against
 * ~0.27 s on an idle engine.
 */
export class Activity {
  private last = -Infinity;

  constructor(private readonly holdMs = HOLD_MS) {}

  touch(): void {
    this.last = performance.now();
  }

  /** Ms background work should still rest (0: go on). */
  holdFor(): number {
    return Math.max(0, this.last + this.holdMs - performance.now());
  }
}
