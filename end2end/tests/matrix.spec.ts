import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { test, expect, waitForHydration, signUp, openManageUsers, invite, invitationLink, unique, openPartner, addClient, choosePerson } from './fixtures';

async function accountsMenu(page: Page) {
  await page.reload();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Accounts' }).click();
  return page.locator('#menu-accounts');
}

test('grant access client by client and in bulk; the staff member sees each step', async ({ page, browser }) => {
  await signUp(page);
  const tag = unique('m');
  const pe = `Acme ${tag} Ltd`;
  const small = `Small ${tag} Ltd`;

  // A custom role, and a staff member who accepts their invitation.
  await openManageUsers(page);
  await page.getByRole('link', { name: 'View roles' }).click();
  await page.getByRole('button', { name: 'Create role' }).click();
  await page.getByLabel('Role name').fill('Bookkeeper');
  await page.getByLabel('List expenses').check();
  await page.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByRole('row', { name: /Bookkeeper/ })).toBeVisible();
  await openManageUsers(page);
  const staffEmail = `${tag}@example.com`;
  await invite(page, 'Sid Staff', staffEmail, 'Employee (predefined)');
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await staff.goto(await invitationLink(staffEmail));
  await waitForHydration(staff);
  await staff.getByLabel('Password').fill('a fine long password');
  await staff.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(staff.getByText('with the role Employee (predefined)')).toBeVisible();

  // Clients.
  await openPartner(page, 'Client overview');
  await addClient(page, pe, 'Practice Edition');
  await addClient(page, small, 'Small');

  // Select the staff member; a click turns the tick green and survives a reload.
  await openPartner(page, 'Users');
  await choosePerson(page, 'Sid Staff');
  await expect(page.getByRole('heading', { name: 'Client access for Sid Staff' })).toBeVisible();
  await expect(page.getByRole('radio', { name: `${pe}: N/A` })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('radio', { name: `${pe}: Bookkeeper` }).click();
  await expect(page.getByRole('radio', { name: `${pe}: Bookkeeper` })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByRole('radio', { name: `${pe}: N/A` })).toHaveAttribute('aria-checked', 'false');
  await expect(page.getByText('All changes saved')).toBeVisible();
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('radio', { name: `${pe}: Bookkeeper` })).toHaveAttribute('aria-checked', 'true');
  let menu = await accountsMenu(staff);
  await expect(menu.getByRole('button', { name: new RegExp(pe) })).toBeVisible();
  await expect(menu.getByRole('button', { name: new RegExp(small) })).toHaveCount(0);

  // Keyboard: arrows move between cells, Space selects.
  await page.getByRole('radio', { name: `${pe}: Bookkeeper` }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('radio', { name: `${small}: Bookkeeper` })).toBeFocused();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('radio', { name: `${small}: User` })).toBeFocused();
  await page.keyboard.press('Space');
  await expect(page.getByRole('radio', { name: `${small}: User` })).toHaveAttribute('aria-checked', 'true');

  // The page passes an axe-core check.
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);

  // Everyone as Employee: two rows had other roles, so it asks first, then offers Undo.
  await page.getByRole('button', { name: 'Give access to all clients as Employee' }).click();
  await expect(page.getByText('This changes 2 clients')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Changed 2 clients.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible();
  for (const client of [pe, small]) {
    await expect(page.getByRole('radio', { name: `${client}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');
  }
  menu = await accountsMenu(staff);
  await expect(menu.getByRole('button', { name: new RegExp(small) })).toBeVisible();

  // Assign to all with the custom role.
  await page.getByRole('button', { name: 'Assign all clients to Bookkeeper' }).click();
  await page.getByRole('button', { name: 'Confirm' }).click();
  for (const client of [pe, small]) {
    await expect(page.getByRole('radio', { name: `${client}: Bookkeeper` })).toHaveAttribute('aria-checked', 'true');
  }

  // As Admin on both: the Small client keeps its own Manage users, Practice Edition has none.
  // (The confirmation was a form post: the page is new, and its clicks wait for its island.)
  await waitForHydration(page);
  await page.getByRole('radio', { name: `${pe}: Admin` }).click();
  await page.getByRole('radio', { name: `${small}: Admin` }).click();
  await expect(page.getByRole('radio', { name: `${small}: Admin` })).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByText('All changes saved')).toBeVisible();
  menu = await accountsMenu(staff);
  await menu.getByRole('button', { name: new RegExp(pe) }).click();
  await expect(staff.getByRole('heading', { level: 1, name: pe })).toBeVisible();
  await waitForHydration(staff);
  await staff.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Home' }).click();
  await expect(staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Manage users' })).toHaveCount(0);
  await staff.goto('/manage-users');
  await expect(staff.getByRole('heading', { name: 'No Manage users here' })).toBeVisible();
  menu = await accountsMenu(staff);
  await menu.getByRole('button', { name: new RegExp(small) }).click();
  await expect(staff.getByRole('heading', { level: 1, name: small })).toBeVisible();
  await waitForHydration(staff);
  await staff.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Home' }).click();
  await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Manage users' }).click();
  await expect(staff.getByRole('heading', { name: 'Manage users' })).toBeVisible();
  await expect(staff.getByRole('row', { name: /Sid Staff/ })).toContainText('Practice staff');

  // A leaver: removed from every client at once; the switcher follows on the next request.
  await page.getByRole('button', { name: 'Remove from all clients' }).click();
  await expect(page.getByText('This changes 2 clients')).toBeVisible();
  await page.getByRole('button', { name: 'Confirm' }).click();
  for (const client of [pe, small]) {
    await expect(page.getByRole('radio', { name: `${client}: N/A` })).toHaveAttribute('aria-checked', 'true');
  }
  menu = await accountsMenu(staff);
  await expect(menu.getByRole('button', { name: 'Go to my practice' })).toBeVisible();
  await expect(menu.getByRole('button', { name: new RegExp(tag) })).toHaveCount(0);
  await staffContext.close();
});

test("another admin's change appears without a reload", async ({ page, browser }) => {
  const admin = await signUp(page);
  const tag = unique('live');
  await openPartner(page, 'Client overview');
  await addClient(page, `Live ${tag} Ltd`, 'Small');
  await openPartner(page, 'Users');
  await choosePerson(page, 'Ada Admin');
  const cell = page.getByRole('radio', { name: `Live ${tag} Ltd: User` });
  await expect(cell).toHaveAttribute('aria-checked', 'false');

  // A second browser of the same admin changes it.
  const other = await browser.newContext();
  const second = await other.newPage();
  await second.goto('/login');
  await waitForHydration(second);
  await second.getByLabel('Email').fill(admin.email);
  await second.getByLabel('Password').fill(admin.password);
  await second.getByRole('button', { name: 'Sign in' }).click();
  await expect(second.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();
  await second.goto(page.url());
  await waitForHydration(second);
  await second.getByRole('radio', { name: `Live ${tag} Ltd: User` }).click();
  await expect(second.getByRole('radio', { name: `Live ${tag} Ltd: User` })).toHaveAttribute('aria-checked', 'true');

  await expect(cell).toHaveAttribute('aria-checked', 'true', { timeout: 8000 });

  // The other browser archives the client; a click here is then refused by the server: the
  // page says why and reads the matrix again, which no longer lists the archived client.
  await second.goto('/partner/clients');
  await waitForHydration(second);
  await second.getByRole('button', { name: `Archive Live ${tag} Ltd` }).click();
  await expect(second.getByRole('button', { name: `Archive Live ${tag} Ltd` })).toHaveCount(0);
  await page.getByRole('radio', { name: `Live ${tag} Ltd: Employee (predefined)` }).click();
  await expect(page.getByText(`Could not change access to Live ${tag} Ltd: Live ${tag} Ltd is archived.`)).toBeVisible();
  await expect(page.getByRole('rowheader', { name: new RegExp(`Live ${tag} Ltd`) })).toHaveCount(0);
  await expect(page.getByText('No clients match.')).toBeVisible();
  await other.close();
});
