import { setImmediate as yieldToLoop } from 'node:timers/promises';

/** Longest stretch a job holds the event loop before letting others run. */
export const SLICE_MS = 8;

/**
 * One piece of work written as a generator that yields where it may be paused: run in slices
 * (`drive`) by readers that can wait, or to its end at once (`finish`) by one that cannot. Both
 * step the same generator, so a job is never done twice, and its result is published only
 * when it ends: nobody sees half of it.
 */
export class Job<T> {
  private result: { value: T } | null = null;
  private error: { cause: unknown } | null = null;
  private driving: Promise<void> | null = null;
  /** A reader waits for the result: no more holding back. */
  private urgent = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly gen: Generator<void, T>,
    private readonly sliceMs = SLICE_MS,
  ) {}

  get done(): boolean {
    return this.result !== null || this.error !== null;
  }

  /** Runs the rest now, synchronously. */
  finish(): T {
    while (!this.done) this.step(Infinity);
    return this.value();
  }

  /**
   * Runs it in slices of about `sliceMs` (0: one step a turn), yielding to the event loop between
   * them. A background driver passes `holdBack` (ms to rest before the next slice, 0 to go on),
   * asked once a slice; a reader driving the same job without it wakes it and ends the rests.
   */
  drive(holdBack?: () => number): Promise<T> {
    if (!holdBack) {
      this.urgent = true;
      this.wake?.();
    }
    this.driving ??= (async () => {
      while (!this.done) {
        this.step(this.sliceMs);
        if (this.done) break;
        await yieldToLoop();
        // One rest a slice at most: under a steady stream of requests it still moves on.
        const ms = holdBack?.() ?? 0;
        if (ms > 0 && !this.urgent) await this.rest(ms);
      }
    })();
    return this.driving.then(() => this.value());
  }

  private rest(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private value(): T {
    if (this.error) throw this.error.cause;
    return this.result!.value;
  }

  private step(budgetMs: number): void {
    const until = performance.now() + budgetMs;
    try {
      do {
        const s = this.gen.next();
        if (s.done) {
          this.result = { value: s.value };
          return;
        }
      } while (performance.now() < until);
    } catch (cause) {
      this.error = { cause };
    }
  }
}
