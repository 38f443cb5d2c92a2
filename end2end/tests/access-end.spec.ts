import { test, expect, waitForHydration, signUp, unique } from './fixtures';

test('access with an end date: set in the matrix, shown on the row and on the client', async ({ page }) => {
  await signUp(page);
  const client = `Elm ${unique('e')} Ltd`;
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Partner' }).click();
  await nav.getByRole('link', { name: 'Client overview' }).click();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Add client', exact: true }).click();
  await page.getByLabel('Client name').fill(client);
  await page.getByRole('button', { name: 'Add client', exact: true }).last().click();
  await expect(page.getByRole('rowheader', { name: client })).toBeVisible();

  await nav.getByRole('button', { name: 'Partner' }).click();
  await nav.getByRole('link', { name: 'Users' }).click();
  await waitForHydration(page);
  await page.getByRole('list', { name: 'Employee role manager' }).getByRole('button', { name: 'Ada Admin' }).click();
  const cell = page.getByRole('radio', { name: `${client}: Employee (predefined)` });
  await cell.click();
  await expect(cell).toHaveAttribute('aria-checked', 'true');

  const year = new Date().getUTCFullYear() + 1;
  await page.getByRole('button', { name: `Set end date for ${client}` }).click();
  await page.getByLabel('Access ends on').fill(`${year}-01-31`);
  await page.getByRole('button', { name: 'Save end date' }).click();
  const row = page.getByRole('row', { name: new RegExp(client) });
  await expect(row).toContainText(`until 31 Jan ${year}`);
  await page.screenshot({ path: 'test-results/access-end.png', fullPage: true });
  await page.reload();
  await expect(page.getByRole('row', { name: new RegExp(client) })).toContainText(`until 31 Jan ${year}`);
});
