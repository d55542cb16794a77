/** ISO 8601; a timestamp without zone is taken as UTC, as the original's tests did. */
export function parseIsoTimestamp(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text.trim(),
  );
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  if (year < 1970 || year > 2100) return null;
  const ms =
    Date.UTC(year, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) +
    (frac ? Math.round(Number(frac) * 1000) : 0);
  const check = new Date(Date.UTC(year, Number(mo) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  if (zone.toUpperCase() === 'Z') return ms;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  return ms - sign * offset;
}
