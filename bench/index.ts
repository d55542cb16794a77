/**
 * `npm run bench`: every benchmark, each in a fresh child process (so peak RSS and JIT state
 * belong to one benchmark), printed as one JSON object. `--only a,b` picks sections; the opt-in
 * sections (OPT_IN: long runs with gigabytes on disk) run only when named there.
 * `--http-client` is internal: the separate client process of the `http` section.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { benchDropReady } from './dropReady';
import { benchFeatures } from './features';
import { benchFleet50m } from './fleet50m';
import { benchFirstPaint } from './firstPaint';
import { benchHttp } from './http';
import { detectClientChild, type ClientTarget } from './httpClient';
import { benchIngest } from './ingest';
import { benchIncidents } from './incidents';
import { benchIngestEngine } from './ingestEngine';
import { benchMl } from './ml';
import { benchModels } from './models';
import { benchParse } from './parse';
import { benchQuality } from './quality';
import { benchSearch } from './search';
import { benchStoreCeiling } from './storeCeiling';
import { benchTenMillion } from './tenMillion';

type Section = () => Promise<Record<string, unknown>>;

const SECTIONS: Record<string, Section> = {
  parse: benchParse,
  ingest_250k: () => benchIngest(250_000),
  ingest_1m: () => benchIngest(1_000_000),
  ingest_engine_1m: () => benchIngestEngine(1_000_000),
  drop_ready_1m: () => benchDropReady(1_000_000),
  store_ceiling_1m: () => benchStoreCeiling(1_000_000),
  features: benchFeatures,
  ml: benchMl,
  http: benchHttp,
  models: benchModels,
  ui_first_paint_1m: () => benchFirstPaint(1_000_000),
  quality: benchQuality,
  search_1m: benchSearch,
  incidents_1m: benchIncidents,
};

/**
 * Run only when named with `--only`: 10,000,000 lines end to end (~2.4 GB log, ~4 GB database,
 * ~20 minutes); fleet mode on 50,000,000 rows in a 2-shard ClickHouse (OD_FLEET_ROWS=N for a
 * smaller run).
 */
const OPT_IN: Record<string, Section> = {
  drop_ready_10m: () => benchTenMillion(10_000_000),
  fleet_50m: () => benchFleet50m(50_000_000),
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { section: { type: 'string' }, only: { type: 'string' }, 'http-client': { type: 'string' } },
  });
  // bench/http.ts runs its client as a child of its own: this bundle with the target as JSON.
  if (values['http-client']) return detectClientChild(JSON.parse(values['http-client']) as ClientTarget);
  if (values.section) {
    const run = SECTIONS[values.section] ?? OPT_IN[values.section];
    if (!run) throw new Error(`unknown section ${values.section}`);
    process.stdout.write(JSON.stringify(await run()));
    return;
  }
  const names = values.only ? values.only.split(',') : Object.keys(SECTIONS);
  const unknown = names.filter((n) => !(n in SECTIONS) && !(n in OPT_IN));
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')}`);
  const report: Record<string, unknown> = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
  };
  for (const name of names) {
    process.stderr.write(`bench: ${name}…\n`);
    const child = spawnSync(process.execPath, ['--expose-gc', process.argv[1], '--section', name], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
      // The engine's log would mix with the section's JSON on stdout.
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    });
    try {
      report[name] = JSON.parse(child.stdout);
    } catch {
      report[name] = { error: `exit ${child.status}` };
    }
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
