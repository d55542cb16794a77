import { describe, expect, it } from 'vitest';
import { createParser, detectFormat } from '../../../src/main/ingest/parse/detect';
import { apacheLogLines } from './fixtures';

const JSONL = [
  '{"timestamp":"2023-01-01T00:00:00Z","ip":"1.1.1.1","endpoint":"/a","status":200}',
  '{"timestamp":"2023-01-01T00:00:01Z","ip":"1.1.1.2","endpoint":"/b","status":404}',
];

describe('detectFormat', () => {
  it('recognises the reference Apache log', () => {
    expect(detectFormat(apacheLogLines().slice(0, 100))).toBe('combined');
  });

  it('recognises the common format and tolerates a minority of junk lines and blanks', () => {
    const common = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326';
    expect(detectFormat([common, '', common, 'garbage', common])).toBe('combined');
  });

  it('recognises JSON lines, also with unusual key names (a mapping is needed then)', () => {
    expect(detectFormat(JSONL)).toBe('jsonl');
    expect(detectFormat(['{"when": 1, "who": "x"}', '{"when": 2, "who": "y"}'])).toBe('jsonl');
    expect(detectFormat(['junk first line', ...JSONL, JSONL[0]])).toBe('jsonl');
  });

  it('recognises a CSV header of known names, even one missing a required column', () => {
    expect(
      detectFormat(['timestamp,ip_address,service_endpoint,http_response_code', '2023-01-01 10:00:10,1.1.1.1,/h,200']),
    ).toBe('csv');
    expect(detectFormat(['\uFEFFtime;clientip;path;status'])).toBe('csv');
    expect(detectFormat(['timestamp,ip_address,http_response_code'])).toBe('csv');
  });

  it('gives null when nothing fits', () => {
    expect(detectFormat([])).toBeNull();
    expect(detectFormat(['', '  '])).toBeNull();
    expect(detectFormat(['hello', 'world', 'a,b,c'])).toBeNull();
    expect(detectFormat(['{"broken": ', 'x'])).toBeNull();
  });
});

describe('createParser', () => {
  it('builds the parser for each format', () => {
    expect(createParser('combined').format).toBe('combined');
    const json = createParser('jsonl', { ip: 'who' });
    expect(json.parse('{"timestamp":"2023-01-01T00:00:00Z","who":"h","endpoint":"/","status":200}').ok).toBe(true);
    const a = createParser('csv');
    const b = createParser('csv');
    a.parse('timestamp,ip,endpoint,status');
    expect(a.parse('2023-01-01T00:00:00Z,1.1.1.1,/,200').ok).toBe(true);
    // A fresh CSV parser has its own header state.
    expect(b.parse('timestamp,ip,endpoint,status')).toMatchObject({ ok: false, skip: true });
  });
});
