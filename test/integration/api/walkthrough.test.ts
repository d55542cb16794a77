import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, serve, type Served } from '../../helpers/serveProcess';

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const proc = spawn('bash', [join(ROOT, 'scripts', 'walkthrough.sh'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    proc.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** scripts/walkthrough.sh, as a user runs it, against `serve` (the built bundle) on its own port. */
describe.skipIf(!hasCurl)('scripts/walkthrough.sh', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve();
  });
  afterAll(async () => served?.stop());

  it("runs the original's four steps with the token from the data directory", async () => {
    const { code, out, err } = await run([served.origin, served.dataDir], { ROWS: '20000', OUTLIER_DESK_TOKEN: '' });
    expect(err).toBe('');
    expect(code).toBe(0);
    const steps = [...out.matchAll(/^== (.*)$/gm)].map((m) => m[1]);
    expect(steps).toEqual([
      '1. generate sample data: POST /data/generate_sample',
      '2. train the models: POST /model/train_models',
      '3. detect an entry: POST /outlier/detect',
      '4. reload the models: POST /outlier/reload_models',
    ]);
    expect(out).toContain('20000 rows of sample data saved');
    expect(out).toMatch(/"reason": "[0-3] out of 3 models flagged it as an anomaly\."/);
    expect(out).toMatch(/"score": "[-0-9.e+]+"/);
    expect(out).toContain('Models reloaded successfully.');
    expect(out.trimEnd().endsWith('walkthrough: done')).toBe(true);
  });

  it('takes $OUTLIER_DESK_TOKEN, and stops with the status when a step is refused', async () => {
    const refused = await run([served.origin], { OUTLIER_DESK_TOKEN: 'not-the-token' });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('walkthrough: POST /data/generate_sample answered HTTP 401');
    const missing = await run([served.origin, join(served.dataDir, 'nowhere')], { OUTLIER_DESK_TOKEN: '' });
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no token/);
  });
});
