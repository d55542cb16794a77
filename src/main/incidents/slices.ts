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

  /** Runs it in slices of about `sliceMs` (0: one step a turn), yielding to the event loop between them. */
  drive(): Promise<T> {
    this.driving ??= (async () => {
      while (!this.done) {
        this.step(this.sliceMs);
        if (!this.done) await yieldToLoop();
      }
    })();
    return this.driving.then(() => this.value());
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
