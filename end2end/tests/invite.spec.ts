import { test, expect, waitForHydration, signUp, openManageUsers, invite, invitationLink, unique } from './fixtures';

test('sign up, invite a colleague, who accepts from the email and signs in', async ({ page, browser }) => {
  const admin = await signUp(page);
  await openManageUsers(page);
  await expect(page.getByRole('row', { name: new RegExp(admin.email) })).toContainText('Active');

  const colleague = `${unique('colleague')}@example.com`;
  await invite(page, 'Cara Colleague', colleague, 'Employee (predefined)');

  // The colleague opens the link from the email the SMTP sink received.
  const link = await invitationLink(colleague);
  const context = await browser.newContext();
  const invitee = await context.newPage();
  await invitee.goto(link);
  await waitForHydration(invitee);
  await expect(invitee.getByRole('heading', { name: `Join ${admin.practice}` })).toBeVisible();
  await invitee.getByLabel('Password').fill('short');
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.getByText('Use at least 8 characters.')).toBeVisible();
  await invitee.getByLabel('Password').fill('another good passphrase');
  await invitee.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(invitee.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();

  // Signed out and in again with the password they chose.
  await invitee.getByRole('button', { name: 'Cara Colleague' }).click();
  await invitee.getByRole('button', { name: 'Sign out' }).click();
  await expect(invitee.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await invitee.getByLabel('Email').fill(colleague);
  await invitee.getByLabel('Password').fill('another good passphrase');
  await invitee.getByRole('button', { name: 'Sign in' }).click();
  await expect(invitee.getByText('with the role Employee (predefined)')).toBeVisible();
  // An employee has no Manage users.
  await invitee.getByRole('button', { name: 'Home' }).click();
  await expect(invitee.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Manage users' })).toHaveCount(0);
  await context.close();

  await page.reload();
  await expect(page.getByRole('row', { name: new RegExp(colleague) })).toContainText('Active');
});

test('resending an invitation makes the old link stop working', async ({ page }) => {
  await signUp(page);
  await openManageUsers(page);
  const email = `${unique('resend')}@example.com`;
  await invite(page, 'Rex Resend', email, 'User');
  const first = await invitationLink(email, 0);
  await page.getByRole('button', { name: 'Resend invitation to Rex Resend' }).click();
  await expect(page.getByText('Invitation sent again with a new link')).toBeVisible();
  const second = await invitationLink(email, 1);
  expect(second).not.toEqual(first);

  await page.goto(first);
  await expect(page.getByRole('heading', { name: 'This invitation link is not valid' })).toBeVisible();
  await page.goto(second);
  await expect(page.getByRole('heading', { name: /^Join / })).toBeVisible();
});

test('wrong sign-in details get one message that reveals nothing', async ({ page }) => {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(`${unique('nobody')}@example.com`);
  await page.getByLabel('Password').fill('whatever it is');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Email or password is incorrect.')).toBeVisible();
});
