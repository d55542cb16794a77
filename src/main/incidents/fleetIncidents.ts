import type { FleetIncident, FleetTopRow } from '../../shared/schemas/fleet';
import { groupIncidents, type FlaggedRow } from './group';
import { incidentOf } from './incidentOf';

/** A fleet row as the grouping sees it: its index in the answer stands for the desktop's log id. */
const asFlagged = (r: FleetTopRow, index: number): FlaggedRow => ({
  id: index,
  tsMs: r.tsMs,
  ip: r.ip,
  method: r.method,
  endpoint: r.path ?? '',
  status: r.status ?? 0,
  bytes: r.bytes,
  userAgent: r.userAgent,
  score: r.combinedScore,
});

/**
 * The returned rows the ensemble flags, grouped into incidents by the desktop's rules
 * (groupIncidents, describeIncident) with the feature window as the gap, ranked as the Incidents
 * view ranks them (highest combined score, then the larger, then the earlier id). The server is not
 * asked when each IP was first seen, so every IP may join an endpoint incident (the desktop lets only
 * IPs new that day join one) and no summary names a first sighting.
 */
export function fleetIncidents(rows: readonly FleetTopRow[], windowMs: number): FleetIncident[] {
  const flagged = rows.flatMap((r, i) => (r.isAnomaly ? [asFlagged(r, i)] : []));
  return groupIncidents(flagged, windowMs)
    .map((group) => {
      const score = Math.max(...group.rows.map((r) => r.score));
      const id = `${group.kind}-${group.rows[0].id}`;
      return { ...incidentOf(id, group, score, 'unknown'), rows: group.rows.map((r) => r.id) };
    })
    .sort((a, b) => b.score - a.score || b.flagged - a.flagged || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
