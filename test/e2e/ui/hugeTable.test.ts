import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp';
import { launchBrowser, serve, type Served } from '../harness';
import { hugeIdAt, hugeIp, hugeTsMs, seedHuge } from '../hugeSeed';
import { fmt, openView, utcText, type SeededApp } from './app';

/**
 * Five million flagged entries: past the height a browser gives one element (Chromium ~33.5M px,
 * ~1M rows of 32 px), so the grid must map its scrollbar onto the rows rather than lay them all out.
 */
const ROWS = 5_000_000;
const ROW_PX = 32;
/** Chromium's cap on an element's height. */
const CHROMIUM_MAX_PX = 33_554_428;
const SHOTS = '/tmp/shots';
/** Pages deep in the list take the engine a few seconds to reach (OFFSET walks the index). */
const FAR = { timeout: 60_000, interval: 250 };

const grid = (page: Page) => page.getByRole('grid', { name: 'Scored entries' });
const rowAt = (page: Page, index: number) => grid(page).locator(`[role="row"][aria-rowindex="${index + 2}"]`);

interface Shown {
  index: number;
  id: string | null;
  ip: string;
  selected: boolean;
}

/** The DOM the in-page check uses (the tests compile without the DOM library). */
interface Box {
  top: number;
  bottom: number;
}
interface El {
  clientHeight: number;
  textContent: string | null;
  getBoundingClientRect(): Box;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): ArrayLike<El> & Iterable<El>;
}

/** The rows wholly inside the scroller's viewport, top to bottom. */
function shownRows(page: Page): Promise<Shown[]> {
  return page.locator('.vt-scroll').evaluate((node) => {
    const scroller = node as unknown as El;
    const box = scroller.getBoundingClientRect();
    return [...scroller.querySelectorAll('[role="row"]')]
      .filter((r) => {
        const b = r.getBoundingClientRect();
        return b.top >= box.top - 0.5 && b.bottom <= box.top + scroller.clientHeight + 0.5;
      })
      .map((r) => ({
        index: Number(r.getAttribute('aria-rowindex')) - 2,
        id: r.getAttribute('data-id'),
        ip: r.querySelectorAll('[role="gridcell"]')[1]?.textContent ?? '',
        selected: r.getAttribute('aria-selected') === 'true',
      }))
      .sort((a, b) => a.index - b.index);
  });
}

/** Shown rows are consecutive, each loaded with the entry of its position. */
function expectConsecutive(rows: Shown[]): void {
  expect(rows.length).toBeGreaterThan(5);
  rows.forEach((r, k) => {
    expect(r.index).toBe(rows[0].index + k);
    expect(r.id).toBe(String(hugeIdAt(ROWS, r.index)));
    expect(r.ip).toBe(hugeIp(hugeIdAt(ROWS, r.index)));
  });
}

/** Waits until every shown row has its entry (pages arrive in the background). */
async function loadedRows(page: Page): Promise<Shown[]> {
  // The snapshot that passed is the one returned: a second read could catch the list mid-scroll.
  let loaded: Shown[] = [];
  await expect
    .poll(async () => {
      const rows = await shownRows(page);
      if (rows.length > 0 && rows.every((r) => r.id !== null)) loaded = rows;
      return loaded.length > 0;
    }, FAR)
    .toBe(true);
  return loaded;
}

const footer = (page: Page) => grid(page).locator('.vt-foot');

describe('Anomalies view with 5,000,000 flagged rows', () => {
  let app: Pick<SeededApp, 'server' | 'browser'>;
  let server: Served;
  let browser: Browser;
  const tmp = tempDir('od-huge-');

  beforeAll(async () => {
    const t0 = Date.now();
    seedHuge(tmp.dir, ROWS);
    const t1 = Date.now();
    server = await serve({ dataDir: tmp.dir });
    browser = await launchBrowser();
    app = { server, browser };
    console.log(`hugeTable: seeded ${fmt.format(ROWS)} rows in ${t1 - t0} ms; serve up in ${Date.now() - t1} ms`);
    mkdirSync(SHOTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('keeps the spacer under the browser cap and reaches the last row with End, then the first with Home', async () => {
    const { page } = await openView(app as SeededApp, 'anomalies');
    await page.getByRole('navigation').getByRole('switch', { name: 'UTC' }).check();
    await page.getByText(`${fmt.format(ROWS)} flagged entries`).waitFor({ timeout: 60_000 });
    expect(await grid(page).getAttribute('aria-rowcount')).toBe(String(ROWS + 1));
    await rowAt(page, 0).waitFor();
    const spacer = await page.locator('.vt-body').evaluate((el) => el.getBoundingClientRect().height);
    expect(spacer).toBeGreaterThan(1_000_000);
    expect(spacer).toBeLessThan(CHROMIUM_MAX_PX);
    expect(spacer).toBeLessThan(ROWS * ROW_PX);
    expectConsecutive(await loadedRows(page));

    const asked: URLSearchParams[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === '/anomalies') asked.push(url.searchParams);
    });
    await grid(page).focus();
    await page.keyboard.press('End');
    const last = rowAt(page, ROWS - 1);
    await expect.poll(() => last.getAttribute('data-id'), FAR).toBe(String(hugeIdAt(ROWS, ROWS - 1)));
    const cells = await last.getByRole('gridcell').allTextContents();
    expect(cells[0]).toBe(utcText(hugeTsMs(1)));
    expect(cells[1]).toBe(hugeIp(1));
    expect(cells[2]).toBe('GET/items/1');
    // The end came from the end: the reversed order, from offset 0, not OFFSET 4,999,500.
    const endPage = asked.find((q) => q.get('order') === 'asc');
    expect(endPage?.get('offset')).toBe('0');
    expect(asked.every((q) => Number(q.get('offset') ?? 0) < ROWS / 2)).toBe(true);
    expect(await last.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => footer(page).textContent()).toBe(`${fmt.format(ROWS)} of ${fmt.format(ROWS)}`);
    // The last row sits wholly at the bottom of the viewport, and the scrollbar is at its end.
    const atEnd = await loadedRows(page);
    expect(atEnd[atEnd.length - 1]).toMatchObject({ index: ROWS - 1, id: '1', selected: true });
    expectConsecutive(atEnd);
    const thumb = await page
      .locator('.vt-scroll')
      .evaluate((el) => ({ top: el.scrollTop, max: el.scrollHeight - el.clientHeight }));
    expect(thumb.max - thumb.top).toBeLessThan(1);
    await page.screenshot({ path: `${SHOTS}/huge-end.png` });

    // One row up is one row up, not a scaled jump.
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => footer(page).textContent()).toBe(`${fmt.format(ROWS - 1)} of ${fmt.format(ROWS)}`);
    expect(await rowAt(page, ROWS - 2).getAttribute('aria-selected')).toBe('true');
    expect((await shownRows(page)).at(-1)?.index).toBe(ROWS - 1);

    await page.keyboard.press('Home');
    await expect.poll(() => footer(page).textContent()).toBe(`1 of ${fmt.format(ROWS)}`);
    const top = await loadedRows(page);
    expect(top[0]).toMatchObject({ index: 0, id: String(ROWS), selected: true });
    expectConsecutive(top);
    expect(await page.locator('.vt-scroll').evaluate((el) => el.scrollTop)).toBe(0);
    await page.close();
  });

  it('moves exactly one page with PageDown and one row at a time with the arrows, skipping none', async () => {
    const { page } = await openView(app as SeededApp, 'anomalies');
    await rowAt(page, 0).waitFor({ timeout: 60_000 });
    const pageRows = Math.floor((await page.locator('.vt-scroll').evaluate((el) => el.clientHeight)) / ROW_PX) - 1;
    await grid(page).focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('PageDown');
    await expect.poll(() => footer(page).textContent()).toBe(`${fmt.format(pageRows + 1)} of ${fmt.format(ROWS)}`);
    expect(await rowAt(page, pageRows).getAttribute('aria-selected')).toBe('true');
    for (let k = 0; k < 3; k++) await page.keyboard.press('PageDown');
    const at = 4 * pageRows;
    await expect.poll(() => footer(page).textContent()).toBe(`${fmt.format(at + 1)} of ${fmt.format(ROWS)}`);
    let shown = await loadedRows(page);
    expect(shown.at(-1)).toMatchObject({ index: at, selected: true });
    expectConsecutive(shown);

    // Down past the bottom edge: the view follows row by row.
    for (let k = 1; k <= 5; k++) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(async () => (await shownRows(page)).at(-1)?.index).toBe(at + k);
    }
    shown = await loadedRows(page);
    expect(shown.at(-1)).toMatchObject({ index: at + 5, selected: true });
    expectConsecutive(shown);
    await page.close();
  });

  it('shows the rows around 2,500,000 when the scrollbar is dragged to the middle, and the wheel moves by pixels of rows', async () => {
    const { page } = await openView(app as SeededApp, 'anomalies');
    await rowAt(page, 0).waitFor({ timeout: 60_000 });
    const scroller = page.locator('.vt-scroll');
    await scroller.evaluate((el) => el.scrollTo({ top: (el.scrollHeight - el.clientHeight) / 2 }));
    const middle = await loadedRows(page);
    expectConsecutive(middle);
    const mid = middle[Math.floor(middle.length / 2)].index;
    expect(Math.abs(mid - ROWS / 2)).toBeLessThan(50);
    await page.screenshot({ path: `${SHOTS}/huge-middle.png` });

    // Scaled, one scroll pixel is ~20 list pixels; the wheel still moves by the list's own pixels.
    const box = (await scroller.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 3 * ROW_PX);
    await expect.poll(async () => (await shownRows(page))[0]?.index).toBe(middle[0].index + 3);
    await page.mouse.wheel(0, -ROW_PX);
    await expect.poll(async () => (await shownRows(page))[0]?.index).toBe(middle[0].index + 2);
    expectConsecutive(await loadedRows(page));
    await page.close();
  });
});
