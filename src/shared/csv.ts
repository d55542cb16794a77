/**
 * Formula-safe CSV, for every CSV the app writes (GET /features/export, the Anomalies view's
 * export). Log fields are attacker-controlled: an IP field or a source name such as
 * `=HYPERLINK(…)` must reach a spreadsheet as text, not as a formula.
 */

export type CsvValue = string | number | boolean | null;

/**
 * Text a spreadsheet may evaluate: a first non-blank character of = + - @ (OWASP's list; blanks
 * first because some importers trim them), or a leading tab, CR or LF.
 */
const FORMULA_START = /^(?:[\t\r\n]|\s*[=+\-@])/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One field. Text that could start a formula gets a leading apostrophe (spreadsheets then keep
 * it as text; a program reading the file sees `'` + the original text); then RFC 4180 quoting.
 * Numbers and booleans are written as they are: `-1` as a number is data, not a formula.
 */
export function csvField(value: CsvValue): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, without its line ending. */
export function csvRow(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',');
}
