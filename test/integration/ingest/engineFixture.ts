import { Engine } from '../../../src/main/engine';
import { readRawLine } from '../../../src/main/ingest/rawLine';
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

/** The raw lines of a source in file order: kept copies, or read back from the file as the detail view does. */
export function rawLines(engine: Engine, sourceId: number): Array<string | null> {
  const rows = engine.db
    .prepare(
      `SELECT l.raw, l.byte_offset, l.ip, l.status, s.path FROM logs l JOIN sources s ON s.id = l.source_id
       WHERE l.source_id = ? ORDER BY l.line_no`,
    )
    .all(sourceId) as Array<{
    raw: string | null;
    byte_offset: number | null;
    ip: string;
    status: number;
    path: string;
  }>;
  return rows.map((r) => r.raw ?? (r.byte_offset === null ? null : readRawLine(r.path, r.byte_offset, r)));
}

export function duplicateLines(engine: Engine): number {
  return count(engine, 'SELECT count(*) FROM (SELECT 1 FROM logs GROUP BY source_id, line_no HAVING count(*) > 1)');
}
