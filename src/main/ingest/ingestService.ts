import type { Readable } from 'node:stream';
import { watch, type FSWatcher } from 'chokidar';
import { ApiError } from '../../shared/api';
import type { AppConfig, LogFormatChoice } from '../../shared/config';
import type { Source } from '../../shared/schemas/sources';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { getSource } from './sources';
import type { Db } from '../store/db';
import { explainWriteError, withoutBusyWait, writeWhenFree } from '../store/writeErrors';
import { FileSource } from './fileSource';
import { isRotatedCopy, listLogFiles, isLogFileName } from './folderScan';
import { LineIngester, type LineIngesterHooks } from './lineIngester';
import { LogWriter, type Committed, type SourceCursor } from './logWriter';
import { createParser, detectFormat, LineSplitter, type LogFormat } from './parse';
import { checkFolder, resolveChosenPath } from './regularFile';
import { SourceRepo } from './sourceRepo';
import type { WriteGate } from '../store/writeGate';

/** How often followed files are checked even without a watcher event (the "within a second" bound). */
const POLL_MS = 500;
const PROGRESS_EVERY_MS = 250;
/**
 * A read that commits with more than this much of its file still to come is a bulk import: it
 * commits in spans of several batches (LineIngester's SPAN_LINES), and its commits do not call onRows (the per-commit feature and search updates would cost as much as
 * the import itself); one call for all its rows follows when the read stops (end or failure).
 */
const BULK_BACKLOG_BYTES = 32 * 1024 * 1024;
const RETRY_MS = 5000;
/** Watched folders are listed again this often (in polls): a safety net for missed watcher events. */
const RESCAN_EVERY_POLLS = 4;

export interface IngestDeps {
  db: Db;
  events: EventBus;
  logger: Logger;
  config: () => AppConfig;
  gate: WriteGate;
  /** Called after every commit that inserted rows (features and scoring follow). */
  onRows: (c: Committed) => void;
  /** A source and its rows were deleted (before anything else runs on the connection). */
  onRemoved: () => void;
}

/** A watched folder: where it is, which directory (inode) we watch, and whether it exists now. */
interface FolderState {
  id: number;
  dir: string;
  format: LogFormatChoice;
  ino: number | null;
  missing: boolean;
  checking: boolean;
  polls: number;
  /** Children being created (their row waits for the database): one row per path. */
  adding: Map<string, Promise<number>>;
}

/**
 * Owns every source: files and folders (followed with chokidar plus a poll), uploads streamed
 * through the API, and the API's own entries. Every line goes through LineIngester/LogWriter.
 */
export class IngestService {
  readonly repo: SourceRepo;
  readonly writer: LogWriter;
  private readonly files = new Map<number, FileSource>();
  private readonly watchers = new Map<number, FSWatcher>();
  private readonly lastProgress = new Map<number, number>();
  private readonly retries = new Map<number, NodeJS.Timeout>();
  private readonly folders = new Map<number, FolderState>();
  private poll: NodeJS.Timeout | null = null;
  private closed = false;

  private readonly hooks: LineIngesterHooks;
  /** Per source: rows committed during a bulk read whose onRows is still to come. */
  private readonly deferred = new Map<number, Committed>();

  constructor(private readonly deps: IngestDeps) {
    this.repo = new SourceRepo(deps.db);
    this.writer = new LogWriter(deps.db);
    this.hooks = {
      beforeCommit: () => deps.gate.idle(),
      write: (fn) => this.write(fn),
      onCommit: (c, cur) => this.committed(c, cur),
      afterRead: (cur) => this.announceDeferred(cur.sourceId),
      bulk: {
        wanted: (cur) => cur.bytesTotal - cur.offset > BULK_BACKLOG_BYTES,
        hold: (fn) => deps.gate.exclusive(fn),
        write: (fn) => writeWhenFree(deps.db, fn),
      },
    };
  }

  /**
   * A small write from the ingest side: waits (asynchronously) for a database locked by another
   * program, and for a bulk import's open transaction (held under the gate) to commit first.
   */
  private write<T>(fn: () => T): Promise<T> {
    return writeWhenFree(this.deps.db, fn, { gate: this.deps.gate });
  }

  /** After a restart every file and folder continues from its stored offset. */
  async start(): Promise<void> {
    for (const s of this.repo.resumable()) {
      if (s.status === 'paused') continue;
      if (s.kind === 'folder') await this.watchFolder(s.id, s.path, false);
      else if (!this.files.has(s.id)) this.follow(s.id, s.path, s.follow, s.parentId !== null);
    }
    this.poll = setInterval(() => void this.pollAll(), POLL_MS);
    this.poll.unref();
    // Resuming runs in the background: the app and its API are usable while big files catch up.
    for (const f of this.files.values()) void f.sync().then(() => this.progress(f.sourceId, true));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    this.retries.forEach((t) => clearTimeout(t));
    await Promise.all([...this.watchers.values()].map((w) => w.close()));
    await Promise.all([...this.files.values()].map((f) => f.stop()));
    this.watchers.clear();
    this.files.clear();
    this.folders.clear();
  }

  /**
   * Adds a file or folder on this machine. Resolves once the source exists; reading goes on. A
   * link the analyst chose is resolved here, once; the source keeps its target (regularFile.ts).
   */
  async addPath(input: { path: string; format: LogFormatChoice; watch: boolean }): Promise<Source> {
    const { path, kind, size } = await resolveChosenPath(input.path);
    const existing = this.repo.byPath(path, kind);
    if (existing !== null) throw new ApiError(409, `${path} is already a source`);
    const id = await this.write(() => {
      const created = this.repo.create({ path, kind, format: input.format, follow: input.watch });
      if (kind !== 'folder') this.repo.setTotal(created, size);
      return created;
    });
    if (kind === 'folder') await this.watchFolder(id, path, true, input.format);
    else {
      const f = this.follow(id, path, input.watch);
      void f.sync().then(() => this.progress(id, true));
    }
    return getSource(this.deps.db, id)!;
  }

  /** Waits until every queued read has finished (tests, the sample generator). */
  async idle(id?: number): Promise<void> {
    const targets =
      id === undefined
        ? [...this.files.values()]
        : [...this.files.values()].filter((f) => f.sourceId === id || this.parentOf(f.sourceId) === id);
    await Promise.all(targets.map((f) => f.sync()));
  }

  async remove(id: number): Promise<boolean> {
    const ids = [id, ...this.repo.children(id).map((c) => c.id)];
    for (const i of ids) await this.unfollow(i);
    const removed = await this.write(() => this.repo.remove(id));
    if (removed) this.deps.onRemoved();
    return removed;
  }

  async pause(id: number): Promise<void> {
    const ids = [id, ...this.repo.children(id).map((c) => c.id)];
    for (const i of ids) {
      await this.unfollow(i);
      await this.write(() => this.repo.setStatus(i, 'paused'));
    }
  }

  async resume(id: number): Promise<void> {
    const s = this.repo.cursor(id);
    if (!s) return;
    const ids = [id, ...this.repo.children(id).map((c) => c.id)];
    await this.write(() => ids.forEach((i) => this.repo.setStatus(i, 'pending')));
    if (s.kind === 'folder') await this.watchFolder(id, s.path, false);
    else if (s.kind === 'file' || s.kind === 'sample') {
      void this.follow(id, s.path, s.follow, this.parentOf(id) !== null).sync();
    }
  }

  /** A stream of raw lines (browser upload, POST /ingest) as a source of its own. */
  async ingestStream(
    name: string,
    body: AsyncIterable<Buffer> | Readable,
    format: LogFormatChoice,
  ): Promise<SourceCursor> {
    const id = await this.write(() => this.repo.create({ path: name, kind: 'upload', format, status: 'ingesting' }));
    const cursor: SourceCursor = { sourceId: id, offset: 0, lines: 0, parseErrors: 0, identity: null, bytesTotal: 0 };
    const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    // Detect the format from the first chunk, then hand the same chunk to the ingester.
    const first = await iterator.next();
    const head: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
    let chosen: LogFormat | null = format === 'auto' ? null : format;
    chosen ??= detectFormat(new LineSplitter().push(head).map((l) => l.text)) ?? detectFormat([head.toString('utf8')]);
    if (!chosen) {
      await this.write(() => this.repo.setStatus(id, 'error', 'Unrecognised format: choose combined, jsonl or csv'));
      throw new ApiError(400, 'body: unrecognised log format (send ?format=combined|jsonl|csv)');
    }
    await this.write(() => this.repo.setFormat(id, chosen));
    const parser = createParser(chosen, this.deps.config().jsonMapping);
    const ingester = new LineIngester(this.writer, cursor, parser, this.hooks);
    async function* all(): AsyncGenerator<Buffer> {
      if (head.length) yield head;
      while (true) {
        const next = await iterator.next();
        if (next.done) return;
        yield Buffer.from(next.value);
      }
    }
    try {
      await ingester.consume(all(), { flushPartialLine: true });
      await this.write(() => this.repo.setStatus(id, 'done'));
    } catch (err) {
      await this.write(() => this.repo.setStatus(id, 'error', (err as Error).message)).catch(() => undefined);
      throw err;
    } finally {
      this.progress(id, true);
    }
    return cursor;
  }

  /** The source that holds entries sent to POST /outlier/detect. */
  apiSourceId(): number {
    return (
      this.repo.byPath('api', 'api') ??
      this.repo.create({ path: 'api', kind: 'api', format: 'jsonl', status: 'watching' })
    );
  }

  /** A finished file the app wrote itself (sample data): read once, not followed. */
  async ingestOnce(path: string, kind: Source['kind']): Promise<number> {
    const id = await this.write(() => this.repo.create({ path, kind, format: 'combined', follow: false }));
    const f = this.follow(id, path, false);
    await f.sync();
    this.progress(id, true);
    return id;
  }

  private follow(id: number, path: string, follow: boolean, inWatchedFolder = false): FileSource {
    let f = this.files.get(id);
    if (f) return f;
    f = new FileSource(
      {
        repo: this.repo,
        writer: this.writer,
        hooks: this.hooks,
        mapping: () => this.deps.config().jsonMapping,
        write: (fn) => this.write(fn),
        onError: (sid, err) => this.failed(sid, err),
      },
      id,
      path,
      follow,
      inWatchedFolder,
    );
    this.files.set(id, f);
    if (follow) this.watchFile(id, path);
    return f;
  }

  private async unfollow(id: number): Promise<void> {
    this.folders.delete(id);
    await this.watchers.get(id)?.close();
    this.watchers.delete(id);
    const f = this.files.get(id);
    this.files.delete(id);
    await f?.stop();
  }

  private watchFile(id: number, path: string): void {
    const w = watch(path, { ignoreInitial: true, persistent: false, atomic: false, followSymlinks: false });
    w.on('all', () => {
      if (this.retries.has(id)) return; // failed: the retry timer reads it again
      void this.files
        .get(id)
        ?.sync()
        .then(() => this.progress(id, true));
    });
    w.on('error', (err) => this.deps.logger.warn({ err, path }, 'file watcher error'));
    this.watchers.set(id, w);
  }

  private async watchFolder(id: number, dir: string, initial: boolean, format?: LogFormatChoice): Promise<void> {
    const state: FolderState = {
      id,
      dir,
      format: format ?? this.repo.cursor(id)?.format ?? 'auto',
      ino: null,
      missing: false,
      checking: false,
      polls: 0,
      adding: new Map(),
    };
    this.folders.set(id, state);
    await this.scanFolder(state, initial);
  }

  private isCurrent(state: FolderState): boolean {
    return !this.closed && this.folders.get(state.id) === state;
  }

  /**
   * (Re)reads a folder and watches it. Every log file in it is followed; at the first scan and
   * after the folder was re-created rotated copies too (`initial`), otherwise only files already
   * known or not named like a rotated copy. A folder that does not exist is marked missing and
   * scanned again, as a new folder, when the poll sees it return.
   */
  private async scanFolder(state: FolderState, initial: boolean): Promise<void> {
    const { id, dir } = state;
    const old = this.watchers.get(id);
    this.watchers.delete(id);
    await old?.close();
    const found = await checkFolder(dir);
    if (!this.isCurrent(state)) return;
    if (found.state !== 'folder') {
      state.missing = true;
      state.ino = null;
      await this.write(() => this.repo.setStatus(id, 'missing', found.message));
      return;
    }
    state.missing = false;
    state.ino = found.ino;
    const files = await listLogFiles(dir).catch(() => [] as string[]);
    await this.addFiles(state, files, initial);
    // Known files that are gone now: their FileSource says so, and reads them if they return.
    const listed = new Set(files);
    for (const c of this.repo.children(id)) if (!listed.has(c.path)) await this.addChild(state, c.path);
    if (!this.isCurrent(state)) return;
    await this.write(() => this.repo.setStatus(id, 'watching'));
    // Links in the folder are reported as themselves (their FileSource refuses them), never watched through.
    const w = watch(dir, { ignoreInitial: true, depth: 0, persistent: false, followSymlinks: false });
    w.on('add', (p) => void this.addFiles(state, [p], false));
    w.on('error', (err) => this.deps.logger.warn({ err, dir }, 'folder watcher error'));
    this.watchers.set(id, w);
  }

  private async addFiles(state: FolderState, paths: string[], initial: boolean): Promise<void> {
    for (const p of paths) {
      if (!isLogFileName(p)) continue;
      if (!initial && isRotatedCopy(p) && this.repo.childByPath(state.id, p) === null) continue;
      await this.addChild(state, p).catch((err: Error) =>
        this.deps.logger.warn({ err, path: p }, 'could not add a file of a watched folder (the next scan retries)'),
      );
    }
  }

  /** Follows one file of a folder, creating its source row the first time (once, however often asked). */
  private async addChild(state: FolderState, path: string): Promise<void> {
    let childId = this.repo.childByPath(state.id, path);
    if (childId === null) {
      let pending = state.adding.get(path);
      if (!pending) {
        pending = this.write(
          () =>
            this.repo.childByPath(state.id, path) ??
            this.repo.create({ path, kind: 'file', format: state.format, parentId: state.id }),
        ).finally(() => state.adding.delete(path));
        state.adding.set(path, pending);
      }
      childId = await pending;
    }
    if (!this.isCurrent(state)) return;
    const id = childId;
    const f = this.follow(id, path, true, true);
    void f.sync().then(() => this.progress(id, true));
  }

  /**
   * Notices a watched folder being deleted (marked missing; its files say so too) and coming back
   * or being replaced by a new directory (scanned again as a new folder: its files are read from
   * their start). Every few polls it also lists the folder, in case the watcher missed a file.
   */
  private async checkFolder(state: FolderState): Promise<void> {
    if (state.checking) return;
    state.checking = true;
    try {
      const found = await checkFolder(state.dir);
      if (!this.isCurrent(state)) return;
      if (found.state !== 'folder') {
        if (state.missing) return;
        state.missing = true;
        state.ino = null;
        const w = this.watchers.get(state.id);
        this.watchers.delete(state.id);
        await w?.close();
        await this.write(() => this.repo.setStatus(state.id, 'missing', found.message));
        this.progress(state.id, true);
      } else if (state.missing || found.ino !== state.ino) {
        this.deps.logger.info({ dir: state.dir }, 'watched folder re-created: reading it again');
        await this.scanFolder(state, true);
        this.progress(state.id, true);
      } else if (++state.polls % RESCAN_EVERY_POLLS === 0) {
        await this.addFiles(state, await listLogFiles(state.dir).catch(() => [] as string[]), false);
      }
    } catch (err) {
      this.deps.logger.warn({ err, dir: state.dir }, 'checking a watched folder failed');
    } finally {
      state.checking = false;
    }
  }

  private async pollAll(): Promise<void> {
    for (const state of this.folders.values()) void this.checkFolder(state);
    for (const f of this.files.values()) {
      // A source that failed waits for its retry timer: a full disk is not hammered twice a second.
      if (f.follow && !this.retries.has(f.sourceId)) void f.sync().then(() => this.progress(f.sourceId));
    }
  }

  private committed(c: Committed, cursor: Readonly<SourceCursor>): void {
    if (c.lastId >= c.firstId) {
      const held = this.deferred.get(c.sourceId);
      const all = held ? { ...held, lastId: c.lastId } : c;
      if (held || cursor.bytesTotal - cursor.offset > BULK_BACKLOG_BYTES) this.deferred.set(c.sourceId, all);
      else {
        this.deferred.delete(c.sourceId);
        this.deps.onRows(all);
      }
    }
    this.progress(cursor.sourceId);
  }

  /** Rows whose onRows waited for the end of a bulk read (see BULK_BACKLOG_BYTES). */
  private announceDeferred(sourceId: number): void {
    const held = this.deferred.get(sourceId);
    if (!held) return;
    this.deferred.delete(sourceId);
    this.deps.onRows(held);
  }

  private progress(id: number, force = false): void {
    const now = Date.now();
    if (!force && now - (this.lastProgress.get(id) ?? 0) < PROGRESS_EVERY_MS) return;
    this.lastProgress.set(id, now);
    this.emitProgress(id);
  }

  /** The source's progress as stored, optionally with the status overridden. */
  private emitProgress(id: number, status?: string): void {
    const s = getSource(this.deps.db, id);
    if (!s) return;
    this.deps.events.emit({
      type: 'ingest-progress',
      sourceId: id,
      lines: s.lines,
      parseErrors: s.parseErrors,
      bytesDone: s.bytesDone,
      bytesTotal: s.bytesTotal,
      status: status ?? s.status,
    });
  }

  /**
   * A failed read (disk full, locked database, unreadable file) is shown on the source and
   * retried every RETRY_MS; meanwhile the poll and the watcher leave the source alone.
   */
  private failed(id: number, cause: Error): void {
    if (this.closed) return;
    const err = explainWriteError(cause);
    this.deps.logger.error({ err, sourceId: id }, 'ingest failed');
    let shown = true;
    try {
      // Never wait here: the database may be what failed (locked by another program).
      withoutBusyWait(this.deps.db, () => this.repo.setStatus(id, 'error', err.message));
    } catch {
      shown = false;
    }
    if (shown) this.progress(id, true);
    else this.progressError(id, err.message);
    if (this.retries.has(id)) return;
    const t = setTimeout(() => {
      this.retries.delete(id);
      const f = this.files.get(id);
      if (f && !this.closed) void f.sync();
    }, RETRY_MS);
    t.unref();
    this.retries.set(id, t);
  }

  /** The source's progress event with status 'error', when the database could not even take the status. */
  private progressError(id: number, message: string): void {
    this.deps.logger.warn({ sourceId: id, message }, 'source error not stored (database unavailable)');
    this.emitProgress(id, 'error');
  }

  private parentOf(id: number): number | null {
    const r = this.deps.db.prepare('SELECT parent_id FROM sources WHERE id = ?').get(id) as
      { parent_id: number | null } | undefined;
    return r?.parent_id ?? null;
  }
}
