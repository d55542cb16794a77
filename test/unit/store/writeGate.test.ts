/**
 * The write gate's ordering: a short write never runs while an exclusive writer holds the
 * connection, including when both waited for the same release.
 */
import { describe, expect, it } from 'vitest';
import { WriteGate } from '../../../src/main/store/writeGate';

describe('WriteGate', () => {
  it('runs a write at once when nothing holds the gate', async () => {
    const gate = new WriteGate();
    expect(await gate.write(() => 42)).toBe(42);
  });

  it('a write waits for an exclusive writer, even one that took the gate on the same release', async () => {
    const gate = new WriteGate();
    const log: string[] = [];
    let inside = false;
    let releaseFirst!: () => void;
    const first = gate.exclusive(
      () =>
        new Promise<void>((resolve) => {
          releaseFirst = resolve;
        }),
    );
    // Registered in this order while `first` holds the gate: the second exclusive writer takes
    // the gate on the same release, before the write's continuation runs.
    const second = gate.exclusive(async () => {
      inside = true;
      log.push('exclusive start');
      await new Promise((r) => setTimeout(r, 20));
      log.push('exclusive end');
      inside = false;
    });
    const write = gate.write(() => {
      log.push(inside ? 'write inside exclusive' : 'write');
    });
    await new Promise((r) => setTimeout(r, 5));
    releaseFirst();
    await Promise.all([first, second, write]);
    expect(log).toEqual(['exclusive start', 'exclusive end', 'write']);
  });
});
