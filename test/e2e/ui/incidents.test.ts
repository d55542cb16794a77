import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/shared/events';
import { IncidentDetailSchema, IncidentPageSchema, type Incident } from '../../../src/shared/schemas/incidents';
import { launchBrowser, openPage, screenshot, serve, type Served, apiCall } from '../harness';
import { fmt, utcText } from './app';

const list = (page: Page) => page.getByRole('grid', { name: 'Incidents' });
const entries = (page: Page) => page.getByRole('grid', { name: 'Entries of the incident' });
const rowAt = (grid: ReturnType<typeof list>, index: number) =>
  grid.locator(`[role="row"][aria-rowindex="${index + 2}"]`);
const panel = (page: Page) => page.getByRole('complementary', { name: 'Entry details' });

/** Every column header fits its row: none is cut off or pushed out. */
const headFits = (grid: ReturnType<typeof list>) =>
  grid.locator('.vt-head .vt-row').evaluate((el) => el.scrollWidth <= el.clientWidth);

/** The app's requests for the incident list (not for one incident), with their times. */
function listRequests(page: Page): number[] {
  const times: number[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/incidents') times.push(Date.now());
  });
  return times;
}

/**
 * Replaces the engine's event stream with scripted events, sent once the view has loaded. Only
 * the first connection gets them: the client reconnects when a stream ends, and a replay would
 * blur what the test counts.
 */
async function scriptEvents(page: Page, events: EngineEvent[], delayMs = 1200): Promise<void> {
  const body = 'retry: 600000\n\n' + events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
  let sent = false;
  await page.route(/\/events(\?|$)/, async (route) => {
    if (sent) return route.abort();
    sent = true;
    await new Promise((r) => setTimeout(r, delayMs));
    // The page may have reloaded or closed meanwhile; then there is nobody to send them to.
    await route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body }).catch(() => undefined);
  });
}

describe('Incidents view (a trained 40,000-row sample)', () => {
  let server: Served;
  let browser: Browser;
  let ranked: Incident[];
  let scan: Incident;
  let scanIndex: number;
  const call = (method: string, path: string, body?: unknown) => apiCall(server, method, path, body);

  beforeAll(async () => {
    server = await serve();
    expect((await call('POST', '/data/generate_sample', { rows: 40_000, seed: 7 })).status).toBe(200);
    expect((await call('POST', '/model/train_models', {})).status).toBe(200);
    ranked = IncidentPageSchema.parse((await call('GET', '/incidents?limit=10')).json()).incidents;
    scanIndex = ranked.findIndex((i) => i.label === '404 scan');
    scan = ranked[scanIndex];
    browser = await launchBrowser();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('is the first view and ranks the injected 404 scan among the top three, with its summary', async () => {
    expect(scanIndex).toBeGreaterThanOrEqual(0);
    expect(scanIndex).toBeLessThan(3);
    const { page, errors } = await openPage(browser, server.url);
    await page.getByRole('heading', { name: 'Incidents', level: 2 }).waitFor();
    const nav = await page.getByRole('navigation').getByRole('button').allTextContents();
    expect(nav.slice(0, 3)).toEqual(['Incidents', 'Overview', 'Anomalies']);

    const grid = list(page);
    const row = rowAt(grid, scanIndex);
    await expect.poll(() => row.getAttribute('data-id')).toBe(scan.id);
    expect(await grid.getAttribute('aria-rowcount')).toBe(String((await totalOf()) + 1));
    const cells = row.getByRole('gridcell');
    expect(await cells.nth(1).textContent()).toBe('404 scan');
    // The summary column shows the words after the label; the whole line is its tooltip.
    expect(scan.summary.startsWith('404 scan: ')).toBe(true);
    expect(await cells.nth(2).textContent()).toBe(scan.summary.slice('404 scan: '.length));
    expect(await cells.nth(2).getAttribute('title')).toBe(scan.summary);
    expect(await cells.nth(3).textContent()).toBe(scan.ips[0]);
    expect(await cells.nth(4).textContent()).toBe(`${fmt.format(scan.flagged)} / ${fmt.format(scan.entries)}`);
    // Times follow the UTC switch, as everywhere else.
    await page.getByRole('switch', { name: 'UTC' }).check();
    await expect
      .poll(() => cells.nth(5).locator('.incident-period > span').first().textContent())
      .toBe(utcText(scan.firstTsMs));
    expect(await rowAt(grid, 0).getByRole('gridcell').nth(1).textContent()).toBe(ranked[0].label);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens the scan from the keyboard with its counts, tops, timeline and every entry of its IP', async () => {
    const detail = IncidentDetailSchema.parse((await call('GET', `/incidents/${scan.id}`)).json());
    expect(detail.entries).toBeGreaterThanOrEqual(detail.flagged);
    const { page, errors } = await openPage(browser, `${server.url}#incidents`);
    const grid = list(page);
    await rowAt(grid, 0).waitFor();
    await grid.focus();
    // j selects the first row, then moves down to the scan; k and j once more prove both ways.
    for (let i = 0; i <= scanIndex; i++) await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await rowAt(grid, scanIndex).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: '404 scan', level: 3 }).waitFor();
    await page.getByText(scan.summary, { exact: true }).waitFor();
    const tops = page.getByRole('region', { name: /Top endpoints, statuses and user agents/ });
    await tops
      .getByRole('list', { name: /^Statuses of the \d+ flagged$/ })
      .getByText(`404 × ${scan.statuses[0].count}`)
      .waitFor();
    await tops.getByRole('cell', { name: scan.topEndpoints[0].endpoint, exact: true }).waitFor();
    await page.locator('.incident-timeline canvas').first().waitFor();
    const table = entries(page);
    await rowAt(table, 0).waitFor();
    expect(await table.getAttribute('aria-rowcount')).toBe(String(detail.rows.length + 1));
    expect(await rowAt(table, 0).getAttribute('data-id')).toBe(String(detail.rows[0].id));
    // Flagged entries are marked; the IP's other entries of the period are listed too.
    const firstFlagged = detail.rows.findIndex((r) => r.isAnomaly);
    expect(firstFlagged).toBeGreaterThanOrEqual(0);
    const unflagged = detail.rows.findIndex((r) => r.isAnomaly === false);
    if (unflagged >= 0 && unflagged < 20)
      expect(await rowAt(table, unflagged).getAttribute('class')).not.toMatch(/flagged/);
    if (firstFlagged < 20) {
      const flaggedRow = rowAt(table, firstFlagged);
      expect(await flaggedRow.getAttribute('class')).toMatch(/\bflagged\b/);
      expect(await flaggedRow.getByRole('gridcell').first().getAttribute('title')).toBe('flagged');
    }

    // The entries take the keyboard: j/k move, Enter opens one, j follows, Escape closes, then leaves.
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await rowAt(table, 0).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Enter');
    await panel(page)
      .getByRole('heading', { name: `Entry ${fmt.format(detail.rows[0].id)}` })
      .waitFor();
    await panel(page).getByText('Raw line').waitFor();
    await page.keyboard.press('j');
    await panel(page)
      .getByRole('heading', { name: `Entry ${fmt.format(detail.rows[1].id)}` })
      .waitFor();
    await panel(page).locator('pre.raw').waitFor();

    for (const width of [1440, 1024]) {
      await page.setViewportSize({ width, height: width > 1100 ? 900 : 768 });
      // Every column stays next to the open entry.
      expect(await headFits(table)).toBe(true);
      await screenshot(page, `incident-open-${width}`);
    }
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'detached' });
    expect(await rowAt(table, 1).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Escape');
    await rowAt(grid, scanIndex).waitFor();
    expect(await rowAt(grid, scanIndex).getAttribute('aria-selected')).toBe('true');
    expect(await headFits(grid)).toBe(true);
    await screenshot(page, 'incidents-1024');
    await page.setViewportSize({ width: 1440, height: 900 });
    await screenshot(page, 'incidents-1440');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the unflagged entries of an incident too, unmarked, and opens them', async () => {
    const mixedIndex = ranked.findIndex((i) => i.entries > i.flagged);
    expect(mixedIndex).toBeGreaterThanOrEqual(0);
    const mixed = ranked[mixedIndex];
    const detail = IncidentDetailSchema.parse((await call('GET', `/incidents/${mixed.id}`)).json());
    const quiet = detail.rows.findIndex((r) => r.isAnomaly === false);
    expect(quiet).toBeGreaterThanOrEqual(0);
    const { page, errors } = await openPage(browser, `${server.url}#incidents`);
    await page.setViewportSize({ width: 1024, height: 768 });
    await rowAt(list(page), mixedIndex).click();
    const table = entries(page);
    await rowAt(table, 0).waitFor();
    expect(await table.getAttribute('aria-rowcount')).toBe(String(detail.rows.length + 1));
    // Bring the first unflagged entry into the rendered rows, then open it.
    await table.locator('.vt-scroll').evaluate((el, top) => el.scrollTo({ top }), Math.max(0, quiet - 2) * 32);
    const row = rowAt(table, quiet);
    await row.waitFor();
    expect(await row.getAttribute('class')).not.toMatch(/\bflagged\b/);
    expect(await row.getByRole('gridcell').first().getAttribute('title')).toBe('not flagged');
    await row.click();
    await panel(page).getByText('Not flagged', { exact: true }).waitFor();
    expect(await headFits(table)).toBe(true);
    await screenshot(page, 'incident-mixed-1024');
    // The sample follows the clock, so whether an incident crosses midnight depends on when the
    // test runs: the same incident spread over three days must fit as well.
    const days = 2 * 86_400_000;
    const spread = {
      ...detail,
      firstTsMs: detail.firstTsMs - days,
      rows: detail.rows.map((r, i) => (i === 0 ? { ...r, tsMs: r.tsMs - days } : r)),
    };
    await page.route(new RegExp(`/incidents/${mixed.id}$`), (route) => route.fulfill({ json: spread }));
    await page.reload();
    await rowAt(list(page), mixedIndex).click();
    const again = entries(page);
    await rowAt(again, 0).waitFor();
    expect(await rowAt(again, 0).getByRole('gridcell').nth(1).textContent()).toMatch(/^\d\d-\d\d \d\d:\d\d:\d\d$/);
    await rowAt(again, 1).click();
    await panel(page).getByRole('heading').first().waitFor();
    expect(await headFits(again)).toBe(true);
    await page.unroute(new RegExp(`/incidents/${mixed.id}$`));
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'incident-mixed-dark');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Overview lists the top incidents; one click opens that incident', async () => {
    const { page, errors } = await openPage(browser, `${server.url}#overview`);
    const top = page.getByRole('region', { name: 'Top incidents' });
    const items = top.getByRole('listitem');
    await expect.poll(() => items.count()).toBe(Math.min(5, ranked.length));
    expect(await items.first().getByRole('button').textContent()).toContain(ranked[0].label);
    const item = items.nth(scanIndex);
    expect(await item.textContent()).toContain('404 scan');
    expect(await item.textContent()).toContain(scan.summary.slice('404 scan: '.length));
    await page.locator('.timeline canvas').first().waitFor();
    for (const width of [1024, 1440]) {
      await page.setViewportSize({ width, height: width > 1100 ? 900 : 768 });
      await screenshot(page, `overview-incidents-${width}`);
    }
    await item.getByRole('button').click();
    await page.getByRole('heading', { name: 'Incidents', level: 2 }).waitFor();
    await page.getByRole('heading', { name: '404 scan', level: 3 }).waitFor();
    await page.getByText(scan.summary, { exact: true }).waitFor();
    await rowAt(entries(page), 0).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a benign incident marked normal with a suppression disappears, stays gone after a retrain, and returns when the rule is removed', async () => {
    const benign = ranked.find((i) => i.kind === 'ip' && /present since the log began/.test(i.summary))!;
    expect(benign).toBeDefined();
    const ip = benign.ips[0];
    const incidentsOf = async () =>
      IncidentPageSchema.parse((await call('GET', '/incidents?limit=500')).json()).incidents.filter((i) =>
        i.ips.includes(ip),
      );
    const { page, errors } = await openPage(browser, `${server.url}#incidents`);
    const grid = list(page);
    await rowAt(grid, 0).waitFor();
    await grid.locator(`[role="row"][data-id="${benign.id}"]`).click();
    await page.getByRole('heading', { name: benign.label, level: 3 }).waitFor();
    await page.getByText('Verdict and report').click();
    const form = page.getByRole('form', { name: 'Feedback' });
    await form.getByRole('radio', { name: 'Normal' }).check();
    await form.getByLabel('Note').fill('a known client');
    expect(await form.getByLabel('IP', { exact: true }).inputValue()).toBe(ip);
    await form.getByLabel(/^Endpoint/).fill('');
    await screenshot(page, 'incident-verdict-1024');
    await form.getByRole('button', { name: 'Save verdict' }).click();
    await page.getByText('Marked normal; matching flags hidden.').waitFor();
    expect(await incidentsOf()).toEqual([]);
    // The rule is listed in Settings with what it hides, and removable. (Leaving the incident's
    // page first: the retrain below renumbers incidents, and its refetch would be a 404.)
    await page.goto(`${server.url}#settings`);
    // A retrain does not bring it back: the rule hides what the new model flags.
    expect((await call('POST', '/model/train_models', {})).status).toBe(200);
    expect(await incidentsOf()).toEqual([]);
    const rules = page.getByRole('region', { name: 'Suppressions' });
    await rules.getByRole('cell', { name: ip, exact: true }).waitFor();
    await rules.getByRole('button', { name: /^Remove rule/ }).click();
    await rules.getByText('No rules yet.').waitFor();
    const shown = (await call('GET', `/anomalies?ip=${encodeURIComponent(ip)}&limit=1`)).json() as { total: number };
    // Whatever the retrained model flags for this client is shown again, as an incident.
    if (shown.total > 0) expect((await incidentsOf()).length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('search "Nmap" in Anomalies finds the scanner\'s lines (its user agent)', async () => {
    const { page, errors } = await openPage(browser, `${server.url}#anomalies`);
    const search = page.getByLabel('Search');
    await search.fill('Nmap');
    await search.press('Enter');
    const grid = page.getByRole('grid', { name: 'Scored entries' });
    const first = grid.locator('[role="row"][aria-rowindex="2"]');
    await expect.poll(() => first.getByRole('gridcell').nth(1).textContent()).toBe(scan.ips[0]);
    const res = (await call('GET', '/anomalies?q=Nmap&limit=500')).json() as {
      rows: Array<{ ip: string }>;
      total: number;
    };
    expect(res.total).toBeGreaterThan(0);
    expect(new Set(res.rows.map((r) => r.ip))).toEqual(new Set([scan.ips[0]]));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says when no model is trained yet, with the way to Models', async () => {
    const { page, errors } = await openPage(browser, `${server.url}#incidents`);
    await rowAt(list(page), 0).waitFor();
    // This engine has a model and incidents: the test pins the state before training to check how it reads.
    await page.route(/\/incidents(\?|$)/, (route) => route.fulfill({ json: { incidents: [], total: 0, flagged: 0 } }));
    await page.route(/\/models(\?|$)/, (route) =>
      route.fulfill({ json: { live: null, training: false, nextRunAt: null, versions: [] } }),
    );
    await page.reload();
    await page.getByRole('heading', { name: 'No model trained yet' }).waitFor();
    await page.getByRole('button', { name: 'Go to Models' }).click();
    await page.getByRole('heading', { name: 'Models', level: 2 }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refetches on model-swapped at once, and at most every 2 s on anomalies', async () => {
    const row = { id: 1, tsMs: scan.lastTsMs, ip: scan.ips[0], method: 'GET', endpoint: '/x', status: 404 };
    const flagged = { ...row, votes: 3, isAnomaly: true, combinedScore: 2 };
    const { page } = await openPage(browser, `${server.url}#incidents`);
    await rowAt(list(page), 0).waitFor();
    const times = listRequests(page);
    await scriptEvents(
      page,
      Array.from({ length: 8 }, (_, k): EngineEvent => ({ type: 'anomalies', rows: [{ ...flagged, id: k + 1 }] })),
    );
    await page.reload();
    await rowAt(list(page), 0).waitFor();
    await page.waitForTimeout(4500);
    // The load, then the burst of eight events as one or two refreshes, never two within 2 s.
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times.length).toBeLessThanOrEqual(3);
    for (let k = 1; k < times.length; k++) expect(times[k] - times[k - 1]).toBeGreaterThan(1900);

    await page.unroute(/\/events(\?|$)/);
    await scriptEvents(page, [{ type: 'model-swapped', version: 99 }], 2500);
    await page.reload();
    await rowAt(list(page), 0).waitFor();
    const loaded = times.length;
    await page.getByText('Model version 99 is live').waitFor();
    await expect.poll(() => times.length, { timeout: 10_000 }).toBe(loaded + 1);
    await page.close();
  });

  async function totalOf(): Promise<number> {
    return IncidentPageSchema.parse((await call('GET', '/incidents?limit=1')).json()).total;
  }
});
