import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Db } from './db';

/** The WAL may grow this far (512 MiB at 8 KiB pages) before a commit checkpoints by itself. */
const BACKSTOP_PAGES = 65_536;
const DEFAULT_PAGES = 4000;
const INTERVAL_MS = 250;

/**
 * Runs WAL checkpoints in a worker thread (checkpointWorker.ts) instead of inside commits.
 * Without the worker bundle (e.g. a test without a build) SQLite's own checkpoints stay on.
 */
export class Checkpointer {
  private worker: Worker | null = null;

  constructor(
    private readonly db: Db,
    dbPath: string,
    workerFile: string,
  ) {
    if (!existsSync(workerFile)) return;
    this.worker = new Worker(workerFile, { workerData: { dbPath, intervalMs: INTERVAL_MS } });
    this.worker.unref();
    this.worker.on('error', () => this.fallBack());
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  }

  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = null;
    w.postMessage('stop');
    await Promise.race([once(w, 'message'), once(w, 'exit'), new Promise((r) => setTimeout(r, 1000))]);
    await w.terminate();
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
  }

  private fallBack(): void {
    this.worker = null;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
  }
}
