/**
 * Streaming line splitter over Buffer chunks. Lines end at LF (a CR before it is dropped);
 * a partial last line waits for its newline. Bytes are decoded as UTF-8 per complete line
 * (a multi-byte character split across chunks is therefore fine; invalid bytes become U+FFFD).
 * Overlong lines keep their first `maxLineBytes` bytes and are flagged; the rest is dropped as it
 * streams past, so memory stays bounded by one capped line whatever the input.
 */

export const MAX_LINE_BYTES = 64 * 1024;

export interface SplitLine {
  text: string;
  /** Input bytes this line took, including its newline: offsets stay exact. */
  bytes: number;
  /** The line was longer than maxLineBytes and was cut. */
  truncated: boolean;
}

export interface LineSplitterOptions {
  maxLineBytes?: number;
}

const LF = 10;
const CR = 13;

export class LineSplitter {
  private readonly max: number;
  /** Copies of the current partial line's first bytes, at most max + 1 of them. */
  private parts: Buffer[] = [];
  private kept = 0;
  /** Bytes of the current partial line seen so far (kept or not), newline excluded. */
  private seen = 0;
  /** Last byte of the current partial line: a CR whose copy was dropped still counts. */
  private lastByte = -1;
  private consumed = 0;
  private atStart = true;

  constructor(options: LineSplitterOptions = {}) {
    this.max = Math.max(1, Math.floor(options.maxLineBytes ?? MAX_LINE_BYTES));
  }

  /** Bytes of input taken by the lines returned so far: where reading should resume. */
  get consumedBytes(): number {
    return this.consumed;
  }

  /** Bytes of the partial line waiting for its newline. */
  get pendingBytes(): number {
    return this.seen;
  }

  /** Bytes actually held for the partial line: never more than maxLineBytes + 1. */
  get heldBytes(): number {
    return this.kept;
  }

  push(chunk: Uint8Array): SplitLine[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: SplitLine[] = [];
    const n = buf.length;
    let pos = 0;
    while (pos < n) {
      const nl = buf.indexOf(LF, pos);
      if (nl === -1) {
        this.keep(buf, pos, n);
        break;
      }
      out.push(this.finish(buf, pos, nl, true));
      pos = nl + 1;
    }
    return out;
  }

  /** At end of input: the partial last line, if any, as a line of its own. */
  end(): SplitLine[] {
    if (this.seen === 0) return [];
    return [this.finish(Buffer.alloc(0), 0, 0, false)];
  }

  private keep(buf: Buffer, from: number, to: number): void {
    const room = this.max + 1 - this.kept;
    if (room > 0) {
      const take = Math.min(room, to - from);
      // Copied: the caller may reuse its read buffer once push returns.
      this.parts.push(Buffer.from(buf.subarray(from, from + take)));
      this.kept += take;
    }
    this.seen += to - from;
    this.lastByte = buf[to - 1];
  }

  /** Completes the line made of the kept bytes plus buf[from..to). */
  private finish(buf: Buffer, from: number, to: number, newline: boolean): SplitLine {
    const length = this.seen + (to - from);
    const last = to > from ? buf[to - 1] : this.lastByte;
    const textLength = last === CR ? length - 1 : length;
    const truncated = textLength > this.max;
    let text: string;
    if (this.kept === 0) {
      text = truncated
        ? decodeCut(buf, from, from + this.max + 1, this.max)
        : buf.toString('utf8', from, from + textLength);
    } else {
      const avail = Math.min(length, this.max + 1);
      const joined = Buffer.concat([...this.parts, buf.subarray(from, to)], avail);
      text = truncated ? decodeCut(joined, 0, avail, this.max) : joined.toString('utf8', 0, textLength);
    }
    if (this.atStart) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // UTF-8 byte order mark
    }
    const bytes = length + (newline ? 1 : 0);
    this.consumed += bytes;
    if (this.kept !== 0) this.parts = [];
    this.kept = 0;
    this.seen = 0;
    this.lastByte = -1;
    return { text, bytes, truncated };
  }
}

/**
 * Decodes b[start..start+max), moved back to a character boundary so the cut does not leave a
 * replacement character; b[start+max] (the first dropped byte) must be readable.
 */
function decodeCut(b: Buffer, start: number, end: number, max: number): string {
  let cut = start + max;
  // Back over continuation bytes (10xxxxxx) to the lead byte of the character being cut.
  while (cut > start + max - 3 && cut < end && (b[cut] & 0xc0) === 0x80) cut--;
  return b.toString('utf8', start, cut);
}
