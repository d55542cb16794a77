import { useIncidents, type IncidentEntry } from '../store/incidentsStore';
import { useUtc } from '../store/prefsStore';
import { fmtScore, fmtTime } from './format';
import { listKey, VirtualTable, type GridColumn } from './VirtualTable';
import { statusClass } from './IncidentText';

const ROW_HEIGHT = 32;

const flagText = (r: IncidentEntry) => (r.isAnomaly === null ? 'not scored' : r.isAnomaly ? 'flagged' : 'not flagged');

/** `oneDay`: the incident's period lies in one day (shown above), so the rows show the time of day only. */
function columns(utc: boolean, oneDay: boolean): GridColumn<IncidentEntry>[] {
  return [
    {
      header: 'Flagged',
      hideHeader: true,
      className: 'flag-cell',
      // A mark for the eye, the word for screen readers and on hover.
      cell: (r) => (
        <span className={`flag-mark ${r.isAnomaly ? 'on' : r.isAnomaly === null ? 'none' : ''}`}>
          <span className="visually-hidden">{flagText(r)}</span>
        </span>
      ),
      title: flagText,
    },
    {
      header: 'Time',
      className: 'mono',
      // Within one day the time of day; across days month-day and time (the year is in the
      // counts above, and the full time is the cell's title), so the grid fits at 1024 px.
      cell: (r) => fmtTime(r.tsMs, utc).slice(oneDay ? 11 : 5),
      title: (r) => fmtTime(r.tsMs, utc),
    },
    { header: 'IP', className: 'mono', cell: (r) => r.ip, title: (r) => r.ip },
    {
      header: 'Request',
      className: 'mono ellipsis',
      cell: (r) => (
        <>
          {r.method ? <span className="method">{r.method}</span> : null}
          {r.endpoint}
        </>
      ),
      title: (r) => `${r.method ? `${r.method} ` : ''}${r.endpoint}`,
    },
    { header: 'Status', className: 'num', cell: (r) => <span className={statusClass(r.status)}>{r.status}</span> },
    {
      header: 'Votes',
      className: 'num',
      cell: (r) => (r.votes === null ? '—' : <span className={`votes v${Math.min(r.votes, 3)}`}>{r.votes}</span>),
    },
    { header: 'Score', className: 'num', cell: (r) => (r.isAnomaly === null ? '—' : fmtScore(r.combinedScore)) },
  ];
}

/** j/k move, Enter opens the entry, Escape closes the entry, then the incident. */
function entriesKey(key: string, pageRows: number): boolean {
  const s = useIncidents.getState();
  const total = s.open?.status === 'ready' ? s.open.data.rows.length : 0;
  if (listKey(key, pageRows, { selected: s.entrySelected, total, select: s.selectEntry, open: s.openEntry }))
    return true;
  if (key === 'Escape') {
    if (s.entry) s.closeEntry();
    else s.close();
    return true;
  }
  return false;
}

const openEntry = (index: number) => useIncidents.getState().openEntry(index);
const entryId = (r: IncidentEntry) => r.id;
const entryClass = (r: IncidentEntry) => (r.isAnomaly ? 'flagged' : '');

/** Every entry of the open incident, flagged ones marked. */
export function IncidentEntries({ rows, firstMs, lastMs }: { rows: IncidentEntry[]; firstMs: number; lastMs: number }) {
  const selected = useIncidents((s) => s.entrySelected);
  const openId = useIncidents((s) => s.entry?.id ?? null);
  const utc = useUtc();
  const oneDay = fmtTime(firstMs, utc).slice(0, 10) === fmtTime(lastMs, utc).slice(0, 10);
  return (
    <VirtualTable
      label="Entries of the incident"
      idPrefix="incident-entry"
      className={`incident-entries ${oneDay ? 'one-day' : ''}`}
      rowHeight={ROW_HEIGHT}
      columns={columns(utc, oneDay)}
      rows={rows}
      rowId={entryId}
      rowClass={entryClass}
      selected={selected}
      openId={openId}
      onKey={entriesKey}
      onOpen={openEntry}
      hint="j / k or arrows select · Enter opens an entry · Esc goes back to the incidents"
    />
  );
}
