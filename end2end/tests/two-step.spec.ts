import { test, expect, waitForHydration, signUp, totp, openManageUsers } from './fixtures';

test('a practice requires two-step sign-in; its admin turns it on and signs in with a code', async ({ page }) => {
  const admin = await signUp(page);
  // Requiring it sends everyone without it (the admin included) to set it up first.
  await openManageUsers(page);
  await waitForHydration(page);
  const requirement = page.getByLabel('Require two-step sign-in for all staff');
  // The box saves as it changes (its form posts); coming back, the admin, who has no
  // two-step sign-in yet, is sent to set it up.
  await requirement.click();
  await expect(page).toHaveURL(/\/account\/two-step$/);
  await page.goto('/partner/clients');
  await expect(page).toHaveURL(/\/account\/two-step$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Two-step sign-in' })).toBeVisible();
  await expect(page.getByText('requires two-step sign-in for all staff')).toBeVisible();
  await waitForHydration(page);
  // The key is shown only after the password is entered again.
  await expect(page.getByRole('img', { name: 'QR code of your two-step sign-in key' })).toHaveCount(0);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Show my key' }).click();
  await expect(page.getByRole('img', { name: 'QR code of your two-step sign-in key' })).toBeVisible();
  await expect(page.getByText("Can't scan? Enter this key")).toBeVisible();
  const key = (await page.locator('code.key').textContent())!;
  expect(key.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32}$/);
  await page.screenshot({ path: 'test-results/two-step-setup.png', fullPage: true });

  await page.getByLabel('Verification code').fill('000000' === totp(key) ? '111111' : '000000');
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  await expect(page.getByText('That code is not right.')).toBeVisible();
  await page.getByLabel('Verification code').fill(totp(key));
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  await page.screenshot({ path: 'test-results/two-step-codes.png', fullPage: true });

  // Signing in now takes the password, then a code.
  await page.getByRole('link', { name: 'I have saved my recovery codes' }).click();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Ada Admin' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Enter your verification code' })).toBeVisible();
  await waitForHydration(page);
  // The code that turned it on is spent; the app's next code (clock drift allowed) works.
  await page.getByLabel('Verification code').fill(totp(key, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { level: 1, name: admin.practice })).toBeVisible();
  await openManageUsers(page);
  await expect(page.getByLabel('Require two-step sign-in for all staff')).toBeChecked();
  await expect(page.getByRole('row', { name: new RegExp(admin.email) })).toContainText('Two-step');
});
