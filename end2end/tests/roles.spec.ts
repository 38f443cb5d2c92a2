import { test, expect, signUp, openManageUsers, invite, invitationLink, unique } from './fixtures';

test('create a custom role with dependent permissions and invite someone with it', async ({ page }) => {
  await signUp(page);
  await openManageUsers(page);
  await page.getByRole('link', { name: 'View roles' }).click();
  await expect(page.getByRole('heading', { name: 'Roles' })).toBeVisible();
  await expect(page.getByRole('row', { name: /Admin/ })).toContainText('Every permission');

  await page.getByRole('button', { name: 'Create role' }).click();
  await page.getByLabel('Role name').fill('Bookkeeper');
  // Ticking a permission ticks what it needs.
  await page.getByLabel('List draft expenses').check();
  await expect(page.getByLabel('List expenses')).toBeChecked();
  await page.getByLabel('Select all Banking').check();
  await expect(page.getByLabel('Reconcile transactions')).toBeChecked();
  // Unticking a permission unticks what depends on it.
  await page.getByLabel('View bank accounts').uncheck();
  await expect(page.getByLabel('Reconcile transactions')).not.toBeChecked();
  await page.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByRole('row', { name: /Bookkeeper/ })).toContainText('2 permissions');

  await page.getByRole('main').getByRole('link', { name: 'Manage users' }).click();
  const email = `${unique('bk')}@example.com`;
  await invite(page, 'Bea Bookkeeper', email, 'Bookkeeper');
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText('Bookkeeper');
  expect(await invitationLink(email)).toMatch(/^\/invite\/[0-9a-f]{64}$/);
});
