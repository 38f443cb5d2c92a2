// The bundle report (`make size`): raw, gzip and brotli bytes of every file the browser may
// download from the last release build, then what a page costs on a first visit.
// Usage: node scripts/size.mjs [site-dir]   (default target/site)
import { readdirSync, statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const pkg = join(process.argv[2] ?? 'target/site', 'pkg');
if (!existsSync(pkg)) {
  console.error(`no release build in ${pkg}: run make build first`);
  process.exit(1);
}
const size = (path) => (existsSync(path) ? statSync(path).size : null);
const files = readdirSync(pkg)
  .filter((f) => !/\.(br|gz)$/.test(f) && statSync(join(pkg, f)).isFile())
  .map((name) => ({ name, raw: size(join(pkg, name)), gzip: size(join(pkg, `${name}.gz`)), brotli: size(join(pkg, `${name}.br`)) }))
  .sort((a, b) => (b.brotli ?? 0) - (a.brotli ?? 0));
const kb = (n) => (n === null ? '-' : (n / 1024).toFixed(1));
const line = (a, b, c, d) => console.log(`${a.padEnd(52)} ${String(b).padStart(10)} ${String(c).padStart(10)} ${String(d).padStart(10)}`);

line('file (KB)', 'raw', 'gzip', 'brotli');
for (const f of files) line(f.name, kb(f.raw), kb(f.gzip), kb(f.brotli));
const sum = (list, key) => list.reduce((n, f) => n + (f[key] ?? 0), 0);
const code = files.filter((f) => /\.(wasm|js)$/.test(f.name));
line('all WASM and JS', kb(sum(code, 'raw')), kb(sum(code, 'gzip')), kb(sum(code, 'brotli')));

// Every page that hydrates loads the main module, its JS glue, the split loader and the
// stylesheet; a page with a lazy island (none today) also its chunk, named in the split
// manifest.
const main = files.filter((f) => /^practice-access\.([\w-]{22}\.)?(wasm|js|css)$/.test(f.name) || /^__wasm_split\..*\.js$/.test(f.name));
const manifestFile = files.find((f) => /^__wasm_split_manifest.*\.json$/.test(f.name));
console.log();
line('first visit to a page (KB)', 'raw', 'gzip', 'brotli');
line('main (WASM, JS, loader, CSS): every page', kb(sum(main, 'raw')), kb(sum(main, 'gzip')), kb(sum(main, 'brotli')));
if (!manifestFile) {
  process.exit(0);
}
const manifest = JSON.parse(readFileSync(join(pkg, manifestFile.name), 'utf8'));
const byStem = (stem) => files.find((f) => f.name.endsWith('.wasm') && (f.name === `${stem}.wasm` || f.name.startsWith(`${stem}.`)));
const pages = Object.entries(manifest)
  .map(([name, stems]) => {
    const chunks = [...new Set(stems)].map(byStem).filter(Boolean);
    const all = [...main, ...chunks];
    return { page: name.replace(/^__/, '').replace(/_(view|loader)_.*$/i, ''), raw: sum(all, 'raw'), gzip: sum(all, 'gzip'), brotli: sum(all, 'brotli') };
  })
  .sort((a, b) => b.brotli - a.brotli);
for (const p of pages) line(`  with ${p.page}`, kb(p.raw), kb(p.gzip), kb(p.brotli));
