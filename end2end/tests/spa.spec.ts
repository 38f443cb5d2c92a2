import { Page } from '@playwright/test';
import {
  test,
  expect,
  waitForHydration,
  signUp,
  openManageUsers,
  invite,
  invitationLink,
  unique,
  openPartner,
  addClient,
  choosePerson,
} from './fixtures';

/** Marks the document: the mark is gone if the browser loads a new one. */
async function markDocument(page: Page) {
  await page.evaluate(() => {
    (window as unknown as { paDocument: string }).paDocument = 'still here';
  });
}

async function sameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { paDocument?: string }).paDocument)).toBe('still here');
}

test('one document across the menus, choosing a person, a click, a bulk action and the back button', async ({ page }) => {
  const admin = await signUp(page);
  const tag = unique('spa');
  const client = `Spa ${tag} Ltd`;
  await waitForHydration(page);
  await markDocument(page);

  // Menus: each page comes in place, its heading focused.
  await openManageUsers(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Manage users' })).toBeFocused();
  await sameDocument(page);
  // A panel by address opens in place too, and a filter keeps the focus where it is.
  await page.getByRole('button', { name: 'Invite users', exact: true }).click();
  await expect(page.getByLabel('Email')).toBeVisible();
  await expect(page).toHaveURL(/[?&]open=invite/);
  await waitForHydration(page);
  await expect(page.getByLabel('Name', { exact: true })).toBeFocused();
  await page.getByLabel('Filter by status').focus();
  await page.getByLabel('Filter by status').selectOption('active');
  await waitForHydration(page);
  await expect(page).toHaveURL(/status=active/);
  await expect(page.getByLabel('Filter by status')).toBeFocused();
  await sameDocument(page);

  await openPartner(page, 'Client overview');
  await addClient(page, client, 'Small');
  await sameDocument(page);

  // The matrix: choosing a person, a click, a bulk action and Undo, all in place.
  await openPartner(page, 'Users');
  await choosePerson(page, 'Ada Admin');
  await expect(page.getByRole('heading', { name: 'Client access for Ada Admin' })).toBeFocused();
  await page.getByRole('radio', { name: `${client}: Employee (predefined)` }).click();
  await expect(page.getByRole('radio', { name: `${client}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByText('All changes saved')).toBeVisible();
  await page.getByRole('button', { name: 'Remove from all clients' }).click();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Changed 1 client.')).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText(/^Undone: 1 clients/)).toBeVisible();
  await expect(page.getByRole('radio', { name: `${client}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');
  await sameDocument(page);

  // Back: the pages before, in place.
  await page.goBack();
  await waitForHydration(page);
  await page.goBack();
  await waitForHydration(page);
  await expect(page).toHaveURL(/\/partner\/users/);
  await sameDocument(page);
  while (!/\/partner\/clients/.test(page.url())) {
    await page.goBack();
    await waitForHydration(page);
  }
  await expect(page.getByRole('heading', { level: 1, name: 'Client overview' })).toBeVisible();
  await sameDocument(page);
  expect(admin.email).toContain('@');
});

test("a second admin's change shows in the open matrix without a reload", async ({ page, browser }) => {
  await signUp(page);
  const tag = unique('live');
  const client = `Live ${tag} Ltd`;
  await openPartner(page, 'Client overview');
  await addClient(page, client, 'Small');

  // A second admin of the practice.
  await openManageUsers(page);
  const second = `${tag}@example.com`;
  await invite(page, 'Bea Second', second, 'Admin');
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(await invitationLink(second));
  await waitForHydration(other);
  await other.getByLabel('Password').fill('a fine long password');
  await other.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(other.getByText('with the role Admin')).toBeVisible();

  // The first admin watches Bea's access; Bea gives herself the client.
  await openPartner(page, 'Users');
  await choosePerson(page, 'Bea Second');
  await markDocument(page);
  const cell = page.getByRole('radio', { name: `${client}: User` });
  await expect(cell).toHaveAttribute('aria-checked', 'false');

  await openPartner(other, 'Users');
  await choosePerson(other, 'Bea Second');
  await other.getByRole('radio', { name: `${client}: User` }).click();
  await expect(other.getByText('All changes saved')).toBeVisible();

  // Within a few seconds, with no reload: the open matrix follows.
  await expect(cell).toHaveAttribute('aria-checked', 'true', { timeout: 10_000 });
  await expect(page.getByRole('radio', { name: `${client}: N/A` })).toHaveAttribute('aria-checked', 'false');
  await sameDocument(page);
  await context.close();
});
