/**
 * Several streams as one: batches in the order they arrive from any of them, with at most
 * `limit` streams open at a time (the next opens when one ends). When the consumer stops early or
 * one stream fails, the open ones are aborted (their queries cancelled) and closed, and the
 * unopened ones are never opened.
 */
export async function* mergeStreams<T>(
  streams: ReadonlyArray<(signal: AbortSignal) => AsyncGenerator<T[], void, void>>,
  signal?: AbortSignal,
  limit = Infinity,
): AsyncGenerator<T[], void, void> {
  if (!(Number.isSafeInteger(limit) || limit === Infinity) || limit < 1)
    throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
  signal?.throwIfAborted();
  const abort = new AbortController();
  const onAbort = (): void => abort.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const its = new Map<number, AsyncGenerator<T[], void, void>>();
  type Step = { k: number; r: IteratorResult<T[], void> };
  const pending = new Map<number, Promise<Step>>();
  const pull = (k: number): void => {
    const step = its
      .get(k)!
      .next()
      .then((r) => ({ k, r }));
    // Handled here too: a failure while the consumer is between batches is not an unhandled
    // rejection; the race below still sees it.
    step.catch(() => undefined);
    pending.set(k, step);
  };
  let opened = 0;
  const openNext = (): void => {
    if (opened >= streams.length || abort.signal.aborted) return;
    const k = opened++;
    its.set(k, streams[k](abort.signal));
    pull(k);
  };
  for (let i = 0; i < Math.min(limit, streams.length); i++) openNext();
  try {
    while (pending.size > 0) {
      const { k, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(k);
        openNext();
        continue;
      }
      pull(k);
      yield r.value;
    }
    // Aborted while some were still to open: a partial merge is not a finished one.
    if (opened < streams.length) throw abort.signal.reason ?? new Error('aborted');
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (pending.size > 0) {
      abort.abort(new Error('stream closed'));
      await Promise.allSettled(pending.values());
      await Promise.allSettled([...pending.keys()].map((k) => its.get(k)!.return()));
    }
  }
}

/** Each task's one result, in the tasks' order, with at most `limit` running at a time (mergeStreams). */
export async function allBounded<T>(
  tasks: ReadonlyArray<(signal: AbortSignal) => Promise<T>>,
  limit: number,
  signal?: AbortSignal,
): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  const streams = tasks.map((task, k) => (s: AbortSignal) => once(task(s).then((v) => [{ k, v }])));
  for await (const batch of mergeStreams(streams, signal, limit)) for (const { k, v } of batch) out[k] = v;
  return out;
}

/** A promised batch as a stream of that one batch. */
export async function* once<T>(batch: Promise<T[]>): AsyncGenerator<T[], void, void> {
  yield await batch;
}
