/**
 * A background job that callers ask for often (after every ingest batch) but that must run one
 * at a time: a request during a run is folded into one more run after it, and every caller gets
 * the promise of the run that will cover its request. Used by the feature pipeline and the
 * search indexer, whose runs catch up with every row present when they start.
 */
export class CoalescedRun {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly stopped: () => boolean = () => false,
  ) {}

  /** Starts a run, or asks the current one for another pass; resolves when that pass is done. */
  schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.run();
      } while (this.again && !this.stopped());
    })().finally(() => (this.running = null));
    return this.running;
  }

  /** Resolves when no run is in progress (immediately when idle). */
  async idle(): Promise<void> {
    await this.running;
  }
}
