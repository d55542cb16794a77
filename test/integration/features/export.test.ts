import { afterEach, describe, expect, it } from 'vitest';
import { recomputeAllFeatures } from '../../../src/main/features/batch';
import { EXPORT_HEADER, csvField, exportFeaturesCsv } from '../../../src/main/features/export';
import { addSource, insertLogs, parseCsv, tempDb } from './helpers';

describe('exportFeaturesCsv', () => {
  let cleanup = (): void => {};
  afterEach(() => cleanup());

  it('quotes per RFC 4180 and orders by source, then line_no', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const odd = 'C:\\logs\\a,"b"\nc.log';
    const s1 = addSource(t.db, odd);
    const s2 = addSource(t.db, '/plain.log');
    // Arrival order differs from line order within a source.
    insertLogs(t.db, s2, [{ ip: '10.0.0.1', tsMs: 5, status: 200, lineNo: 1 }]);
    insertLogs(t.db, s1, [
      { ip: 'x,"y"', tsMs: 2, status: 404, lineNo: 3 },
      { ip: '10.0.0.1', tsMs: 1, status: 500, lineNo: 1 },
      { ip: '10.0.0.1', tsMs: 3, status: 200, lineNo: 2 },
    ]);
    recomputeAllFeatures(t.db, 1000);
    // Rows without features (ingested after the run) are left out.
    insertLogs(t.db, s1, [{ ip: '10.0.0.1', tsMs: 4, status: 200, lineNo: 4 }]);

    const text = [...exportFeaturesCsv(t.db)].join('');
    expect(text.startsWith(`${EXPORT_HEADER}\n`)).toBe(true);
    expect(text).toContain(`"C:\\logs\\a,""b""\nc.log",3,"x,""y""",2,1,1,0\n`);
    expect(parseCsv(text)).toEqual([
      EXPORT_HEADER.split(','),
      [odd, '1', '10.0.0.1', '1', '1', '0', '1'],
      [odd, '2', '10.0.0.1', '3', '2', '0', '1'],
      [odd, '3', 'x,"y"', '2', '1', '1', '0'],
      // Windows are per IP across sources (one log table, as in the original).
      ['/plain.log', '1', '10.0.0.1', '5', '3', '0', '1'],
    ]);
    const crlf = [...exportFeaturesCsv(t.db, { lineEnding: '\r\n', sourceId: s2 })].join('');
    expect(crlf).toBe(`${EXPORT_HEADER}\r\n/plain.log,1,10.0.0.1,5,3,0,1\r\n`);
  });

  it('streams in chunks by keyset pages, leaving the connection free between chunks', () => {
    const t = tempDb();
    cleanup = t.cleanup;
    const source = addSource(t.db, 'big.log');
    const n = 20_000;
    insertLogs(
      t.db,
      source,
      Array.from({ length: n }, (_, k) => ({ ip: `10.1.${k % 7}.${k % 13}`, tsMs: k * 10, status: 200 })),
    );
    recomputeAllFeatures(t.db, 1000);

    const chunks: string[] = [];
    for (const chunk of exportFeaturesCsv(t.db, { pageRows: 997 })) {
      chunks.push(chunk);
      // Another statement on the same connection between chunks must work.
      t.db
        .prepare(
          "INSERT INTO settings (key, value) VALUES ('k', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .run(String(chunks.length));
    }
    expect(chunks.length).toBeGreaterThan(3);
    const rows = parseCsv(chunks.join(''));
    expect(rows.length).toBe(n + 1);
    expect(rows.slice(1).map((r) => Number(r[1]))).toEqual(Array.from({ length: n }, (_, k) => k + 1));
    expect(chunks.join('')).toBe([...exportFeaturesCsv(t.db)].join(''));
  });

  it('csvField leaves plain text alone', () => {
    expect(csvField('192.168.0.1')).toBe('192.168.0.1');
    expect(csvField('a b')).toBe('a b');
    expect(csvField('a\rb')).toBe('"a\rb"');
  });
});
