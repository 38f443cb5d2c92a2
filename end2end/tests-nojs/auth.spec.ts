import { test, expect } from '@playwright/test';
import { mailedLink, totp } from '../tests/fixtures';

test('without JavaScript a practice can sign up and reach Manage users; a failed sign-in leaves the session alone; two-step sign-in shows its recovery codes', async ({ page }) => {
  const tag = `nojs-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await page.goto('/signup');
  await page.getByLabel('Practice name').fill(`Practice ${tag}`);
  await page.getByLabel('Your name').fill('Nora NoScript');
  await page.getByLabel('Email').fill(`${tag}@example.com`);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create practice account' }).click();
  // The answer is the same whether or not the email has a login: a link by email.
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  await page.goto(await mailedLink(`${tag}@example.com`, '/signup/confirm/'));
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Practice ${tag}` })).toBeVisible();

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
  const key = (await page.locator('code.key').textContent())!;
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByLabel('Verification code').fill(totp(key));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')).toHaveCount(10);
  await page.reload();
  await expect(page.getByText('Recovery codes left: 10.')).toBeVisible();
  await expect(page.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);
});
