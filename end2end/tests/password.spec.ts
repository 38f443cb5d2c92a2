import { test, expect, signUp, mailedLink } from './fixtures';

test('a forgotten password: a link by email, a new password, and every other place signed out', async ({ page, browser }) => {
  const admin = await signUp(page);
  // A second browser signed in as the same person.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto('/login');
  await other.getByLabel('Email').fill(admin.email);
  await other.getByLabel('Password').fill(admin.password);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();

  const contextForgot = await browser.newContext();
  const forgot = await contextForgot.newPage();
  await forgot.goto('/login');
  await forgot.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
  await forgot.getByLabel('Email').fill(admin.email);
  await forgot.getByRole('button', { name: 'Email me a link' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();

  await forgot.goto(await mailedLink(admin.email, '/reset-password/', 1));
  await expect(forgot.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
  await forgot.getByLabel('New password').fill('short');
  await forgot.getByRole('button', { name: 'Set new password' }).click();
  await expect(forgot.getByText('Use at least 8 characters.')).toBeVisible();
  await forgot.getByLabel('New password').fill('a new and better passphrase');
  await forgot.getByRole('button', { name: 'Set new password' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();

  // The other browser is signed out: its next page asks it to sign in.
  await other.reload();
  await expect(other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await otherContext.close();
  await contextForgot.close();
});
