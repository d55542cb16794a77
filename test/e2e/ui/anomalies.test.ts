import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../harness';
import { byScoreDesc, ipOf, XSS } from '../seed';
import { fmt, openView, seededApp, type SeededApp } from './app';

const grid = (page: Page) => page.getByRole('grid', { name: 'Scored entries' });
const rowAt = (page: Page, index: number) => grid(page).locator(`[role="row"][aria-rowindex="${index + 2}"]`);
const cells = (page: Page, index: number) => rowAt(page, index).getByRole('gridcell');

async function expectCount(page: Page, n: number) {
  await page.getByText(`${fmt.format(n)} flagged ${n === 1 ? 'entry' : 'entries'}`, { exact: true }).waitFor();
  expect(await grid(page).getAttribute('aria-rowcount')).toBe(String(n + 1));
}

describe('Anomalies view (seeded)', () => {
  let app: SeededApp;
  beforeAll(async () => {
    app = await seededApp({ rows: 3000, xss: true });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lists the flagged entries, highest combined score first', async () => {
    const { page, errors } = await openView(app, 'anomalies');
    const flagged = [...app.seeded.flagged].sort(byScoreDesc);
    expect(flagged.length).toBeGreaterThan(50);
    await expectCount(page, flagged.length);
    for (let i = 0; i < 5; i++) {
      await expect.poll(() => cells(page, i).nth(1).textContent()).toBe(flagged[i].ip);
      expect(await rowAt(page, i).getAttribute('data-id')).toBe(String(flagged[i].id));
    }
    // Only the visible rows (plus overscan) are in the DOM.
    expect(await grid(page).locator('[role="row"]').count()).toBeLessThan(80);
    await screenshot(page, 'anomalies');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('narrows the list to one IP and sorts by time on a header click', async () => {
    const { page } = await openView(app, 'anomalies');
    const ip = ipOf(2);
    const expected = app.seeded.flagged.filter((l) => l.ip === ip);
    expect(expected.length).toBeGreaterThan(3);
    await page.getByLabel('IP', { exact: true }).fill(ip);
    await page.getByLabel('IP', { exact: true }).press('Enter');
    await expectCount(page, expected.length);
    const shown = await grid(page)
      .locator('[role="row"][aria-rowindex] [role="gridcell"]:nth-child(2)')
      .allTextContents();
    expect(shown.length).toBeGreaterThan(0);
    expect(new Set(shown)).toEqual(new Set([ip]));

    await grid(page).getByRole('button', { name: /^Time/ }).click();
    const newest = [...expected].sort((a, b) => b.tsMs - a.tsMs)[0];
    await expect.poll(() => rowAt(page, 0).getAttribute('data-id')).toBe(String(newest.id));
    expect(await grid(page).getByRole('columnheader', { name: /Time/ }).getAttribute('aria-sort')).toBe('descending');
    await page.close();
  });

  it('moves the selection with j/k, opens the entry with Enter and closes it with Escape', async () => {
    const { page } = await openView(app, 'anomalies');
    const flagged = [...app.seeded.flagged].sort(byScoreDesc);
    await rowAt(page, 0).waitFor();
    await grid(page).focus();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await rowAt(page, 1).getAttribute('aria-selected')).toBe('true');
    expect(await grid(page).getAttribute('aria-activedescendant')).toBe('anomaly-row-1');
    await page.keyboard.press('Enter');
    const panel = page.getByRole('complementary', { name: 'Entry details' });
    await panel.getByRole('heading', { name: `Entry ${fmt.format(flagged[1].id)}` }).waitFor();
    // getLog may not exist yet: either its details or a clear error state, never a blank panel.
    await panel
      .getByText(/Raw line|Details unavailable/)
      .first()
      .waitFor();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    // The keyboard stays with the table.
    await page.keyboard.press('j');
    expect(await rowAt(page, 2).getAttribute('aria-selected')).toBe('true');
    // So does closing with the panel's button.
    await page.keyboard.press('Enter');
    await panel.getByRole('button', { name: 'Close details' }).click();
    await panel.waitFor({ state: 'detached' });
    await page.keyboard.press('k');
    expect(await rowAt(page, 1).getAttribute('aria-selected')).toBe('true');
    await page.close();
  });

  it('shows the entry with its raw line, features, model votes and neighbours', async () => {
    const { page } = await openView(app, 'anomalies');
    const target = [...app.seeded.flagged].sort(byScoreDesc).find((l) => l.ip === ipOf(1))!;
    await page.getByLabel('IP', { exact: true }).fill(ipOf(1));
    await page.getByLabel('IP', { exact: true }).press('Enter');
    await rowAt(page, 0).waitFor();
    await expect.poll(() => rowAt(page, 0).getAttribute('data-id')).toBe(String(target.id));
    await rowAt(page, 0).click();
    const panel = page.getByRole('complementary', { name: 'Entry details' });
    await panel.getByText(target.raw, { exact: true }).waitFor();
    await panel.getByText(`${target.sourcePath}:${target.lineNo}`).waitFor();
    await panel.getByRole('row', { name: /Requests in window/ }).waitFor();
    await panel.getByRole('row', { name: /^knn/ }).waitFor();
    await panel.locator('.neighbours canvas').first().waitFor();
    await screenshot(page, 'anomaly-detail');
    await panel.locator('.detail-body').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await screenshot(page, 'anomaly-detail-lower');
    // j moves on to the next entry with the panel open.
    await page.keyboard.press('j');
    const second = [...app.seeded.flagged].sort(byScoreDesc).filter((l) => l.ip === ipOf(1))[1];
    await panel.getByRole('heading', { name: `Entry ${fmt.format(second.id)}` }).waitFor();
    await page.close();
  });

  it('explains the score in words when the engine sends an explanation, wrapping long texts', async () => {
    const { page, errors } = await openView(app, 'anomalies');
    const explanation = [
      {
        feature: 'non_get_1h',
        value: 41,
        percentile: 99.9,
        text: '41 non-GET requests (POST, PUT, …) from this IP in 1 h (99.9th percentile)',
      },
      {
        feature: 'distinct_paths_1h',
        value: 230,
        percentile: 97,
        text: `230 distinct paths in 1 h, e.g. /api/items/${'x'.repeat(160)} (97th percentile)`,
      },
      { feature: 'bytes', value: 512, percentile: 40.2, text: '512 bytes sent (40th percentile)' },
      { feature: 'ip_age', value: 3, percentile: null, text: 'IP first seen 3 s before' },
    ];
    let flagged = true;
    // The engine may not explain yet: this exercises the renderer with the contract's shape.
    await page.route(/\/logs\/\d+(\?|$)/, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { score: { isAnomaly: boolean } | null };
      const score = body.score && { ...body.score, isAnomaly: flagged };
      await route.fulfill({ response: res, json: { ...body, score, explanation, featurePercentiles: null } });
    });
    await rowAt(page, 0).waitFor();
    await rowAt(page, 0).click();
    const panel = page.getByRole('complementary', { name: 'Entry details' });
    const why = panel.getByRole('list', { name: 'Why flagged' });
    await why.waitFor();
    expect(await why.getByRole('listitem').allTextContents()).toEqual(explanation.map((e) => e.text));
    expect(await why.locator('strong').allTextContents()).toEqual([explanation[0].text, explanation[1].text]);
    // The percentiles are in the words; the window counts stay, without an empty percentile column.
    await panel.getByRole('row', { name: /Requests in window/ }).waitFor();
    expect(await panel.getByRole('columnheader', { name: 'Training percentile' }).count()).toBe(0);
    const body = panel.locator('.detail-body');
    const fits = () => body.evaluate((el) => el.scrollWidth <= el.clientWidth);
    expect(await fits()).toBe(true);
    await why.scrollIntoViewIfNeeded();
    await screenshot(page, 'anomaly-detail-explained-1280');
    await page.setViewportSize({ width: 1024, height: 768 });
    expect(await fits()).toBe(true);
    // All six columns stay readable next to the panel.
    const head = grid(page).locator('.vt-head .vt-row');
    expect(await head.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await why.scrollIntoViewIfNeeded();
    await screenshot(page, 'anomaly-detail-explained-1024');

    flagged = false;
    await grid(page).focus();
    await page.keyboard.press('j');
    await panel.getByRole('list', { name: 'Why this score' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('exports the filtered list as CSV', async () => {
    const { page } = await openView(app, 'anomalies');
    const ip = ipOf(3);
    await page.getByLabel('IP', { exact: true }).fill(ip);
    await page.getByLabel('IP', { exact: true }).press('Enter');
    const expected = app.seeded.flagged.filter((l) => l.ip === ip).sort(byScoreDesc);
    await expectCount(page, expected.length);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^anomalies-\d{8}-\d{6}\.csv$/);
    const text = readFileSync(await download.path(), 'utf8');
    const [header, ...lines] = text.trimEnd().split('\r\n');
    expect(header).toBe('id,time_utc,ts_ms,ip,method,endpoint,status,votes,is_anomaly,combined_score');
    expect(lines).toHaveLength(expected.length);
    const parsed = lines.map((line) => line.split(','));
    expect(parsed.map((f) => Number(f[0]))).toEqual(expected.map((l) => l.id));
    expect(new Set(parsed.map((f) => f[3]))).toEqual(new Set([ip]));
    expect(parsed[0][1]).toBe(new Date(expected[0].tsMs).toISOString());
    expect(parsed[0][5]).toBe(expected[0].endpoint);
    await page.close();
  });

  it('renders script tags from log lines as text', async () => {
    const { page, errors } = await openView(app, 'anomalies');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const xss = app.seeded.xss!;
    // Its score puts it first.
    await expect.poll(() => rowAt(page, 0).getAttribute('data-id')).toBe(String(xss.id));
    await grid(page).getByText(`/search?q=${XSS}`).waitFor();
    await rowAt(page, 0).click();
    const panel = page.getByRole('complementary', { name: 'Entry details' });
    await panel.getByText(xss.raw, { exact: true }).waitFor();
    await panel.getByText(XSS, { exact: true }).waitFor();
    expect(await page.locator('script', { hasText: 'alert(1)' }).count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
