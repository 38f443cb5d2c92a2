import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { Page } from '@playwright/test';
import { test, expect, waitForHydration } from './fixtures';

// The e2e server seeds a demo practice of 200 staff (201 members with its admin) and 10,000 clients (end2end/serve.sh)
// and writes its admin's sign-in beside the database.
function demoLogin(): { email: string; password: string } {
  const text = readFileSync(resolve(__dirname, '../../target/e2e-data/demo-credentials.txt'), 'utf8');
  const email = text.match(/email:\s+(\S+)/)![1];
  const password = text.match(/password:\s+(\S+)/)![1];
  return { email, password };
}

async function signInAsDemoAdmin(page: Page) {
  const { email, password } = demoLogin();
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toContainText('Northfield');
}

const staffList = (page: Page) => page.getByRole('list', { name: 'Employee role manager' });

test.describe('a practice of 200 staff and 10,000 clients', () => {
  test.use({ viewport: { width: 1366, height: 900 } });
  // Long journeys over large pages: on a busy 2-core machine they outlast the default 30 s.
  test.describe.configure({ timeout: 120_000 });

  test('search finds a person, the matrix is in view at once, and the address, keys and history follow', async ({ page }) => {
    await signInAsDemoAdmin(page);
    await page.goto('/partner/users');
    await waitForHydration(page);
    await expect(page.getByText('Showing 201 of 201 staff')).toBeVisible();

    // Someone far down the list: found in a few keystrokes.
    const target = (await staffList(page).getByRole('button').nth(150).textContent())!.trim();
    await page.getByLabel('Search staff').fill(target);
    await expect(page.getByRole('status').filter({ hasText: /Showing \d+ of 201 staff/ })).not.toHaveText('Showing 201 of 201 staff');
    await staffList(page).getByRole('button', { name: target, exact: true }).click();

    const heading = page.getByRole('heading', { name: `Client access for ${target}` });
    await expect(heading).toBeInViewport();
    await expect(heading).toBeFocused();
    await expect(page.getByRole('radio').first()).toBeInViewport();
    expect(page.url()).toMatch(/[?&]staff=\d+/);
    await page.screenshot({ path: 'test-results/large-matrix-1366.png' });
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);

    // Reload restores the person (and the search).
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByRole('heading', { name: `Client access for ${target}` })).toBeVisible();
    await expect(page.getByLabel('Search staff')).toHaveValue(target);

    // With the search cleared, the chosen person stays marked, and ] and [ walk the list.
    await page.getByLabel('Search staff').fill('');
    await expect(page.getByText('Showing 201 of 201 staff')).toBeVisible();
    const chosen = staffList(page).getByRole('button', { name: target, exact: true });
    await expect(chosen).toHaveAttribute('aria-current', 'true');
    await expect(chosen).toBeInViewport();
    const names = (await staffList(page).getByRole('button').allTextContents()).map((n) => n.trim());
    const next = names[names.indexOf(target) + 1];
    await page.getByRole('heading', { name: `Client access for ${target}` }).focus();
    await page.keyboard.press(']');
    await expect(page.getByRole('heading', { name: `Client access for ${next}` })).toBeFocused();
    await expect(staffList(page).getByRole('button', { name: next, exact: true })).toHaveAttribute('aria-current', 'true');
    await waitForHydration(page);
    await page.keyboard.press('[');
    await expect(page.getByRole('heading', { name: `Client access for ${target}` })).toBeFocused();

    // Back and forward go through the people chosen.
    await page.goBack();
    await expect(page.getByRole('heading', { name: `Client access for ${next}` })).toBeVisible();
    await page.goForward();
    await expect(page.getByRole('heading', { name: `Client access for ${target}` })).toBeVisible();

    // The client search lives in the address too: a reload keeps it.
    await page.getByLabel('Search clients').fill('Bakery');
    await page.getByLabel('Search clients').press('Enter');
    await expect(page).toHaveURL(/clients=Bakery/);
    await expect(page.getByText('Showing 10,000 of 10,000')).toHaveCount(0);
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('Search clients')).toHaveValue('Bakery');
    await expect(page.getByRole('heading', { name: `Client access for ${target}` })).toBeVisible();

    // The column heads with their bulk actions stay in view while the clients scroll.
    const wrap = page.locator('.matrix-wrap');
    await wrap.evaluate((el) => el.scrollBy(0, 2000));
    await expect(page.getByRole('button', { name: /^Assign all clients to / }).first()).toBeInViewport();

    // Only the clients this person has access to, of 10,000: one choice, kept in the address.
    const meta = (await staffList(page).getByRole('listitem').filter({ has: page.getByRole('button', { name: target, exact: true }) }).textContent())!;
    const theirs = meta.match(/· ([\d,]+) of 10,000 clients/)![1];
    await page.getByLabel('Search clients').fill('');
    await page.getByLabel('Search clients').press('Enter');
    await expect(page).not.toHaveURL(/clients=/);
    await waitForHydration(page);
    await page.getByLabel('Filter by access').selectOption({ label: 'With access' });
    await expect(page).toHaveURL(/access=with/);
    await expect(page.getByText(`Showing ${theirs} of 10,000`)).toBeVisible();
    await expect(page.getByText(/A filter is active/)).toBeVisible();
    await expect(page.getByRole('radio', { name: /: N\/A$/, checked: true })).toHaveCount(0);
    expect(await page.getByRole('radio', { checked: true }).count()).toBe(Math.min(100, Number(theirs.replace(',', ''))));
    await page.reload();
    await waitForHydration(page);
    await expect(page.getByLabel('Filter by access')).toHaveValue('with');
    await expect(page.getByText(`Showing ${theirs} of 10,000`)).toBeVisible();

    // A bulk action waiting for confirmation is for the clients its preview counted: a
    // change of filter withdraws it.
    await page.getByRole('button', { name: 'Assign all clients to Bookkeeper' }).click();
    await expect(page.getByRole('button', { name: 'Confirm' })).toBeVisible();
    await waitForHydration(page);
    await page.getByLabel('Filter by access').selectOption({ label: 'Without access' });
    await expect(page).toHaveURL(/access=without/);
    await expect(page.getByRole('button', { name: 'Confirm' })).toHaveCount(0);
    await waitForHydration(page);

    // Under "Without access" a grant keeps its row in place through the live updates that
    // follow (every 3 s), so the next click does not land on another client.
    const firstRow = page.getByRole('table').getByRole('rowheader').first();
    const client = (await firstRow.locator('.client-name').evaluate((e) => [...e.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!.textContent))!;
    const grant = page.getByRole('radio', { name: `${client}: Employee (predefined)`, exact: true });
    await grant.click();
    await expect(grant).toHaveAttribute('aria-checked', 'true');
    await expect(page.getByText('All changes saved')).toBeVisible();
    await page.waitForTimeout(4000);
    expect(await firstRow.locator('.client-name').evaluate((e) => [...e.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!.textContent)).toBe(client);
    await expect(grant).toHaveAttribute('aria-checked', 'true');
    await expect(grant).toBeFocused();
  });

  test('Manage users searches, filters and pages 200 people', async ({ page }) => {
    await signInAsDemoAdmin(page);
    await page.goto('/manage-users');
    await waitForHydration(page);
    await expect(page.getByText('Showing 1–50 of 201')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Pages' })).toContainText('Page 1 of 5');

    const table = page.getByRole('table', { name: /Users of/ });
    const someone = (await table.getByRole('rowheader').nth(30).textContent())!.trim();
    await page.getByLabel('Search users').fill(someone);
    await page.getByLabel('Search users').press('Enter');
    await expect(page.getByText(/^Showing \d+ of 201$/)).toBeVisible();
    await expect(table.getByRole('rowheader', { name: someone })).toBeVisible();
    expect(await table.getByRole('row').count()).toBeLessThan(10);
    expect(page.url()).toContain('q=');

    await page.getByLabel('Search users').fill('');
    await page.getByLabel('Filter by status').selectOption({ label: 'Deactivated' });
    await expect(page.getByText('No users match.')).toBeVisible();
    await page.getByLabel('Filter by status').selectOption({ label: 'Active' });
    await expect(page.getByText('Showing 1–50 of 201')).toBeVisible();
    await page.screenshot({ path: 'test-results/large-manage-users-1366.png' });
    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
  });
});

test.describe('on a narrow window', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the staff list and the matrix stack, choosing a person brings the matrix into view, and people are cards', async ({ page }) => {
    await signInAsDemoAdmin(page);
    await page.goto('/partner/users');
    await waitForHydration(page);
    const target = (await staffList(page).getByRole('button').nth(120).textContent())!.trim();
    await page.getByLabel('Search staff').fill(target);
    await staffList(page).getByRole('button', { name: target, exact: true }).click();
    const heading = page.getByRole('heading', { name: `Client access for ${target}` });
    await expect(heading).toBeFocused();
    await expect(heading).toBeInViewport();
    await page.screenshot({ path: 'test-results/large-matrix-390.png' });
    await page.goto('/manage-users');
    await waitForHydration(page);
    // Each person is a card here: their role and every action are in view, with no
    // scrolling sideways (a table's columns ran past the window's edge).
    const row = page.getByRole('table', { name: /Users of/ }).getByRole('row').filter({ has: page.getByRole('combobox') }).first();
    const controls = [row.getByRole('combobox'), ...(await row.getByRole('button').all())];
    expect(controls.length).toBeGreaterThan(2);
    for (const control of controls) {
      const box = (await control.boundingBox())!;
      expect(box.x + box.width, await control.textContent() ?? '').toBeLessThanOrEqual(390);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: 'test-results/large-manage-users-390.png' });
  });
});
