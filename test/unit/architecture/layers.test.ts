/**
 * The main process's layers (ARCHITECTURE.md) are enforced by `npm run lint`: for each module, an
 * import that points up or sideways is an error, and the imports it is allowed are not.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/serveProcess';

const eslint = new ESLint({ cwd: ROOT });

async function refusals(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: `${ROOT}/${file}` });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const WRONG_WAY: Array<[file: string, from: string]> = [
  ['src/main/store/x.ts', '../ingest/logWriter'],
  ['src/main/detectors/x.ts', '../store/db'],
  ['src/main/detectors/x.ts', 'better-sqlite3'],
  ['src/main/features/x.ts', '../models/modelService'],
  ['src/main/feedback/x.ts', '../ingest/sourceRepo'],
  ['src/main/features/x.ts', '../search/language'],
  ['src/main/store/x.ts', '../models/scheduler'],
  ['src/main/store/x.ts', '../http/security'],
  ['src/main/ingest/x.ts', '../queries/anomalies'],
  ['src/main/ingest/parse/x.ts', '../../queries/overview'],
  ['src/main/search/x.ts', '../ingest/parse'],
  ['src/main/queries/x.ts', '../models/modelService'],
  ['src/main/models/x.ts', '../queries/anomalies'],
  ['src/main/models/x.ts', 'electron'],
  ['src/main/features/x.ts', '../ingest/ingestService'],
  ['src/main/models/x.ts', '../api'],
  ['src/main/models/x.ts', '../incidents/group'],
  ['src/main/incidents/x.ts', '../api'],
  ['src/main/models/x.ts', '../http/server'],
  ['src/main/api/x.ts', '../engine'],
  ['src/main/api/x.ts', '../http/sse'],
  ['src/main/engine.ts', './http/validation'],
  ['src/main/engine.ts', './ipc/register'],
  ['src/main/http/x.ts', '../ingest/ingestService'],
  ['src/main/ipc/x.ts', '../http/server'],
  ['src/main/desktop/x.ts', '../engine'],
  ['src/main/desktop/x.ts', 'electron'],
  ['src/main/events.ts', './store/db'],
  ['src/main/fleet/x.ts', '../api'],
  ['src/main/fleet/x.ts', '../events'],
  ['src/main/fleet/x.ts', 'electron'],
  ['src/main/store/x.ts', '../fleet/fleetService'],
];

const RIGHT_WAY: Array<[file: string, from: string]> = [
  ['src/main/models/x.ts', '../detectors/ensemble'],
  ['src/main/models/x.ts', '../../shared/events'],
  ['src/main/queries/x.ts', '../ingest/rawLine'],
  ['src/main/ingest/parse/x.ts', '../../store/db'],
  ['src/main/engine.ts', './api'],
  ['src/main/http/x.ts', '../api/dispatch'],
  ['src/main/ipc/x.ts', 'electron'],
  ['src/main/index.ts', './desktop/menu'],
  ['src/main/api/x.ts', '../fleet/fleetService'],
  ['src/main/engine.ts', './fleet/fleetService'],
  ['src/main/fleet/x.ts', '../store/secretStore'],
  ['src/main/fleet/x.ts', '../detectors/iforest'],
];

describe('main-process layers', () => {
  it.each(WRONG_WAY)('%s may not import %s', async (file, from) => {
    const messages = await refusals(file, `import { x } from '${from}';`);
    expect(messages.length, messages.join('\n')).toBe(1);
    expect(messages[0]).toMatch(/may (import only|not use)/);
  });

  it.each(RIGHT_WAY)('%s may import %s', async (file, from) => {
    expect(await refusals(file, `import { x } from '${from}';`)).toEqual([]);
  });
});
