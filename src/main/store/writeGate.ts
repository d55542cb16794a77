/**
 * Serialises the one SQLite connection's writers. Short writes (an ingest batch, one detected
 * entry, a slice of scores) are synchronous: `write(fn)` waits until no exclusive writer holds
 * the connection and runs `fn` at once, so nothing can slip in between. A long write that yields
 * to the event loop while its transaction is open (a full feature recompute) runs in
 * `exclusive()`, and short writes wait for it.
 */
export class WriteGate {
  private current: Promise<void> | null = null;

  /** Resolves when no exclusive writer holds the connection. */
  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  get busy(): boolean {
    return this.current !== null;
  }

  /**
   * Runs a synchronous write once no exclusive writer holds the connection. The check is
   * repeated right before `fn`: an exclusive writer waiting on the same release may have taken
   * the gate (and opened its transaction) before this continuation runs.
   */
  async write<T>(fn: () => T): Promise<T> {
    for (;;) {
      await this.idle();
      if (!this.current) return fn();
    }
  }

  /**
   * Waits until no exclusive writer holds the gate and no transaction is open on `db` (a bulk
   * import commits in transactions of its own). Background writers that write synchronously in
   * slices (feature tail, search indexer) call this first, so a slice never nests inside another
   * writer's transaction. The gate is re-checked after every wait, as in `write`.
   */
  async settle(db: { readonly open: boolean; readonly inTransaction: boolean }): Promise<void> {
    await this.idle();
    while (db.open && (this.current || db.inTransaction)) {
      await new Promise<void>((resolve) => setTimeout(resolve, 1));
      await this.idle();
    }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.idle();
    let release!: () => void;
    this.current = new Promise<void>((r) => (release = r));
    try {
      return await fn();
    } finally {
      this.current = null;
      release();
    }
  }
}
