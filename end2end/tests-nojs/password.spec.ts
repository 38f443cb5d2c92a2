import { test, expect } from '@playwright/test';
import { mailedLink } from '../tests/fixtures';
import { signUpWithoutScript } from './fixtures';

test('without JavaScript a forgotten password is reset by an emailed link', async ({ page, browser }) => {
  const admin = await signUpWithoutScript(page, 'nojs-reset');
  const context = await browser.newContext({ javaScriptEnabled: false });
  const forgot = await context.newPage();
  await forgot.goto('/login');
  await forgot.getByRole('link', { name: 'Forgot your password?' }).click();
  // Not an email: said so on the page, and what was typed comes back.
  await forgot.getByLabel('Email').fill('not an email');
  await forgot.getByRole('button', { name: 'Email me a link' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
  await expect(forgot.getByLabel('Email')).toHaveValue('not an email');
  await forgot.getByLabel('Email').fill(admin.email);
  await forgot.getByRole('button', { name: 'Email me a link' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  const link = await mailedLink(admin.email, '/reset-password/', 1);
  await forgot.goto(link);
  await forgot.getByLabel('New password').fill('a new and better passphrase');
  await forgot.getByRole('button', { name: 'Set new password' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();
  // Used once.
  await forgot.goto(link);
  await expect(forgot.getByRole('heading', { level: 1, name: 'This link is not valid' })).toBeVisible();
  // The first browser's session ended with the reset.
  await page.goto('/');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await context.close();
});

test('without JavaScript a change of password signs out the other browser and keeps this one', async ({ page, browser }) => {
  const admin = await signUpWithoutScript(page, 'nojs-change');
  const context = await browser.newContext({ javaScriptEnabled: false });
  const other = await context.newPage();
  await other.goto('/login');
  await other.getByLabel('Email').fill(admin.email);
  await other.getByLabel('Password').fill(admin.password);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await other.goto('/');
  await expect(other.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();

  await page.goto('/account');
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  await page.getByLabel('Current password').fill(admin.password);
  await page.getByLabel('New password').fill('short');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Use at least 8 characters.')).toBeVisible();
  await page.getByLabel('Current password').fill(admin.password);
  await page.getByLabel('New password').fill('a new and better passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password is changed, and every other place you were signed in is signed out.')).toBeVisible();
  await other.goto('/');
  await expect(other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();
  await context.close();
});
