import { Worker } from 'node:worker_threads';
import type { FeatureSetChoice } from '../../shared/config';
import type { ModelVersion } from '../../shared/schemas/analysis';
import type { ExplainResult, ScoreArrays, TrainOptions, WorkerReply, WorkerRequest } from './protocol';

type Pending = {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
  onProgress?: (fraction: number, stage: string) => void;
};

/** Requests without their correlation id (added by `call`). */
type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

type Reply<K extends WorkerReply['op']> = Extract<WorkerReply, { op: K }>;

/**
 * Main-thread handle of one ML worker: request/response by id, progress callbacks, and a
 * restart if the worker dies (the pending calls fail with the reason instead of hanging, and
 * `onRestart` lets the owner put state such as the live model back).
 *
 * The worker starts with the first request, not before: an isolate costs ~25 MB of memory, and
 * until a model is trained or loaded (three workers: trainer, two scorers) none is needed.
 */
export class MlClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly name: string,
    private readonly onRestart?: () => void,
  ) {}

  /** The running worker, started now if this is the first request. */
  private get running(): Worker {
    this.worker ??= this.spawn();
    return this.worker;
  }

  private spawn(): Worker {
    const w = new Worker(this.file, { name: this.name });
    w.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      if (r.op === 'progress') return p.onProgress?.(r.fraction, r.stage);
      this.pending.delete(r.id);
      if (this.pending.size === 0) w.unref();
      if (r.op === 'error') p.reject(new Error(r.message));
      else p.resolve(r);
    });
    w.on('error', (err) => this.failAll(err));
    w.on('exit', (code) => {
      if (this.closed) return;
      this.failAll(new Error(`the ${this.name} worker stopped (exit code ${code})`));
      // The next request starts a fresh one (onRestart may make that request at once).
      if (this.worker === w) this.worker = null;
      this.onRestart?.();
    });
    w.unref();
    return w;
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.worker?.unref();
  }

  private call(req: Request, transfer: ArrayBuffer[] = [], onProgress?: Pending['onProgress']): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new Error('the ML worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // An idle worker does not keep the process alive, a busy one does: a headless start
      // awaiting the live model's load must not see Node exit under it for want of handles.
      const w = this.running;
      if (this.pending.size === 0) w.ref();
      this.pending.set(id, { resolve, reject, onProgress });
      w.postMessage({ ...req, id }, transfer);
    });
  }

  async train(
    args: {
      dbPath: string;
      spanStartMs: number;
      spanEndMs: number;
      options: TrainOptions;
      rescoreLaterAbove?: number;
    },
    onProgress?: Pending['onProgress'],
  ): Promise<Reply<'trained'>> {
    return (await this.call({ op: 'train', ...args }, [], onProgress)) as Reply<'trained'>;
  }

  /** Makes `version` the worker's live model; rejects (keeping the old one) when it cannot be decoded. */
  async load(version: number, params: Uint8Array): Promise<{ ms: number; featureSet: FeatureSetChoice }> {
    // A copy is transferred: the caller's buffer (a row read from SQLite) stays valid.
    const copy = new Uint8Array(params);
    const r = (await this.call({ op: 'load', version, params: copy }, [copy.buffer as ArrayBuffer])) as Reply<'loaded'>;
    return { ms: r.ms, featureSet: r.featureSet };
  }

  async scoreRows(features: Float64Array, rows: number): Promise<{ version: number; scored: ScoreArrays; ms: number }> {
    const r = (await this.call({ op: 'scoreRows', features, rows })) as Reply<'scores'>;
    return { version: r.version, scored: r.scored, ms: r.ms };
  }

  async scoreRange(
    dbPath: string,
    firstId: number,
    lastId: number,
  ): Promise<{ version: number; scored: ScoreArrays; ms: number }> {
    const r = (await this.call({ op: 'scoreRange', dbPath, firstId, lastId })) as Reply<'scores'>;
    return { version: r.version, scored: r.scored, ms: r.ms };
  }

  /** One chunk of a rescoring after a span-only training (see WorkerRequest 'rescoreChunk'). */
  async rescoreChunk(
    args: Omit<Extract<WorkerRequest, { op: 'rescoreChunk' }>, 'op' | 'id'>,
  ): Promise<{ scored: ScoreArrays; fromTs: number; toTs: number; nextFromTs: number | null }> {
    const transfer = args.params ? [args.params.slice().buffer as ArrayBuffer] : [];
    const params = args.params && transfer.length ? new Uint8Array(transfer[0]) : undefined;
    const r = (await this.call({ op: 'rescoreChunk', ...args, params }, transfer)) as Reply<'rescored'>;
    return { scored: r.scored, fromTs: r.fromTs, toTs: r.toTs, nextFromTs: r.nextFromTs };
  }

  async explain(row: number[]): Promise<{ version: number; result: ExplainResult }> {
    const r = (await this.call({ op: 'explain', row })) as Reply<'explained'>;
    return { version: r.version, result: r.result };
  }

  /** Entries were removed: the worker rebuilds its incremental feature state (a worker not started has none). */
  async forget(): Promise<void> {
    if (this.worker) await this.call({ op: 'forget' });
  }

  /** Drops the worker's live model (after the requests already queued have used it). */
  async unload(): Promise<void> {
    if (this.worker) await this.call({ op: 'unload' });
  }

  /** Recall and precision against the sample labels, computed on the worker's own connection. */
  async quality(dbPath: string): Promise<ModelVersion['metrics']> {
    return ((await this.call({ op: 'quality', dbPath })) as Reply<'quality'>).metrics;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('the ML worker is closed'));
    await this.worker?.terminate();
  }
}
