/**
 * Issue 13, minor finding: /docs could be framed by any page (clickjacking). Every HTML answer
 * now forbids framing and carries a CSP; JSON answers are not sniffed as anything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Answer } from '../../helpers/http';
import { startSecured, type Secured } from './httpHarness';

/** Follows same-server redirects (GET /docs answers one) and returns the final answer. */
async function follow(port: number, path: string): Promise<Answer> {
  let res = await request(port, 'GET', path, { headers: { Accept: 'text/html' } });
  for (let hops = 0; hops < 5 && res.status >= 300 && res.status < 400; hops++) {
    const next = new URL(String(res.headers.location), `http://127.0.0.1:${port}${path}`);
    res = await request(port, 'GET', next.pathname + next.search, { headers: { Accept: 'text/html' } });
  }
  return res;
}

function expectUnframeable(res: Answer, what: string): void {
  expect(res.status, what).toBe(200);
  expect(res.headers['content-type'], what).toMatch(/^text\/html/);
  expect(res.headers['content-security-policy'], what).toMatch(/frame-ancestors 'none'/);
  expect(res.headers['content-security-policy'], what).toMatch(/script-src 'self'(;|$)/);
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
}

describe('HTML pages cannot be framed by another page', () => {
  let s: Secured;
  beforeAll(async () => {
    s = await startSecured();
  });
  afterAll(async () => s.close());

  it('/docs and its pages: CSP with frame-ancestors none, X-Frame-Options DENY', async () => {
    expectUnframeable(await follow(s.port, '/docs'), '/docs');
    expectUnframeable(await follow(s.port, '/docs/'), '/docs/');
    expectUnframeable(await follow(s.port, '/docs/static/index.html'), '/docs/static/index.html');
    expectUnframeable(await follow(s.port, '/docs/static/oauth2-redirect.html'), 'oauth2-redirect.html');
  });

  it('the UI at `/` too, and JSON answers are marked nosniff', async () => {
    expectUnframeable(await follow(s.port, '/'), '/');
    const json = await request(s.port, 'GET', '/health');
    expect(json.headers['x-content-type-options']).toBe('nosniff');
    expect((await request(s.port, 'GET', '/openapi.json')).headers['x-content-type-options']).toBe('nosniff');
  });
});
