/**
 * Feedback in the UI (Chromium): an entry marked normal with a rule built from its IP hides
 * that IP's flags from the Anomalies list; the rule is listed in Settings → Suppressions with
 * what it hides, and removing it brings the flags back.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from '../harness';
import { openView, seededApp, type SeededApp } from './app';

const grid = (page: Page) => page.getByRole('grid', { name: 'Scored entries' });
const rowAt = (page: Page, index: number) => grid(page).locator(`[role="row"][aria-rowindex="${index + 2}"]`);

async function flaggedOf(app: SeededApp, ip: string): Promise<number> {
  const res = await fetch(`${app.server.origin}/anomalies?ip=${encodeURIComponent(ip)}&limit=1`, {
    headers: { Authorization: `Bearer ${app.server.token}` },
  });
  return ((await res.json()) as { total: number }).total;
}

describe('feedback (seeded)', () => {
  let app: SeededApp;
  beforeAll(async () => {
    app = await seededApp({ rows: 500 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('marks an entry normal with a rule on its IP, lists the rule, and removes it', async () => {
    const { page, errors } = await openView(app, 'anomalies');
    await rowAt(page, 0).waitFor();
    await rowAt(page, 0).click();
    const panel = page.getByRole('complementary', { name: 'Entry details' });
    await panel.getByText('Raw line').waitFor();
    const form = panel.getByRole('form', { name: 'Feedback' });
    await form.getByRole('radio', { name: 'Normal' }).check();
    await form.getByLabel('Note').fill('our load balancer');
    // Keep the IP, match any endpoint and user agent.
    const ipField = form.getByLabel('IP', { exact: true });
    const chosenIp = await ipField.inputValue();
    expect(chosenIp.length).toBeGreaterThan(0);
    await form.getByLabel(/^Endpoint/).fill('');
    await form.getByLabel(/^User agent/).fill('');
    await screenshot(page, 'feedback-form');
    await form.getByRole('button', { name: 'Save verdict' }).click();
    await panel.getByText('Marked normal; matching flags hidden.').waitFor();
    expect(await flaggedOf(app, chosenIp)).toBe(0);

    const settings = await openView(app, 'settings');
    const section = settings.page.getByRole('region', { name: 'Suppressions' });
    await section.getByRole('cell', { name: chosenIp, exact: true }).waitFor();
    await section.getByRole('cell', { name: 'our load balancer' }).waitFor();
    await section.scrollIntoViewIfNeeded();
    await screenshot(settings.page, 'suppressions');
    await section.getByRole('button', { name: /^Remove rule/ }).click();
    await section.getByText('No rules yet.').waitFor();
    expect(await flaggedOf(app, chosenIp)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    expect(settings.errors).toEqual([]);
    await settings.page.close();
    await page.close();
  });
});
