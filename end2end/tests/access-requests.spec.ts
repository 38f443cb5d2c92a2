import { test, expect, waitForHydration, signUp, openManageUsers, invite, invitationLink, unique, openPartner, addClient, openMenu } from './fixtures';

test('access requests: staff ask, an approver approves one and declines another, both on record', async ({ page, browser }) => {
  await signUp(page);
  const tag = unique('req');
  const acme = `Acme ${tag} Ltd`;
  const birch = `Birch ${tag} Ltd`;
  await openPartner(page, 'Client overview');
  await addClient(page, acme);
  await addClient(page, birch);
  await openManageUsers(page);
  const email = `${tag}@example.com`;
  await invite(page, 'Rita Request', email, 'Employee (predefined)');

  const context = await browser.newContext();
  const rita = await context.newPage();
  await rita.goto(await invitationLink(email));
  await waitForHydration(rita);
  await rita.getByLabel('Password').fill('asking nicely works');
  await rita.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(rita.getByText('with the role Employee (predefined)')).toBeVisible();

  // Asking: from the Accounts menu, a client found by name, a role, a reason and an end.
  await openMenu(rita, 'Accounts', 'Request access');
  await expect(rita.getByRole('heading', { level: 1, name: 'Request access' })).toBeVisible();
  await waitForHydration(rita);
  await rita.getByLabel('Search clients').fill(tag);
  await rita.getByRole('button', { name: 'Search', exact: true }).click();
  await rita.getByLabel('Client', { exact: true }).selectOption({ label: acme });
  await rita.getByLabel('Role', { exact: true }).selectOption({ label: 'Employee (predefined)' });
  await rita.getByRole('button', { name: 'Send request' }).click();
  await expect(rita.getByText('Say why you need access.')).toBeVisible();
  await rita.getByLabel('Reason', { exact: true }).fill('Year-end cover while Ann is away');
  await rita.getByLabel('Until', { exact: true }).fill('2027-12-31');
  await rita.getByRole('button', { name: 'Send request' }).click();
  await expect(rita.getByText(`Your request for ${acme} is sent.`)).toBeVisible();
  await rita.screenshot({ path: 'test-results/request-access.png', fullPage: true });
  await rita.getByLabel('Client', { exact: true }).selectOption({ label: birch });
  await rita.getByLabel('Reason', { exact: true }).fill('A query from Birch about VAT');
  await rita.getByRole('button', { name: 'Send request' }).click();
  await expect(rita.getByText(`Your request for ${birch} is sent.`)).toBeVisible();
  await rita.goto('/account/access');
  const mine = rita.getByRole('table', { name: 'Your access requests' });
  await expect(mine.getByRole('row', { name: new RegExp(acme) })).toContainText('Pending');

  // Deciding: Home → Access requests, with a count.
  await page.goto('/');
  await waitForHydration(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Home' }).click();
  await expect(page.getByRole('link', { name: /Access requests/ })).toContainText('2');
  await page.getByRole('link', { name: /Access requests/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Access requests' })).toBeVisible();
  await waitForHydration(page);
  await page.screenshot({ path: 'test-results/access-requests.png', fullPage: true });
  const asking = page.getByRole('article', { name: `Rita Request asks for access to ${acme}` });
  await expect(asking).toContainText('Year-end cover while Ann is away');
  await asking.getByRole('button', { name: `Approve Rita Request's request for ${acme}` }).click();
  await expect(page.getByText(`Approved: Rita Request can now open ${acme}.`)).toBeVisible();
  await expect(page.getByRole('article', { name: `Rita Request asks for access to ${acme}` })).toHaveCount(0);
  const other = page.getByRole('article', { name: `Rita Request asks for access to ${birch}` });
  await other.getByLabel('Reason for declining (optional)').fill('Ann handles Birch');
  await other.getByRole('button', { name: `Decline Rita Request's request for ${birch}` }).click();
  await expect(page.getByText('No requests are waiting.')).toBeVisible();

  // The asker: the client in the Accounts menu at once, and "Declined" in My access.
  await rita.goto('/');
  await waitForHydration(rita);
  const nav = rita.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Accounts' }).click();
  // With its end date, at once.
  await expect(nav.getByRole('button', { name: new RegExp(acme) })).toContainText('until 31 Dec 2027');
  await rita.goto('/account/access');
  await expect(rita.getByRole('table', { name: 'Clients you can open' })).toContainText(acme);
  await expect(mine.getByRole('row', { name: new RegExp(birch) })).toContainText('Declined');
  await expect(mine.getByRole('row', { name: new RegExp(birch) })).toContainText('Ann handles Birch');
  await expect(mine.getByRole('row', { name: new RegExp(acme) })).toContainText('Approved');
  await rita.screenshot({ path: 'test-results/my-requests.png', fullPage: true });
  await context.close();

  // Both on record, under the Action filter "Requests".
  await openMenu(page, 'Home', 'Audit log');
  await page.getByLabel('Action').selectOption({ label: 'Requests' });
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.getByText(`Ada Admin approved Rita Request's request: Employee (predefined) on ${acme} until 31 Dec 2027`)).toBeVisible();
  await expect(page.getByText(`Ada Admin declined Rita Request's request for ${birch}`)).toBeVisible();
});
