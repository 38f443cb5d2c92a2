import { test as base, expect, Page } from '@playwright/test';

/** A page that fails the test on any console error or uncaught exception. */
export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await use(page);
    expect(problems, 'the browser reported errors').toEqual([]);
  },
});

export { expect };

/** Resolves once the WASM bundle has hydrated the page (the body gets `data-hydrated`). */
export async function waitForHydration(page: Page) {
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
}
