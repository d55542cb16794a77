import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from '../../../src/shared/csv';
import type { AnomalyRow } from '../../../src/shared/schemas/analysis';
import { HOSTILE_VALUES, readCsv } from '../../integration/security/csvAttack';

// The renderer is outside this project's tsconfig (it is tsconfig.web.json's): loaded at run time, typed here.
const RENDERER_CSV = '../../../src/renderer/src/components/csv';
interface RendererCsv {
  anomaliesToCsv(rows: AnomalyRow[]): string;
  CSV_COLUMNS: readonly string[];
}

const HARMLESS = ['192.168.0.1', '/index.html', 'a b', 'x,"y"', 'line\nbreak', 'a\rb', '1-1', 'me@example.com', ''];

describe('formula-safe CSV (src/shared/csv.ts)', () => {
  it('is checked with a reader that refuses malformed CSV', () => {
    expect(readCsv('a,"b ""c""",\r\n"x\ny",z\n')).toEqual([
      ['a', 'b "c"', ''],
      ['x\ny', 'z'],
    ]);
    for (const bad of ['a"b,c', '"a"b,c', '"a,b', 'a\rb']) expect(() => readCsv(bad)).toThrow();
  });

  it('writes each hostile value as one text cell: an apostrophe, then the value unchanged', () => {
    const text = HOSTILE_VALUES.map((v) => csvRow([v, 'next'])).join('\r\n') + '\r\n';
    expect(readCsv(text)).toEqual(HOSTILE_VALUES.map((v) => [`'${v}`, 'next']));
  });

  it('leaves other text alone apart from RFC 4180 quoting', () => {
    expect(readCsv(csvRow(HARMLESS) + '\r\n')).toEqual([HARMLESS]);
    expect(csvField('192.168.0.1')).toBe('192.168.0.1');
    expect(csvField('x,"y"')).toBe('"x,""y"""');
  });

  it('writes numbers, booleans and null as they are (a negative number is data, not a formula)', () => {
    expect(csvRow([-1, 0.5, true, null, '-1'])).toBe(`-1,0.5,true,,'-1`);
  });

  it('the renderer’s Anomalies export goes through the same writer', async () => {
    const source = readFileSync(new URL(`${RENDERER_CSV}.ts`, import.meta.url), 'utf8');
    expect(source).toContain("from '../../../shared/csv'");
    const { anomaliesToCsv, CSV_COLUMNS } = (await import(/* @vite-ignore */ RENDERER_CSV)) as RendererCsv;
    const row: AnomalyRow = {
      id: 7,
      tsMs: 0,
      ip: '=1+1',
      method: '@GET',
      endpoint: '-/x,"y"\n=2',
      status: 200,
      votes: -1,
      isAnomaly: true,
      combinedScore: 0.25,
    };
    const [header, cells] = readCsv(anomaliesToCsv([row]));
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(cells).toEqual([
      '7',
      '1970-01-01T00:00:00.000Z',
      '0',
      "'=1+1",
      "'@GET",
      `'-/x,"y"\n=2`,
      '200',
      '-1',
      'true',
      '0.25',
    ]);
  });
});
