/** Public surface of the parsing layer. */
export type { FieldMapping, LineParser, LogFormat, ParsedEntry, ParseResult } from './types';
export { parseCombined, createCombinedParser } from './combined';
export { parseJsonLine, createJsonlParser } from './jsonl';
export { createCsvParser, parseCsvRow, readCsvHeader, splitCsvRecord, type CsvHeader } from './csv';
export { detectFormat, createParser } from './detect';
export { FIELD_NAMES, REQUIRED_FIELDS, SOURCE_FIELDS, type SourceField } from './fieldNames';
export { splitRequest, type RequestParts } from './request';
export {
  epochToMs,
  formatClfTimestamp,
  parseClfTimestamp,
  parseIsoTimestamp,
  parseTimestamp,
  MAX_YEAR,
  MIN_YEAR,
  type TimestampResult,
} from '../../../shared/time/timestamp';
export { LineSplitter, MAX_LINE_BYTES, type SplitLine, type LineSplitterOptions } from './lineSplitter';
