import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES, type SplitLine } from '../../../src/main/ingest/parse/lineSplitter';
import { apacheLogBytes, apacheLogLines } from './fixtures';

/** Feeds the chunks, then end(); returns every line and the final consumed count. */
function run(chunks: Buffer[], options?: { maxLineBytes?: number }): { lines: SplitLine[]; consumed: number } {
  const s = new LineSplitter(options);
  const lines: SplitLine[] = [];
  for (const c of chunks) lines.push(...s.push(c));
  lines.push(...s.end());
  return { lines, consumed: s.consumedBytes };
}

// CRLF and LF endings, an empty line, 2-, 3- and 4-byte UTF-8 characters, a NUL, no final newline.
const MIXED = Buffer.from('héllo wörld\r\n\r\nline 2 € 😀 中文\nnul\u0000byte\r\nlast é', 'utf8');
const MIXED_TEXT = ['héllo wörld', '', 'line 2 € 😀 中文', 'nul\u0000byte', 'last é'];

describe('LineSplitter', () => {
  it('splits LF and CRLF lines, keeping each line’s byte length', () => {
    const { lines, consumed } = run([MIXED]);
    expect(lines.map((l) => l.text)).toEqual(MIXED_TEXT);
    expect(lines.map((l) => l.bytes)).toEqual([15, 2, 23, 10, 7]);
    expect(lines.every((l) => !l.truncated)).toBe(true);
    expect(consumed).toBe(MIXED.length);
  });

  it('gives the same lines for a chunk boundary at every position (inside CRLF and inside characters)', () => {
    const whole = run([MIXED]).lines;
    for (let i = 0; i <= MIXED.length; i++) {
      const r = run([MIXED.subarray(0, i), MIXED.subarray(i)]);
      expect(r.lines, `split at ${i}`).toEqual(whole);
      expect(r.consumed).toBe(MIXED.length);
    }
  });

  it('gives the same lines for every pair of boundaries and for one-byte chunks', () => {
    const whole = run([MIXED]).lines;
    for (let i = 0; i <= MIXED.length; i++) {
      for (let j = i; j <= MIXED.length; j++) {
        const r = run([MIXED.subarray(0, i), MIXED.subarray(i, j), MIXED.subarray(j)]);
        expect(r.lines).toEqual(whole);
      }
    }
    const bytes = Array.from(MIXED, (b) => Buffer.from([b]));
    expect(run(bytes).lines).toEqual(whole);
  });

  it('keeps the partial last line until its newline, and accounts consumed bytes exactly', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('one\r\ntw'))).toEqual([{ text: 'one', bytes: 5, truncated: false }]);
    expect(s.consumedBytes).toBe(5);
    expect(s.pendingBytes).toBe(2);
    expect(s.push(Buffer.from('o'))).toEqual([]);
    expect(s.consumedBytes).toBe(5);
    expect(s.push(Buffer.from('\r'))).toEqual([]);
    expect(s.push(Buffer.from('\nthree'))).toEqual([{ text: 'two', bytes: 5, truncated: false }]);
    expect(s.consumedBytes).toBe(10);
    expect(s.pendingBytes).toBe(5);
    expect(s.end()).toEqual([{ text: 'three', bytes: 5, truncated: false }]);
    expect(s.consumedBytes).toBe(15);
    expect(s.end()).toEqual([]);
  });

  it('replaces invalid UTF-8 with U+FFFD and never throws', () => {
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3, 0x0a, 0xe2, 0x82, 0x0a, 0xed, 0xa0, 0x80, 0x0a]);
    const { lines, consumed } = run([bad]);
    expect(lines.map((l) => l.text)).toEqual(['a\ufffd\ufffdb\ufffd', '\ufffd', '\ufffd\ufffd\ufffd']);
    expect(consumed).toBe(bad.length);
  });

  it('strips a UTF-8 byte order mark from the first line only', () => {
    const bom = Buffer.from('\uFEFFa\n\uFEFFb\n', 'utf8');
    const { lines } = run([bom.subarray(0, 2), bom.subarray(2)]);
    expect(lines.map((l) => l.text)).toEqual(['a', '\uFEFFb']);
    expect(lines[0].bytes).toBe(5);
  });

  it('cuts a 1 MiB line to 64 KiB, flags it, and never holds it whole', () => {
    const big = 1024 * 1024;
    const s = new LineSplitter();
    const out: SplitLine[] = [];
    let maxHeld = 0;
    const chunk = Buffer.alloc(16 * 1024, 0x78); // 'x'
    out.push(...s.push(Buffer.from('before\n')));
    for (let sent = 0; sent < big; sent += chunk.length) {
      out.push(...s.push(chunk));
      maxHeld = Math.max(maxHeld, s.heldBytes);
    }
    out.push(...s.push(Buffer.from('\r\nafter\n')));
    expect(maxHeld).toBeLessThanOrEqual(MAX_LINE_BYTES + 1);
    expect(out.map((l) => [l.text.length, l.bytes, l.truncated])).toEqual([
      [6, 7, false],
      [MAX_LINE_BYTES, big + 2, true],
      [5, 6, false],
    ]);
    expect(out[1].text).toBe('x'.repeat(MAX_LINE_BYTES));
    expect(s.consumedBytes).toBe(7 + big + 2 + 6);
  });

  it('cuts an overlong line inside one chunk too', () => {
    const line = Buffer.concat([Buffer.alloc(200_000, 0x61), Buffer.from('\n')]);
    const { lines } = run([line]);
    expect(lines).toEqual([{ text: 'a'.repeat(MAX_LINE_BYTES), bytes: 200_001, truncated: true }]);
  });

  it('cuts on a character boundary, not inside a multi-byte character', () => {
    const text = 'a' + 'é'.repeat(40_000); // the byte at 64 KiB is the 2nd byte of an é
    const { lines } = run([Buffer.from(`${text}\n`, 'utf8')]);
    expect(lines[0].truncated).toBe(true);
    expect(lines[0].text).toBe('a' + 'é'.repeat(32_767));
    expect(lines[0].bytes).toBe(80_002);
    const emoji = '😀'.repeat(20_000);
    const cut = run([Buffer.from(emoji.slice(0, 2 * 7000) + 'b' + emoji.slice(2 * 7000))]).lines[0];
    expect(cut.text).not.toContain('\ufffd');
    expect(Buffer.byteLength(cut.text)).toBeLessThanOrEqual(MAX_LINE_BYTES);
  });

  it('puts the limit on the text, not the CR: a line of exactly max bytes + CRLF is whole', () => {
    const exact = Buffer.from(`${'z'.repeat(100)}\r\n${'y'.repeat(101)}\r\n`);
    for (let i = 0; i <= exact.length; i += 1) {
      const { lines } = run([exact.subarray(0, i), exact.subarray(i)], { maxLineBytes: 100 });
      expect(lines).toEqual([
        { text: 'z'.repeat(100), bytes: 102, truncated: false },
        { text: 'y'.repeat(100), bytes: 103, truncated: true },
      ]);
    }
  });

  it('keeps NUL bytes and accepts Uint8Array chunks', () => {
    const s = new LineSplitter();
    expect(s.push(new Uint8Array([0x00, 0x41, 0x00, 0x0a]))).toEqual([
      { text: '\u0000A\u0000', bytes: 4, truncated: false },
    ]);
  });

  it('is not fooled by a caller that reuses its read buffer', () => {
    const s = new LineSplitter();
    const buf = Buffer.from('abc');
    s.push(buf);
    buf.write('XYZ');
    expect(s.push(Buffer.from('\n'))).toEqual([{ text: 'abc', bytes: 4, truncated: false }]);
  });

  it('reproduces the reference log in odd-sized chunks with exact offsets', () => {
    const bytes = apacheLogBytes();
    const expected = apacheLogLines();
    const s = new LineSplitter();
    const got: string[] = [];
    let offset = 0;
    let size = 1;
    for (let pos = 0; pos < bytes.length; pos += size, size = (size * 7 + 3) % 9001) {
      for (const l of s.push(bytes.subarray(pos, pos + size))) {
        got.push(l.text);
        offset += l.bytes;
        expect(s.consumedBytes).toBeGreaterThanOrEqual(offset);
      }
      expect(s.consumedBytes).toBe(offset);
    }
    expect(s.end()).toEqual([]);
    expect(got).toEqual(expected);
    expect(s.consumedBytes).toBe(bytes.length);
  });
});
