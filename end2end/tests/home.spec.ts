import { test, expect, waitForHydration } from './fixtures';

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
