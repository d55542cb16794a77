import { randomBytes } from 'node:crypto';

/** A redirect is followed at once; a minute covers a slow machine. */
const HANDOVER_TTL_MS = 60_000;
/** Pending hand-overs kept at most, so repeated visits of the printed URL cannot grow the map. */
const MAX_PENDING = 16;

/**
 * Browser mode's one-time token hand-over. The printed URL `/?token=…` is answered with a
 * redirect to `/` and an HttpOnly, SameSite=Strict cookie holding a random one-time id (never
 * the token); the page load that presents the id gets the token in the page and the cookie is
 * cleared. So the token is in that first URL only, and the cookie is no credential for the API,
 * which takes the Authorization header alone.
 */
export class TokenHandover {
  private readonly pending = new Map<string, number>();

  /** A new one-time id, valid for HANDOVER_TTL_MS. */
  begin(now = Date.now()): string {
    for (const [id, expires] of this.pending) if (expires <= now) this.pending.delete(id);
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value as string);
    const id = randomBytes(18).toString('base64url');
    this.pending.set(id, now + HANDOVER_TTL_MS);
    return id;
  }

  /** True once for an id from begin() that has not expired; false for anything else, and after. */
  take(id: string | null, now = Date.now()): boolean {
    if (id === null) return false;
    const expires = this.pending.get(id);
    this.pending.delete(id);
    return expires !== undefined && expires > now;
  }
}

/** Cookies are shared by every port of a host: the name carries ours so two instances never mix. */
export const handoverCookieName = (port: number) => `outlier_desk_handover_${port}`;

export function handoverCookie(port: number, id: string): string {
  return `${handoverCookieName(port)}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${HANDOVER_TTL_MS / 1000}`;
}

export function clearedHandoverCookie(port: number): string {
  return `${handoverCookieName(port)}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}

/** The value of cookie `name` in a Cookie header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
