import { open, stat, type FileHandle } from 'node:fs/promises';
import type { LogFormatChoice } from '../../shared/config';
import { fileChunks, gzipChunks, isGzip } from './chunks';
import { decodeIdentity, encodeIdentity, isSameFile, readIdentity } from './identity';
import { LineIngester, type LineIngesterHooks } from './lineIngester';
import type { LogWriter, SourceCursor } from './logWriter';
import { createParser, detectFormat, LineSplitter, type FieldMapping, type LineParser, type LogFormat } from './parse';
import type { SourceRepo } from './sourceRepo';

export interface FileSourceDeps {
  repo: SourceRepo;
  writer: LogWriter;
  hooks: LineIngesterHooks;
  mapping: () => FieldMapping;
  onError(sourceId: number, err: Error): void;
}

const DETECT_BYTES = 64 * 1024;

/**
 * One log file, read from its stored offset. With `follow`, it is re-synced whenever the watcher
 * or the poll says it changed: appended lines are read, a partial last line waits for its
 * newline, a rename rotation drains the old file before the new one is read from its start, and
 * a truncated or replaced file is read again from its start. Calls are serialised per file.
 */
export class FileSource {
  private fh: FileHandle | null = null;
  private chain: Promise<void> = Promise.resolve();
  private parser: LineParser | null = null;
  private stopped = false;

  constructor(
    private readonly deps: FileSourceDeps,
    readonly sourceId: number,
    readonly path: string,
    readonly follow: boolean,
  ) {}

  /** Queues a sync; resolves when it (and every earlier one) has finished. */
  sync(): Promise<void> {
    this.chain = this.chain
      .then(() => (this.stopped ? undefined : this.syncNow()))
      .catch((err: Error) => {
        this.deps.onError(this.sourceId, err);
      });
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
    await this.fh?.close().catch(() => undefined);
    this.fh = null;
  }

  private async syncNow(): Promise<void> {
    const { repo } = this.deps;
    const row = repo.cursor(this.sourceId);
    if (!row || row.status === 'paused') return;
    const cursor: SourceCursor = { ...row };

    const st = await stat(this.path).catch(() => null);
    if (!st) {
      // Deleted (or mid-rotation): keep what the open handle still holds, then wait for it to return.
      if (this.fh) await this.drainAndClose(cursor, row.format);
      repo.setStatus(this.sourceId, 'missing', `${this.path} does not exist (waiting for it to reappear)`);
      return;
    }
    if (isGzip(this.path)) return this.readGzip(cursor, row.format, st.size, row.status === 'done');

    if (this.fh) {
      const held = await this.fh.stat();
      if (held.ino !== st.ino || held.dev !== st.dev) {
        // Rotated by rename: the old file may have received lines after our last read.
        await this.drainAndClose(cursor, row.format);
        cursor.offset = 0;
        cursor.identity = null;
      }
    }
    this.fh ??= await open(this.path, 'r');
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
      if (row.status !== 'watching' && this.follow) repo.setStatus(this.sourceId, 'watching');
      return;
    }
    repo.setStatus(this.sourceId, 'ingesting');
    await this.read(this.fh, cursor, row.format, { flushPartialLine: !this.follow });
    repo.setStatus(this.sourceId, this.follow ? 'watching' : 'done');
  }

  private async drainAndClose(cursor: SourceCursor, format: LogFormatChoice): Promise<void> {
    const fh = this.fh!;
    this.fh = null;
    try {
      await this.read(fh, cursor, format, { flushPartialLine: true });
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  private async read(
    fh: FileHandle,
    cursor: SourceCursor,
    format: LogFormatChoice,
    opts: { flushPartialLine: boolean },
  ) {
    const parser = await this.parserFor(format, cursor, () => readHead(fh));
    if (!parser) return;
    const ingester = new LineIngester(this.deps.writer, cursor, parser, this.deps.hooks);
    await ingester.consume(fileChunks(fh, cursor.offset), opts);
  }

  /** A .gz file is read once, as a stream; its offset counts decompressed bytes. */
  private async readGzip(cursor: SourceCursor, format: LogFormatChoice, size: number, done: boolean): Promise<void> {
    const { repo } = this.deps;
    if (done) return;
    const parser = await this.parserFor(format, cursor, async () => {
      for await (const chunk of gzipChunks(this.path, 0)) return chunk.subarray(0, DETECT_BYTES);
      return Buffer.alloc(0);
    });
    if (!parser) return;
    repo.setStatus(this.sourceId, 'ingesting');
    cursor.bytesTotal = Math.max(cursor.bytesTotal, size);
    const ingester = new LineIngester(this.deps.writer, cursor, parser, this.deps.hooks);
    await ingester.consume(gzipChunks(this.path, cursor.offset), { flushPartialLine: true });
    repo.setStatus(this.sourceId, 'done');
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
        this.deps.repo.setStatus(this.sourceId, 'error', 'Unrecognised format: set it to combined, jsonl or csv');
        return null;
      }
      this.deps.repo.setFormat(this.sourceId, chosen);
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
