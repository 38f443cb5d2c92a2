import { readFileSync } from 'fs';
import { resolve } from 'path';
import { test, expect } from '@playwright/test';

// The demo practice of 200 staff (201 members with its admin) the e2e server seeds (end2end/serve.sh).
function demoLogin(): { email: string; password: string } {
  const text = readFileSync(resolve(__dirname, '../../target/e2e-data/demo-credentials.txt'), 'utf8');
  return { email: text.match(/email:\s+(\S+)/)![1], password: text.match(/password:\s+(\S+)/)![1] };
}

test.describe.configure({ timeout: 120_000 });

test('without JavaScript the staff search, the choice of a person, a grant and the Manage users search work', async ({ page }) => {
  const { email, password } = demoLogin();
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await page.goto('/partner/users');
  const list = page.getByRole('list', { name: 'Employee role manager' });
  const target = (await list.getByRole('button').nth(170).textContent())!.trim();
  await page.getByLabel('Search staff').fill(target);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByText(/Showing \d+ of 201 staff/)).not.toHaveText('Showing 201 of 201 staff');
  await list.getByRole('button', { name: target, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Client access for ${target}` })).toBeVisible();
  expect(page.url()).toMatch(/[?&]staff=\d+/);

  // A tick is a form button: the grant is made and the page comes back showing it.
  const cell = page.getByRole('radio', { name: /: Bookkeeper$/ }).nth(2);
  const name = (await cell.getAttribute('aria-label'))!;
  await expect(cell).toHaveAttribute('aria-checked', 'false');
  await cell.click();
  await expect(page.getByRole('heading', { name: `Client access for ${target}` })).toBeVisible();
  await expect(page.getByRole('radio', { name, exact: true })).toHaveAttribute('aria-checked', 'true');

  // The matrix's pages and its client search are links and a GET form too.
  await page.getByRole('link', { name: 'Next page' }).click();
  await expect(page.getByText('Page 2 of 100')).toBeVisible();
  await page.getByLabel('Search clients').fill('Bakery');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.getByText('Showing 10,000 of 10,000')).toHaveCount(0);
  await expect(page.getByRole('heading', { name: `Client access for ${target}` })).toBeVisible();
  expect(page.url()).toContain('clients=Bakery');

  await page.goto('/manage-users');
  await page.getByLabel('Search users').fill(target);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByRole('table', { name: /Users of/ }).getByRole('rowheader', { name: target })).toBeVisible();
  await expect(page.getByText(/^Showing \d+ of 201$/)).toBeVisible();
});
