/** Format detection from a file's first lines, and the parser factory. */
import { parseCombined, createCombinedParser } from './combined';
import { createCsvParser, guessDelimiter, splitCsvRecord } from './csv';
import { KNOWN_NAMES } from './fieldNames';
import { createJsonlParser } from './jsonl';
import type { FieldMapping, LineParser, LogFormat } from './types';

/** Lines looked at; the first lines of a file are enough and keep detection cheap. */
const MAX_LINES = 200;

function isJsonObjectLine(line: string): boolean {
  if (line.charCodeAt(0) !== 123) return false; // '{'
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** A header: at least two cells, and at least two of them names from the field table. */
function looksLikeCsvHeader(line: string): boolean {
  const cells = splitCsvRecord(line, guessDelimiter(line));
  if (cells === null || cells.length < 2) return false;
  let known = 0;
  for (const c of cells) if (KNOWN_NAMES.has(c.trim().toLowerCase())) known++;
  return known >= 2;
}

/**
 * JSON lines when the first line opens an object and most lines are objects; CSV when the first
 * line is a header of recognised names; else the format most lines parse as (combined, then JSON),
 * if that is more than half of them. Null when nothing fits or there are no lines.
 */
export function detectFormat(firstLines: string[]): LogFormat | null {
  const lines: string[] = [];
  for (const raw of firstLines) {
    const t = raw.replace(/^\uFEFF/, '').trim();
    if (t !== '') lines.push(t);
    if (lines.length === MAX_LINES) break;
  }
  if (lines.length === 0) return null;
  const half = lines.length / 2;
  let json = 0;
  for (const l of lines) if (isJsonObjectLine(l)) json++;
  if (lines[0].charCodeAt(0) === 123 && json >= half) return 'jsonl';
  if (looksLikeCsvHeader(lines[0])) return 'csv';
  let combined = 0;
  for (const l of lines) if (parseCombined(l).ok) combined++;
  if (combined > half) return 'combined';
  if (json > half) return 'jsonl';
  return null;
}

/** A fresh parser (CSV parsers hold their header, so use one per source). */
export function createParser(format: LogFormat, mapping?: FieldMapping): LineParser {
  switch (format) {
    case 'combined':
      return createCombinedParser();
    case 'jsonl':
      return createJsonlParser(mapping);
    case 'csv':
      return createCsvParser(mapping);
  }
}
