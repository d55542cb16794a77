import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseLockedError, writeWhenFree } from '../../../src/main/store/writeErrors';
import { waitFor } from '../../helpers/wait';
import { count, duplicateLines, engineFixture, type EngineFixture } from '../ingest/engineFixture';
import { lineNumbersContiguous, lines, loopWatch, range, sourceRow, storedItems } from './logLines';

/** Another process that opens the database, holds `BEGIN EXCLUSIVE` for `holdMs`, then commits. */
async function lockFromAnotherProcess(
  file: string,
  holdMs: number,
): Promise<{ child: ChildProcess; done: Promise<number> }> {
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(process.argv[1]);
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.exit(0); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(holdMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the locking process exited early (${code})`)));
  });
  return { child, done };
}

describe('database locked by another process', () => {
  let fx: EngineFixture;
  beforeEach(async () => (fx = await engineFixture()));
  afterEach(async () => fx.close());

  it('waits without freezing the app, then stores every line once', async () => {
    const path = join(fx.dir, 'access.log');
    writeFileSync(path, lines(0, 100));
    const { id } = await fx.engine.api.addSource({ path, format: 'combined', watch: true });
    await fx.engine.ingest.idle();

    // Longer than the connection's busy_timeout (5 s): a blocking wait would freeze the event loop.
    const lock = await lockFromAnotherProcess(fx.engine.dbPath, 6_000);
    let released = false;
    void lock.done.then(() => (released = true));
    const loop = loopWatch();
    appendFileSync(path, lines(100, 2_000));
    await new Promise((r) => setTimeout(r, 1_500));
    appendFileSync(path, lines(2_000, 3_000));
    // Reads still work while the lock is held (WAL), and the engine answers before the lock goes:
    // a write blocking in SQLite's busy wait would hold the event loop past the release.
    expect((await fx.engine.call('listSources', {})).length).toBe(1);
    expect(released).toBe(false);
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(100);

    expect(await lock.done).toBe(0);
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 3_000, 'the lines after the lock', 20_000);
    await waitFor(() => sourceRow(fx.engine, id).status === 'watching', 'the source to settle');
    // The longest event-loop stall is a figure, not a test (speed is measured in bench/).
    process.stdout.write(`locked database: longest event-loop stall ${loop.stop()} ms\n`);
    expect(storedItems(fx.engine)).toEqual(range(0, 3_000));
    expect(duplicateLines(fx.engine)).toBe(0);
    expect(lineNumbersContiguous(fx.engine, id)).toBe(true);
    expect(sourceRow(fx.engine, id).error).toBeNull();
  });

  it('gives up one write after its wait with a clear error, and the retry succeeds', async () => {
    // The same mechanism on a bare database, with a short wait so the test stays fast.
    const file = join(fx.dir, 'lock-unit.sqlite');
    const a = new Database(file);
    a.pragma('journal_mode = WAL');
    a.exec('CREATE TABLE t (x INTEGER)');
    const b = new Database(file);
    b.exec('BEGIN IMMEDIATE');
    const insert = () => a.prepare('INSERT INTO t VALUES (1)').run();
    // Settles (rather than hanging) once its wait is over, with the clear error.
    const err = await writeWhenFree(a, insert, { maxWaitMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseLockedError);
    expect((err as Error).message).toMatch(/locked by another program/);
    // The connection's own busy_timeout is left as it was.
    expect(a.pragma('busy_timeout', { simple: true })).toBe(5_000);

    setTimeout(() => b.exec('COMMIT'), 200);
    await writeWhenFree(a, insert, { maxWaitMs: 5_000 });
    expect(a.prepare('SELECT count(*) FROM t').pluck().get()).toBe(1);
    a.close();
    b.close();
  });
});
