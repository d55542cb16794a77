/**
 * DNS rebinding and cross-site requests, played with the Host and Origin a hostile page or a
 * rebinding name would send: only this server's own loopback names with its own port pass,
 * whatever the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../helpers/http';
import { startSecured, type Secured } from './httpHarness';

describe('Host and Origin name this loopback server exactly', () => {
  let s: Secured;
  beforeAll(async () => {
    s = await startSecured();
  });
  afterAll(async () => s.close());

  const get = (headers: Record<string, string>) =>
    request(s.port, 'GET', '/config', { headers: { Authorization: `Bearer ${s.token()}`, ...headers } });

  it('accepts the loopback names with this port (any case), with or without a same-server Origin', async () => {
    for (const host of ['127.0.0.1', 'localhost', 'LocalHost', '[::1]']) {
      expect((await get({ Host: `${host}:${s.port}` })).status, host).toBe(200);
      const origin = `http://${host.toLowerCase()}:${s.port}`;
      expect((await get({ Host: `${host}:${s.port}`, Origin: origin })).status, origin).toBe(200);
    }
  });

  it('refuses any other Host with 403, the token notwithstanding', async () => {
    const hosts = [
      `0.0.0.0:${s.port}`,
      `127.0.0.2:${s.port}`,
      `localhost.attacker.example:${s.port}`,
      `attacker.example:${s.port}`,
      `127.0.0.1:${s.port + 1}`,
      '127.0.0.1',
      `127.0.0.1:${s.port}.attacker.example`,
    ];
    for (const host of hosts) {
      const res = await get({ Host: host });
      expect(res.status, `Host "${host}"`).toBe(403);
    }
  });

  it('refuses a foreign or opaque Origin with 403', async () => {
    const origins = [
      'null',
      'http://attacker.example',
      `http://127.0.0.1:${s.port}.attacker.example`,
      `https://127.0.0.1:${s.port}`,
      `http://127.0.0.1:${s.port + 1}`,
      `http://0.0.0.0:${s.port}`,
    ];
    for (const origin of origins) {
      const res = await get({ Host: `127.0.0.1:${s.port}`, Origin: origin });
      expect(res.status, `Origin "${origin}"`).toBe(403);
    }
  });

  it('a hostile page cannot point fleet mode at its own server, nor make the app connect anywhere', async () => {
    // What a page would try: save a connection to its server (the stored password would follow
    // the next Analyse there) or use the app to reach a host it chooses. Refused, token or not.
    const attacker = { url: 'http://attacker.example:8123', username: 'reader', database: 'default', table: 'logs' };
    const tries: Array<[string, string]> = [
      ['PUT', '/fleet/connection'],
      ['POST', '/fleet/connect'],
    ];
    for (const [method, path] of tries) {
      const body = JSON.stringify({ ...attacker, columns: { timestamp: 'ts', ip: 'ip', status: 'status' } });
      const headers = {
        Host: `127.0.0.1:${s.port}`,
        Origin: 'http://attacker.example',
        'Content-Type': 'application/json',
      };
      const anonymous = await request(s.port, method, path, { headers, body });
      expect(anonymous.status, `${method} ${path} from a page`).toBe(403);
      const withToken = await request(s.port, method, path, {
        headers: { ...headers, Authorization: `Bearer ${s.token()}` },
        body,
      });
      expect(withToken.status, `${method} ${path} from a page, token and all`).toBe(403);
    }
    const stored = await request(s.port, 'GET', '/fleet/connection', {
      headers: { Authorization: `Bearer ${s.token()}` },
    });
    expect(stored.status).toBe(200);
    expect(stored.text).not.toContain('attacker.example');
  });
});
