import { readFileSync } from 'node:fs';
import { test, expect, waitForHydration, signUp, openManageUsers, invite, invitationLink, unique, openPartner, addClient, choosePerson } from './fixtures';

test('offboard a leaver: access, sessions and invitations go at once, and the leaver report follows', async ({ page, browser }) => {
  await signUp(page);
  const tag = unique('leaver');
  const client = `Quay ${tag} Ltd`;
  await openManageUsers(page);
  const email = `${tag}@example.com`;
  await invite(page, 'Lee Leaver', email, 'Employee (predefined)');
  const leaverContext = await browser.newContext();
  const leaver = await leaverContext.newPage();
  await leaver.goto(await invitationLink(email));
  await waitForHydration(leaver);
  await leaver.getByLabel('Password').fill('leaving soon, sadly');
  await leaver.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(leaver.getByText('with the role Employee (predefined)')).toBeVisible();

  await openPartner(page, 'Client overview');
  await addClient(page, client);
  await openPartner(page, 'Users');
  await choosePerson(page, 'Lee Leaver');
  await page.getByRole('radio', { name: `${client}: Employee (predefined)` }).click();
  await expect(page.getByRole('radio', { name: `${client}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');

  await openManageUsers(page);
  await page.getByRole('button', { name: 'Offboard Lee Leaver' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Offboard Lee Leaver' })).toBeVisible();
  await expect(page.getByText('Removes access to 1 client, ends their sessions')).toBeVisible();
  await waitForHydration(page);
  await page.screenshot({ path: 'test-results/offboard.png', fullPage: true });
  await page.getByRole('button', { name: 'Offboard', exact: true }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'Leaver report: Lee Leaver' })).toBeVisible();
  const row = page.getByRole('row', { name: new RegExp(client) });
  await expect(row).toContainText('Employee (predefined)');
  await expect(row).toContainText('Ada Admin');
  await page.screenshot({ path: 'test-results/leaver-report.png', fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download leaver report' }).click(),
  ]);
  const csv = readFileSync((await download.path())!, 'utf8');
  expect(csv.split('\r\n')[0]).toBe('Client,Role,From,To,Granted by');
  expect(csv).toContain(client);

  // The leaver's open session ended with it.
  await leaver.reload();
  await expect(leaver.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await leaverContext.close();

  await openManageUsers(page);
  const line = page.getByRole('row', { name: new RegExp(email) });
  await expect(line).toContainText('Deactivated');
  await expect(line.getByRole('link', { name: 'Leaver report for Lee Leaver' })).toBeVisible();
});
