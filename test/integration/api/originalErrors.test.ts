/**
 * Scripts written for the original FastAPI service read its error shapes: `detail` with the
 * message, and 422 with FastAPI's validation list for an invalid body. Its routes answer so
 * (beside our `error` and `message`); an empty JSON body is accepted where the route takes none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../../helpers/http';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

const ENTRY = {
  timestamp: '2023-10-27T10:00:00Z',
  ip_address: '192.168.1.100',
  service_endpoint: '/api/data',
  http_response_code: 200,
};

describe("the original's error shapes", () => {
  it('a detection before any model: 500 and detail says "No models are loaded" (the original\'s own test)', async () => {
    const res = await s.call('POST', '/outlier/detect', ENTRY);
    expect(res.status).toBe(500);
    expect((res.json() as { detail: string }).detail).toContain('No models are loaded');
  });

  it("a body missing a field: 422 with FastAPI's detail list", async () => {
    const { service_endpoint: _, ...missing } = ENTRY;
    const res = await s.call('POST', '/outlier/detect', missing);
    expect(res.status).toBe(422);
    expect((res.json() as { detail: unknown }).detail).toEqual([
      { loc: ['body', 'service_endpoint'], msg: 'Field required', type: 'missing' },
    ]);
    const wrongType = await s.call('POST', '/outlier/detect', { ...ENTRY, http_response_code: 'ok' });
    expect(wrongType.status).toBe(422);
    const [issue] = (wrongType.json() as { detail: Array<{ loc: unknown[]; type: string }> }).detail;
    expect(issue.loc).toEqual(['body', 'http_response_code']);
    expect(issue.type).toBe('int_parsing'); // pydantic's name for text that is not an integer
    const fraction = await s.call('POST', '/outlier/detect', { ...ENTRY, http_response_code: 404.5 });
    expect((fraction.json() as { detail: Array<{ type: string }> }).detail[0].type).toBe('int_from_float');
    // An absent timestamp is `missing` too, though its schema is a union (ISO text or epoch).
    const { timestamp: __, ...noTime } = ENTRY;
    const noTimeRes = await s.call('POST', '/outlier/detect', noTime);
    expect((noTimeRes.json() as { detail: unknown }).detail).toEqual([
      { loc: ['body', 'timestamp'], msg: 'Field required', type: 'missing' },
    ]);
    // No body at all: one issue at ["body"], as FastAPI reported it.
    const noBody = await s.call('POST', '/outlier/detect');
    expect(noBody.status).toBe(422);
    expect((noBody.json() as { detail: unknown }).detail).toEqual([
      { loc: ['body'], msg: 'Field required', type: 'missing' },
    ]);
    const notObject = await s.call('POST', '/outlier/detect', [ENTRY]);
    expect(notObject.status).toBe(422);
    expect((notObject.json() as { detail: Array<{ type: string }> }).detail[0].type).toBe('dict_type');
  });

  it("401 and 404 on the original's routes carry detail too, and so do our own routes' errors", async () => {
    const unauth = await request(s.port, 'POST', '/model/train_models');
    expect(unauth.status).toBe(401);
    const u = unauth.json() as { detail: string; message: string };
    expect(u.detail).toBe(u.message);
    const missing = await s.call('POST', '/outlier/detect/extra', ENTRY);
    expect(missing.status).toBe(404);
    expect((missing.json() as { detail: string }).detail).toMatch(/No route/);
    const ours = await s.call('GET', '/logs/999999');
    expect(ours.status).toBe(404);
    const body = ours.json() as { error: string; message: string; detail: string };
    expect(Object.keys(body).sort()).toEqual(['detail', 'error', 'message']);
    expect(body.detail).toBe(body.message);
    // Our routes' invalid input stays a 400 (no 422 list: no FastAPI client ever called them).
    const bad = await s.call('GET', '/anomalies?minVotes=x');
    expect(bad.status, bad.text).toBe(400);
    expect((bad.json() as { detail: unknown }).detail).toBe((bad.json() as { message: string }).message);
  });

  it('POST /model/train_models with Content-Type application/json and an empty body is accepted', async () => {
    const res = await request(s.port, 'POST', '/model/train_models', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: '',
    });
    // No entries yet: the training itself is refused (409), not the request (it was a 400 before).
    expect(res.status, res.text).toBe(409);
    expect((res.json() as { detail: string }).detail).toMatch(/no log entries/);
  });

  it("a body sent without Content-Type (Python's requests.post(url, data=json.dumps(x))) is read as JSON on the original's routes", async () => {
    const untyped = (path: string, body: unknown) =>
      request(s.port, 'POST', path, { headers: { Authorization: `Bearer ${s.token}` }, body: JSON.stringify(body) });
    // The detection is read and reaches the model check (no model yet), as with the header.
    const detect = await untyped('/outlier/detect', ENTRY);
    expect(detect.status, detect.text).toBe(500);
    expect((detect.json() as { detail: string }).detail).toMatch(/No models are loaded/);
    // And an invalid one gets FastAPI's 422 list, not a 415.
    const missing = await untyped('/outlier/detect', { ...ENTRY, service_endpoint: undefined });
    expect(missing.status, missing.text).toBe(422);
    expect((missing.json() as { detail: Array<{ loc: string[] }> }).detail[0].loc).toEqual([
      'body',
      'service_endpoint',
    ]);
    // Our own routes still name the content type they take.
    const own = await untyped('/feedback', { entry: 1, verdict: 'normal' });
    expect(own.status, own.text).toBe(415);
  });

  it('a +json media type is JSON', async () => {
    const res = await request(s.port, 'POST', '/outlier/detect', {
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/vnd.api+json' },
      body: JSON.stringify(ENTRY),
    });
    expect(res.status, res.text).toBe(500);
  });
});
