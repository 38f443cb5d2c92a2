// Two builds side by side in one run (docs/benchmarks.md, session 15): each a release
// server started with `--demo-size 10000` and its data directory (where it writes
// demo-credentials.txt); Chromium alternates between them, each round in fresh contexts.
//   BEFORE=http://127.0.0.1:3400,/tmp/cmp-before AFTER=http://127.0.0.1:3300,/tmp/cmp-after \
//   ROUNDS=7 node end2end/bench/compare-builds.mjs
import { chromium } from 'playwright-core';
import { readFileSync } from 'fs';
const server = (spec) => ({ base: spec.split(',')[0], dir: spec.split(',')[1] });
const servers = { before: server(process.env.BEFORE), after: server(process.env.AFTER) };
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const probe = () => {
  const poll = () => {
    const h = document.querySelector('#matrix-heading');
    const want = sessionStorage.getItem('want');
    const ok = document.body?.hasAttribute('data-hydrated') && !document.body.hasAttribute('data-navigating')
      && document.querySelector('button[role="radio"]') && h && (!want || h.textContent === want);
    if (ok) window.__readyAbs = performance.timeOrigin + performance.now();
    else requestAnimationFrame(poll);
  };
  window.__arm = () => { window.__readyAbs = null; requestAnimationFrame(poll); };
  window.__arm();
};
async function readyAbs(page) {
  for (;;) {
    try {
      const v = await page.evaluate(() => window.__readyAbs);
      if (v) return v;
    } catch (e) { /* navigating */ }
    await page.waitForTimeout(20);
  }
}
const results = { before: { cold: [], cached: [], person: [], bytes: [] }, after: { cold: [], cached: [], person: [], bytes: [] } };
const storage = {};
for (const [name, s] of Object.entries(servers)) {
  const cred = readFileSync(`${s.dir}/demo-credentials.txt`, 'utf8');
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(s.base + '/login');
  await page.getByLabel('Email').fill(cred.match(/email:\s+(\S+)/)[1]);
  await page.getByLabel('Password').fill(cred.match(/password:\s+(\S+)/)[1]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  storage[name] = await ctx.storageState();
  await ctx.close();
}
const rounds = Number(process.env.ROUNDS ?? 7);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ['after', 'before'] : ['before', 'after'];
  for (const name of order) {
    const s = servers[name];
    const ctx = await browser.newContext({ storageState: storage[name], viewport: { width: 1366, height: 900 } });
    await ctx.addInitScript(probe);
    const page = await ctx.newPage();
    const url = `${s.base}/partner/users?staff=${10 + r}`;
    await page.goto(url);
    const abs = await readyAbs(page);
    results[name].cold.push(abs - (await page.evaluate(() => performance.timeOrigin)));
    results[name].bytes.push(await page.evaluate(() => performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')).reduce((n, e) => n + (e.transferSize || 0), 0)));
    await page.goto(url);
    const abs2 = await readyAbs(page);
    results[name].cached.push(abs2 - (await page.evaluate(() => performance.timeOrigin)));
    // Change of person: a click on another name.
    for (let k = 0; k < 3; k++) {
      const t0 = await page.evaluate((k) => {
        const buttons = [...document.querySelectorAll('ul.staff-list li :is(a, button)')];
        const target = buttons[30 + k];
        sessionStorage.setItem('want', `Client access for ${target.textContent.trim()}`);
        const t = performance.timeOrigin + performance.now();
        window.__arm();
        target.click();
        return t;
      }, k);
      const abs3 = await readyAbs(page);
      results[name].person.push(abs3 - t0);
      await page.evaluate(() => sessionStorage.removeItem('want'));
    }
    await ctx.close();
  }
}
const med = (a) => { const b = [...a].sort((x, y) => x - y); return b[Math.floor(b.length / 2)]; };
const row = (label, f) => console.log(label.padEnd(60), f('before').padStart(12), f('after').padStart(12));
console.log(`${rounds} rounds, alternating; medians (all values)`);
row('', (n) => n);
row('first visit: navigation to first clickable cell (ms)', (n) => med(results[n].cold).toFixed(0));
row('  transferred (KB)', (n) => (med(results[n].bytes) / 1024).toFixed(1));
row('cached visit: navigation to first clickable cell (ms)', (n) => med(results[n].cached).toFixed(0));
row('change of person: click to first cell clickable (ms)', (n) => med(results[n].person).toFixed(0));
for (const n of ['before', 'after']) console.log(n, JSON.stringify(Object.fromEntries(Object.entries(results[n]).map(([k, v]) => [k, v.map((x) => Math.round(x))]))));
await browser.close();
