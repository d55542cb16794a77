import type { Database } from 'better-sqlite3';
import type { LogDetail } from '../../shared/schemas/analysis';
import { featureSet, featureWords } from './catalogue';
import { catalogueLookbackMs, ENTITY_COLUMNS } from './catalogueWindow';
import { replay } from './catalogueReplay';

/** A feature is worth an analyst's attention from this percentile of the training entities on. */
const UNUSUAL = 90;

/** The catalogue features of one stored entry (a replay of its lookback), or null when it does not exist. */
export function catalogueFeaturesOf(db: Database, windowMs: number, id: number): Float64Array | null {
  const at = db.prepare('SELECT ts_ms FROM logs WHERE id = ?').pluck().get(id) as number | undefined;
  if (at === undefined) return null;
  let found: Float64Array | null = null;
  replay(
    db,
    windowMs,
    { fromTs: at - catalogueLookbackMs(windowMs), toTs: at, maxId: Number.MAX_SAFE_INTEGER },
    (rowId, _e, f) => {
      if (rowId === id) found = Float64Array.from(f);
    },
  );
  return found;
}

/**
 * The entry's features in words, the unusual ones (higher than 90 % of the training entities, or
 * lower where the catalogue says low is telling) first, most unusual first; the rest follow in
 * catalogue order.
 */
export function explanationItems(
  raw: ArrayLike<number>,
  percentiles: readonly number[],
  higher: readonly number[],
  windowMs: number,
): NonNullable<LogDetail['explanation']> {
  const defs = featureSet('entity');
  if (raw.length < ENTITY_COLUMNS || percentiles.length !== ENTITY_COLUMNS) return [];
  const items = defs.map((def, j) => ({
    feature: def.name,
    value: raw[j],
    percentile: Number.isFinite(percentiles[j]) ? percentiles[j] : null,
    text: featureWords(def, raw[j], windowMs, percentiles[j], higher[j]),
  }));
  // How unusual, high or low: the larger share of entities on the other side.
  const rank = (j: number) => {
    const r = Math.max(percentiles[j] ?? 0, defs[j].lowWords ? (higher[j] ?? 0) : 0);
    return r >= UNUSUAL ? r : -1;
  };
  return items
    .map((item, j) => ({ item, j }))
    .sort((a, b) => rank(b.j) - rank(a.j) || a.j - b.j)
    .map(({ item }) => item);
}
