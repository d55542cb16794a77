/**
 * Models → Compare versions in Chromium, on a real 40,000-row sample trained twice with a
 * benign incident marked normal (and suppressed) in between: with one version there is nothing
 * to compare; with two, the live version is compared with the one before it by default, the
 * counts and thresholds shown are the engine's modelDiff answer, the suppressed incident is
 * listed as gone, the versions can be picked and swapped from the keyboard, the gone incident
 * leads to its IP's entries in Anomalies, and a failed comparison says why and retries.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IncidentPageSchema,
  ModelDiffSchema,
  type Incident,
  type ModelDiff,
} from '../../../src/shared/schemas/incidents';
import { launchBrowser, openPage, screenshot, serve, trackConsole, type Served, apiCall } from '../harness';
import { fmt } from './app';

const score3 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 });
/** The UI's score format (components/format.ts) in the browser's en-US. */
const score = (x: number) => (Math.abs(x) >= 1e5 ? x.toExponential(2) : score3.format(x));

const section = (page: Page) => page.getByRole('region', { name: 'Compare versions' });
const countsRow = (page: Page, name: string) =>
  section(page)
    .getByRole('row', { name: new RegExp(`^${name}\\b`) })
    .getByRole('cell');

/** Presses Tab until the focused element matches, failing after `max` presses. */
async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el.matches(':focus'))) return;
  }
  throw new Error(`Tab never reached ${String(target)}`);
}

/** The counts table shows exactly the engine's answer: flagged, incidents and every threshold. */
async function expectCounts(page: Page, d: ModelDiff): Promise<void> {
  const head = section(page).getByRole('columnheader');
  // Waits out a comparison still on its way (a new pick shows "Comparing…" first).
  await expect
    .poll(() => head.allTextContents())
    .toEqual(['Measure', `Version ${d.from.version}`, `Version ${d.to.version}`, 'Change']);
  expect((await countsRow(page, 'Flagged entries').allTextContents()).slice(0, 2)).toEqual([
    fmt.format(d.from.flagged),
    fmt.format(d.to.flagged),
  ]);
  expect((await countsRow(page, 'Incidents').allTextContents()).slice(0, 2)).toEqual([
    fmt.format(d.from.incidents),
    fmt.format(d.to.incidents),
  ]);
  const models = Object.keys(d.to.thresholds);
  expect(models.length).toBeGreaterThan(0);
  for (const m of models) {
    expect((await countsRow(page, `${m} threshold`).allTextContents()).slice(0, 2)).toEqual([
      score(d.from.thresholds[m]),
      score(d.to.thresholds[m]),
    ]);
  }
}

describe('Models: compare versions (a 40,000-row sample trained twice)', () => {
  let server: Served;
  let browser: Browser;
  let benign: Incident;
  let diff: ModelDiff;
  const call = (method: string, path: string, body?: unknown) => apiCall(server, method, path, body);

  beforeAll(async () => {
    server = await serve();
    browser = await launchBrowser();
    expect((await call('POST', '/data/generate_sample', { rows: 40_000, seed: 7 })).status).toBe(200);
    expect((await call('POST', '/model/train_models', {})).status).toBe(200);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('says there is nothing to compare while only one version exists', async () => {
    const { page, errors } = await openPage(browser, `${server.url}#models`);
    await section(page).getByRole('heading', { name: 'Nothing to compare yet' }).waitFor();
    await section(page)
      .getByText(/there is one so far/)
      .waitFor();
    expect(await section(page).getByRole('combobox').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('compares the live version with the one before: counts, thresholds and the gone incident as the API has them', async () => {
    const page1 = IncidentPageSchema.parse((await call('GET', '/incidents?limit=500')).json()).incidents;
    benign = page1.find((i) => i.kind === 'ip' && /present since the log began/.test(i.summary))!;
    expect(benign).toBeDefined();
    const ip = benign.ips[0];
    const fb = await call('POST', '/feedback', {
      incident: benign.id,
      verdict: 'normal',
      note: 'a known client',
      suppress: { ip, note: 'known' },
    });
    expect(fb.status, fb.text).toBe(200);
    expect((await call('POST', '/model/train_models', {})).status).toBe(200);
    const r = await call('GET', '/models/diff?from=1&to=2');
    expect(r.status, r.text).toBe(200);
    diff = ModelDiffSchema.parse(r.json());
    expect(diff.disappeared.some((i) => i.label === benign.label && i.ips.includes(ip))).toBe(true);

    const { page, errors } = await openPage(browser, `${server.url}#models`);
    await page.setViewportSize({ width: 1440, height: 900 });
    const s = section(page);
    // Defaults: the version before the live one, and the live one.
    expect(await s.getByLabel('From version').inputValue()).toBe('1');
    expect(await s.getByLabel('To version').inputValue()).toBe('2');
    await s.getByRole('table').waitFor();
    await expectCounts(page, diff);
    // The feedback given between them, as counted by the engine.
    const figures = s.getByRole('region', { name: 'Your feedback since version 1 was trained' });
    expect(await figures.locator('dd').allTextContents()).toEqual([
      fmt.format(diff.feedbackSince.normal),
      fmt.format(diff.feedbackSince.attack),
      fmt.format(diff.feedbackSince.suppressions),
    ]);
    expect(diff.feedbackSince).toMatchObject({ normal: 1, suppressions: 1 });
    expect(await s.getByRole('heading', { name: /^Gone in version 2/ }).textContent()).toBe(
      `Gone in version 2 (${fmt.format(diff.disappeared.length)})`,
    );
    expect(await s.getByRole('heading', { name: /^New in version 2/ }).textContent()).toBe(
      `New in version 2 (${fmt.format(diff.appeared.length)})`,
    );
    for (const width of [1440, 1024]) {
      await page.setViewportSize({ width, height: width > 1100 ? 900 : 768 });
      await s.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      // Nothing of the comparison spills out of its panel.
      expect(await s.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      await screenshot(page, `modeldiff-${width}`);
    }
    // The suppressed incident is listed as gone, with the way to its IP's entries (version 1 is not live).
    const gone = s.getByRole('list', { name: /^Gone in version 2/ });
    // The button of the gone list's own section: the new list may have as many incidents.
    if (diff.disappeared.length > 10)
      await s
        .getByRole('region', { name: /^Gone in version 2/ })
        .getByRole('button', { name: `Show all ${fmt.format(diff.disappeared.length)}` })
        .click();
    expect(await gone.getByRole('listitem').count()).toBe(diff.disappeared.length);
    const ofIp = gone.getByRole('listitem').filter({ hasText: benign.label }).filter({ hasText: ip });
    expect(await ofIp.count()).toBe(
      diff.disappeared.filter((i) => i.label === benign.label && i.ips.includes(ip)).length,
    );
    await ofIp
      .first()
      .getByRole('button', { name: `Show in Anomalies (${ip})` })
      .waitFor();
    // An incident new in the live version opens in Incidents.
    const fresh = diff.appeared[0];
    if (fresh) {
      await s
        .getByRole('list', { name: /^New in version 2/ })
        .getByRole('button', { name: /^Open in Incidents/ })
        .first()
        .click();
      await page.getByRole('heading', { name: 'Incidents', level: 2 }).waitFor();
      await page.getByRole('heading', { name: fresh.label, level: 3 }).waitFor();
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('works from the keyboard: pick, swap, and follow a gone incident to Anomalies', async () => {
    const ip = benign.ips[0];
    const { page, errors } = await openPage(browser, `${server.url}#models`);
    const s = section(page);
    await s.getByRole('table').waitFor();
    const from = s.getByLabel('From version');
    const to = s.getByLabel('To version');
    await tabTo(page, from);
    // On a closed select the arrows change the value: the same version twice is refused politely.
    await page.keyboard.press('ArrowUp');
    expect(await from.inputValue()).toBe('2');
    await s.getByText('Pick two different versions.').waitFor();
    await page.keyboard.press('Tab');
    expect(await to.evaluate((el) => el.matches(':focus'))).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await to.inputValue()).toBe('1');
    // Version 2 against version 1: the suppressed incident is now one that version 1 adds.
    await s.getByRole('columnheader', { name: 'Version 2' }).waitFor();
    const reversed = ModelDiffSchema.parse((await call('GET', '/models/diff?from=2&to=1')).json());
    await expectCounts(page, reversed);
    await s
      .getByRole('list', { name: /^New in version 1/ })
      .getByText(benign.label)
      .first()
      .waitFor();
    // Swap back with the button.
    await page.keyboard.press('Tab');
    expect(await s.getByRole('button', { name: 'Swap the two versions' }).evaluate((el) => el.matches(':focus'))).toBe(
      true,
    );
    await page.keyboard.press('Enter');
    expect(await from.inputValue()).toBe('1');
    expect(await to.inputValue()).toBe('2');
    await expectCounts(page, diff);
    // Follow the gone incident to its IP's entries.
    const gone = s.getByRole('list', { name: /^Gone in version 2/ });
    const link = gone.getByRole('button', { name: `Show in Anomalies (${ip})` });
    if ((await link.count()) === 0)
      await s.getByRole('button', { name: `Show all ${fmt.format(diff.disappeared.length)}` }).click();
    await tabTo(page, link.first(), 80);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Anomalies', level: 2 }).waitFor();
    const grid = page.getByRole('grid', { name: 'Scored entries' });
    const firstRow = grid.locator('[role="row"][aria-rowindex="2"]');
    await expect.poll(() => firstRow.getByRole('gridcell').nth(1).textContent()).toBe(ip);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says why a comparison failed, and retries', async () => {
    // The route is in place before the page asks for anything, so its first comparison fails.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const track = trackConsole(page);
    let failed = false;
    await page.route(/\/models\/diff\?/, async (route) => {
      if (failed) return route.continue();
      failed = true;
      await route.fulfill({
        status: 409,
        json: { message: 'model version 1 was never live, so what it flagged is not known' },
      });
    });
    await page.goto(`${server.url}#models`);
    const alert = section(page).getByRole('alert');
    await alert.getByText('The versions could not be compared').waitFor();
    await alert.getByText('model version 1 was never live, so what it flagged is not known').waitFor();
    await alert.getByRole('button', { name: 'Retry' }).click();
    await section(page).getByRole('table').waitFor();
    await expectCounts(page, diff);
    track.assertClean([/status of 409 \(Conflict\)/]);
    await page.close();
  });
});
