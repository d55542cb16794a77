import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/main/store/db';
import { request } from '../../helpers/http';
import { serve } from '../../helpers/serveProcess';
import { tempDir } from '../../helpers/tmp';
import { waitFor } from '../../helpers/wait';

const LINES = 400_000;

/** A big log whose every line is distinct, so a lost or doubled line shows. */
function bigLog(path: string): void {
  const parts: string[] = [];
  for (let n = 0; n < LINES; n++) {
    const s = n % 86_400;
    const ts = `11/Oct/2023:${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')} +0000`;
    parts.push(
      `10.${n % 7}.${(n >> 8) & 255}.${n & 255} - - [${ts}] "GET /line/${n} HTTP/1.1" 200 ${n} "-" "crash-test"\n`,
    );
  }
  writeFileSync(path, parts.join(''));
}

describe('exactly-once ingest under SIGKILL', () => {
  const t = tempDir('od-crash-');
  afterAll(() => t.cleanup());

  it('holds every line exactly once after kills at random points and restarts', async () => {
    const log = join(t.dir, 'big.log');
    bigLog(log);
    const dataDir = join(t.dir, 'data');
    // Each run is killed as soon as it has committed something new, so every kill interrupts an
    // ingest in progress (a kill after the end, or before the first commit, would prove nothing).
    const KILLS = 5;
    let first = true;
    const progress: number[] = [0];
    for (let k = 0; k < KILLS; k++) {
      const s = await serve({ dataDir });
      const port = Number(new URL(s.origin).port);
      const auth = { Authorization: `Bearer ${s.token}` };
      if (first) {
        const res = await request(port, 'POST', '/sources', {
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify({ path: log, watch: false }),
        });
        expect(res.status).toBe(200);
        first = false;
      }
      const before = progress[progress.length - 1];
      await waitFor(
        async () => {
          const res = await request(port, 'GET', '/sources', { headers: auth });
          const [src] = res.json() as Array<{ lines: number }>;
          return src !== undefined && src.lines > before;
        },
        `run ${k + 1} to commit past line ${before}`,
        60_000,
        5,
      );
      s.proc.kill('SIGKILL');
      await new Promise((r) => s.proc.once('exit', r));
      const db = openDatabase(join(dataDir, 'outlier-desk.sqlite'));
      progress.push(db.prepare('SELECT coalesce(max(lines), 0) FROM sources').pluck().get() as number);
      db.close();
    }
    console.log(`lines committed at each kill: ${progress.slice(1).join(', ')} of ${LINES}`);
    // Every kill landed mid-ingest: past what the previous run had committed, before the end.
    for (let k = 1; k < progress.length; k++) {
      expect(progress[k]).toBeGreaterThan(progress[k - 1]);
      expect(progress[k]).toBeLessThan(LINES);
    }
    const s = await serve({ dataDir });
    const port = Number(new URL(s.origin).port);
    await waitFor(
      async () => {
        const res = await request(port, 'GET', '/sources', { headers: { Authorization: `Bearer ${s.token}` } });
        const [src] = res.json() as Array<{ lines: number; status: string }>;
        return src.lines === LINES && src.status === 'done';
      },
      'the ingest to finish after the last restart',
      120_000,
    );
    await s.stop();

    const db = openDatabase(join(dataDir, 'outlier-desk.sqlite'));
    const stats = db
      .prepare('SELECT count(*) AS n, count(DISTINCT line_no) AS d, min(line_no) AS lo, max(line_no) AS hi FROM logs')
      .get();
    expect(stats).toEqual({ n: LINES, d: LINES, lo: 1, hi: LINES });
    // Line k of the file is the row with line_no k: nothing shifted.
    const mismatched = db
      .prepare("SELECT count(*) FROM logs WHERE endpoint != '/line/' || (line_no - 1)")
      .pluck()
      .get();
    expect(mismatched).toBe(0);
    db.close();
  }, 300_000);
});
