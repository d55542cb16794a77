import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Log files handed to the app by the system: on the command line (`outlier-desk access.log`),
 * through "Open with" (the path in argv on Windows and Linux, an `open-file` event on macOS) and
 * from a second launch while the app runs (its argv, forwarded by the single-instance lock).
 * Electron-free so it can be tested as is.
 */

export interface ArgvOptions {
  /**
   * Started as `electron <app> …` (process.defaultApp): the first argument that is not a switch
   * is the app, not a file. A packaged app has only its executable before the arguments.
   */
  defaultApp: boolean;
  /** Relative paths are relative to this (the launching shell's directory for a second instance). */
  cwd: string;
  /** What exists: files and folders are kept, anything else dropped. Defaults to the file system. */
  kind?: (path: string) => 'file' | 'folder' | null;
}

function fsKind(path: string): 'file' | 'folder' | null {
  try {
    const st = statSync(path);
    return st.isFile() ? 'file' : st.isDirectory() ? 'folder' : null;
  } catch {
    return null;
  }
}

/**
 * The files and folders named in an argv, absolute, each once, in order. The executable (and the
 * app path under `electron <app>`) and switches (`--foo`, `--foo=bar`, `-x`) are skipped, as are
 * the switches Chromium adds to a second instance;
 * `file://` URLs (some Linux desktops pass %U) become paths; after `--` everything is a path.
 */
export function pathsFromArgv(argv: readonly string[], opts: ArgvOptions): string[] {
  const kind = opts.kind ?? fsKind;
  const out: string[] = [];
  let literal = false;
  let appPathPending = opts.defaultApp;
  for (const arg of argv.slice(1)) {
    if (!literal && arg === '--') {
      literal = true;
      continue;
    }
    if (!arg || (!literal && arg.startsWith('-'))) continue;
    if (appPathPending) {
      // Switches may come before it (Playwright and debuggers put --inspect etc. first).
      appPathPending = false;
      continue;
    }
    let path: string;
    try {
      path = /^file:\/\//i.test(arg) ? fileURLToPath(arg) : arg;
    } catch {
      continue;
    }
    const abs = isAbsolute(path) ? resolve(path) : resolve(opts.cwd, path);
    if (kind(abs) === null || out.includes(abs)) continue;
    out.push(abs);
  }
  return out;
}

/**
 * Paths that arrive before the engine can take them (macOS sends `open-file` before `ready`) wait
 * here; once a handler is attached they are passed on at once. Each path is handled once even if
 * the system sends it twice in a row.
 */
export class OpenQueue {
  private waiting: string[] = [];
  private handler: ((paths: string[]) => void) | null = null;

  push(paths: readonly string[]): void {
    const fresh = paths.filter((p) => !this.waiting.includes(p));
    if (!fresh.length) return;
    if (this.handler) this.handler([...fresh]);
    else this.waiting.push(...fresh);
  }

  attach(handler: (paths: string[]) => void): void {
    this.handler = handler;
    const queued = this.waiting;
    this.waiting = [];
    if (queued.length) handler(queued);
  }

  get pending(): readonly string[] {
    return this.waiting;
  }
}

/** How one path turned out when added as a source. */
export type OpenOutcome =
  | { path: string; result: 'added'; sourceId: number }
  | { path: string; result: 'already' }
  | { path: string; result: 'failed'; message: string };

/**
 * Adds each path as a source through the engine's contract (`addSource`). A path that is already
 * a source is not an error (opening the same log twice just shows it).
 */
export async function addPathsAsSources(
  paths: readonly string[],
  addSource: (input: { path: string }) => Promise<{ id: number }>,
): Promise<OpenOutcome[]> {
  const outcomes: OpenOutcome[] = [];
  for (const path of paths) {
    try {
      const s = await addSource({ path });
      outcomes.push({ path, result: 'added', sourceId: s.id });
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      if (status === 409) outcomes.push({ path, result: 'already' });
      else outcomes.push({ path, result: 'failed', message: (err as Error).message });
    }
  }
  return outcomes;
}

/** One line for a dialog or log about the paths that could not be added, or null when all went well. */
export function describeFailures(outcomes: readonly OpenOutcome[]): string | null {
  const failed = outcomes.filter((o): o is Extract<OpenOutcome, { result: 'failed' }> => o.result === 'failed');
  if (!failed.length) return null;
  return failed.map((f) => `${f.path}: ${f.message}`).join('\n');
}
