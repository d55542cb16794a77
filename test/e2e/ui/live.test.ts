import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/shared/events';
import { EngineEventSchema } from '../../../src/shared/events';
import { fmt, openView, seededApp, type SeededApp } from './app';

/**
 * Replaces the engine's event stream with a scripted one, sent after `delayMs` so the view has
 * loaded its data first (as when events arrive while the analyst is looking).
 */
async function scriptEvents(page: Page, events: EngineEvent[], delayMs = 1200): Promise<void> {
  for (const e of events) expect(EngineEventSchema.safeParse(e).success).toBe(true);
  const body = 'retry: 600000\n\n' + events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  await page.route(/\/events(\?|$)/, async (route) => {
    await new Promise((r) => setTimeout(r, delayMs));
    await route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body });
  });
  await page.reload();
  await page.getByRole('heading', { level: 2 }).waitFor();
}

describe('live events', () => {
  let app: SeededApp;
  beforeAll(async () => {
    app = await seededApp({ rows: 400 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('offers anomalies arriving live in the Anomalies list and shows them on Overview', async () => {
    const { page } = await openView(app, 'anomalies');
    const tsMs = app.seeded.logs[app.seeded.logs.length - 1].tsMs + 1000;
    const row = {
      id: 10_000,
      tsMs,
      ip: '203.0.113.9',
      method: 'GET',
      endpoint: '/wp-login.php',
      status: 404,
      votes: 3,
      isAnomaly: true,
      combinedScore: 2.5,
    };
    await scriptEvents(page, [{ type: 'anomalies', rows: [row] }]);
    // The list does not jump under the analyst: it offers the new entries instead.
    await page.getByRole('button', { name: '1 new flagged entry: show' }).waitFor();
    await page.keyboard.press('Alt+2');
    const live = page.getByRole('region', { name: 'Arriving live' });
    await live.getByText('/wp-login.php').waitFor();
    await live.getByText('203.0.113.9').waitFor();
    await page.close();
  });

  it('moves the progress bars of ingest and training', async () => {
    const { page } = await openView(app, 'sources');
    await page.getByRole('cell', { name: '/var/log/nginx/access.log' }).waitFor();
    await scriptEvents(page, [
      {
        type: 'ingest-progress',
        sourceId: 1,
        lines: 5000,
        parseErrors: 0,
        bytesDone: 1000,
        bytesTotal: 4000,
        status: 'ingesting',
      },
      { type: 'training-progress', stage: 'fitting lof', fraction: 0.4 },
    ]);
    const row = page.getByRole('row', { name: /\/var\/log\/nginx\/access\.log/ });
    await row.getByText(fmt.format(5000)).waitFor();
    await row.getByText('ingesting').waitFor();
    expect(await row.getByRole('progressbar').getAttribute('value')).toBe('0.25');
    await page.keyboard.press('Alt+5');
    await page.getByText('Training: fitting lof 40%').waitFor();
    await page.close();
  });
});
