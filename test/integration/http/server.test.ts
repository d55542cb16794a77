import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES, operations } from '../../../src/shared/api';
import { request, startTestServer, type TestServer } from '../../helpers/http';

describe('loopback HTTP server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s.close());

  it('answers /health and the original greeting without a token', async () => {
    const health = await request(s.port, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const root = await request(s.port, 'GET', '/');
    expect(root.json()).toEqual({ message: 'Welcome to the Outlier Detector API' });
  });

  it('keeps the token in a mode 0600 file', () => {
    expect(statSync(`${s.dataDir}/api-token`).mode & 0o777).toBe(0o600);
  });

  it('refuses a missing or wrong token with 401', async () => {
    expect((await request(s.port, 'GET', '/config')).status).toBe(401);
    const wrong = await request(s.port, 'GET', '/config', { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'Unauthorized' });
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (CSRF) with 403', async () => {
    const auth = { Authorization: `Bearer ${s.token}` };
    const host = await request(s.port, 'GET', '/config', { headers: { ...auth, Host: 'attacker.example:80' } });
    expect(host.status).toBe(403);
    const health = await request(s.port, 'GET', '/health', { headers: { Host: `evil.test:${s.port}` } });
    expect(health.status).toBe(403);
    const origin = await request(s.port, 'GET', '/config', {
      headers: { ...auth, Origin: 'https://attacker.example' },
    });
    expect(origin.status).toBe(403);
    const own = await request(s.port, 'GET', '/config', { headers: { ...auth, Origin: `http://127.0.0.1:${s.port}` } });
    expect(own.status).toBe(200);
  });

  it('answers an unknown route with 404 JSON', async () => {
    const res = await s.call('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toEqual({
      error: 'Not Found',
      message: 'No route GET /no/such/route',
      detail: 'No route GET /no/such/route',
    });
  });

  it('validates bodies with the shared schemas, naming the field', async () => {
    const bad = await s.call('PUT', '/config', { contamination: 0.9 });
    expect(bad.status).toBe(400);
    expect((bad.json() as { message: string }).message).toMatch(/^contamination:/);
    const badWindow = await s.call('PUT', '/config', { window: 'fortnightly' });
    expect((badWindow.json() as { message: string }).message).toMatch(/^window:.*not a duration/);
    const unknown = await s.call('PUT', '/config', { colour: 'red' });
    expect(unknown.status).toBe(400);
    const ok = await s.call('PUT', '/config', { window: '90s' });
    expect(ok.json()).toMatchObject({ windowMs: 90_000 });
    const notJson = await request(s.port, 'PUT', '/config', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: '{"window":',
    });
    expect(notJson.status).toBe(400);
    expect(notJson.text).not.toMatch(/at .*\.js/);
  });

  it('refuses JSON bodies over 1 MiB with 413', async () => {
    const res = await s.call('PUT', '/config', { pad: 'x'.repeat(1024 * 1024 + 10) });
    expect(res.status).toBe(413);
  });

  it('publishes an OpenAPI document with every operation', async () => {
    const res = await request(s.port, 'GET', '/openapi.json');
    const doc = res.json() as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
    for (const name of OPERATION_NAMES) expect(ids).toContain(name);
    const detect = doc.paths[operations.detect.path].post as unknown as {
      requestBody: { content: Record<string, { schema: { required: string[] } }> };
    };
    expect(detect.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['timestamp', 'ip_address', 'service_endpoint', 'http_response_code']),
    );
    expect((await request(s.port, 'GET', '/docs')).status).toBeLessThan(400);
  });
});
