import { describe, expect, it } from 'vitest';
import type { ApiHandlers } from '../../../src/shared/api';
import { Activity } from '../../../src/main/activity';
import { reportingCalls } from '../../../src/main/api';

describe('Activity', () => {
  it('asks background work to rest only after a request, and never longer than its hold', () => {
    const a = new Activity(60_000);
    expect(a.holdFor()).toBe(0);
    a.touch();
    expect(a.holdFor()).toBeGreaterThan(59_000);
    expect(a.holdFor()).toBeLessThanOrEqual(60_000);
    expect(new Activity(0).holdFor()).toBe(0);
  });

  it('every operation reports its call before it runs, and still answers as before', async () => {
    const calls: string[] = [];
    const api = {
      health: async () => {
        calls.push('health ran');
        return { ok: true };
      },
      overview: async () => {
        calls.push('overview ran');
        return { logs: 1 };
      },
    } as unknown as ApiHandlers;
    const reported = reportingCalls(api, () => calls.push('reported'));
    expect(Object.keys(reported).sort()).toEqual(['health', 'overview']);
    expect(await (reported.overview as unknown as () => Promise<unknown>)()).toEqual({ logs: 1 });
    expect(calls).toEqual(['reported', 'overview ran']);
  });
});
