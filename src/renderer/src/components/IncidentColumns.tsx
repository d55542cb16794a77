import type { Incident } from '../../../shared/schemas/incidents';
import { fmtInt, fmtScore } from './format';
import { IncidentPeriod, ipsText, summaryAfterLabel } from './IncidentText';
import type { GridColumn } from './VirtualTable';

/** An incident as lists show it; fleet mode's have no `entries` (only the returned rows are known). */
export type ListedIncident = Omit<Incident, 'entries'> & Partial<Pick<Incident, 'entries'>>;

/** The columns of an incident list (the Incidents view's, the Fleet view's), for `.incident-list`. */
export function incidentColumns<T extends ListedIncident>(utc: boolean, withEntries = true): GridColumn<T>[] {
  return [
    { header: 'Score', className: 'num', cell: (i) => fmtScore(i.score) },
    { header: 'Incident', className: 'incident-label', cell: (i) => i.label, title: (i) => i.label },
    { header: 'Summary', className: 'incident-summary', cell: summaryAfterLabel, title: (i) => i.summary },
    {
      header: 'IPs',
      className: 'mono',
      cell: ipsText,
      title: (i) => (i.ipCount > i.ips.length ? `${i.ips.join(', ')}, …` : i.ips.join(', ')),
    },
    {
      header: withEntries ? 'Flagged / entries' : 'Flagged',
      className: 'num',
      cell: (i) => (i.entries === undefined ? fmtInt(i.flagged) : `${fmtInt(i.flagged)} / ${fmtInt(i.entries)}`),
    },
    {
      header: 'First – last',
      cell: (i) => <IncidentPeriod firstMs={i.firstTsMs} lastMs={i.lastTsMs} utc={utc} />,
    },
  ];
}
