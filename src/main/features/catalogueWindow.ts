import { IP_AGE_CAP_MIN, LONG_WINDOW_MS } from './catalogue';
import { assertWindowMs, statusClass } from './types';

/** What the catalogue reads of an entry. */
export interface CatalogueEntry {
  tsMs: number;
  ip: string;
  method: string | null;
  endpoint: string;
  status: number;
  bytes: number | null;
}

/**
 * The longest span of history a feature row depends on (besides the IP's first sighting): the
 * long window, or the configured one when that is longer.
 */
export function catalogueLookbackMs(windowMs: number): number {
  return Math.max(LONG_WINDOW_MS, windowMs);
}

/** Features per row: the `entity` feature set of catalogue.ts, in its order. */
export const ENTITY_COLUMNS = 13;
/**
 * Columns of `push()`'s raw rows: the features, then how much log precedes the entry (ms since
 * the data began, capped at the lookback), which the detectors' transform uses to judge counts
 * of windows the log does not yet fill (catalogue.ts `transformRow`).
 */
export const RAW_COLUMNS = ENTITY_COLUMNS + 1;

/**
 * Entries of one key (an IP or an endpoint) kept while the longest window needs them, as
 * parallel arrays with a moving head (compacted now and then), and two cursors: the first entry
 * inside the short window and the first inside the long one.
 */
class Lane {
  ts: number[] = [];
  other: number[] = []; // IP lane: endpoint id; endpoint lane: IP id
  nonGet: number[] = [];
  cls: number[] = [];
  bytes: number[] = [];
  shortAt = 0;
  longAt = 0;

  push(ts: number, other: number, nonGet: number, cls: number, bytes: number): void {
    this.ts.push(ts);
    this.other.push(other);
    this.nonGet.push(nonGet);
    this.cls.push(cls);
    this.bytes.push(bytes);
  }

  /** Drops entries no cursor needs any more, once they are most of the arrays. */
  compact(): void {
    const dead = Math.min(this.shortAt, this.longAt);
    if (dead < 1024 || dead * 2 < this.ts.length) return;
    for (const a of [this.ts, this.other, this.nonGet, this.cls, this.bytes]) a.splice(0, dead);
    this.shortAt -= dead;
    this.longAt -= dead;
  }
}

class IpState {
  readonly lane = new Lane();
  sReq = 0;
  sCli = 0;
  sSrv = 0;
  lReq = 0;
  lNonGet = 0;
  lCli = 0;
  lBytes = 0;
  /** Endpoint id → requests in the long window. */
  readonly paths = new Map<number, number>();
  constructor(readonly firstSeen: number) {}
}

class EndpointState {
  readonly lane = new Lane();
  nonGet = 0;
  /** IP id → requests in the long window. */
  readonly ips = new Map<number, number>();
}

function bump(map: Map<number, number>, key: number, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

/**
 * The catalogue's features, streamed: entries go in in (timestamp, arrival) order and each comes
 * out with its feature row. The same object serves a batch pass (every entry from the start) and
 * live scoring (it simply keeps going), so the two cannot disagree for in-order data.
 */
export class CatalogueWindow {
  private readonly shortMs: number;
  private readonly longMs: number;
  private readonly ipIds = new Map<string, number>();
  private readonly endpointIds = new Map<string, number>();
  private readonly ips: IpState[] = [];
  private readonly endpoints: EndpointState[] = [];
  private lastTs = -Infinity;

  /**
   * @param dataStartMs when the data begins (default: the first entry pushed). IPs first seen
   *   within the short window of it were there when the log began: their age is unknown, and
   *   they count as known rather than new, or every IP of a freshly opened log would look new.
   */
  constructor(
    windowMs: number,
    private dataStartMs = NaN,
  ) {
    assertWindowMs(windowMs);
    this.shortMs = windowMs;
    this.longMs = catalogueLookbackMs(windowMs);
  }

  hasIp(ip: string): boolean {
    const id = this.ipIds.get(ip);
    return id !== undefined && this.ips[id] !== undefined;
  }

  /**
   * Tells the window that `ip` was first seen at `tsMs`, before the entries it will be given
   * (a window rebuilt from a recent slice of history). No effect once the IP has been pushed.
   */
  knowIp(ip: string, tsMs: number): void {
    const id = intern(this.ipIds, ip);
    this.ips[id] ??= new IpState(tsMs);
  }

  /** The raw row of `e` (RAW_COLUMNS values: counts, bytes, minutes, then the history). */
  push(e: CatalogueEntry, out: Float64Array = new Float64Array(RAW_COLUMNS), at = 0): Float64Array {
    if (e.tsMs < this.lastTs) throw new RangeError('catalogue window: entries must come in timestamp order');
    this.lastTs = e.tsMs;
    const t = e.tsMs;
    if (Number.isNaN(this.dataStartMs)) this.dataStartMs = t;
    const ipId = intern(this.ipIds, e.ip);
    const epId = intern(this.endpointIds, e.endpoint);
    const nonGet = e.method !== null && e.method.toUpperCase() !== 'GET' ? 1 : 0;
    const cls = statusClass(e.status);
    const bytes = e.bytes ?? 0;

    const ip = (this.ips[ipId] ??= new IpState(t));
    ip.lane.push(t, epId, nonGet, cls, bytes);
    ip.sReq++;
    ip.lReq++;
    if (cls === 1) {
      ip.sCli++;
      ip.lCli++;
    }
    if (cls === 2) ip.sSrv++;
    ip.lNonGet += nonGet;
    ip.lBytes += bytes;
    bump(ip.paths, epId, 1);
    this.evictIp(ip, t);

    const ep = (this.endpoints[epId] ??= new EndpointState());
    ep.lane.push(t, ipId, nonGet, 0, 0);
    ep.nonGet += nonGet;
    bump(ep.ips, ipId, 1);
    this.evictEndpoint(ep, t);

    out[at] = ip.sReq;
    out[at + 1] = ip.sCli;
    out[at + 2] = ip.sSrv;
    out[at + 3] = ip.lReq;
    out[at + 4] = ip.lNonGet;
    out[at + 5] = ip.paths.size;
    out[at + 6] = ip.paths.get(epId) ?? 0;
    out[at + 7] = ip.lCli;
    out[at + 8] = bytes;
    out[at + 9] = ip.lBytes;
    out[at + 10] = ep.ips.size;
    out[at + 11] = ep.nonGet;
    out[at + 12] =
      ip.firstSeen - this.dataStartMs < this.shortMs
        ? IP_AGE_CAP_MIN
        : Math.min(IP_AGE_CAP_MIN, Math.floor((t - ip.firstSeen) / 60_000));
    out[at + 13] = Math.min(this.longMs, t - this.dataStartMs);
    return out;
  }

  private evictIp(ip: IpState, t: number): void {
    const l = ip.lane;
    while (l.ts[l.shortAt] <= t - this.shortMs) {
      ip.sReq--;
      if (l.cls[l.shortAt] === 1) ip.sCli--;
      if (l.cls[l.shortAt] === 2) ip.sSrv--;
      l.shortAt++;
    }
    while (l.ts[l.longAt] <= t - this.longMs) {
      const k = l.longAt++;
      ip.lReq--;
      if (l.cls[k] === 1) ip.lCli--;
      ip.lNonGet -= l.nonGet[k];
      ip.lBytes -= l.bytes[k];
      bump(ip.paths, l.other[k], -1);
    }
    l.compact();
  }

  private evictEndpoint(ep: EndpointState, t: number): void {
    const l = ep.lane;
    l.shortAt = l.ts.length; // the endpoint lane has no short-window features
    while (l.ts[l.longAt] <= t - this.longMs) {
      const k = l.longAt++;
      ep.nonGet -= l.nonGet[k];
      bump(ep.ips, l.other[k], -1);
    }
    l.compact();
  }
}

function intern(ids: Map<string, number>, key: string): number {
  let id = ids.get(key);
  if (id === undefined) {
    id = ids.size;
    ids.set(key, id);
  }
  return id;
}
