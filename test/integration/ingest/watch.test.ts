import { appendFileSync, copyFileSync, mkdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../helpers/wait';
import { count, duplicateLines, engineFixture, rawLines, type EngineFixture } from './engineFixture';

/** A distinct, parseable line per number, so loss and duplication are visible. */
const entry = (n: number) =>
  `10.0.${(n >> 8) & 255}.${n & 255} - - [10/Oct/2023:13:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')} +0000] "GET /item/${n} HTTP/1.1" 200 ${n} "-" "test"`;
const lines = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => entry(from + i) + '\n').join('');
const endpoints = (fx: EngineFixture) =>
  fx.engine.db.prepare('SELECT endpoint FROM logs ORDER BY id').pluck().all() as string[];
const expectItems = (got: string[], from: number, to: number) =>
  expect([...got].sort()).toEqual(Array.from({ length: to - from }, (_, i) => `/item/${from + i}`).sort());

describe('watched files', () => {
  let fx: EngineFixture;
  beforeEach(async () => (fx = await engineFixture()));
  afterEach(async () => fx.close());

  async function follow(name: string, initial: string) {
    const path = join(fx.dir, name);
    writeFileSync(path, initial);
    const s = await fx.engine.api.addSource({ path, format: 'combined', watch: true });
    await fx.engine.ingest.idle();
    return { path, id: s.id };
  }

  it('picks up appended lines, and waits for a partial last line to be finished', async () => {
    const { path, id } = await follow('access.log', lines(0, 100));
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(100);
    const partial = entry(100);
    appendFileSync(path, lines(100, 150) + partial.slice(0, 20));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 150, 'appended lines');
    appendFileSync(path, partial.slice(20) + '\n');
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 151, 'the completed partial line');
    expect(rawLines(fx.engine, id)).toEqual([...lines(0, 150).trimEnd().split('\n'), partial]);
    const src = (await fx.engine.api.listSources({}))[0];
    expect(src).toMatchObject({ status: 'watching', lines: 151, parseErrors: 0 });
  });

  it('follows a rename rotation, draining lines written to the old file during the rotation', async () => {
    const { path } = await follow('access.log', lines(0, 200));
    appendFileSync(path, lines(200, 250));
    renameSync(path, path + '.1');
    appendFileSync(path + '.1', lines(250, 300)); // the writer still had the old file open
    writeFileSync(path, lines(300, 400));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 400, 'all 400 lines');
    appendFileSync(path, lines(400, 420));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 420, 'lines after rotation');
    expectItems(endpoints(fx), 0, 420);
    expect(duplicateLines(fx.engine)).toBe(0);
  });

  it('follows copytruncate (the file shrinks) and appends after it', async () => {
    const { path } = await follow('access.log', lines(0, 300));
    copyFileSync(path, path + '.1');
    truncateSync(path, 0);
    appendFileSync(path, lines(300, 340));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 340, 'lines after the truncation');
    appendFileSync(path, lines(340, 360));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 360, 'later appends');
    expectItems(endpoints(fx), 0, 360);
    expect(duplicateLines(fx.engine)).toBe(0);
  });

  it('survives deletion and re-creation of the file', async () => {
    const { path, id } = await follow('access.log', lines(0, 50));
    rmSync(path);
    await waitFor(async () => (await fx.engine.api.listSources({}))[0].status === 'missing', 'missing status');
    writeFileSync(path, lines(50, 80));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 80, 'lines of the new file');
    expect(rawLines(fx.engine, id)).toHaveLength(80);
    expectItems(endpoints(fx), 0, 80);
  });

  it('resumes from the stored offset after a restart, and rereads a replaced file', async () => {
    const { path } = await follow('access.log', lines(0, 100));
    await fx.engine.close();
    appendFileSync(path, lines(100, 130));
    await fx.reopen();
    await fx.engine.ingest.idle();
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(130);
    expectItems(endpoints(fx), 0, 130);

    await fx.engine.close();
    rmSync(path);
    writeFileSync(path, lines(1000, 1010) + lines(1010, 1200)); // a different file at the same path
    await fx.reopen();
    await fx.engine.ingest.idle();
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(130 + 200);
    expect(duplicateLines(fx.engine)).toBe(0);
  });

  it('watches a folder: every log file in it, new ones picked up, rotated copies not read twice', async () => {
    const dir = join(fx.dir, 'logs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), lines(0, 10));
    writeFileSync(join(dir, 'b.log'), lines(10, 30));
    writeFileSync(join(dir, '.hidden'), 'secret\n');
    const folder = await fx.engine.api.addSource({ path: dir, format: 'auto', watch: true });
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 30, 'the first two files');
    writeFileSync(join(dir, 'c.log'), lines(30, 45));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 45, 'a new file');
    renameSync(join(dir, 'a.log'), join(dir, 'a.log.1'));
    writeFileSync(join(dir, 'a.log'), lines(45, 50));
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 50, 'the re-created file');
    expectItems(endpoints(fx), 0, 50);
    const sources = await fx.engine.api.listSources({});
    expect(
      sources
        .filter((s) => s.parentId === folder.id)
        .map((s) => s.path.split('/').pop())
        .sort(),
    ).toEqual(['a.log', 'b.log', 'c.log']);
  });

  it('pauses and resumes a source', async () => {
    const { path, id } = await follow('access.log', lines(0, 10));
    await fx.engine.api.pauseSource({ id });
    appendFileSync(path, lines(10, 20));
    expect((await fx.engine.api.listSources({}))[0].status).toBe('paused');
    await fx.engine.api.resumeSource({ id });
    await waitFor(() => count(fx.engine, 'SELECT count(*) FROM logs') === 20, 'lines after resume');
    await fx.engine.api.removeSource({ id });
    expect(count(fx.engine, 'SELECT count(*) FROM logs')).toBe(0);
  });
});
