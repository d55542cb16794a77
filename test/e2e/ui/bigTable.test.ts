import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byScoreDesc } from '../seed';
import { fmt, openView, seededApp, utcText, type SeededApp } from './app';

const ROWS = 100_000;
const grid = (page: Page) => page.getByRole('grid', { name: 'Scored entries' });
const rowAt = (page: Page, index: number) => grid(page).locator(`[role="row"][aria-rowindex="${index + 2}"]`);

describe('Anomalies view with 100,000 scored rows', () => {
  let app: SeededApp;
  beforeAll(async () => {
    app = await seededApp({ rows: ROWS, allFlagged: true, spanMs: 24 * 3_600_000, seed: 11 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('seeds 100,000 scored rows', () => {
    expect(app.seeded.logs).toHaveLength(ROWS);
  });

  it('jumps to the last row (the lowest score) with End, fetching pages rather than the whole list', async () => {
    const { page } = await openView(app, 'anomalies');
    const fetched: number[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/anomalies') fetched.push(Number(url.searchParams.get('limit')));
    });
    // Deterministic time text regardless of the machine's zone.
    await page.getByRole('navigation').getByRole('switch', { name: 'UTC' }).check();
    await page.getByText(`${fmt.format(ROWS)} flagged entries`).waitFor();
    expect(await grid(page).getAttribute('aria-rowcount')).toBe(String(ROWS + 1));

    const sorted = [...app.seeded.logs].sort(byScoreDesc);
    const last = sorted[sorted.length - 1];
    await rowAt(page, 0).waitFor();
    await grid(page).focus();
    await page.keyboard.press('End');
    const lastRow = rowAt(page, ROWS - 1);
    await expect.poll(() => lastRow.getAttribute('data-id'), { timeout: 10_000 }).toBe(String(last.id));
    await expect.poll(() => lastRow.isVisible()).toBe(true);
    const text = await lastRow.getByRole('gridcell').allTextContents();
    expect(text[0]).toBe(utcText(last.tsMs));
    expect(text[1]).toBe(last.ip);
    expect(await lastRow.getAttribute('aria-selected')).toBe('true');
    await page.getByText(`${fmt.format(ROWS)} of ${fmt.format(ROWS)}`).waitFor();

    // The end came from a page fetched by its offset: a few pages, nowhere near the whole list.
    const rowsFetched = fetched.reduce((a, b) => a + b, 0);
    expect(rowsFetched).toBeLessThan(ROWS / 10);

    // Scrolling up from the end keeps filling rows in.
    await page.keyboard.press('PageUp');
    await page.keyboard.press('PageUp');
    const up = ROWS - 1 - 2 * Math.floor((await page.locator('.vt-scroll').evaluate((el) => el.clientHeight)) / 32 - 1);
    await expect.poll(() => rowAt(page, up).getAttribute('data-id')).toBe(String(sorted[up].id));

    // And Home goes back to the top.
    await page.keyboard.press('Home');
    await expect.poll(() => rowAt(page, 0).getAttribute('data-id')).toBe(String(sorted[0].id));
    await page.close();
  });

  it('loads the middle of the list when the scrollbar is dragged there', async () => {
    const { page } = await openView(app, 'anomalies');
    await rowAt(page, 0).waitFor();
    const sorted = [...app.seeded.logs].sort(byScoreDesc);
    const scroller = page.locator('.vt-scroll');
    const target = 40_000;
    await scroller.evaluate((el, top) => el.scrollTo({ top }), target * 32);
    await expect
      .poll(() => rowAt(page, target).getAttribute('data-id'), { timeout: 15_000 })
      .toBe(String(sorted[target].id));
    await page.close();
  });
});
