import { test, expect, waitForHydration, signUp, openManageUsers, invite, invitationLink, unique, openPartner, addClient, choosePerson } from './fixtures';

test("a client's admin invites the client's own user, who sees only that client", async ({ page, browser }) => {
  const admin = await signUp(page);
  const client = `Bakery ${unique('c')} Ltd`;
  await openPartner(page, 'Client overview');
  await addClient(page, client, 'Small');

  // The practice's admin gives themselves Admin on the client, then acts in it.
  await openPartner(page, 'Users');
  await choosePerson(page, 'Ada Admin');
  await page.getByRole('radio', { name: `${client}: Admin` }).click();
  await expect(page.getByRole('radio', { name: `${client}: Admin` })).toHaveAttribute('aria-checked', 'true');
  // The tick turns green before the server answers: wait until the grant is saved, or the
  // reload may read the Accounts menu before it is.
  await expect(page.getByText('All changes saved')).toBeVisible();
  // The Accounts menu is read as the page loads: reload to see the new client in it.
  await page.reload();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Accounts' }).click();
  await page.locator('#menu-accounts').getByRole('button', { name: new RegExp(client) }).click();
  await expect(page.locator('.current-account')).toHaveText(client);
  await waitForHydration(page);

  await openManageUsers(page);
  await expect(page.getByRole('table', { name: `Users of ${client}` })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(admin.email) })).toContainText(
    `Practice staff (managed by ${admin.practice})`,
  );
  const owner = `${unique('owner')}@example.com`;
  await invite(page, 'Olive Owner', owner, 'Admin');
  await page.screenshot({ path: 'test-results/client-users.png', fullPage: true });

  const context = await browser.newContext();
  const invitee = await context.newPage();
  await invitee.goto(await invitationLink(owner));
  await waitForHydration(invitee);
  await expect(invitee.getByRole('heading', { name: `Join ${client}` })).toBeVisible();
  await invitee.getByLabel('Password').fill('the owner of the bakery');
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.locator('.current-account')).toHaveText(client);
  await waitForHydration(invitee);
  // Only that client in the switcher, and no Partner module.
  await invitee.getByRole('button', { name: 'Accounts' }).click();
  await expect(invitee.locator('#menu-accounts').getByRole('button')).toHaveCount(1);
  await expect(invitee.getByRole('button', { name: 'Partner' })).toHaveCount(0);
  await invitee.getByRole('button', { name: 'Accounts' }).click();
  // The owner runs the client's users; the practice's staff are shown but not theirs to change.
  await openManageUsers(invitee);
  const staffRow = invitee.getByRole('row', { name: new RegExp(admin.email) });
  await expect(staffRow).toContainText('Practice staff');
  await expect(staffRow.getByRole('button')).toHaveCount(0);
  await expect(invitee.getByRole('row', { name: new RegExp(owner) })).toContainText('Active');

  // Moved to Practice Edition the client has no Manage users: the practice ends the owner's
  // access in the client's Staff with access, and the owner's next page says so.
  await page.getByRole('button', { name: 'Accounts' }).click();
  await page.locator('#menu-accounts').getByRole('button', { name: 'Go to my practice' }).click();
  await expect(page.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();
  await waitForHydration(page);
  await openPartner(page, 'Client overview');
  await page.getByRole('button', { name: `Edit ${client}` }).click();
  await page.getByLabel('Plan', { exact: true }).last().selectOption({ label: 'Practice Edition' });
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('1 client user keeps access')).toBeVisible();
  await page.getByRole('row', { name: new RegExp(client) }).getByRole('link', { name: 'Staff with access' }).click();
  await expect(page.getByRole('heading', { name: `${client}: the client's own users` })).toBeVisible();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Deactivate Olive Owner' }).click();
  await expect(page.getByRole('button', { name: 'Reactivate Olive Owner' })).toBeVisible();
  await invitee.reload();
  await waitForHydration(invitee);
  await expect(invitee.getByRole('heading', { name: 'No Manage users here' })).toBeVisible();
  await expect(invitee.getByRole('navigation', { name: 'Main' })).not.toContainText(client);
  await invitee.getByRole('button', { name: 'Accounts' }).click();
  await expect(invitee.locator('#menu-accounts').getByRole('button', { name: new RegExp(client) })).toHaveCount(0);
  await context.close();
});
