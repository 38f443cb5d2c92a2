import { test, expect } from '@playwright/test';
import { totp } from '../tests/fixtures';
import { signUpWithoutScript } from './fixtures';

test('without JavaScript a practice can sign up and reach Manage users; a failed sign-in leaves the session alone; two-step sign-in shows its recovery codes', async ({ page }) => {
  const { tag } = await signUpWithoutScript(page);

  await page.goto('/manage-users');
  await expect(page.getByRole('heading', { name: 'Manage users' })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(`${tag}@example.com`) })).toContainText('Active');

  await page.goto('/login');
  await page.getByLabel('Email').fill(`${tag}@example.com`);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Without JavaScript the form posts and the server answers; the session stays as it was.
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: `Practice ${tag}` })).toBeVisible();

  // Turning on two-step sign-in: the form posts, the page comes back with the recovery
  // codes (shown once), not only with "it is on".
  await page.goto('/account/two-step');
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Show my key' }).click();
  const key = (await page.locator('code.key').textContent())!;
  await page.getByLabel('Verification code').fill(totp(key));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await page.reload();
  await expect(page.getByText('Recovery codes left: 10.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);
});
