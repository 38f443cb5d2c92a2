import { test, expect, waitForHydration, signUp } from './fixtures';

test('the start page hydrates and its plan buttons answer', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Give your staff the right access to every client');
  await waitForHydration(page);

  const small = page.getByRole('button', { name: 'Small' });
  await expect(small).toHaveAttribute('aria-pressed', 'false');
  await small.click();
  await expect(small).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('button', { name: 'Practice Edition' })).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByText('Small clients keep their own Manage users menu')).toBeVisible();
});

test('the sign-in page comes without the WASM and fetches the app ahead, so the page after signing in loads it from the cache', async ({ page, browser }) => {
  const login = await signUp(page);
  // A browser that has never been here: its cache is empty.
  const context = await browser.newContext();
  const fresh = await context.newPage();
  await fresh.goto('/login');
  await waitForHydration(fresh);
  await expect(fresh.locator('script[type="module"]')).toHaveCount(0);
  const hints = await fresh.locator('link[rel="prefetch"]').evaluateAll((links) =>
    links.map((l) => (l as HTMLLinkElement).href),
  );
  expect(hints.some((h) => /\/pkg\/practice-access\.[\w-]{22}\.wasm$/.test(h)), hints.join('\n')).toBe(true);
  // The browser fetches them while the visitor types.
  await expect
    .poll(() =>
      fresh.evaluate(
        (wanted) => {
          const done = new Set(performance.getEntriesByType('resource').map((e) => e.name));
          return wanted.filter((h) => !done.has(h)).length;
        },
        hints,
      ),
    )
    .toBe(0);
  await fresh.getByLabel('Email').fill(login.email);
  await fresh.getByLabel('Password').fill(login.password);
  await fresh.getByRole('button', { name: 'Sign in' }).click();
  await expect(fresh.getByRole('heading', { level: 1, name: login.practice })).toBeVisible();
  await waitForHydration(fresh);
  const wasm = await fresh.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => e.name.endsWith('.wasm'))
      .map((e) => ({ name: e.name, transferSize: (e as PerformanceResourceTiming).transferSize })),
  );
  expect(wasm.length).toBeGreaterThan(0);
  expect(wasm.filter((e) => e.transferSize > 0), 'every WASM file came from the cache').toEqual([]);
  await context.close();
});
