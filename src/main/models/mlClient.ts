import { Worker } from 'node:worker_threads';
import type { ExplainResult, ScoreArrays, TrainOptions, WorkerReply, WorkerRequest } from './protocol';

type Pending = {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
  onProgress?: (fraction: number, stage: string) => void;
};

/** Requests without their correlation id (added by `call`). */
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Main-thread handle of one ML worker: request/response by id, progress callbacks, and a
 * restart if the worker dies (the pending calls fail with the reason instead of hanging).
 */
export class MlClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly name: string,
  ) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const w = new Worker(this.file, { name: this.name });
    w.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      if (r.op === 'progress') return p.onProgress?.(r.fraction, r.stage);
      this.pending.delete(r.id);
      if (r.op === 'error') p.reject(new Error(r.message));
      else p.resolve(r);
    });
    w.on('error', (err) => this.failAll(err));
    w.on('exit', (code) => {
      if (this.closed) return;
      this.failAll(new Error(`the ${this.name} worker stopped (exit code ${code})`));
      this.worker = this.spawn();
    });
    w.unref();
    return w;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private call(req: Request, transfer: ArrayBuffer[] = [], onProgress?: Pending['onProgress']): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new Error('the ML worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  async train(
    args: { dbPath: string; spanStartMs: number; spanEndMs: number; options: TrainOptions },
    onProgress?: Pending['onProgress'],
  ): Promise<Extract<WorkerReply, { op: 'trained' }>> {
    return (await this.call({ op: 'train', ...args }, [], onProgress)) as Extract<WorkerReply, { op: 'trained' }>;
  }

  async load(version: number, params: Uint8Array): Promise<void> {
    // A copy is transferred: the caller's buffer (a row read from SQLite) stays valid.
    const copy = new Uint8Array(params);
    await this.call({ op: 'load', version, params: copy }, [copy.buffer as ArrayBuffer]);
  }

  async scoreRows(features: Float64Array, rows: number): Promise<{ version: number; scored: ScoreArrays }> {
    const r = (await this.call({ op: 'scoreRows', features, rows })) as Extract<WorkerReply, { op: 'scores' }>;
    return { version: r.version, scored: r.scored };
  }

  async scoreRange(dbPath: string, firstId: number, lastId: number): Promise<{ version: number; scored: ScoreArrays }> {
    const r = (await this.call({ op: 'scoreRange', dbPath, firstId, lastId })) as Extract<
      WorkerReply,
      { op: 'scores' }
    >;
    return { version: r.version, scored: r.scored };
  }

  async explain(row: number[]): Promise<{ version: number; result: ExplainResult }> {
    const r = (await this.call({ op: 'explain', row })) as Extract<WorkerReply, { op: 'explained' }>;
    return { version: r.version, result: r.result };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the ML worker is closed'));
    await this.worker.terminate();
  }
}
