import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { LineSplitter, MAX_LINE_BYTES, type LineParser, type SplitLine } from './parse';
import type { Committed, LogWriter, PendingError, PendingRow, SourceCursor } from './logWriter';

/** Lines per transaction: large enough to amortise the commit, small enough to keep the loop responsive. */
const BATCH_LINES = 20_000;

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
        if (this.pendingLines >= BATCH_LINES) {
          await this.commit();
          await yieldToLoop();
        }
      }
      if (opts.flushPartialLine) for (const line of this.splitter.end()) this.take(line);
      await this.commit();
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

  private async commit(): Promise<void> {
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
}
