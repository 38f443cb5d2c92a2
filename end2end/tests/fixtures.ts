import { createHmac } from 'node:crypto';
import { test as base, expect, Page } from '@playwright/test';

/** A page that fails the test on any console error or uncaught exception. */
export const test = base.extend<{ page: Page }>({
  page: async ({ page }, use) => {
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // A refused server function (401/403/409/422/429) is an expected answer the page shows;
      // the browser still logs it. Anything else is a problem.
      const expectedRefusal =
        msg.location().url.includes('/api/') && /status of 4\d\d/.test(msg.text());
      if (!expectedRefusal) problems.push(`console error: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await use(page);
    expect(problems, 'the browser reported errors').toEqual([]);
  },
});

export { expect };

/**
 * Resolves once the page is ready for input: the WASM bundle has hydrated it (the body gets
 * `data-hydrated`) and no navigation of the islands router is under way (it marks the body
 * `data-navigating` from a click or a form's sending until the new page is in place and its
 * islands have hydrated), or, on a page the server sends without it (the pages met before
 * signing in, to someone not signed in: plain forms), once it has loaded.
 */
export async function waitForHydration(page: Page) {
  await page.waitForLoadState('load');
  if ((await page.locator('script[type="module"]').count()) === 0) return;
  await expect(page.locator('body[data-hydrated]:not([data-navigating])')).toHaveCount(1);
}

/** A string unique to this test run, for emails and names, so specs run in parallel. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Waits for the email the app sent to `to` (the `nth` one) and returns its invitation link path. */
export async function invitationLink(to: string, nth = 0): Promise<string> {
  return mailedLink(to, '/invite/', nth);
}

/** Waits for the `nth` email to `to` and returns the path of its link under `path`. */
export async function mailedLink(to: string, path: string, nth = 0): Promise<string> {
  const sink = process.env.SMTP_SINK_URL!;
  const pattern = new RegExp(`${path.replace(/\//g, '\\/')}([0-9a-f]{64})`);
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${sink}/messages?to=${encodeURIComponent(to)}`);
    const found: { raw: string }[] = await res.json();
    if (found.length > nth) {
      const match = found[nth].raw.match(pattern);
      if (!match) throw new Error(`no ${path} link in email to ${to}`);
      return `${path}${match[1]}`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no email to ${to} reached the SMTP sink`);
}

/** Creates a practice through the sign-up form and returns the admin's credentials. */
export async function signUp(page: Page, tag = unique('practice')) {
  const email = `${tag}@example.com`;
  const password = 'correct horse battery';
  await page.goto('/signup');
  await waitForHydration(page);
  await page.getByLabel('Practice name').fill(`Practice ${tag}`);
  await page.getByLabel('Your name').fill('Ada Admin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create practice account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Check your email' })).toBeVisible();
  await page.goto(await mailedLink(email, '/signup/confirm/'));
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Confirm your practice account' })).toBeVisible();
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Practice ${tag}` })).toBeVisible();
  return { email, password, practice: `Practice ${tag}` };
}

/** Opens Home → Manage users from the top bar. */
export async function openManageUsers(page: Page) {
  await openMenu(page, 'Home', 'Manage users');
  await expect(page.getByRole('heading', { name: 'Manage users' })).toBeVisible();
}

/**
 * Opens the top bar's `menu` and follows its `item`. Waits for hydration first (the menus
 * open with JavaScript) and opens the menu again if the bar was redrawn in between (right
 * after signing in, the bar re-renders once the signed-in user is read, closing the menu).
 */
export async function openMenu(page: Page, menu: string, item: string) {
  await waitForHydration(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(async () => {
    const button = nav.getByRole('button', { name: menu });
    if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
    await nav.getByRole('link', { name: item }).click({ timeout: 2_000 });
  }).toPass();
}

/** Fills and sends the invite form. */
export async function invite(page: Page, name: string, email: string, role: string) {
  await page.getByRole('button', { name: 'Invite users', exact: true }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: role });
  await page.getByRole('button', { name: 'Invite user', exact: true }).click();
  await expect(page.getByRole('row', { name: new RegExp(email) })).toContainText('Invited');
}

/** The six-digit TOTP code (RFC 6238, SHA-1, 30 s) of a base32 `key` at `unixSeconds`. */
export function totp(key: string, unixSeconds = Date.now() / 1000): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of key.replace(/[\s=]/g, '').toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  }
  const bytes = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const hmac = createHmac('sha1', bytes).update(counter).digest();
  const offset = hmac[hmac.length - 1] & 0xf;
  const value = (hmac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return value.toString().padStart(6, '0');
}

/** Opens Partner → Clients → `item` from the top bar. */
export async function openPartner(page: Page, item: 'Client overview' | 'Users') {
  await openMenu(page, 'Partner', item);
  await waitForHydration(page);
}

/**
 * Chooses a person in the matrix's staff list: a page of its own (`?staff=<id>`), ready
 * when its heading is there and its island answers (a click before that is a plain form
 * post, which works too but says nothing of saving).
 */
export async function choosePerson(page: Page, name: string) {
  await page.getByRole('list', { name: 'Employee role manager' }).getByRole('button', { name, exact: true }).click();
  await expect(page.getByRole('heading', { name: `Client access for ${name}` })).toBeVisible();
  await waitForHydration(page);
}

/** Adds a client on Client overview with the "Add client" form. */
export async function addClient(page: Page, name: string, plan = 'Practice Edition') {
  await page.getByRole('button', { name: 'Add client', exact: true }).click();
  await page.getByLabel('Client name').fill(name);
  await page.locator('#add-plan').selectOption({ label: plan });
  await page.getByRole('button', { name: 'Add client', exact: true }).last().click();
  await expect(page.getByRole('rowheader', { name })).toBeVisible();
}
