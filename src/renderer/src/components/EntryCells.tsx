import { statusClass } from './IncidentText';

/** The request as the entry grids show it: the method marked, then the endpoint. */
export function EndpointCell({ method, endpoint }: { method: string | null; endpoint: string }) {
  return (
    <>
      {method ? <span className="method">{method}</span> : null}
      {endpoint}
    </>
  );
}

/** An HTTP status in its class's colour ('—' when not known). */
export function StatusCell({ status }: { status: number | null }) {
  return status === null ? <>—</> : <span className={statusClass(status)}>{status}</span>;
}

/** The number of models voting anomalous, coloured by how many. */
export function VotesCell({ votes }: { votes: number }) {
  return <span className={`votes v${Math.min(votes, 3)}`}>{votes}</span>;
}
