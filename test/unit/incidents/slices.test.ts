import { describe, expect, it } from 'vitest';
import { Job } from '../../../src/main/incidents/slices';

function* counting(steps: number, log: number[]): Generator<void, string> {
  for (let i = 0; i < steps; i++) {
    log.push(i);
    yield;
  }
  return `done after ${steps}`;
}

describe('a job run in slices', () => {
  it('yields to the event loop between slices, and gives its result once it ends', async () => {
    const log: number[] = [];
    const job = new Job(counting(5, log), 0);
    const result = job.drive();
    expect(job.done).toBe(false);
    let turns = 0;
    while (!job.done && turns < 100) {
      await new Promise((resolve) => setImmediate(resolve));
      turns++;
    }
    expect(turns).toBeGreaterThan(1);
    expect(await result).toBe('done after 5');
    expect(log).toEqual([0, 1, 2, 3, 4]);
  });

  it('a reader that cannot wait finishes it at once; the waiting one gets the same result, each step run once', async () => {
    const log: number[] = [];
    const job = new Job(counting(50, log), 0);
    const waiting = job.drive();
    expect(job.finish()).toBe('done after 50');
    expect(await waiting).toBe('done after 50');
    expect(log).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('an error inside reaches every reader', async () => {
    const job = new Job(
      (function* (): Generator<void, number> {
        yield;
        throw new Error('broken');
      })(),
      0,
    );
    const waiting = job.drive();
    await expect(waiting).rejects.toThrow('broken');
    expect(() => job.finish()).toThrow('broken');
  });
});
