import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { test, expect, waitForHydration, signUp, unique, openPartner, addClient, choosePerson } from './fixtures';

async function noViolations(page: Page, what: string) {
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.map((v) => `${what}: ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
}

test('every page passes an axe-core check', async ({ page }) => {
  for (const path of ['/', '/login', '/signup', '/signup/sent', `/signup/confirm/${'0'.repeat(64)}`]) {
    await page.goto(path);
    await waitForHydration(page);
    await noViolations(page, path);
  }
  await signUp(page);
  await noViolations(page, 'overview');
  await page.getByRole('button', { name: 'Accounts' }).click();
  await noViolations(page, 'accounts menu');
  // A click elsewhere closes the menu.
  await expect(page.getByRole('button', { name: /Go to my practice/ })).toBeVisible();
  await page.getByRole('heading', { level: 1 }).click();
  await expect(page.getByRole('button', { name: /Go to my practice/ })).toBeHidden();

  await page.goto('/manage-users');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Invite users', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Invite user', exact: true })).toBeVisible();
  await noViolations(page, 'manage users');

  await page.goto('/manage-users/roles');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByLabel('Role name')).toBeVisible();
  await noViolations(page, 'roles');

  await page.goto('/partner/clients');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Import clients' }).click();
  await expect(page.getByLabel('CSV', { exact: true })).toBeVisible();
  await noViolations(page, 'client overview, import');
  await page.getByRole('button', { name: 'Add client', exact: true }).click();
  await noViolations(page, 'client overview');

  await page.goto('/audit');
  await waitForHydration(page);
  await expect(page.getByRole('rowheader', { name: 'Created the practice' })).toBeVisible();
  await noViolations(page, 'audit log');
  await page.screenshot({ path: 'test-results/audit-log.png', fullPage: true });

  for (const [path, what] of [
    ['/account/two-step', 'two-step sign-in'],
    ['/account/access', 'my access'],
    ['/account', 'your account'],
    ['/access-requests/new', 'request access'],
    ['/access-requests', 'access requests'],
    ['/forgot-password', 'forgot your password'],
  ]) {
    await page.goto(path);
    await waitForHydration(page);
    await noViolations(page, what);
  }

  await page.goto('/outbox');
  await waitForHydration(page);
  await noViolations(page, 'sent email');
});

test("in forced colours (Windows High Contrast) a row's chosen role stands apart from the others", async ({ page }) => {
  await signUp(page);
  const client = `Contrast ${unique('fc')} Ltd`;
  await openPartner(page, 'Client overview');
  await addClient(page, client, 'Small');
  await openPartner(page, 'Users');
  await choosePerson(page, 'Ada Admin');
  await page.getByRole('radio', { name: `${client}: User` }).click();
  await expect(page.getByRole('radio', { name: `${client}: User` })).toHaveAttribute('aria-checked', 'true');
  // The row says its role in words as well, for when the column is scrolled out of view.
  await expect(page.getByRole('rowheader', { name: new RegExp(client) })).toContainText('Small · User');

  await page.emulateMedia({ forcedColors: 'active' });
  // The tick's colour and the button's ring, as the browser draws them with the system's colours.
  const look = (name: string) =>
    page.getByRole('radio', { name, exact: true }).evaluate((button) => {
      const tick = button.querySelector('svg')!;
      return { tick: getComputedStyle(tick).color, ring: getComputedStyle(button).borderTopColor };
    });
  const chosen = await look(`${client}: User`);
  for (const other of ['N/A', 'Admin', 'Employee (predefined)']) {
    const plain = await look(`${client}: ${other}`);
    expect(plain.tick, other).not.toEqual(chosen.tick);
    expect(plain.ring, other).not.toEqual(chosen.ring);
  }
  await page.screenshot({ path: 'test-results/matrix-forced-colours.png' });
});
