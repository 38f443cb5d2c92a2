import { test, expect, signUp, unique, openPartner, addClient, choosePerson } from './fixtures';

test('access with an end date: set in the matrix, shown on the row and on the client', async ({ page }) => {
  await signUp(page);
  const client = `Elm ${unique('e')} Ltd`;
  await openPartner(page, 'Client overview');
  await addClient(page, client);
  await openPartner(page, 'Users');
  await choosePerson(page, 'Ada Admin');
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
