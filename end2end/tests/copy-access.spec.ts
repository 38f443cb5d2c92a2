import { test, expect, waitForHydration, signUp, openManageUsers, invite, invitationLink, unique, openPartner, addClient, choosePerson } from './fixtures';

test('copy access from one staff member to another, then undo it', async ({ page, browser }) => {
  await signUp(page);
  const tag = unique('copy');
  const client = `Oak ${tag} Ltd`;
  await openManageUsers(page);
  const email = `${tag}@example.com`;
  await invite(page, 'Cole Copy', email, 'Employee (predefined)');
  const context = await browser.newContext();
  const cole = await context.newPage();
  await cole.goto(await invitationLink(email));
  await waitForHydration(cole);
  await cole.getByLabel('Password').fill('copying is caring');
  await cole.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(cole.getByText('with the role Employee (predefined)')).toBeVisible();
  await context.close();

  await openPartner(page, 'Client overview');
  await addClient(page, client);
  await openPartner(page, 'Users');
  await choosePerson(page, 'Ada Admin');
  await page.getByRole('radio', { name: `${client}: Employee (predefined)` }).click();
  await expect(page.getByRole('radio', { name: `${client}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');

  await choosePerson(page, 'Cole Copy');
  await expect(page.getByRole('radio', { name: `${client}: N/A` })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('button', { name: 'Copy access from…' }).click();
  await page.getByLabel('Copy from').selectOption({ label: 'Ada Admin' });
  await page.getByLabel('Replace current access').check();
  await page.getByRole('button', { name: 'Preview copy' }).click();
  await expect(page.getByRole('alertdialog', { name: 'Confirm copy' })).toContainText('This changes 1 client.');
  await page.screenshot({ path: 'test-results/copy-access.png', fullPage: true });
  await page.getByRole('button', { name: 'Copy access', exact: true }).click();
  await expect(page.getByText('Copied: changed 1 client.')).toBeVisible();
  await expect(page.getByRole('radio', { name: `${client}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText('Undone: 1 clients are back as they were.')).toBeVisible();
  await expect(page.getByRole('radio', { name: `${client}: N/A` })).toHaveAttribute('aria-checked', 'true');
});
