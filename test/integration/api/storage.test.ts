import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../../helpers/http';

const line = (n: number) =>
  `10.9.${n >> 8}.${n & 255} - - [10/Oct/2023:13:55:36 +0000] "GET /full/${n} HTTP/1.1" 200 ${n} "-" "storage-test"`;

describe('storage errors over HTTP', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => s.close());

  it('answers 507 with a clear message when the database is full, and works again once there is room', async () => {
    const pages = s.engine.db.pragma('page_count', { simple: true }) as number;
    s.engine.db.pragma(`max_page_count = ${pages + 2}`);
    const body = Array.from({ length: 20_000 }, (_, i) => line(i)).join('\n') + '\n';
    const headers = { Authorization: `Bearer ${s.token}`, 'Content-Type': 'text/plain' };
    const full = await request(s.port, 'POST', '/ingest?name=full.log', { headers, body });
    expect(full.status).toBe(507);
    expect(full.json()).toMatchObject({
      error: 'Insufficient Storage',
      message: expect.stringMatching(/database is full/),
    });
    expect(full.text).not.toMatch(/\bat .*\.(js|ts):\d+/);

    s.engine.db.pragma('max_page_count = 1073741823');
    const ok = await request(s.port, 'POST', '/ingest?name=roomy.log', { headers, body });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ lines: 20_000, parseErrors: 0 });
  });
});
