import { describe, expect, it } from 'vitest';
import { allBounded, mergeStreams } from '../../../src/main/fleet/streams';

/** A stream of `batches`, each after its own tick count; records when it is closed or aborted. */
function source(name: string, batches: number[][], log: string[], fail?: Error) {
  return async function* (signal: AbortSignal): AsyncGenerator<number[], void, void> {
    signal.addEventListener('abort', () => log.push(`${name} aborted`));
    try {
      for (const b of batches) {
        await new Promise((r) => setImmediate(r));
        if (signal.aborted) throw new Error('aborted');
        yield b;
      }
      if (fail) throw fail;
    } finally {
      log.push(`${name} closed`);
    }
  };
}

describe('mergeStreams', () => {
  it('yields every batch of every stream', async () => {
    const log: string[] = [];
    const out: number[][] = [];
    for await (const b of mergeStreams([source('a', [[1], [2], [3]], log), source('b', [[10], [20]], log)]))
      out.push(b);
    expect(out.flat().sort((x, y) => x - y)).toEqual([1, 2, 3, 10, 20]);
    expect(log.sort()).toEqual(['a closed', 'b closed']);
  });
  it('interleaves: a batch is passed on as soon as it arrives', async () => {
    const out: number[] = [];
    for await (const b of mergeStreams([source('a', [[1], [2]], []), source('b', [[10], [20]], [])])) out.push(...b);
    expect(out.indexOf(10)).toBeLessThan(out.indexOf(2));
  });
  it('aborts and closes the others when the consumer stops early', async () => {
    const log: string[] = [];
    for await (const b of mergeStreams([source('a', [[1], [2], [3]], log), source('b', [[10], [20], [30]], log)])) {
      expect(b.length).toBe(1);
      break;
    }
    expect(log.filter((l) => l.endsWith('aborted')).sort()).toEqual(['a aborted', 'b aborted']);
    expect(log.filter((l) => l.endsWith('closed')).sort()).toEqual(['a closed', 'b closed']);
  });
  it('fails with the first failing stream and aborts the rest', async () => {
    const log: string[] = [];
    const run = async () => {
      for await (const _ of mergeStreams([
        source('a', [[1]], log, new Error('shard 1 is down')),
        source('b', [[10], [20], [30], [40]], log),
      ]));
    };
    await expect(run()).rejects.toThrow('shard 1 is down');
    expect(log).toContain('b aborted');
    expect(log).toContain('b closed');
  });
  it('follows the caller’s signal', async () => {
    const log: string[] = [];
    const ctl = new AbortController();
    const run = async () => {
      for await (const _ of mergeStreams([source('a', [[1], [2], [3]], log)], ctl.signal)) ctl.abort();
    };
    await expect(run()).rejects.toThrow('aborted');
    expect(log).toContain('a aborted');
  });
  it('keeps at most `limit` streams open, opening the next as one ends', async () => {
    const log: string[] = [];
    let open = 0;
    let most = 0;
    const counted = (name: string, batches: number[][]) => {
      const inner = source(name, batches, log);
      return async function* (signal: AbortSignal): AsyncGenerator<number[], void, void> {
        open++;
        most = Math.max(most, open);
        try {
          yield* inner(signal);
        } finally {
          open--;
        }
      };
    };
    const out: number[] = [];
    const streams = [counted('a', [[1], [2]]), counted('b', [[3]]), counted('c', [[4], [5], [6]]), counted('d', [[7]])];
    for await (const b of mergeStreams(streams, undefined, 2)) out.push(...b);
    expect(out.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(2);
    expect(log.sort()).toEqual(['a closed', 'b closed', 'c closed', 'd closed']);
  });
  it('never opens the streams still waiting when one fails', async () => {
    const log: string[] = [];
    const run = async () => {
      for await (const _ of mergeStreams(
        [source('a', [[1]], log, new Error('slice failed')), source('b', [[2], [3]], log), source('c', [[4]], log)],
        undefined,
        2,
      ));
    };
    await expect(run()).rejects.toThrow('slice failed');
    expect(log).toContain('b aborted');
    expect(log.some((l) => l.startsWith('c '))).toBe(false);
  });
});

describe('mergeStreams and an aborted signal', () => {
  it('refuses to start when the signal is already aborted, opening nothing', async () => {
    const log: string[] = [];
    const ctl = new AbortController();
    ctl.abort(new Error('cancelled before'));
    const run = async () => {
      for await (const _ of mergeStreams([source('a', [[1]], log), source('b', [[2]], log)], ctl.signal, 1));
    };
    await expect(run()).rejects.toThrow('cancelled before');
    expect(log).toEqual([]);
  });
  it('an abort between streams fails the merge instead of ending it short, and opens no more', async () => {
    const log: string[] = [];
    const ctl = new AbortController();
    // A stream that ends normally although the signal was aborted while it ran.
    const deaf = async function* (): AsyncGenerator<number[], void, void> {
      yield [1];
      ctl.abort(new Error('cancelled between'));
    };
    const run = async () => {
      for await (const _ of mergeStreams([deaf, source('b', [[2]], log)], ctl.signal, 1));
    };
    await expect(run()).rejects.toThrow('cancelled between');
    expect(log).toEqual([]);
  });
  it('refuses a limit that is not a whole number', async () => {
    const run = async () => {
      for await (const _ of mergeStreams([source('a', [[1]], [])], undefined, 1.5));
    };
    await expect(run()).rejects.toThrow(RangeError);
  });
});

describe('allBounded', () => {
  it('gives each task’s result in the tasks’ order, whatever order they end in', async () => {
    let running = 0;
    let most = 0;
    const task = (v: number, ticks: number) => async () => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < ticks; i++) await new Promise((r) => setImmediate(r));
      running--;
      return v;
    };
    expect(await allBounded([task(1, 5), task(2, 1), task(3, 3), task(4, 0)], 2)).toEqual([1, 2, 3, 4]);
    expect(most).toBe(2);
  });
  it('fails with the first failure and aborts the tasks still running', async () => {
    const seen: string[] = [];
    const slow = async (signal: AbortSignal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      seen.push('slow aborted');
      return 0;
    };
    const failing = async () => {
      await new Promise((r) => setImmediate(r));
      throw new Error('shard 2 is down');
    };
    await expect(allBounded([slow, failing], 2)).rejects.toThrow('shard 2 is down');
    expect(seen).toEqual(['slow aborted']);
  });
});
