import { Page, expect } from '@playwright/test';
import { mailedLink } from '../tests/fixtures';

/**
 * Creates a practice through the sign-up form with JavaScript off (plain form posts) and
 * returns the admin's credentials; the page ends signed in, on the practice's start page.
 */
export async function signUpWithoutScript(page: Page, prefix = 'nojs') {
  const tag = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const email = `${tag}@example.com`;
  const password = 'correct horse battery';
  await page.goto('/signup');
  await page.getByLabel('Practice name').fill(`Practice ${tag}`);
  await page.getByLabel('Your name').fill('Nora NoScript');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create practice account' }).click();
  // The answer is the same whether or not the email has a login: a link by email.
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  await page.goto(await mailedLink(email, '/signup/confirm/'));
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Practice ${tag}` })).toBeVisible();
  return { tag, email, password, practice: `Practice ${tag}` };
}
