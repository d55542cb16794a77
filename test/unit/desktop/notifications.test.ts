import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/main/events';
import { describeAnomalies, notifyAnomalies, type AnomalyNotice } from '../../../src/main/desktop/notifications';
import type { AnomalyRow } from '../../../src/shared/schemas/analysis';

const row = (id: number, over: Partial<AnomalyRow> = {}): AnomalyRow => ({
  id,
  tsMs: 1_700_000_000_000 + id,
  ip: `10.0.0.${id}`,
  method: 'GET',
  endpoint: `/p/${id}`,
  status: 500,
  votes: 3,
  isAnomaly: true,
  combinedScore: id / 100,
  ...over,
});

describe('anomaly notifications', () => {
  let bus: EventBus;
  let shown: AnomalyNotice[];
  let enabled: boolean;
  let stop: () => void;
  beforeEach(() => {
    vi.useFakeTimers();
    bus = new EventBus();
    shown = [];
    enabled = true;
    stop = notifyAnomalies({
      events: bus,
      enabled: () => enabled,
      show: (n) => shown.push(n),
      minIntervalMs: 15_000,
      gatherMs: 1_000,
      now: () => Date.now(),
    });
  });
  afterEach(() => {
    stop();
    vi.useRealTimers();
  });

  it('tells a burst of new anomalies in one notification, the strongest first', () => {
    bus.emit({ type: 'anomalies', rows: [row(1), row(2, { isAnomaly: false })] });
    bus.emit({ type: 'anomalies', rows: [row(9), row(5), row(3), row(4)] });
    expect(shown).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    expect(shown).toHaveLength(1);
    expect(shown[0].title).toBe('5 new anomalies');
    expect(shown[0].count).toBe(5);
    expect(shown[0].body.split('\n')).toEqual([
      '10.0.0.9 GET /p/9 → 500',
      '10.0.0.5 GET /p/5 → 500',
      '10.0.0.4 GET /p/4 → 500',
      '…and 2 more',
    ]);
  });

  it('shows at most one notification per interval, counting what came meanwhile', () => {
    bus.emit({ type: 'anomalies', rows: [row(1)] });
    vi.advanceTimersByTime(1_000);
    expect(shown.map((n) => n.title)).toEqual(['1 new anomaly']);
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(1_000);
      bus.emit({ type: 'anomalies', rows: [row(10 + i)] });
    }
    expect(shown).toHaveLength(1);
    vi.advanceTimersByTime(5_000);
    expect(shown.map((n) => n.title)).toEqual(['1 new anomaly', '10 new anomalies']);
  });

  it('stays quiet when notifications are off (read at every event) and for non-anomalies', () => {
    enabled = false;
    bus.emit({ type: 'anomalies', rows: [row(1)] });
    bus.emit({ type: 'model-swapped', version: 2 });
    vi.runAllTimers();
    enabled = true;
    bus.emit({ type: 'anomalies', rows: [row(2, { isAnomaly: false })] });
    vi.runAllTimers();
    expect(shown).toHaveLength(0);
    // Turned off while a burst waits: dropped.
    bus.emit({ type: 'anomalies', rows: [row(3)] });
    enabled = false;
    vi.runAllTimers();
    expect(shown).toHaveLength(0);
  });

  it('unsubscribes and drops anything pending', () => {
    bus.emit({ type: 'anomalies', rows: [row(1)] });
    stop();
    vi.runAllTimers();
    bus.emit({ type: 'anomalies', rows: [row(2)] });
    vi.runAllTimers();
    expect(shown).toHaveLength(0);
  });

  it('describes entries without a method, and large counts readably', () => {
    const n = describeAnomalies([row(1, { method: null, endpoint: '/x', status: 404 })], 12_345);
    expect(n.title).toBe('12,345 new anomalies');
    expect(n.body).toBe('10.0.0.1 /x → 404\n…and 12,344 more');
  });
});
