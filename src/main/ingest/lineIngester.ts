import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LineSplitter, MAX_LINE_BYTES, type LineParser, type SplitLine } from './parse';
import type { Committed, LogWriter, PendingError, PendingRow, SourceCursor } from './logWriter';

/** Lines per batch: large enough to amortise a commit, small enough to keep the loop responsive. */
const BATCH_LINES = 20_000;
/**
 * Lines per transaction of a bulk import (a span of batches). Each commit rewrites the index
 * pages of every IP it touched (logs_ip_ts); 100k lines a commit instead of 20k writes ~2.5×
 * less WAL for the checkpoint to copy again. Rows enter the span chunk by chunk (256 KiB), so a
 * span holds no more in memory than a batch does; only SQLite's page cache holds its pages.
 */
const SPAN_LINES = 100_000;

export interface LineIngesterHooks {
  /** Awaited before each commit: lets a long exclusive writer finish first (see WriteGate). */
  beforeCommit?(): Promise<void>;
  /**
   * Runs the commit instead of calling it directly: may wait for a database locked by another
   * program and retry (then it also does what beforeCommit does, before every attempt).
   */
  write?<T>(commit: () => T): Promise<T>;
  onCommit?(committed: Committed, cursor: Readonly<SourceCursor>): void;
  /** The read stopped: it reached the end of what there was, or failed (after its last commit). */
  afterRead?(cursor: Readonly<SourceCursor>): void;
  /** Present: a read with a large backlog commits in spans of SPAN_LINES (see BulkHooks). */
  bulk?: BulkHooks;
}

/** What a bulk import needs to keep one transaction open across reads of its file. */
export interface BulkHooks {
  /** Whether the transaction starting now should be a span (much of the source still to read). */
  wanted(cursor: Readonly<SourceCursor>): boolean;
  /** Runs `fn` with the connection to itself: no other writer of this process runs until it settles. */
  hold(fn: () => Promise<void>): Promise<void>;
  /** Runs a write while held: waits for another program's lock, never for this process's writers. */
  write<T>(fn: () => T): Promise<T>;
}

/** An open span: its rows so far, and how to let the connection go. */
interface Span {
  firstId: number;
  lastId: number;
  lines: number;
  release: () => void;
}

/**
 * Turns chunks of a source into committed rows. Each commit carries the byte offset just past
 * the last line it holds, so resuming from the stored offset re-reads nothing and skips nothing.
 */
export class LineIngester {
  private rows: PendingRow[] = [];
  private errors: PendingError[] = [];
  private pendingLines = 0;
  private splitter = new LineSplitter();
  private span: Span | null = null;
  /** Once a read is bulk it stays so to its end (its last 32 MB included). */
  private bulkRead = false;

  constructor(
    private readonly writer: LogWriter,
    readonly cursor: SourceCursor,
    private readonly parser: LineParser,
    private readonly hooks: LineIngesterHooks = {},
    /**
     * Keep a copy of each line. Off for plain files: their lines stay readable at the stored
     * byte offset (queries/rawLine.ts), which halves the database and speeds ingest up 1.5×.
     */
    private readonly keepRaw = true,
  ) {}

  /** Consumes every chunk; at the end either flushes a last line without newline or leaves it for later. */
  async consume(chunks: AsyncIterable<Buffer>, opts: { flushPartialLine: boolean }): Promise<void> {
    try {
      for await (const chunk of chunks) {
        for (const line of this.splitter.push(chunk)) this.take(line);
        // A bulk read keeps a span open from its first chunk to its last, and each chunk's rows
        // go to SQLite at once: they die young. Rows left to wait for a batch to fill (the first
        // 20k lines, and 20k after every span) lived long enough to be promoted, and the old
        // generation filled with dead rows between full collections (bench drop_ready_1m).
        if (!this.span && this.hooks.bulk && (this.bulkRead || this.hooks.bulk.wanted(this.cursor))) {
          this.bulkRead = true;
          await this.openSpan(this.hooks.bulk);
        }
        if (this.span) await this.addToSpan(this.span, false);
        else if (this.pendingLines >= BATCH_LINES) {
          await this.commit(false);
          await yieldToLoop();
        }
      }
      if (opts.flushPartialLine) for (const line of this.splitter.end()) this.take(line);
      await this.commit(true);
    } catch (err) {
      this.abandonSpan();
      throw err;
    } finally {
      this.hooks.afterRead?.(this.cursor);
    }
  }

  /** Bytes of a partial last line left waiting for its newline. */
  get waitingBytes(): number {
    return this.splitter.pendingBytes;
  }

  private take(line: SplitLine): void {
    const c = this.cursor;
    const start = c.offset;
    c.lines += 1;
    c.offset += line.bytes;
    this.pendingLines += 1;
    const lineNo = c.lines;
    if (line.truncated) {
      c.parseErrors += 1;
      this.errors.push({
        lineNo,
        reason: `line longer than ${MAX_LINE_BYTES / 1024} KiB (cut, not parsed)`,
        line: line.text,
      });
      return;
    }
    const r = this.parser.parse(line.text);
    if (r.ok) this.rows.push({ lineNo, entry: r.entry, raw: this.keepRaw ? line.text : null, offset: start });
    else if (!r.skip) {
      c.parseErrors += 1;
      this.errors.push({ lineNo, reason: r.reason, line: line.text });
    }
  }

  /** Commits the pending lines, or adds them to the open span (committed when full or at the end). */
  private async commit(last: boolean): Promise<void> {
    if (this.span) return this.addToSpan(this.span, last);
    if (this.pendingLines === 0) return;
    const run = () => this.writer.commit(this.cursor, this.rows, this.errors);
    let committed: Committed;
    if (this.hooks.write) committed = await this.hooks.write(run);
    else {
      await this.hooks.beforeCommit?.();
      committed = run();
    }
    this.rows = [];
    this.errors = [];
    this.pendingLines = 0;
    this.hooks.onCommit?.(committed, this.cursor);
  }

  /** Takes the connection (waiting for other writers), then opens the span's transaction. */
  private async openSpan(bulk: BulkHooks): Promise<void> {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    await new Promise<void>((entered) => {
      void bulk.hold(() => {
        entered();
        return released;
      });
    });
    try {
      await bulk.write(() => this.writer.beginSpan());
    } catch (err) {
      release();
      throw err;
    }
    this.span = { firstId: 0, lastId: -1, lines: 0, release };
  }

  private async addToSpan(span: Span, last: boolean): Promise<void> {
    if (this.pendingLines > 0) {
      const c = this.writer.appendToSpan(this.cursor, this.rows, this.errors);
      if (c.lastId >= c.firstId) {
        if (span.lastId < span.firstId) span.firstId = c.firstId;
        span.lastId = c.lastId;
      }
      span.lines += this.pendingLines;
      this.rows = [];
      this.errors = [];
      this.pendingLines = 0;
    }
    if (!last && span.lines < SPAN_LINES) return;
    try {
      this.writer.endSpan(this.cursor);
    } catch (err) {
      this.abandonSpan();
      throw err;
    }
    this.span = null;
    span.release();
    const committed = { sourceId: this.cursor.sourceId, firstId: span.firstId, lastId: span.lastId };
    this.hooks.onCommit?.(committed, this.cursor);
  }

  /** A read that failed or stopped mid-span: nothing of the span is kept (the offset stays before it). */
  private abandonSpan(): void {
    const span = this.span;
    if (!span) return;
    this.span = null;
    try {
      this.writer.abandonSpan();
    } finally {
      span.release();
    }
  }
}
