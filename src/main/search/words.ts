import type { Db } from '../store/db';

/**
 * The words of the search index. An entry's text (IP, method, path, user agent) is indexed when
 * it is all ASCII: its words are then exactly what SQLite's unicode61 tokenizer makes of it, runs
 * of letters and digits, lower-cased, so the words this side knows (search_words) are the
 * index's. Entries with other characters are listed in search_skipped and always checked by LIKE.
 */

/** The text an entry is indexed by, or null when it is not all ASCII. */
export function entryText(
  ip: string,
  method: string | null,
  endpoint: string,
  userAgent: string | null,
): string | null {
  const text = `${ip} ${method ?? ''} ${endpoint} ${userAgent ?? ''}`;
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text : null;
}

/** Lower-case runs of ASCII letters and digits: the index's words for ASCII text. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** A piece shorter than this narrows too little to be worth a look-up; it is left to LIKE. */
const MIN_PIECE = 2;
/** A piece found inside more indexed words than this is left to LIKE too (a long OR gains little). */
const MAX_WORDS_PER_PIECE = 256;

/**
 * An FTS5 expression matching every indexed entry whose text could contain `term` (as the search
 * language's LIKE looks for it, case-insensitively in one field); '' when no indexed entry can,
 * null when the index cannot narrow the term down. It is a superset: each ASCII letter-and-digit
 * piece of the term lies inside one word of a matching entry, so the entry holds one of the
 * indexed words containing that piece. Read and used in one synchronous call: the words cannot
 * change in between.
 */
export function candidateExpression(db: Db, term: string): string | null {
  // Non-ASCII text in the term may fold differently in LIKE and in the tokenizer: no narrowing.
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(term)) return null;
  const lookup = db.prepare('SELECT word FROM search_words WHERE instr(word, ?) > 0 LIMIT ?').pluck();
  const groups: string[] = [];
  for (const piece of new Set(wordsOf(term))) {
    if (piece.length < MIN_PIECE) continue;
    const words = lookup.all(piece, MAX_WORDS_PER_PIECE + 1) as string[];
    if (words.length > MAX_WORDS_PER_PIECE) continue;
    // No indexed word holds the piece: no indexed entry can match.
    if (words.length === 0) return '';
    groups.push(`(${words.map((w) => `"${w}"`).join(' OR ')})`);
  }
  return groups.length ? groups.join(' AND ') : null;
}
