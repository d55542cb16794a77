import { Engine } from '../../../src/main/engine';
import { tempDir } from '../../helpers/tmp';

export interface EngineFixture {
  engine: Engine;
  dir: string;
  reopen(): Promise<Engine>;
  close(): Promise<void>;
}

/** A real engine on a real SQLite file in a temp directory, reopenable to test restarts. */
export async function engineFixture(): Promise<EngineFixture> {
  const t = tempDir();
  const fx: EngineFixture = {
    engine: await Engine.start({ dataDir: t.dir }),
    dir: t.dir,
    reopen: async () => {
      await fx.engine.close();
      fx.engine = await Engine.start({ dataDir: t.dir });
      return fx.engine;
    },
    close: async () => {
      await fx.engine.close();
      t.cleanup();
    },
  };
  return fx;
}

export function count(engine: Engine, sql: string, ...params: unknown[]): number {
  return engine.db
    .prepare(sql)
    .pluck()
    .get(...params) as number;
}

/** Every (source, line_no) at most once, and the raw lines of a source in file order. */
export function rawLines(engine: Engine, sourceId: number): string[] {
  return engine.db
    .prepare('SELECT raw FROM logs WHERE source_id = ? ORDER BY line_no')
    .pluck()
    .all(sourceId) as string[];
}

export function duplicateLines(engine: Engine): number {
  return count(engine, 'SELECT count(*) FROM (SELECT 1 FROM logs GROUP BY source_id, line_no HAVING count(*) > 1)');
}
