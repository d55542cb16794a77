/**
 * File sources read regular files only; a symbolic link is followed only when the analyst chose it.
 *
 * - A path the analyst adds (POST /sources, drag-and-drop) may be a link they chose: it is resolved
 *   once, when added, and the source keeps the resolved path. Its target must be a regular file
 *   (a file source) or a folder (a folder source); anything else is refused with a 400.
 * - After that no link is followed. A file inside a watched folder, and every (re)open of a
 *   source's file (first read, rotation, copytruncate, restart), is read only when lstat shows a
 *   regular file. Whoever can write into a watched folder can plant links, FIFOs and devices: none
 *   is opened, nothing of it is stored, and its source row says why it was skipped. A watched
 *   folder's own path is checked the same way: a link put in its place is not followed.
 * - The open closes the race with that check: O_NOFOLLOW (a link swapped in fails to open),
 *   O_NONBLOCK (a FIFO swapped in cannot hold a threadpool thread), O_NOCTTY; then fstat of the
 *   descriptor must show a regular file with the device and inode the check saw.
 *
 * Not covered: whoever can write to a folder above a source's path can redirect that path (as they
 * could move the folder); hard links to other users' files are left to the kernel's
 * protected_hardlinks. Windows lacks O_NOFOLLOW and O_NONBLOCK: there the lstat and the
 * device/inode comparison remain.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, type FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ApiError } from '../../shared/api';

export type FileType =
  'symbolic link' | 'FIFO' | 'character device' | 'block device' | 'socket' | 'folder' | 'special file';

/** Why a path is not read; the file itself is never opened (or closed at once). */
export interface Refused {
  state: 'refused';
  type: FileType;
}
export interface Missing {
  state: 'missing';
}
export type FileCheck = { state: 'regular'; dev: number; ino: number; size: number } | Missing | Refused;
export type Opened = { state: 'open'; fh: FileHandle; size: number } | Missing | Refused;

const OPEN_FLAGS =
  constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
/** A rotation between the check and the open is checked again, this many times in a row at most. */
const OPEN_ATTEMPTS = 3;

const codeOf = (err: unknown): string => String((err as { code?: unknown } | null)?.code ?? '');
const isGone = (err: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes(codeOf(err));

function fileType(st: Stats): FileType | 'regular' {
  if (st.isFile()) return 'regular';
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isFIFO()) return 'FIFO';
  if (st.isCharacterDevice()) return 'character device';
  if (st.isBlockDevice()) return 'block device';
  if (st.isSocket()) return 'socket';
  return st.isDirectory() ? 'folder' : 'special file';
}

/** What is at `path` itself (lstat: a link is reported, not followed). */
export async function checkRegularFile(path: string): Promise<FileCheck> {
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (err) {
    if (isGone(err)) return { state: 'missing' };
    throw err;
  }
  const type = fileType(st);
  if (type !== 'regular') return { state: 'refused', type };
  return { state: 'regular', dev: st.dev, ino: st.ino, size: st.size };
}

/**
 * Opens the regular file a check saw at `path`, refusing whatever was swapped in since. Returns
 * null when a different regular file is there now (a rotation in between): check again.
 */
export async function openRegularFile(path: string, checked: { dev: number; ino: number }): Promise<Opened | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (err) {
    // ELOOP: O_NOFOLLOW met a link (EMLINK on FreeBSD).
    if (['ELOOP', 'EMLINK'].includes(codeOf(err))) return { state: 'refused', type: 'symbolic link' };
    if (isGone(err)) return { state: 'missing' };
    throw err;
  }
  try {
    const st = await fh.stat();
    const type = fileType(st);
    if (type === 'regular' && st.dev === checked.dev && st.ino === checked.ino) {
      return { state: 'open', fh, size: st.size };
    }
    await fh.close();
    return type === 'regular' ? null : { state: 'refused', type };
  } catch (err) {
    await fh.close().catch(() => undefined);
    throw err;
  }
}

/** Checks `path` and opens it when it is a regular file (see the rule at the top). */
export async function openLogFile(path: string): Promise<Opened> {
  for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
    const found = await checkRegularFile(path);
    if (found.state !== 'regular') return found;
    const opened = await openRegularFile(path, found);
    if (opened) return opened;
  }
  throw new Error(`${path} kept changing while it was being opened (tried again later)`);
}

/** The source's error for a file that is not read. */
export function refusalMessage(path: string, type: FileType, inWatchedFolder: boolean): string {
  const name = inWatchedFolder ? basename(path) : path;
  if (type !== 'symbolic link') return `skipped ${name}: not a regular file (${type})`;
  return inWatchedFolder
    ? `skipped ${name}: a symbolic link inside a watched folder is not followed`
    : `skipped ${name}: it is a symbolic link now, and a link is followed only when the source is added ` +
        '(remove the source and add the path again to follow it)';
}

/** A watched folder's own path: a link put in its place since it was added is not followed. */
export async function checkFolder(
  dir: string,
): Promise<{ state: 'folder'; ino: number } | { state: 'gone'; message: string }> {
  const st = await lstat(dir).catch(() => null);
  const type = st === null ? null : fileType(st);
  if (st !== null && type === 'folder') return { state: 'folder', ino: st.ino };
  const why =
    type === null
      ? 'does not exist'
      : type === 'symbolic link'
        ? 'is a symbolic link now, and a link is followed only when the source is added'
        : `is not a folder now (${type})`;
  return { state: 'gone', message: `${dir} ${why} (waiting for it to reappear)` };
}

/**
 * A path the analyst adds: links resolved once, here. The source keeps `path` (the target), so
 * later reads never follow a link the analyst did not choose.
 */
export async function resolveChosenPath(
  input: string,
): Promise<{ path: string; kind: 'file' | 'folder'; size: number }> {
  const given = resolve(input);
  const path = await realpath(given).catch(() => null);
  const st = path === null ? null : await lstat(path).catch(() => null);
  if (path === null || st === null) throw new ApiError(400, `path: ${given} does not exist`);
  const type = fileType(st);
  if (type === 'regular') return { path, kind: 'file', size: st.size };
  if (type === 'folder') return { path, kind: 'folder', size: 0 };
  const target = path === given ? '' : ` (it leads to ${path})`;
  throw new ApiError(400, `path: ${given} is neither a regular file nor a folder${target}: it is a ${type}`);
}
