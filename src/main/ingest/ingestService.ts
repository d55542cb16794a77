import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { watch, type FSWatcher } from 'chokidar';
import { ApiError } from '../../shared/api';
import type { AppConfig, LogFormatChoice } from '../../shared/config';
import type { Source } from '../../shared/schemas/sources';
import type { EventBus } from '../events';
import type { Logger } from '../logger';
import { getSource } from '../queries/sources';
import type { Db } from '../store/db';
import { FileSource } from './fileSource';
import { isRotatedCopy, listLogFiles, isLogFileName } from './folderScan';
import { LineIngester, type LineIngesterHooks } from './lineIngester';
import { LogWriter, type Committed, type SourceCursor } from './logWriter';
import { createParser, detectFormat, LineSplitter, type LogFormat } from './parse';
import { SourceRepo } from './sourceRepo';
import type { WriteGate } from '../store/writeGate';

/** How often followed files are checked even without a watcher event (the "within a second" bound). */
const POLL_MS = 500;
const PROGRESS_EVERY_MS = 250;
const RETRY_MS = 5000;

export interface IngestDeps {
  db: Db;
  events: EventBus;
  logger: Logger;
  config: () => AppConfig;
  gate: WriteGate;
  /** Called after every commit that inserted rows (features and scoring follow). */
  onRows: (c: Committed) => void;
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
  private poll: NodeJS.Timeout | null = null;
  private closed = false;

  private readonly hooks: LineIngesterHooks;

  constructor(private readonly deps: IngestDeps) {
    this.repo = new SourceRepo(deps.db);
    this.writer = new LogWriter(deps.db);
    this.hooks = { beforeCommit: () => deps.gate.idle(), onCommit: (c, cur) => this.committed(c, cur) };
  }

  /** After a restart every file and folder continues from its stored offset. */
  async start(): Promise<void> {
    for (const s of this.repo.resumable()) {
      if (s.status === 'paused') continue;
      if (s.kind === 'folder') await this.watchFolder(s.id, s.path, false);
      else if (!this.files.has(s.id)) this.follow(s.id, s.path, s.follow);
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
  }

  /** Adds a file or folder on this machine. Resolves once the source exists; reading goes on. */
  async addPath(input: { path: string; format: LogFormatChoice; watch: boolean }): Promise<Source> {
    const path = resolve(input.path);
    const st = await stat(path).catch(() => null);
    if (!st) throw new ApiError(400, `path: ${path} does not exist`);
    const kind = st.isDirectory() ? 'folder' : st.isFile() ? 'file' : null;
    if (!kind) throw new ApiError(400, `path: ${path} is neither a file nor a folder`);
    const existing = this.repo.byPath(path, kind);
    if (existing !== null) throw new ApiError(409, `${path} is already a source`);
    const id = this.repo.create({ path, kind, format: input.format, follow: input.watch });
    if (kind === 'folder') await this.watchFolder(id, path, true, input.format);
    else {
      this.repo.setTotal(id, st.size);
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
    return this.repo.remove(id);
  }

  async pause(id: number): Promise<void> {
    const ids = [id, ...this.repo.children(id).map((c) => c.id)];
    for (const i of ids) {
      await this.unfollow(i);
      this.repo.setStatus(i, 'paused');
    }
  }

  async resume(id: number): Promise<void> {
    const s = this.repo.cursor(id);
    if (!s) return;
    const ids = [id, ...this.repo.children(id).map((c) => c.id)];
    for (const i of ids) this.repo.setStatus(i, 'pending');
    if (s.kind === 'folder') await this.watchFolder(id, s.path, false);
    else if (s.kind === 'file' || s.kind === 'sample') void this.follow(id, s.path, s.follow).sync();
  }

  /** A stream of raw lines (browser upload, POST /ingest) as a source of its own. */
  async ingestStream(
    name: string,
    body: AsyncIterable<Buffer> | Readable,
    format: LogFormatChoice,
  ): Promise<SourceCursor> {
    const id = this.repo.create({ path: name, kind: 'upload', format, status: 'ingesting' });
    const cursor: SourceCursor = { sourceId: id, offset: 0, lines: 0, parseErrors: 0, identity: null, bytesTotal: 0 };
    const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    // Detect the format from the first chunk, then hand the same chunk to the ingester.
    const first = await iterator.next();
    const head: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
    let chosen: LogFormat | null = format === 'auto' ? null : format;
    chosen ??= detectFormat(new LineSplitter().push(head).map((l) => l.text)) ?? detectFormat([head.toString('utf8')]);
    if (!chosen) {
      this.repo.setStatus(id, 'error', 'Unrecognised format: choose combined, jsonl or csv');
      throw new ApiError(400, 'body: unrecognised log format (send ?format=combined|jsonl|csv)');
    }
    this.repo.setFormat(id, chosen);
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
      this.repo.setStatus(id, 'done');
    } catch (err) {
      this.repo.setStatus(id, 'error', (err as Error).message);
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
    const id = this.repo.create({ path, kind, format: 'combined', follow: false });
    const f = this.follow(id, path, false);
    await f.sync();
    this.progress(id, true);
    return id;
  }

  private follow(id: number, path: string, follow: boolean): FileSource {
    let f = this.files.get(id);
    if (f) return f;
    f = new FileSource(
      {
        repo: this.repo,
        writer: this.writer,
        hooks: this.hooks,
        mapping: () => this.deps.config().jsonMapping,
        onError: (sid, err) => this.failed(sid, err),
      },
      id,
      path,
      follow,
    );
    this.files.set(id, f);
    if (follow) this.watchFile(id, path);
    return f;
  }

  private async unfollow(id: number): Promise<void> {
    await this.watchers.get(id)?.close();
    this.watchers.delete(id);
    const f = this.files.get(id);
    this.files.delete(id);
    await f?.stop();
  }

  private watchFile(id: number, path: string): void {
    const w = watch(path, { ignoreInitial: true, persistent: false, atomic: false });
    w.on(
      'all',
      () =>
        void this.files
          .get(id)
          ?.sync()
          .then(() => this.progress(id, true)),
    );
    w.on('error', (err) => this.deps.logger.warn({ err, path }, 'file watcher error'));
    this.watchers.set(id, w);
  }

  private async watchFolder(
    id: number,
    dir: string,
    initial: boolean,
    format: LogFormatChoice = 'auto',
  ): Promise<void> {
    const known = new Map(this.repo.children(id).map((c) => [c.path, c.id]));
    const addChild = (path: string) => {
      let childId = known.get(path);
      if (childId === undefined) {
        childId = this.repo.create({ path, kind: 'file', format, parentId: id });
        known.set(path, childId);
      }
      const f = this.follow(childId, path, true);
      void f.sync().then(() => this.progress(childId, true));
    };
    const files = await listLogFiles(dir).catch(() => [] as string[]);
    for (const p of files) if (initial || known.has(p) || !isRotatedCopy(p)) addChild(p);
    for (const [p] of known) if (!files.includes(p)) addChild(p); // missing now: its FileSource says so
    this.repo.setStatus(id, 'watching');
    const w = watch(dir, { ignoreInitial: true, depth: 0, persistent: false });
    w.on('add', (p) => {
      if (isLogFileName(p) && (known.has(p) || !isRotatedCopy(p))) addChild(p);
    });
    w.on('error', (err) => this.deps.logger.warn({ err, dir }, 'folder watcher error'));
    this.watchers.set(id, w);
  }

  private async pollAll(): Promise<void> {
    for (const f of this.files.values()) if (f.follow) void f.sync().then(() => this.progress(f.sourceId));
  }

  private committed(c: Committed, cursor: Readonly<SourceCursor>): void {
    if (c.lastId >= c.firstId) this.deps.onRows(c);
    this.progress(cursor.sourceId);
  }

  private progress(id: number, force = false): void {
    const now = Date.now();
    if (!force && now - (this.lastProgress.get(id) ?? 0) < PROGRESS_EVERY_MS) return;
    this.lastProgress.set(id, now);
    const s = getSource(this.deps.db, id);
    if (!s) return;
    this.deps.events.emit({
      type: 'ingest-progress',
      sourceId: id,
      lines: s.lines,
      parseErrors: s.parseErrors,
      bytesDone: s.bytesDone,
      bytesTotal: s.bytesTotal,
      status: s.status,
    });
  }

  /** A failed read (disk full, locked database, unreadable file) is shown on the source and retried. */
  private failed(id: number, err: Error): void {
    if (this.closed) return;
    this.deps.logger.error({ err, sourceId: id }, 'ingest failed');
    try {
      this.repo.setStatus(id, 'error', err.message);
    } catch {
      /* the database itself may be what failed */
    }
    this.progress(id, true);
    if (this.retries.has(id)) return;
    const t = setTimeout(() => {
      this.retries.delete(id);
      const f = this.files.get(id);
      if (f && !this.closed) void f.sync();
    }, RETRY_MS);
    t.unref();
    this.retries.set(id, t);
  }

  private parentOf(id: number): number | null {
    const r = this.deps.db.prepare('SELECT parent_id FROM sources WHERE id = ?').get(id) as
      { parent_id: number | null } | undefined;
    return r?.parent_id ?? null;
  }
}
