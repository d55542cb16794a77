/**
 * Issue 13, finding 4 (the token in URLs and logs), finding 5 (event streams outliving a
 * regenerated token) and the lower-case `bearer` refusal, played as the attack over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_META } from '../../../src/shared/api';
import { request } from '../../helpers/http';
import { openEvents, startSecured, type Secured } from './httpHarness';

const HTML = { Accept: 'text/html' };
const setCookieOf = (headers: Record<string, string | string[] | undefined>): string[] => {
  const v = headers['set-cookie'];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};
/** `name=value` of a Set-Cookie line, as a browser would send it back. */
const cookiePair = (setCookie: string) => setCookie.split(';')[0];

describe('the API token travels in the Authorization header only', () => {
  let s: Secured;
  beforeAll(async () => {
    s = await startSecured();
  });
  afterAll(async () => s.close());

  it('refuses ?token= on API routes, the original routes, the stream routes and /events', async () => {
    const token = s.token();
    const attempts: Array<[string, string]> = [
      ['GET', '/config'],
      ['GET', '/anomalies'],
      ['GET', '/token'],
      ['POST', '/model/train_models'],
      ['POST', '/ingest'],
      ['GET', '/features/export'],
      ['GET', '/events'],
      ['GET', '/fleet/connection'],
      ['POST', '/fleet/analyse'],
    ];
    for (const [method, path] of attempts) {
      const res = await request(s.port, method, `${path}?token=${token}`, { headers: { Accept: '*/*' } });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((res.json() as { message: string }).message).toMatch(/not accepted.*Authorization: Bearer/);
    }
    // With the header as well, the URL's copy is still refused (and named), so scripts stop sending it.
    const both = await request(s.port, 'GET', `/config?token=${token}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(both.status).toBe(400);
    expect((both.json() as { message: string }).message).toMatch(/^token: not accepted in the URL/);
  });

  it('accepts the scheme in any case (RFC 7235), and nothing that is not the scheme', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await request(s.port, 'GET', '/config', { headers: { Authorization: `${scheme} ${s.token()}` } });
      expect(res.status, scheme).toBe(200);
    }
    const t = s.token();
    const refused = [
      `Bearer${t}`,
      `Bearerx ${t}`,
      `Basic ${t}`,
      t,
      // The scheme must start the header, and the token must be all of the rest.
      `Basic bearer ${t}`,
      `X-Bearer ${t}`,
      `Bearer ${t} ${t}`,
      // Only the whole token: not a prefix of it, not it with more after.
      `Bearer ${t.slice(0, -1)}`,
      `Bearer ${t.slice(0, 16)}`,
      `Bearer ${t}x`,
    ];
    for (const header of refused) {
      const res = await request(s.port, 'GET', '/config', { headers: { Authorization: header } });
      expect(res.status, header).toBe(401);
    }
  });

  it('the pages that need no token are readable only: any other method on them needs the token', async () => {
    for (const [method, path] of [
      ['POST', '/health'],
      ['PUT', '/'],
      ['DELETE', '/openapi.json'],
      ['POST', '/docs'],
      ['POST', '/assets/x.js'],
    ]) {
      const res = await request(s.port, method, path, { headers: { 'Content-Type': 'application/json' }, body: '{}' });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('hands the printed URL over at `/` once: a redirect without the query, a one-time cookie, the token in the page', async () => {
    const token = s.token();
    // The printed URL, as a browser opens it (the view's hash never reaches the server).
    const first = await request(s.port, 'GET', `/?token=${token}`, { headers: HTML });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(first.headers['cache-control']).toBe('no-store');
    const [cookie] = setCookieOf(first.headers);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    // The cookie holds a one-time id, never the token itself.
    expect(cookie).not.toContain(token);

    // The cookie is no API credential.
    const withCookieOnly = await request(s.port, 'GET', '/config', { headers: { Cookie: cookiePair(cookie) } });
    expect(withCookieOnly.status).toBe(401);
    // Nor does it let another origin (another port of 127.0.0.1 is the same *site*) have the page.
    const foreign = await request(s.port, 'GET', '/', {
      headers: { ...HTML, Cookie: cookiePair(cookie), Origin: `http://127.0.0.1:${s.port + 1}` },
    });
    expect(foreign.status).toBe(403);

    // The redirected load gets the token in a <meta> tag, and the cookie is cleared.
    const page = await request(s.port, 'GET', '/', { headers: { ...HTML, Cookie: cookiePair(cookie) } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`<meta name="${TOKEN_META}" content="${token}" />`);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(setCookieOf(page.headers)[0]).toMatch(/Max-Age=0/);

    // Once: the same cookie presented again (a replay, or a second load) gets the page without the token.
    const again = await request(s.port, 'GET', '/', { headers: { ...HTML, Cookie: cookiePair(cookie) } });
    expect(again.status).toBe(200);
    expect(again.text).not.toContain(token);
    expect(again.text).not.toContain(TOKEN_META);
  });

  it('redirects a wrong ?token= at `/` too, with no cookie, so no query lingers in the address bar', async () => {
    const res = await request(s.port, 'GET', '/?token=guessed-token-value', { headers: HTML });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(setCookieOf(res.headers)).toEqual([]);
    // Scripts asking `/` for the original's greeting still get it.
    expect((await request(s.port, 'GET', '/')).json()).toEqual({ message: 'Welcome to the Outlier Detector API' });
  });
});

describe('the HTTP layer logs paths, never queries', () => {
  let s: Secured;
  beforeAll(async () => {
    s = await startSecured();
  });
  afterAll(async () => s.close());

  it('logs paths without their query: a refused request and a failing one', async () => {
    const before = s.logLines.length;
    const refused = await request(s.port, 'GET', '/config?token=leaked-secret-1&q=leaked-secret-2', {
      headers: { Authorization: 'Bearer wrong' },
    });
    expect(refused.status).toBe(401);
    // A real fault under a request with a query: the database is gone (closed under the engine).
    s.engine.db.close();
    const failed = await s.call('GET', '/anomalies?ip=leaked-secret-3&q=leaked-secret-4');
    expect(failed.status).toBe(500);
    const logged = s.logLines.slice(before);
    expect(logged.map((l) => l.url)).toEqual(expect.arrayContaining(['/config', '/anomalies']));
    expect(logged.find((l) => l.msg === 'request failed')).toMatchObject({ method: 'GET', url: '/anomalies' });
    expect(JSON.stringify(logged)).not.toMatch(/leaked-secret|\?/);
  });
});

describe('a new token ends the event streams of the old one', () => {
  let s: Secured;
  beforeAll(async () => {
    s = await startSecured();
  });
  afterAll(async () => s.close());

  it('closes a stream opened before POST /token/regenerate; only the new token opens one again', async () => {
    const old = s.token();
    const stream = await openEvents(s.port, { Authorization: `Bearer ${old}` });
    expect(stream.res.statusCode).toBe(200);
    const other = await openEvents(s.port, { Authorization: `bearer ${old}` });
    expect(other.res.statusCode).toBe(200);

    const regenerated = await s.call('POST', '/token/regenerate', {});
    expect(regenerated.status).toBe(200);
    const fresh = (regenerated.json() as { token: string }).token;
    expect(fresh).not.toBe(old);
    // Both streams end on the server's side (a hang here fails by the test's timeout).
    await Promise.all([stream.ended, other.ended]);
    expect(stream.text()).toMatch(/^: connected/);

    const retry = await openEvents(s.port, { Authorization: `Bearer ${old}` });
    expect(retry.res.statusCode).toBe(401);
    retry.destroy();
    const next = await openEvents(s.port, { Authorization: `Bearer ${fresh}` });
    expect(next.res.statusCode).toBe(200);
    // The new stream carries events.
    await s.call('PUT', '/config', { contamination: 0.1 });
    await new Promise<void>((done) => {
      const check = () => (next.text().includes('event: config-changed') ? done() : setTimeout(check, 20));
      check();
    });
    next.destroy();
  });
});
