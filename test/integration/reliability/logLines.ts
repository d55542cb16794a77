import type { Engine } from '../../../src/main/engine';

/** A distinct, parseable combined-log line per number; `pad` makes rows bigger (fills pages faster). */
export function entry(n: number, pad = 0): string {
  const s = n % 86_400;
  const ts = `12/Oct/2023:${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')} +0000`;
  return `10.1.${(n >> 8) & 255}.${n & 255} - - [${ts}] "GET /item/${n} HTTP/1.1" 200 ${n} "-" "reliability${'-'.repeat(pad)}"`;
}

/** Lines [from, to) with their newlines. */
export function lines(from: number, to: number, pad = 0): string {
  let out = '';
  for (let n = from; n < to; n++) out += entry(n, pad) + '\n';
  return out;
}

/** The item numbers stored (all sources), sorted: compare with a range to see loss and duplication. */
export function storedItems(engine: Engine): number[] {
  return (engine.db.prepare('SELECT endpoint FROM logs').pluck().all() as string[])
    .map((e) => Number(e.slice('/item/'.length)))
    .sort((a, b) => a - b);
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Line numbers of a source are 1..n with no gap and no repeat. */
export function lineNumbersContiguous(engine: Engine, sourceId: number): boolean {
  const nos = engine.db
    .prepare('SELECT line_no FROM logs WHERE source_id = ? ORDER BY line_no')
    .pluck()
    .all(sourceId) as number[];
  return nos.every((n, i) => n === i + 1);
}

export function sourceRow(engine: Engine, id: number) {
  return engine.db.prepare('SELECT status, error, lines, byte_offset AS offset FROM sources WHERE id = ?').get(id) as {
    status: string;
    error: string | null;
    lines: number;
    offset: number;
  };
}

/** Largest gap between ticks of a 20 ms timer while it runs: how long the event loop was blocked. */
export function loopWatch(): { stop(): number } {
  let last = Date.now();
  let worst = 0;
  const t = setInterval(() => {
    const now = Date.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 20);
  return {
    stop() {
      clearInterval(t);
      return Math.max(worst, Date.now() - last);
    },
  };
}
