import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../harness';
import { byScoreDesc, ipOf } from '../seed';
import { fmt, openView, seededApp, type SeededApp } from './app';

describe('Overview, Sources and Models (seeded)', () => {
  let app: SeededApp;
  beforeAll(async () => {
    app = await seededApp({ rows: 3000, xss: true });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('draws the timeline and lists the top incidents', async () => {
    const { page, errors } = await openView(app, 'overview');
    await page.locator('.timeline canvas').first().waitFor();
    const box = await page.locator('.timeline canvas').first().boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    await page.getByText(fmt.format(app.seeded.logs.length), { exact: true }).waitFor();
    await page.getByText(fmt.format(app.seeded.flagged.length), { exact: true }).waitFor();
    // The script-tag entry's score puts its IP's incident first; the bursting IPs follow.
    const top = page.getByRole('region', { name: 'Top incidents' }).getByRole('listitem');
    await top.first().waitFor();
    expect(await top.count()).toBeLessThanOrEqual(5);
    expect(await top.first().textContent()).toContain(app.seeded.xss!.ip);
    const shown = (await top.allTextContents()).join('\n');
    expect([ipOf(1), ipOf(2), ipOf(3)].some((ip) => shown.includes(ip))).toBe(true);
    await screenshot(page, 'overview');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the chart while the counts are still on their way, their cards held in place', async () => {
    const { page, errors } = await openView(app, 'sources');
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await page.route(/\/overview(\?|$)/, async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.locator('.timeline canvas').first().waitFor();
    const counts = page.getByRole('region', { name: 'Counts' });
    expect(await counts.getAttribute('aria-busy')).toBe('true');
    expect(await counts.textContent()).not.toContain(fmt.format(app.seeded.logs.length));
    release();
    await counts.getByText(fmt.format(app.seeded.logs.length), { exact: true }).waitFor();
    expect(await counts.getAttribute('aria-busy')).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says so when the counts fail while the chart is shown, and Retry brings them', async () => {
    const { page, track } = await openView(app, 'sources');
    await page.route(/\/overview(\?|$)/, (route) =>
      route.fulfill({ status: 500, json: { error: 'Internal Server Error', message: 'the database is locked' } }),
    );
    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.locator('.timeline canvas').first().waitFor();
    const counts = page.getByRole('region', { name: 'Counts' });
    await counts.getByRole('alert').waitFor();
    expect(await counts.getAttribute('aria-busy')).toBeNull();
    expect(await counts.textContent()).toContain('—');
    await screenshot(page, 'overview-counts-failed');
    await page.unroute(/\/overview(\?|$)/);
    await counts.getByRole('button', { name: 'Retry' }).click();
    await counts.getByText(fmt.format(app.seeded.logs.length), { exact: true }).waitFor();
    track.assertClean([/status of 500.*\/overview/]);
    await page.close();
  });

  it('brushing a period on the timeline filters the Anomalies view to it', async () => {
    const { page } = await openView(app, 'overview');
    const over = page.locator('.timeline .u-over');
    await over.waitFor();
    // The panels above the chart are filled in as their answers come: the chart's place is known
    // once the top incidents are shown.
    await page.getByRole('region', { name: 'Top incidents' }).getByRole('listitem').first().waitFor();
    const b = (await over.boundingBox())!;
    await page.mouse.move(b.x + b.width * 0.3, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.5, b.y + b.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.getByRole('heading', { name: 'Anomalies', level: 2 }).waitFor();
    await page.getByLabel('Time range filter').waitFor();
    const grid = page.getByRole('grid', { name: 'Scored entries' });
    await grid.locator('[role="row"][aria-rowindex="2"]').waitFor();
    const count = Number(await grid.getAttribute('aria-rowcount')) - 1;
    // A fifth of the period holds one of the six attack bursts: some of the flagged entries, not all.
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(app.seeded.flagged.length * 0.5);
    await page.getByRole('button', { name: 'Remove the time range' }).click();
    await page.getByText(`${fmt.format(app.seeded.flagged.length)} flagged entries`).waitFor();
    await page.close();
  });

  it('shows sources with progress and expandable parse errors', async () => {
    const { page, errors } = await openView(app, 'sources');
    await page.getByRole('cell', { name: '/var/log/nginx/access.log' }).waitFor();
    await page.getByRole('button', { name: /3 parse errors in api\.jsonl: show/ }).click();
    await page.getByText('not valid JSON').first().waitFor();
    expect(await page.getByLabel('Rows').inputValue()).toBe('300000');
    await screenshot(page, 'sources');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says when no model is trained yet, with Train now and Reload', async () => {
    const { page, errors } = await openView(app, 'models');
    // The seeded versions exist; this test pins the empty state to check how it reads.
    await page.route(/\/models(\?|$)/, (route) =>
      route.fulfill({ json: { live: null, training: false, nextRunAt: null, versions: [] } }),
    );
    await page.reload();
    await page.getByText('No model trained yet').waitFor();
    expect(await page.getByRole('button', { name: 'Train now' }).isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Reload' }).waitFor();
    await page.getByRole('heading', { name: 'Schedule' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the model versions with rows, thresholds, training time, recall and precision', async () => {
    const { page } = await openView(app, 'models');
    // Seeded versions have no parameters, so the engine may not make one live: match either way.
    const newest = page.getByRole('row', { name: /^2\b/ });
    await newest.waitFor();
    const cells = await newest.getByRole('cell').allTextContents();
    expect(cells).toContain(fmt.format(app.seeded.logs.length));
    expect(cells).toContain('92%');
    expect(cells).toContain('81%');
    expect(cells).toContain('0.600');
    await page.getByRole('row', { name: /^1\b/ }).waitFor();
    await screenshot(page, 'models');
    await page.close();
  });

  it('renders in the dark theme', async () => {
    const { page } = await openView(app, 'overview');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.locator('.timeline canvas').first().waitFor();
    // The theme follows the media query once the page has restyled (a loaded machine may be a frame late).
    await expect
      .poll(() => page.evaluate('getComputedStyle(document.body).backgroundColor'), { timeout: 10_000 })
      .toBe('rgb(19, 22, 28)');
    await screenshot(page, 'overview-dark');
    await page.keyboard.press('Alt+3');
    const first = [...app.seeded.flagged].sort(byScoreDesc)[2];
    await page.locator(`[role="row"][data-id="${first.id}"]`).click();
    await page.getByRole('complementary', { name: 'Entry details' }).getByText('Raw line').waitFor();
    await screenshot(page, 'anomalies-dark');
    await page.close();
  });
});
