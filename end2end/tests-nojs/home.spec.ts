import { test, expect } from '@playwright/test';

test('without JavaScript the start page is rendered by the server and reads', async ({ page }) => {
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Give your staff the right access to every client');
  await expect(page.getByRole('link', { name: 'Practice Access' })).toBeVisible();
  // The default answer is there without any script having run.
  await expect(page.getByText('Practice Edition clients have no Manage users menu of their own')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Practice Edition' })).toHaveAttribute('aria-pressed', 'true');
});

test('without JavaScript an unknown address says so with a 404', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});
