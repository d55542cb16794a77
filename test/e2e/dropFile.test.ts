import { describe, expect, it } from 'vitest';
import { apacheLogLines } from '../unit/ingest/fixtures';
import { openPage, screenshot, servedBrowser } from './harness';

const LINES = 2500;

describe('drag and drop in browser mode', () => {
  const app = servedBrowser();

  it('uploads a real log file dropped onto the window and lists it in Sources with its line count', async () => {
    const { page, errors } = await openPage(app.browser, `${app.server.url}#sources`);
    await page.getByRole('heading', { name: 'Sources', level: 2 }).waitFor();
    const content = apacheLogLines().slice(0, LINES).join('\n') + '\n';
    // What the browser builds when a file from the desktop is dropped: a DataTransfer holding a File.
    const dataTransfer = await page.evaluateHandle((text) => {
      // Runs in the page; typed by hand because the test's own program has no DOM library.
      const page = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: string[], name: string, options: { type: string }) => unknown;
      };
      const dt = new page.DataTransfer();
      dt.items.add(new page.File([text], 'dropped-access.log', { type: 'text/plain' }));
      return dt;
    }, content);
    await page.dispatchEvent('.app', 'dragenter', { dataTransfer });
    await page.dispatchEvent('.app', 'dragover', { dataTransfer });
    await page.dispatchEvent('.app', 'drop', { dataTransfer });

    const row = page.getByRole('row', { name: /dropped-access\.log/ });
    await row.waitFor();
    await row.getByText('2,500', { exact: true }).waitFor();
    await screenshot(page, 'sources-dropped');
    expect(errors).toEqual([]);
  });
});
