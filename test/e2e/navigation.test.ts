import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openPage, screenshot, servedBrowser } from './harness';

describe('browser mode shell', () => {
  const app = servedBrowser();

  it('loads from the printed URL, visits every view, and logs no console errors', async () => {
    const { page, errors } = await openPage(app.browser, app.server.url);
    // Incidents is the first stop.
    await page.getByRole('heading', { name: 'Incidents', level: 2 }).waitFor();
    // The server traded `?token=` for a one-time hand-over and redirected: the address bar never keeps it.
    expect(page.url()).not.toContain('token=');
    await page.getByText('No log entries yet').waitFor();
    expect(existsSync(await screenshot(page, 'incidents-empty'))).toBe(true);
    await page.getByRole('navigation').getByRole('button', { name: 'Overview' }).click();
    await page.getByText('No log entries yet').waitFor();
    const overview = await screenshot(page, 'overview-empty');
    expect(existsSync(overview)).toBe(true);

    for (const view of ['Anomalies', 'Sources', 'Models', 'Settings', 'Incidents', 'Overview']) {
      await page.getByRole('navigation').getByRole('button', { name: view }).click();
      await page.getByRole('heading', { name: view, level: 2 }).waitFor();
    }
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    await page.getByText(app.server.token).waitFor();
    // Keyboard navigation: Alt+3 opens Anomalies.
    await page.keyboard.press('Alt+3');
    await page.getByRole('heading', { name: 'Anomalies', level: 2 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Anomalies', level: 2 }).waitFor();
    expect(errors).toEqual([]);
  });

  it('explains what to do when opened without a token', async () => {
    const { page } = await openPage(app.browser, app.server.origin + '/');
    await page.getByText(/No API token/).waitFor();
  });
});
