import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, screenshot, serve, type Served } from './harness';

describe('browser mode shell', () => {
  let server: Served;
  let browser: Browser;
  beforeAll(async () => {
    server = await serve();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('loads from the printed URL, visits every view, and logs no console errors', async () => {
    const { page, errors } = await openPage(browser, server.url);
    await page.getByRole('heading', { name: 'Overview', level: 2 }).waitFor();
    // The token is moved out of the address bar into session storage.
    expect(page.url()).not.toContain('token=');
    await page.getByText('No log entries yet').waitFor();
    const overview = await screenshot(page, 'overview-empty');
    expect(existsSync(overview)).toBe(true);

    for (const view of ['Anomalies', 'Sources', 'Models', 'Settings', 'Overview']) {
      await page.getByRole('navigation').getByRole('button', { name: view }).click();
      await page.getByRole('heading', { name: view, level: 2 }).waitFor();
    }
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    await page.getByText(server.token).waitFor();
    // Keyboard navigation: Alt+2 opens Anomalies.
    await page.keyboard.press('Alt+2');
    await page.getByRole('heading', { name: 'Anomalies', level: 2 }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Anomalies', level: 2 }).waitFor();
    expect(errors).toEqual([]);
  });

  it('explains what to do when opened without a token', async () => {
    const { page } = await openPage(browser, server.origin + '/');
    await page.getByText(/No API token/).waitFor();
  });
});
