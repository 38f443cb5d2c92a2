import { test, expect } from '@playwright/test';
import { invitationLink } from '../tests/fixtures';
import { signUpWithoutScript } from './fixtures';

test('without JavaScript staff ask for access, an approver approves, and the asker withdraws another', async ({ page, browser }) => {
  const { tag } = await signUpWithoutScript(page, 'nojs-requests');
  await page.goto('/partner/clients?open=add');
  await page.getByLabel('Client name').fill(`Acme ${tag}`);
  await page.getByRole('button', { name: 'Add client', exact: true }).last().click();
  await expect(page.getByText(`Added the client Acme ${tag}.`)).toBeVisible();
  await page.goto('/partner/clients?open=add');
  await page.getByLabel('Client name').fill(`Birch ${tag}`);
  await page.getByRole('button', { name: 'Add client', exact: true }).last().click();
  await expect(page.getByText(`Added the client Birch ${tag}.`)).toBeVisible();
  await page.goto('/manage-users?open=invite');
  const email = `asker-${tag}@example.com`;
  await page.getByLabel('Name', { exact: true }).fill('Abe Asker');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Employee (predefined)' });
  await page.getByRole('button', { name: 'Invite user', exact: true }).click();
  await expect(page.getByText('Invitation sent.', { exact: true })).toBeVisible();

  const context = await browser.newContext({ javaScriptEnabled: false });
  const abe = await context.newPage();
  await abe.goto(await invitationLink(email));
  await abe.getByLabel('Password').fill('asking without script');
  await abe.getByRole('button', { name: 'Accept invitation' }).click();
  // The Accounts menu opens on focus without JavaScript.
  const nav = abe.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Accounts' }).click();
  await nav.getByRole('link', { name: 'Request access' }).click();
  await expect(abe.getByRole('heading', { level: 1, name: 'Request access' })).toBeVisible();
  await abe.getByLabel('Search clients').fill(tag);
  await abe.getByRole('button', { name: 'Search', exact: true }).click();
  await abe.getByLabel('Client', { exact: true }).selectOption({ label: `Acme ${tag}` });
  await abe.getByLabel('Reason', { exact: true }).fill('Cover for the VAT return');
  // Refused (a past date): the page says why, and what was typed comes back.
  await abe.getByLabel('Until', { exact: true }).fill('2020-01-01');
  await abe.getByRole('button', { name: 'Send request' }).click();
  await expect(abe.getByText('Choose today or a later date.')).toBeVisible();
  await expect(abe.getByLabel('Reason', { exact: true })).toHaveValue('Cover for the VAT return');
  await expect(abe.getByLabel('Client', { exact: true })).toHaveValue(/\d+/);
  await abe.getByLabel('Until', { exact: true }).fill('');
  await abe.getByRole('button', { name: 'Send request' }).click();
  await expect(abe.getByText(`Your request for Acme ${tag} is sent.`)).toBeVisible();
  await abe.getByLabel('Client', { exact: true }).selectOption({ label: `Birch ${tag}` });
  await abe.getByLabel('Reason', { exact: true }).fill('Asked by mistake');
  await abe.getByRole('button', { name: 'Send request' }).click();
  await expect(abe.getByText(`Your request for Birch ${tag} is sent.`)).toBeVisible();
  await abe.goto('/account/access');
  await abe.getByRole('button', { name: `Withdraw request for Birch ${tag}` }).click();
  await expect(abe.getByText(`Your request for Birch ${tag} is withdrawn.`)).toBeVisible();
  const mine = abe.getByRole('table', { name: 'Your access requests' });
  await expect(mine.getByRole('row', { name: new RegExp(`Birch ${tag}`) })).toContainText('Withdrawn');

  await page.goto('/access-requests');
  await expect(page.getByText('1 request is waiting.')).toBeVisible();
  await page.getByRole('button', { name: `Approve Abe Asker's request for Acme ${tag}` }).click();
  await expect(page.getByText(`Approved: Abe Asker can now open Acme ${tag}.`)).toBeVisible();
  await expect(page.getByText('No requests are waiting.')).toBeVisible();

  await abe.goto('/account/access');
  await expect(abe.getByRole('table', { name: 'Clients you can open' })).toContainText(`Acme ${tag}`);
  await expect(mine.getByRole('row', { name: new RegExp(`Acme ${tag}`) })).toContainText('Approved');
  await context.close();
});
