import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './tmp';

export const ROOT = join(__dirname, '..', '..');

export interface Served {
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** `npm run serve` as a user runs it (the built bundle), on a free port, in a fresh data directory. */
export async function serve(opts: { dataDir?: string } = {}): Promise<Served> {
  const bundle = join(ROOT, 'out', 'main', 'serve.js');
  if (!existsSync(bundle))
    throw new Error('out/main/serve.js is missing: run `npm run build` (npm test does it first)');
  const tmp = opts.dataDir ? null : tempDir('od-e2e-');
  const dataDir = opts.dataDir ?? tmp!.dir;
  const proc = spawn(process.execPath, [bundle, '--data-dir', dataDir, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (m) resolve(m[1]);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    dataDir,
    proc,
    stop: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      tmp?.cleanup();
    },
  };
}
