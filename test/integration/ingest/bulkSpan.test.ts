/**
 * A bulk import commits in spans: one transaction over several chunks of its file, held open
 * across reads under the WriteGate (lineIngester.ts). The rows and the offset past them must
 * still land together: a read that fails mid-span leaves the stored offset and rows at the last
 * span commit, nothing of the span is visible, and other writers of the process wait for it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineIngester, type LineIngesterHooks } from '../../../src/main/ingest/lineIngester';
import { LogWriter, type Committed, type SourceCursor } from '../../../src/main/ingest/logWriter';
import { createParser } from '../../../src/main/ingest/parse';
import { WriteGate } from '../../../src/main/store/writeGate';
import { addSource, tempDb } from '../features/helpers';

const LINE_BYTES = 100;

/** Apache combined lines of exactly LINE_BYTES bytes each, numbered from `from`. */
function lines(from: number, n: number): string {
  let out = '';
  for (let i = from; i < from + n; i++) {
    const s = i % 86_400;
    const ts = `01/May/2024:${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')} +0000`;
    const head = `10.0.${(i >> 8) & 255}.${i & 255} - - [${ts}] "GET /n/${i} HTTP/1.1" 200 1 "-" "`;
    out += head + 'x'.repeat(LINE_BYTES - head.length - 2) + '"\n';
  }
  return out;
}

/** `chunks` chunks of `perChunk` lines; throws instead of yielding chunk number `failAt`. */
async function* source(chunks: number, perChunk: number, failAt = -1): AsyncGenerator<Buffer> {
  for (let c = 0; c < chunks; c++) {
    if (c === failAt) throw new Error('read failed');
    await new Promise((r) => setImmediate(r));
    yield Buffer.from(lines(c * perChunk, perChunk));
  }
}

describe('bulk import spans', () => {
  let t: ReturnType<typeof tempDb>;
  let gate: WriteGate;
  let commits: Committed[];
  let cursor: SourceCursor;
  let hooks: LineIngesterHooks;
  const stored = () => t.db.prepare('SELECT count(*) FROM logs').pluck().get() as number;
  const storedCursor = () =>
    t.db.prepare('SELECT byte_offset AS offset, lines FROM sources WHERE id = ?').get(cursor.sourceId) as {
      offset: number;
      lines: number;
    };

  beforeEach(() => {
    t = tempDb();
    gate = new WriteGate();
    commits = [];
    const id = addSource(t.db, '/logs/big.log');
    // Every transaction is a span while more than 150k lines' worth of bytes is left.
    cursor = { sourceId: id, offset: 0, lines: 0, parseErrors: 0, identity: null, bytesTotal: 400_000 * LINE_BYTES };
    hooks = {
      beforeCommit: () => gate.idle(),
      onCommit: (c) => commits.push(c),
      bulk: {
        wanted: (cur) => cur.bytesTotal - cur.offset > 150_000 * LINE_BYTES,
        hold: (fn) => gate.exclusive(fn),
        write: async (fn) => fn(),
      },
    };
  });
  afterEach(() => t.cleanup());

  it('stores every line once, in spans from the first chunk to the last, each commit carrying its offset', async () => {
    const ingester = new LineIngester(new LogWriter(t.db), cursor, createParser('combined'), hooks, false);
    await ingester.consume(source(80, 5000), { flushPartialLine: true });
    expect(stored()).toBe(400_000);
    expect(storedCursor()).toEqual({ offset: 400_000 * LINE_BYTES, lines: 400_000 });
    // A read that starts bulk stays bulk to its end (its last 150k lines included): every commit
    // is a 100k-line span, none a 20k-line batch whose rows would have waited in memory.
    const sizes = commits.map((c) => c.lastId - c.firstId + 1);
    expect(sizes).toEqual([100_000, 100_000, 100_000, 100_000]);
    // The committed ranges follow each other without a gap or an overlap.
    for (let i = 1; i < commits.length; i++) expect(commits[i].firstId).toBe(commits[i - 1].lastId + 1);
    expect(commits.at(-1)!.lastId).toBe(400_000);
    const offsets = t.db.prepare('SELECT min(byte_offset), max(byte_offset) FROM logs').raw().get();
    expect(offsets).toEqual([0, 399_999 * LINE_BYTES]);
  });

  it('a read that fails mid-span keeps nothing of the span, and the offset matches the rows', async () => {
    const ingester = new LineIngester(new LogWriter(t.db), cursor, createParser('combined'), hooks, false);
    // 5,000 lines a chunk: the first span commits after ~100k lines; chunk 30 (150k) fails inside the second.
    await expect(ingester.consume(source(80, 5000, 30), { flushPartialLine: true })).rejects.toThrow('read failed');
    expect(t.db.inTransaction).toBe(false);
    expect(gate.busy).toBe(false);
    const c = storedCursor();
    expect(c.lines).toBe(commits.at(-1)!.lastId);
    expect(c.lines).toBeGreaterThanOrEqual(100_000);
    expect(c.lines).toBeLessThan(150_000);
    expect(stored()).toBe(c.lines);
    expect(c.offset).toBe(c.lines * LINE_BYTES);
  });

  it('a write of the process waiting on the gate runs after the span commits, never inside it', async () => {
    const ingester = new LineIngester(new LogWriter(t.db), cursor, createParser('combined'), hooks, false);
    const reading = ingester.consume(source(80, 5000), { flushPartialLine: true });
    // Wait until a span holds the connection, then queue a write behind it.
    while (!gate.busy) await new Promise((r) => setImmediate(r));
    const seen = await gate.write(() => ({ inTx: t.db.inTransaction, lines: storedCursor().lines, rows: stored() }));
    expect(seen.inTx).toBe(false);
    expect(seen.rows).toBe(seen.lines);
    expect(seen.lines).toBeGreaterThan(0);
    await reading;
    expect(stored()).toBe(400_000);
  });
});
