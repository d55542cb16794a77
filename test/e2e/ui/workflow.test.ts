import { describe, expect, it } from 'vitest';
import { openPage, screenshot, servedBrowser } from '../harness';

/** The analyst's first session against the real engine: sample data, training, the results. */
describe('from sample data to explained anomalies', () => {
  const app = servedBrowser();

  it('generates a sample, trains from the notice, and explains a flagged entry', async () => {
    const { page, errors } = await openPage(app.browser, `${app.server.url}#sources`);
    await page.getByRole('heading', { name: 'Sources', level: 2 }).waitFor();
    await page.getByLabel('Rows').fill('20000');
    await page.getByText('20,000 rows').waitFor();
    await page.getByRole('button', { name: 'Generate' }).click();
    // Afterwards the app suggests training, in a notice with its own button.
    const notice = page.getByRole('status').filter({ hasText: /^Sample ready: 20,000 entries/ });
    await notice.waitFor({ timeout: 60_000 });
    await page.getByRole('cell', { name: /samples/ }).waitFor();
    await notice.getByRole('button', { name: 'Train now' }).click();

    await page.getByRole('heading', { name: 'Models', level: 2 }).waitFor();
    await page.getByText(/^Model version \d+ is live$/).waitFor({ timeout: 60_000 });
    const live = page.getByRole('row', { name: /live/ });
    await live.waitFor();
    expect(await live.getByRole('cell').allTextContents()).toContain('20,000');

    // The new scores are listed, and one entry is explained by the engine's getLog.
    await page.keyboard.press('Alt+3');
    const grid = page.getByRole('grid', { name: 'Scored entries' });
    await grid.locator('[role="row"][aria-rowindex="2"]').waitFor();
    expect(Number(await grid.getAttribute('aria-rowcount'))).toBeGreaterThan(10);
    await grid.focus();
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    const panel = page.getByRole('complementary', { name: 'Entry details' });
    await panel.getByText('Flagged as an anomaly').waitFor();
    await panel.getByRole('row', { name: /^knn/ }).waitFor();
    await screenshot(page, 'workflow-detail');

    await page.keyboard.press('Alt+2');
    await page.getByRole('region', { name: 'Live model' }).getByText('20,000').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
