import { test, expect, signUp, mailedLink, openMenu } from './fixtures';

test('a forgotten password: a link by email, a new password, and every other place signed out', async ({ page, browser }) => {
  const admin = await signUp(page);
  // A second browser signed in as the same person.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto('/login');
  await other.getByLabel('Email').fill(admin.email);
  await other.getByLabel('Password').fill(admin.password);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();

  const contextForgot = await browser.newContext();
  const forgot = await contextForgot.newPage();
  await forgot.goto('/login');
  await forgot.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: 'Forgot your password?' })).toBeVisible();
  await forgot.getByLabel('Email').fill(admin.email);
  await forgot.getByRole('button', { name: 'Email me a link' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();

  await forgot.goto(await mailedLink(admin.email, '/reset-password/', 1));
  await expect(forgot.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
  await forgot.getByLabel('New password').fill('short');
  await forgot.getByRole('button', { name: 'Set new password' }).click();
  await expect(forgot.getByText('Use at least 8 characters.')).toBeVisible();
  await forgot.getByLabel('New password').fill('a new and better passphrase');
  await forgot.getByRole('button', { name: 'Set new password' }).click();
  await expect(forgot.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();

  // The other browser is signed out: its next page asks it to sign in.
  await other.reload();
  await expect(other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await otherContext.close();
  await contextForgot.close();
});

test('your account: a change of password signs out the other browser, and the sessions are listed', async ({ page, browser }) => {
  const admin = await signUp(page);
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto('/login');
  await other.getByLabel('Email').fill(admin.email);
  await other.getByLabel('Password').fill(admin.password);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();

  await openMenu(page, 'Ada Admin', 'Your account');
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  const sessions = page.getByRole('table', { name: "Where you're signed in" });
  await expect(sessions.getByRole('row')).toHaveCount(3);
  await expect(sessions).toContainText('this browser');
  await page.screenshot({ path: 'test-results/your-account.png', fullPage: true });

  // The current password is checked first; a refusal changes nothing.
  await page.getByLabel('Current password').fill('not my password');
  await page.getByLabel('New password').fill('a new and better passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('That is not your password.')).toBeVisible();
  await page.getByLabel('Current password').fill(admin.password);
  await page.getByLabel('New password').fill('a new and better passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Your password is changed, and every other place you were signed in is signed out.')).toBeVisible();
  await expect(sessions.getByRole('row')).toHaveCount(2);

  // The other browser is signed out; this one stays signed in.
  await other.reload();
  await expect(other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Your account' })).toBeVisible();
  // The new password signs in.
  await other.goto('/login');
  await other.getByLabel('Email').fill(admin.email);
  await other.getByLabel('Password').fill('a new and better passphrase');
  await other.getByRole('button', { name: 'Sign in' }).click();
  await expect(other.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();
  await otherContext.close();
});
