import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { timeline } from '../../../src/main/queries/overview';
import { openDatabase, type Db } from '../../../src/main/store/db';
import { TimelineQuerySchema, TimelineSchema } from '../../../src/shared/schemas/analysis';
import { storeLogs } from '../../helpers/storeLogs';
import { tempDir } from '../../helpers/tmp';

const DAY = Date.UTC(2025, 5, 10);
const MIN = 60_000;
const HOUR = 3_600_000;
/** The README walkthrough's detection. */
const WALKTHROUGH = Date.parse('2023-10-27T10:00:00Z');

describe('the timeline range: the bulk of the entries, strays counted outside', () => {
  let db: Db;
  let cleanup: () => void;
  const add = (...ts: number[]) => {
    storeLogs(
      db,
      1,
      ts.map((tsMs) => ({ tsMs })),
    );
  };
  /** One entry a minute over 24 hours from DAY: 1,440 entries. */
  const day = () => add(...Array.from({ length: 1440 }, (_, i) => DAY + i * MIN));
  const sum = (t: ReturnType<typeof timeline>) => t.points.reduce((s, p) => s + p.total, 0);

  beforeEach(() => {
    const t = tempDir();
    cleanup = t.cleanup;
    db = openDatabase(join(t.dir, 'q.sqlite'));
    db.prepare("INSERT INTO sources (id, path, kind, added_at, parse_errors) VALUES (1, '/a.log', 'file', 0, 0)").run();
  });
  afterEach(() => {
    db.close();
    cleanup();
  });

  it('leaves the walkthrough 2023 entry out of a day of traffic and says where it is', () => {
    day();
    add(WALKTHROUGH);
    const t = timeline(db, { buckets: 240 });
    expect(TimelineSchema.parse(t)).toEqual(t);
    expect(t.range).toBe('bulk');
    expect(t.from).toBe(DAY);
    expect(t.to).toBe(DAY + 1439 * MIN + 1);
    expect(t.bucketMs).toBe(Math.ceil((1439 * MIN + 1) / 240));
    expect(sum(t)).toBe(1440);
    expect(t.before).toEqual({ count: 1, firstTs: WALKTHROUGH, lastTs: WALKTHROUGH });
    expect(t.after).toBeNull();
  });

  it('spans every entry when asked for all of them', () => {
    day();
    add(WALKTHROUGH);
    const t = timeline(db, TimelineQuerySchema.parse({ buckets: '240', all: 'true' }));
    expect(t.range).toBe('all');
    expect([t.from, t.to]).toEqual([WALKTHROUGH, DAY + 1439 * MIN + 1]);
    expect(sum(t)).toBe(1441);
    expect(t.before).toBeNull();
    // The day falls into one or two of 240 buckets of about three days each: the flattening the default avoids.
    expect(t.points.length).toBeLessThanOrEqual(3);
  });

  it('keeps a quiet tail that continues the day, and counts strays on both sides', () => {
    day();
    // A few entries three hours after the day's last: still part of it (the gap is under half a day).
    const tail = DAY + 1439 * MIN + 3 * HOUR;
    add(tail, tail + 5 * MIN);
    const future = Date.UTC(2030, 0, 1);
    add(WALKTHROUGH, WALKTHROUGH + HOUR, future);
    const t = timeline(db, { buckets: 100 });
    expect([t.from, t.to]).toEqual([DAY, tail + 5 * MIN + 1]);
    expect(sum(t)).toBe(1442);
    expect(t.before).toEqual({ count: 2, firstTs: WALKTHROUGH, lastTs: WALKTHROUGH + HOUR });
    expect(t.after).toEqual({ count: 1, firstTs: future, lastTs: future });
  });

  it('shows two busy days with a quiet night between them as one range', () => {
    // 08:00–18:00 on two days, one entry a minute: the 14-hour night is inside the bulk.
    for (const d of [0, 1]) add(...Array.from({ length: 600 }, (_, i) => DAY + d * 24 * HOUR + 8 * HOUR + i * MIN));
    const t = timeline(db, { buckets: 48 });
    expect(t.from).toBe(DAY + 8 * HOUR);
    expect(t.to).toBe(DAY + 24 * HOUR + 8 * HOUR + 599 * MIN + 1);
    expect([t.before, t.after]).toEqual([null, null]);
    expect(sum(t)).toBe(1200);
  });

  it('shows every entry when there are too few to call one a stray', () => {
    add(DAY, DAY + MIN, DAY + 2 * MIN, WALKTHROUGH);
    const t = timeline(db, { buckets: 10 });
    expect([t.from, t.to]).toEqual([WALKTHROUGH, DAY + 2 * MIN + 1]);
    expect(t.before).toBeNull();
  });

  it('covers an asked range exactly, without counting what it leaves out', () => {
    day();
    add(WALKTHROUGH);
    const from = DAY + 6 * HOUR;
    const to = DAY + 7 * HOUR;
    const t = timeline(db, { from, to, buckets: 60 });
    expect(t.range).toBe('asked');
    expect([t.from, t.to, t.bucketMs]).toEqual([from, to, MIN]);
    expect(t.points).toHaveLength(60);
    expect(sum(t)).toBe(60);
    expect([t.before, t.after]).toEqual([null, null]);
  });

  it('answers an empty database with no points and nothing outside', () => {
    const t = timeline(db, { buckets: 240 });
    expect(t).toEqual({ bucketMs: 0, points: [], from: 0, to: 0, range: 'bulk', before: null, after: null });
  });
});
