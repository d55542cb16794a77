import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';

/** How `dropPageCache` emptied the cache: the kernel-wide switch (root outside a container) or per-file advice. */
export type DropMethod = 'drop_caches' | 'fadvise_dontneed';

/**
 * Evicts `files` from the OS page cache so the next read comes from the disk: writes back dirty
 * pages, then the kernel-wide `drop_caches` when it is writable, else POSIX_FADV_DONTNEED per
 * file (GNU dd's `iflag=nocache count=0`; Node has no fadvise). Only the guest's cache: a
 * virtual machine's host may still hold the blocks.
 */
export function dropPageCache(files: string[]): DropMethod {
  run('sync', []);
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return 'drop_caches';
  } catch {
    // Read-only in containers, even as root.
  }
  for (const f of files) if (existsSync(f)) run('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']);
  return 'fadvise_dontneed';
}

/** Bytes of `files` resident in the page cache (util-linux fincore), to show the drop took; null without fincore. */
export function residentBytes(files: string[]): number | null {
  const present = files.filter((f) => existsSync(f));
  if (!present.length) return 0;
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES', ...present], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return null;
  return r.stdout
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + Number(line), 0);
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}
