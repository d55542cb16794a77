import type { FileHandle } from 'node:fs/promises';
import type { LogFormatChoice } from '../../shared/config';
import { fileChunks, gzipChunks, isGzip } from './chunks';
import { decodeIdentity, encodeIdentity, isSameFile, readIdentity } from './identity';
import { LineIngester, type LineIngesterHooks } from './lineIngester';
import type { LogWriter, SourceCursor } from './logWriter';
import { createParser, detectFormat, LineSplitter, type FieldMapping, type LineParser, type LogFormat } from './parse';
import { checkRegularFile, openLogFile, refusalMessage, type Missing, type Refused } from './regularFile';
import type { SourceRepo } from './sourceRepo';

export interface FileSourceDeps {
  repo: SourceRepo;
  writer: LogWriter;
  hooks: LineIngesterHooks;
  mapping: () => FieldMapping;
  /** Runs a small write (a status), waiting for a database locked by another program. */
  write<T>(fn: () => T): Promise<T>;
  onError(sourceId: number, err: Error): void;
}

const DETECT_BYTES = 64 * 1024;

/**
 * One log file, read from its stored offset. With `follow`, it is re-synced whenever the watcher
 * or the poll says it changed: appended lines are read, a partial last line waits for its
 * newline, a rename rotation drains the old file before the new one is read from its start, and
 * a truncated or replaced file is read again from its start. Calls are serialised per file.
 * Every (re)open goes through regularFile.ts: what is not a regular file is shown, never read.
 */
export class FileSource {
  private fh: FileHandle | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** A sync queued behind the running one: further requests join it instead of queueing more. */
  private queued: Promise<void> | null = null;
  private parser: LineParser | null = null;
  private stopped = false;
  /** Ends a read in progress when the source stops: a file may never reach its end. */
  private readonly abort = new AbortController();
  /** The refusal last stored as the source's error: the poll re-checks without rewriting it. */
  private refusal: string | null = null;

  constructor(
    private readonly deps: FileSourceDeps,
    readonly sourceId: number,
    readonly path: string,
    readonly follow: boolean,
    /** A file found in a watched folder (not chosen by the analyst): named by file name in messages. */
    readonly inWatchedFolder = false,
  ) {}

  /**
   * Queues a sync; resolves when one that started after this call (and every earlier one) has
   * finished. While a sync runs (say, waiting for a locked database), requests from the watcher
   * and the poll join the one queued sync rather than piling up.
   */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.chain
      .then(() => {
        this.queued = null;
        return this.stopped ? undefined : this.syncNow();
      })
      .catch((err: Error) => {
        // A failed read leaves the stored offset where the last commit put it; the next sync
        // starts again from there with a fresh parser (a CSV header is read again).
        this.parser = null;
        if (!this.stopped) this.deps.onError(this.sourceId, err);
      });
    this.queued = next;
    this.chain = next;
    return next;
  }

  /** Ends the read in progress after its current chunk (uncommitted lines are read again on resume). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.chain;
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
  }

  private async syncNow(): Promise<void> {
    const { repo } = this.deps;
    const row = repo.cursor(this.sourceId);
    if (!row || row.status === 'paused') return;
    const cursor: SourceCursor = { ...row };

    const st = await checkRegularFile(this.path);
    if (st.state !== 'regular') {
      // Deleted, mid-rotation or replaced by something not read: keep what the open handle (a
      // regular file, checked when opened) still holds, then wait for a regular file to return.
      if (this.fh) await this.drainAndClose(cursor, row.format);
      return this.notReadable(st, row.status);
    }
    if (isGzip(this.path)) return this.readGzip(cursor, row.format, row.status);

    if (this.fh) {
      const held = await this.fh.stat();
      if (held.ino !== st.ino || held.dev !== st.dev) {
        // Rotated by rename: the old file may have received lines after our last read.
        await this.drainAndClose(cursor, row.format);
        cursor.offset = 0;
        cursor.identity = null;
      }
    }
    if (!this.fh) {
      const opened = await openLogFile(this.path);
      if (opened.state !== 'open') return this.notReadable(opened, row.status);
      this.fh = opened.fh;
    }
    this.refusal = null;
    const size = (await this.fh.stat()).size;
    const stored = decodeIdentity(cursor.identity);
    if (cursor.offset > 0 && (size < cursor.offset || !stored || !(await isSameFile(this.fh, stored)))) {
      // Truncated (copytruncate) or replaced in place: its content is new, read it from the start.
      cursor.offset = 0;
      this.parser = null;
    }
    cursor.identity = encodeIdentity(await readIdentity(this.fh, Math.max(cursor.offset, size)));
    cursor.bytesTotal = size;
    if (cursor.offset >= size && row.status !== 'pending') {
      if (row.status !== 'watching' && this.follow) await this.setStatus('watching');
      return;
    }
    await this.setStatus('ingesting');
    await this.read(this.fh, cursor, row.format, { flushPartialLine: !this.follow });
    await this.setStatus(this.follow ? 'watching' : 'done');
  }

  private setStatus(status: Parameters<SourceRepo['setStatus']>[1], error: string | null = null): Promise<void> {
    return this.deps.write(() => this.deps.repo.setStatus(this.sourceId, status, error));
  }

  /** A path that is gone, or is something not read (a link, a FIFO, a device): the source says which. */
  private async notReadable(found: Missing | Refused, status: string): Promise<void> {
    if (found.state === 'missing') {
      this.refusal = null;
      if (status !== 'missing')
        await this.setStatus('missing', `${this.path} does not exist (waiting for it to reappear)`);
      return;
    }
    const message = refusalMessage(this.path, found.type, this.inWatchedFolder);
    if (status === 'error' && this.refusal === message) return;
    await this.setStatus('error', message);
    this.refusal = message;
  }

  /**
   * Reads what is left of the file held open (renamed away or deleted), then lets it go. When the
   * read fails (disk full, locked database) the handle is kept, so the retry drains it again
   * from the stored offset instead of losing the lines written before the rotation.
   */
  private async drainAndClose(cursor: SourceCursor, format: LogFormatChoice): Promise<void> {
    const fh = this.fh!;
    await this.read(fh, cursor, format, { flushPartialLine: true });
    this.fh = null;
    await fh.close().catch(() => undefined);
  }

  private async read(
    fh: FileHandle,
    cursor: SourceCursor,
    format: LogFormatChoice,
    opts: { flushPartialLine: boolean },
  ) {
    const parser = await this.parserFor(format, cursor, () => readHead(fh));
    if (!parser) return;
    // Lines of a plain file are read back from it when shown; only their offset is stored.
    const ingester = new LineIngester(this.deps.writer, cursor, parser, this.deps.hooks, false);
    await ingester.consume(fileChunks(fh, cursor.offset, this.abort.signal), opts);
  }

  /** A .gz file is read once, as a stream; its offset counts decompressed bytes. */
  private async readGzip(cursor: SourceCursor, format: LogFormatChoice, status: string): Promise<void> {
    if (status === 'done') return;
    const opened = await openLogFile(this.path);
    if (opened.state !== 'open') return this.notReadable(opened, status);
    this.refusal = null;
    const { fh, size } = opened;
    const { signal } = this.abort;
    try {
      const parser = await this.parserFor(format, cursor, async () => {
        for await (const chunk of gzipChunks(fh, 0, signal)) return chunk.subarray(0, DETECT_BYTES);
        return Buffer.alloc(0);
      });
      if (!parser) return;
      await this.setStatus('ingesting');
      cursor.bytesTotal = Math.max(cursor.bytesTotal, size);
      const ingester = new LineIngester(this.deps.writer, cursor, parser, this.deps.hooks);
      await ingester.consume(gzipChunks(fh, cursor.offset, signal), { flushPartialLine: true });
      await this.setStatus('done');
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /**
   * The parser for this file: the stored format, or the one detected from its first lines
   * (then stored). A CSV parser resuming mid-file is first shown the header line.
   */
  private async parserFor(
    format: LogFormatChoice,
    cursor: SourceCursor,
    head: () => Promise<Buffer>,
  ): Promise<LineParser | null> {
    if (this.parser) return this.parser;
    let chosen: LogFormat | null = format === 'auto' ? null : format;
    let firstLines: string[] | null = null;
    if (!chosen || chosen === 'csv') {
      const splitter = new LineSplitter();
      firstLines = splitter.push(await head()).map((l) => l.text);
    }
    if (!chosen) {
      chosen = detectFormat(firstLines ?? []);
      if (!chosen) {
        if ((firstLines ?? []).length === 0) return null; // nothing complete to look at yet
        await this.setStatus('error', 'Unrecognised format: set it to combined, jsonl or csv');
        return null;
      }
      const detected = chosen;
      await this.deps.write(() => this.deps.repo.setFormat(this.sourceId, detected));
    }
    const parser = createParser(chosen, this.deps.mapping());
    if (chosen === 'csv' && cursor.offset > 0 && firstLines?.length) parser.parse(firstLines[0]);
    this.parser = parser;
    return parser;
  }
}

async function readHead(fh: FileHandle): Promise<Buffer> {
  const buf = Buffer.alloc(DETECT_BYTES);
  const { bytesRead } = await fh.read(buf, 0, DETECT_BYTES, 0);
  return buf.subarray(0, bytesRead);
}
