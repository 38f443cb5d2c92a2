import { test, expect } from '@playwright/test';
import { signUpWithoutScript } from './fixtures';

// With JavaScript off, every admin task is a plain form: a panel opens by address, a post
// returns to the page, which says what happened (or what was wrong) and closes the panel.

test('without JavaScript an admin invites a colleague: the form opens, refuses bad input, and says it sent', async ({ page }) => {
  const { tag } = await signUpWithoutScript(page, 'nojs-invite');
  await page.goto('/manage-users');
  await page.getByRole('button', { name: 'Invite users', exact: true }).click();
  await expect(page).toHaveURL(/open=invite/);
  await expect(page.getByRole('button', { name: 'Invite users', exact: true })).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByRole('heading', { name: 'Invite a user' })).toBeVisible();

  const email = `colleague-${tag}@example.com`;
  await page.getByLabel('Name', { exact: true }).fill('Cara Colleague');
  await page.getByLabel('Email').fill('not an email');
  await page.getByRole('button', { name: 'Invite user', exact: true }).click();
  // Refused: the page comes back with the form still open and the field's error.
  await expect(page.getByText('Enter an email address like name@example.com.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Invite a user' })).toBeVisible();

  await page.getByLabel('Name', { exact: true }).fill('Cara Colleague');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Employee (predefined)' });
  await page.getByRole('button', { name: 'Invite user', exact: true }).click();
  await expect(page.getByText('Invitation sent.', { exact: true })).toBeVisible();
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText('Invited');
  // The panel closed and the address lost it; the notice is shown once.
  await expect(page).not.toHaveURL(/open=invite/);
  await expect(page.getByRole('heading', { name: 'Invite a user' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Resend invitation to Cara Colleague' }).click();
  await expect(page.getByText('Invitation sent again with a new link')).toBeVisible();
  await page.reload();
  await expect(page.getByText('Invitation sent again with a new link')).toHaveCount(0);
});

test('without JavaScript Client overview adds, finds, edits, archives, restores and imports clients', async ({ page }) => {
  const { tag } = await signUpWithoutScript(page, 'nojs-clients');
  // The top bar's menus open on focus without JavaScript: a click reaches every page.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Partner' }).click();
  await nav.getByRole('link', { name: 'Client overview' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Client overview' })).toBeVisible();

  // Add: an empty name is refused with the form kept open; then two clients.
  await page.getByRole('button', { name: 'Add client', exact: true }).click();
  await expect(page).toHaveURL(/open=add/);
  await page.getByRole('button', { name: 'Add client', exact: true }).last().click();
  await expect(page.getByText('Enter a client name.')).toBeVisible();
  await page.getByLabel('Client name').fill(`Birch ${tag}`);
  await page.locator('#add-plan').selectOption({ label: 'Small' });
  await page.getByRole('button', { name: 'Add client', exact: true }).last().click();
  await expect(page.getByText(`Added the client Birch ${tag}.`)).toBeVisible();
  await expect(page.getByRole('rowheader', { name: `Birch ${tag}` })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Add a client' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Add client', exact: true }).click();
  await page.getByLabel('Client name').fill(`Acme ${tag}`);
  await page.getByRole('button', { name: 'Add client', exact: true }).last().click();
  await expect(page.getByText('Showing 2 of 2 clients')).toBeVisible();

  // Find: the search is a GET form, kept in the address.
  await page.getByLabel('Search clients').fill('birch');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page).toHaveURL(/q=birch/);
  await expect(page.getByText('Showing 1 of 2 clients')).toBeVisible();

  // Edit in place, by address; the search stays.
  await page.getByRole('button', { name: `Edit Birch ${tag}` }).click();
  await expect(page).toHaveURL(/edit=\d+/);
  await page.getByLabel('Client name').fill(`Birch ${tag} Ltd`);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('rowheader', { name: `Birch ${tag} Ltd` })).toBeVisible();
  await expect(page).toHaveURL(/q=birch/);
  await expect(page).not.toHaveURL(/edit=/);

  // Archive, then find it among the archived and restore it.
  await page.getByRole('button', { name: `Archive Birch ${tag} Ltd` }).click();
  await expect(page.getByText('Showing 0 of 1 clients')).toBeVisible();
  await page.getByLabel('Show archived clients').check();
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.getByRole('rowheader', { name: `Birch ${tag} Ltd` })).toContainText('Archived');
  await page.getByRole('button', { name: `Restore Birch ${tag} Ltd` }).click();
  // Back among the archived (the filter kept): it is not one any more.
  await expect(page.getByText('Showing 0 of 2 clients')).toBeVisible();
  await page.getByLabel('Show archived clients').uncheck();
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page.getByRole('button', { name: `Archive Birch ${tag} Ltd` })).toBeVisible();

  // Import pasted text: all or nothing, then the good file.
  await page.goto('/partner/clients');
  await page.getByRole('button', { name: 'Import clients' }).click();
  await page.getByLabel('CSV', { exact: true }).fill(`Cedar ${tag},Small\nDune ${tag},Enterprise`);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByText(/^Nothing was imported: 1 line needs fixing\. Line 2: /)).toBeVisible();
  await expect(page.getByRole('rowheader', { name: `Cedar ${tag}` })).toHaveCount(0);
  // Refused, the panel stays open for the corrected text.
  await expect(page.getByRole('heading', { name: 'Import clients from CSV' })).toBeVisible();
  await page.getByLabel('CSV', { exact: true }).fill(`Cedar ${tag},Small\nDune ${tag},Large`);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByText('Imported 2 clients.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Import clients from CSV' })).toHaveCount(0);
  await expect(page.getByText('Showing 4 of 4 clients')).toBeVisible();
});

test('without JavaScript an admin creates, edits and deletes a custom role', async ({ page }) => {
  const { tag } = await signUpWithoutScript(page, 'nojs-roles');
  await page.goto('/manage-users/roles');
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page).toHaveURL(/role=new/);
  // Refused without a name: the editor comes back open with the error.
  await page.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByText('Enter a role name.')).toBeVisible();
  await page.getByLabel('Role name').fill(`Bookkeeper ${tag}`);
  // A ticked permission brings what it needs, as it does with JavaScript.
  await page.getByLabel('List draft expenses').check();
  await page.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByRole('row', { name: new RegExp(`Bookkeeper ${tag}`) })).toContainText('2 permissions');
  await expect(page).not.toHaveURL(/role=/);

  // Edit: the editor opens filled in with the role's name and permissions.
  await page.getByRole('button', { name: `Edit Bookkeeper ${tag}` }).click();
  await expect(page.getByLabel('Role name')).toHaveValue(`Bookkeeper ${tag}`);
  await expect(page.getByLabel('List expenses')).toBeChecked();
  await page.getByLabel('Role name').fill(`Senior ${tag}`);
  await page.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByRole('row', { name: new RegExp(`Senior ${tag}`) })).toContainText('2 permissions');

  await page.getByRole('button', { name: `Delete Senior ${tag}` }).click();
  await expect(page.getByRole('row', { name: new RegExp(`Senior ${tag}`) })).toHaveCount(0);

  // The audit log's staff filter offers the practice's people without JavaScript too.
  await page.goto('/audit');
  await page.getByLabel('Staff member').selectOption({ label: 'Nora NoScript' });
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page).toHaveURL(/staff=\d+/);
  await expect(page.getByLabel('Staff member')).toHaveValue(/\d+/);
  await expect(page.getByRole('row', { name: new RegExp(`Senior ${tag}`) }).first()).toBeVisible();
});

test('without JavaScript the matrix grants a client with a click and all clients once confirmed on the page', async ({ page }) => {
  const { tag } = await signUpWithoutScript(page, 'nojs-matrix');
  await page.goto('/partner/clients?open=import');
  await page.getByLabel('CSV', { exact: true }).fill(`Oak ${tag},Practice Edition\nPine ${tag},Small`);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByText('Imported 2 clients.')).toBeVisible();

  await page.goto('/partner/users');
  await page.getByRole('list', { name: 'Employee role manager' }).getByRole('button', { name: 'Nora NoScript' }).click();
  await expect(page).toHaveURL(/staff=\d+/);
  // A bulk action is a GET: it only asks, showing what it would change.
  await page.getByRole('button', { name: 'Assign all clients to Employee (predefined)' }).click();
  await expect(page).toHaveURL(/bulk=\d+/);
  const confirm = page.getByRole('alertdialog', { name: 'Confirm bulk change' });
  await expect(confirm).toContainText('This changes 2 clients');
  await expect(page.getByRole('radio', { name: `Oak ${tag}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'false');
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Changed 2 clients.')).toBeVisible();
  await expect(page).not.toHaveURL(/bulk=/);
  await expect(page.getByRole('alertdialog', { name: 'Confirm bulk change' })).toHaveCount(0);
  for (const client of [`Oak ${tag}`, `Pine ${tag}`]) {
    await expect(page.getByRole('radio', { name: `${client}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');
  }

  // One cell is a plain form post too.
  await page.getByRole('radio', { name: `Pine ${tag}: N/A` }).click();
  await expect(page.getByRole('radio', { name: `Pine ${tag}: N/A` })).toHaveAttribute('aria-checked', 'true');

  // Cancel leaves everything as it was; Confirm removes what is left.
  await page.getByRole('button', { name: 'Remove from all clients' }).click();
  await expect(page.getByRole('alertdialog', { name: 'Confirm bulk change' })).toContainText('This changes 1 client for Nora NoScript: remove access.');
  await page.getByRole('alertdialog', { name: 'Confirm bulk change' }).getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('alertdialog', { name: 'Confirm bulk change' })).toHaveCount(0);
  await expect(page.getByRole('radio', { name: `Oak ${tag}: Employee (predefined)` })).toHaveAttribute('aria-checked', 'true');
  await page.getByRole('button', { name: 'Remove from all clients' }).click();
  await page.getByRole('alertdialog', { name: 'Confirm bulk change' }).getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByText('Changed 1 client.')).toBeVisible();
  await expect(page.getByRole('radio', { name: `Oak ${tag}: N/A` })).toHaveAttribute('aria-checked', 'true');
});
