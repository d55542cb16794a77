import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './db';
import type { WriteGate } from './writeGate';

/** How long one ingest write waits for another program's lock before the source shows an error. */
export const LOCK_WAIT_MS = 30_000;
const FIRST_DELAY_MS = 25;
const MAX_DELAY_MS = 1_000;

const codeOf = (err: unknown): string =>
  typeof (err as { code?: unknown } | null)?.code === 'string' ? (err as { code: string }).code : '';

/** SQLITE_BUSY and its extended codes: another connection holds the write lock; waiting helps. */
export const isBusy = (err: unknown): boolean => /^SQLITE_BUSY/.test(codeOf(err));

/** The disk is full, or the database reached its size limit (max_page_count). */
export const isFull = (err: unknown): boolean =>
  codeOf(err) === 'SQLITE_FULL' ||
  /ENOSPC|disk is full/i.test(`${codeOf(err)} ${(err as Error | null)?.message ?? ''}`);

/** A write refused because there is no room: the source says so, and is retried. */
export class DatabaseFullError extends Error {
  readonly code = 'SQLITE_FULL';
  constructor(cause: unknown) {
    super(
      'The database is full: the disk has no space left or the database reached its size limit. ' +
        'Nothing is lost: reading resumes after the last stored line once there is room again ' +
        `(retried every few seconds). SQLite said: ${(cause as Error).message}`,
      { cause },
    );
    this.name = 'DatabaseFullError';
  }
}

/** Another program kept the database locked for longer than one write waits. */
export class DatabaseLockedError extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor(waitedMs: number, cause: unknown) {
    super(
      `The database is locked by another program (waited ${Math.round(waitedMs / 1000)} s). ` +
        'Nothing is lost: the lines are stored once it lets go (retried every few seconds). ' +
        `SQLite said: ${(cause as Error).message}`,
      { cause },
    );
    this.name = 'DatabaseLockedError';
  }
}

/** Turns SQLite's terse storage errors into the ones above; anything else is returned as is. */
export function explainWriteError(err: unknown): Error {
  if (err instanceof DatabaseFullError || err instanceof DatabaseLockedError) return err;
  if (isFull(err)) return new DatabaseFullError(err);
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Runs a synchronous write without SQLite's busy handler. The connection's busy_timeout makes a
 * blocked write spin inside the native call, freezing the event loop (API, UI, timers) for up to
 * that long; here it fails at once with SQLITE_BUSY and the caller waits asynchronously instead.
 */
export function withoutBusyWait<T>(db: Db, fn: () => T): T {
  const before = db.pragma('busy_timeout', { simple: true }) as number;
  if (!before) return fn();
  db.pragma('busy_timeout = 0');
  try {
    return fn();
  } finally {
    db.pragma(`busy_timeout = ${before}`);
  }
}

export interface WriteWhenFreeOptions {
  /** Every attempt runs through `gate.write`: an exclusive writer of this process goes first. */
  gate?: WriteGate;
  maxWaitMs?: number;
}

/**
 * A write that waits for the database: while another program holds the lock it retries with a
 * growing pause (never blocking the event loop), up to `maxWaitMs`; a full disk or database
 * becomes a DatabaseFullError at once (waiting does not make room).
 */
export async function writeWhenFree<T>(db: Db, fn: () => T, opts: WriteWhenFreeOptions = {}): Promise<T> {
  const maxWaitMs = opts.maxWaitMs ?? LOCK_WAIT_MS;
  const start = Date.now();
  let delay = FIRST_DELAY_MS;
  const attempt = () => withoutBusyWait(db, fn);
  while (true) {
    try {
      return opts.gate ? await opts.gate.write(attempt) : attempt();
    } catch (err) {
      if (!isBusy(err)) throw explainWriteError(err);
      const waited = Date.now() - start;
      if (waited >= maxWaitMs) throw new DatabaseLockedError(waited, err);
      await sleep(Math.min(delay, maxWaitMs - waited));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
