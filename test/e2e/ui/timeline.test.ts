import { mkdirSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TimelineSchema, type Timeline } from '../../../src/shared/schemas/analysis';
import { launchBrowser, openPage, serve, type Served, apiCall } from '../harness';

const SHOTS = '/tmp/shots';
const DAY_MS = 86_400_000;
/** The original README's walkthrough detection. */
const WALKTHROUGH = {
  timestamp: '2023-10-27T10:00:00Z',
  ip_address: '10.0.0.5',
  service_endpoint: '/admin',
  http_response_code: 500,
};

/** The shown range, as the panel head states it. */
async function shownRange(page: Page): Promise<{ from: number; to: number; text: string }> {
  const el = page.locator('.timeline-range');
  return {
    from: Number(await el.getAttribute('data-from')),
    to: Number(await el.getAttribute('data-to')),
    text: (await el.textContent()) ?? '',
  };
}

async function waitForRange(page: Page, from: number, to: number): Promise<void> {
  const want = page.locator(`.timeline-range[data-from="${from}"][data-to="${to}"]`);
  // On a timeout, say which range is shown instead.
  await want.waitFor({ timeout: 10_000 }).catch(async (e: Error) => {
    const shown = await shownRange(page);
    throw new Error(`wanted ${from}–${to}, shown ${shown.from}–${shown.to} "${shown.text}": ${e.message}`);
  });
}

/** The browser globals the in-page check uses (the tests compile without the DOM library). */
interface PageGlobals {
  document: {
    createElement(tag: 'canvas'): {
      getContext(kind: '2d'): { font: string; measureText(t: string): { width: number } };
    };
    body: { append(node: unknown): void };
    querySelector(selector: string): { clientWidth: number; getAttribute(name: string): string | null } | null;
  };
  getComputedStyle(
    el: unknown,
  ): Record<'fontWeight' | 'fontSize' | 'fontFamily' | 'paddingLeft' | 'paddingRight', string>;
  navigator: { language: string };
}
interface InputElement {
  valueAsNumber: number;
  clientWidth: number;
  cloneNode(): InputElement;
  style: Record<'width' | 'position', string>;
  remove(): void;
}

/**
 * The input is at least as wide as its value drawn in its own font, with its padding and the
 * picker icon: the date, the full time with seconds, and AM/PM in a 12-hour locale. (Chromium
 * reports no overflow for a cut date-time field: its scrollWidth equals its clientWidth.)
 */
function showsFullTime(input: Locator): Promise<{ ok: boolean; need: number; has: number; text: string }> {
  return input.evaluate((node) => {
    const g = globalThis as unknown as PageGlobals;
    const el = node as unknown as InputElement;
    const css = g.getComputedStyle(el);
    // The value is a wall-clock time; read back as local time it shows the same digits.
    const date = new Date(el.valueAsNumber + new Date(el.valueAsNumber).getTimezoneOffset() * 60_000);
    const text = new Intl.DateTimeFormat(g.navigator.language, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).format(date);
    const ctx = g.document.createElement('canvas').getContext('2d');
    ctx.font = `${css.fontWeight} ${css.fontSize} ${css.fontFamily}`;
    const icon = 16;
    const need = ctx.measureText(text).width + parseFloat(css.paddingLeft) + parseFloat(css.paddingRight) + icon;
    // Also no narrower than the browser's own width for it (its fields and the picker button).
    const auto = el.cloneNode();
    auto.style.width = 'auto';
    auto.style.position = 'absolute';
    g.document.body.append(auto);
    const autoWidth = auto.clientWidth;
    auto.remove();
    return { ok: el.clientWidth >= need && el.clientWidth >= autoWidth, need, has: el.clientWidth, text };
  });
}

describe('the Overview timeline with a stray entry (the walkthrough 2023 detection)', () => {
  let server: Served;
  let browser: Browser;
  /** The engine's default timeline, fetched through the API as the UI does. */
  let bulk: Timeline;
  const call = (method: string, path: string, body?: unknown) => apiCall(server, method, path, body);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    server = await serve();
    expect((await call('POST', '/data/generate_sample', { rows: 3000, seed: 11 })).status).toBe(200);
    expect((await call('POST', '/model/train_models', {})).status).toBe(200);
    expect((await call('POST', '/outlier/detect', WALKTHROUGH)).status).toBe(200);
    bulk = TimelineSchema.parse((await call('GET', '/timeline?buckets=240')).json());
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the sample day, not 2023, and points at the stray entry', async () => {
    // The sample is the last 24 hours; the stray entry lies years before.
    expect(bulk.range).toBe('bulk');
    expect(bulk.to - bulk.from).toBeLessThanOrEqual(DAY_MS + 1);
    expect(bulk.from).toBeGreaterThan(Date.now() - 2 * DAY_MS);
    expect(bulk.before).toEqual({
      count: 1,
      firstTs: Date.parse(WALKTHROUGH.timestamp),
      lastTs: Date.parse(WALKTHROUGH.timestamp),
    });
    expect(bulk.after).toBeNull();

    const { page, errors } = await openPage(browser, `${server.url}#overview`);
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.locator('.timeline canvas').first().waitFor();
    const shown = await shownRange(page);
    expect([shown.from, shown.to]).toEqual([bulk.from, bulk.to]);
    expect(shown.text).not.toContain('2023');
    const note = page.getByRole('note', { name: 'Entries outside the shown range' });
    expect(await note.textContent()).toMatch(/1 entry at 2023-10-2[678] \d\d:00:00 outside the shown range/);
    await page.screenshot({ path: `${SHOTS}/timeline-1024.png` });
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.waitForFunction(
      () => (globalThis as unknown as PageGlobals).document.querySelector('.timeline canvas')!.clientWidth > 900,
    );
    await page.screenshot({ path: `${SHOTS}/timeline-1440.png` });

    // Showing every entry takes the stray in (and flattens the day); Reset goes back.
    await note.getByRole('button', { name: 'Show every entry' }).click();
    await page.locator('.timeline-range', { hasText: '(every entry)' }).waitFor();
    const all = await shownRange(page);
    expect(all.from).toBe(Date.parse(WALKTHROUGH.timestamp));
    expect(all.to).toBe(bulk.to);
    await page.getByRole('toolbar', { name: 'Timeline zoom' }).getByRole('button', { name: 'Reset' }).click();
    await waitForRange(page, bulk.from, bulk.to);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('brushes a period from the keyboard, zooms to it, and resets', async () => {
    const { page, errors } = await openPage(browser, `${server.url}#overview`);
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.locator('.timeline canvas').first().waitFor();
    const chart = page.getByRole('application', { name: /^Entries and flagged entries from/ });
    expect(await chart.getAttribute('aria-describedby')).toBeTruthy();
    await chart.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 20; i++) await page.keyboard.press('Shift+ArrowRight');
    // Buckets 10 to 30 of the default range are selected, counted in the status line.
    const from = bulk.from + 10 * bulk.bucketMs;
    const to = bulk.from + 31 * bulk.bucketMs;
    const entries = bulk.points.filter((p) => p.t >= from && p.t < to).reduce((s, p) => s + p.total, 0);
    const status = page.locator('.timeline-status');
    await status.filter({ hasText: /^Selected / }).waitFor();
    expect(await status.textContent()).toContain(`: ${entries.toLocaleString('en-US')} entries`);
    const select = await page.locator('.timeline .u-select').boundingBox();
    expect(select!.width).toBeGreaterThan(20);
    await page
      .getByRole('region', { name: 'Entries over time' })
      .screenshot({ path: `${SHOTS}/timeline-keyboard-brush-1024.png` });

    await page.keyboard.press('Enter');
    await waitForRange(page, from, to);
    expect((await shownRange(page)).text).toContain('(zoomed)');
    // The zoomed range is fetched in buckets of its own, finer than the day's.
    const zoomed = TimelineSchema.parse((await call('GET', `/timeline?buckets=240&from=${from}&to=${to}`)).json());
    expect(zoomed.bucketMs).toBeLessThan(bulk.bucketMs);
    expect(zoomed.points.reduce((s, p) => s + p.total, 0)).toBe(entries);
    await page.screenshot({ path: `${SHOTS}/timeline-zoomed-1024.png` });

    // Zoom in and out with the buttons; out again ends at the default range.
    const tools = page.getByRole('toolbar', { name: 'Timeline zoom' });
    await tools.getByRole('button', { name: 'Zoom in' }).click();
    const span = to - from;
    await page.waitForFunction((most) => {
      const el = (globalThis as unknown as PageGlobals).document.querySelector('.timeline-range')!;
      return Number(el.getAttribute('data-to')) - Number(el.getAttribute('data-from')) < most;
    }, span);
    // Escape (no selection left) resets from the keyboard.
    await chart.focus();
    await page.keyboard.press('Escape');
    await waitForRange(page, bulk.from, bulk.to);
    expect(await tools.getByRole('button', { name: 'Reset' }).isDisabled()).toBe(true);

    // 0 resets as well; the Zoom out button walks back to the default range.
    await page.keyboard.press('+');
    await page.locator('.timeline-range', { hasText: '(zoomed)' }).waitFor();
    await tools.getByRole('button', { name: 'Zoom out' }).click();
    await waitForRange(page, bulk.from, bulk.to);
    await chart.focus();
    await page.keyboard.press('+');
    await page.locator('.timeline-range', { hasText: '(zoomed)' }).waitFor();
    await page.keyboard.press('0');
    await waitForRange(page, bulk.from, bulk.to);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('zooms with Shift+drag, or a plain drag with Drag to zoom on; a double-click resets', async () => {
    const { page, errors } = await openPage(browser, `${server.url}#overview`);
    await page.locator('.timeline canvas').first().waitFor();
    const over = page.locator('.timeline .u-over');
    const b = (await over.boundingBox())!;
    await page.keyboard.down('Shift');
    await page.mouse.move(b.x + b.width * 0.4, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.6, b.y + b.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.locator('.timeline-range', { hasText: '(zoomed)' }).waitFor();
    const zoomed = await shownRange(page);
    // About the middle fifth of the day (pixel rounding aside).
    expect(zoomed.from).toBeGreaterThan(bulk.from + (bulk.to - bulk.from) * 0.35);
    expect(zoomed.to).toBeLessThan(bulk.from + (bulk.to - bulk.from) * 0.65);
    await over.dblclick();
    await waitForRange(page, bulk.from, bulk.to);

    await page.getByRole('checkbox', { name: 'Drag to zoom' }).check();
    await page.mouse.move(b.x + b.width * 0.1, b.y + b.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width * 0.3, b.y + b.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.locator('.timeline-range', { hasText: '(zoomed)' }).waitFor();
    expect((await shownRange(page)).to).toBeLessThan(bulk.from + (bulk.to - bulk.from) * 0.35);
    expect(await page.getByRole('heading', { name: 'Overview', level: 2 }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const width of [1024, 1440]) {
    it(`shows the whole time in the From and To boxes at ${width} px`, async () => {
      const { page, errors } = await openPage(browser, `${server.url}#overview`);
      await page.setViewportSize({ width, height: 800 });
      // "List flagged entries" fills From and To with the shown range.
      await page
        .getByRole('toolbar', { name: 'Timeline zoom' })
        .getByRole('button', { name: 'List flagged entries' })
        .click();
      await page.getByRole('heading', { name: 'Anomalies', level: 2 }).waitFor();
      await page.getByRole('grid', { name: 'Scored entries' }).locator('[role="row"][aria-rowindex="2"]').waitFor();
      for (const label of ['From', 'To']) {
        const input = page.getByLabel(new RegExp(`^${label} \\(`));
        expect(await input.inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?$/);
        const fit = await showsFullTime(input);
        expect(fit, `${label}: "${fit.text}" needs ${fit.need} px, has ${fit.has}`).toMatchObject({ ok: true });
      }
      await page.screenshot({ path: `${SHOTS}/timeline-filters-${width}.png` });
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
