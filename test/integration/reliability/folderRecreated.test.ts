import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Source } from '../../../src/shared/schemas/sources';
import { waitFor } from '../../helpers/wait';
import { count, duplicateLines, engineFixture, type EngineFixture } from '../ingest/engineFixture';
import { lineNumbersContiguous, lines, range, storedItems } from './logLines';

/**
 * A watched folder deleted and re-created. Documented behaviour: lines still in a file when the
 * folder goes are read (from the open handle) before it is marked missing; a re-created folder
 * is read as a new one, so each file in it is read from its start (a file re-created with the
 * same content as before is therefore stored again: it is a new file), rotated copies included;
 * files that do not come back stay 'missing' with the lines they had.
 */
describe('watched folder deleted and re-created', () => {
  let fx: EngineFixture;
  beforeEach(async () => (fx = await engineFixture()));
  afterEach(async () => fx.close());

  const sources = () => fx.engine.api.listSources({});
  const byName = (all: Source[], name: string) => all.find((s) => s.path.endsWith(`/${name}`));
  const total = () => count(fx.engine, 'SELECT count(*) FROM logs');

  it('marks it missing, then reads the re-created folder (new files too) with nothing lost or doubled', async () => {
    const dir = join(fx.dir, 'logs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), lines(0, 10));
    writeFileSync(join(dir, 'b.log'), lines(10, 30));
    const folder = await fx.engine.api.addSource({ path: dir, format: 'combined', watch: true });
    await waitFor(() => total() === 30, 'the first two files');

    // Lines written just before the folder goes must not be lost.
    appendFileSync(join(dir, 'a.log'), lines(30, 35));
    rmSync(dir, { recursive: true });
    await waitFor(async () => {
      const all = await sources();
      return all.every((s) => s.status === 'missing') && all.length === 3;
    }, 'the folder and its files to be marked missing');
    expect(total()).toBe(35);
    expect(byName(await sources(), 'logs')!.error).toMatch(/does not exist/);

    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), lines(100, 107)); // a new a.log: read from its start
    writeFileSync(join(dir, 'c.log'), lines(200, 204)); // a name never seen before
    writeFileSync(join(dir, 'c.log.1'), lines(300, 302)); // history in the new folder: read too
    await waitFor(() => total() === 35 + 7 + 4 + 2, 'the re-created folder');
    await waitFor(async () => byName(await sources(), 'logs')!.status === 'watching', 'the folder to be watched again');

    // The new watcher works.
    writeFileSync(join(dir, 'd.log'), lines(400, 403));
    await waitFor(() => total() === 48 + 3, 'a file added after the re-creation');

    const all = await sources();
    expect(
      all
        .filter((s) => s.parentId === folder.id)
        .map((s) => s.path.split('/').pop())
        .sort(),
    ).toEqual(['a.log', 'b.log', 'c.log', 'c.log.1', 'd.log']);
    expect(byName(all, 'a.log')).toMatchObject({ status: 'watching', lines: 22 });
    expect(byName(all, 'b.log')).toMatchObject({ status: 'missing', lines: 20 });
    expect(storedItems(fx.engine)).toEqual([
      ...range(0, 35),
      ...range(100, 107),
      ...range(200, 204),
      ...range(300, 302),
      ...range(400, 403),
    ]);
    expect(duplicateLines(fx.engine)).toBe(0);
    for (const s of all.filter((s) => s.kind === 'file')) expect(lineNumbersContiguous(fx.engine, s.id)).toBe(true);
  });

  it('notices a folder deleted and re-created between two polls', async () => {
    const dir = join(fx.dir, 'logs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), lines(0, 5));
    await fx.engine.api.addSource({ path: dir, format: 'combined', watch: true });
    await waitFor(() => total() === 5, 'the first file');

    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.log'), lines(10, 13));
    writeFileSync(join(dir, 'e.log'), lines(20, 24));
    await waitFor(() => total() === 5 + 3 + 4, 'both files of the re-created folder', 15_000);
    appendFileSync(join(dir, 'e.log'), lines(24, 26));
    await waitFor(() => total() === 14, 'later lines');
    expect(storedItems(fx.engine)).toEqual([...range(0, 5), ...range(10, 13), ...range(20, 26)]);
    expect(duplicateLines(fx.engine)).toBe(0);
  });
});
