// Top contributors to a WASM module, by crate, from `twiggy top -f csv` (names kept: the
// module before wasm-opt). Usage: twiggy top -n 100000 -f csv x.wasm | node scripts/wasm-top.mjs [rows]
import { readFileSync } from 'node:fs';

const rows = readFileSync(0, 'utf8').split('\n').slice(1).filter(Boolean);
const byCrate = {};
let total = 0;
for (const line of rows) {
  const m = line.match(/^(.*),(\d+),([\d.e-]+),[^,]*,[^,]*$/);
  if (!m) continue;
  const name = m[1].replace(/^"|"$/g, '');
  // Names and wasm-bindgen's descriptors are stripped from the module sent to browsers.
  if (/function names|wasm_bindgen_unstable|producers|target_features|^export |^import /.test(name)) continue;
  const size = Number(m[2]);
  total += size;
  const symbol = name.replace(/^<+&?(mut )?/, '').replace(/^(dyn |impl )/, '');
  const crate = /^data segment/.test(name) ? 'data (strings, tables)' : (symbol.match(/^([a-z_][a-z0-9_]*)/) ?? [null, 'other'])[1];
  byCrate[crate] = (byCrate[crate] ?? 0) + size;
}
const top = Object.entries(byCrate).sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[2] ?? 15));
console.log(`${'crate (raw bytes before wasm-opt)'.padEnd(40)} ${'KB'.padStart(8)} ${'share'.padStart(6)}`);
for (const [crate, n] of top) console.log(`${crate.padEnd(40)} ${(n / 1024).toFixed(1).padStart(8)} ${((100 * n) / total).toFixed(1).padStart(5)}%`);
console.log(`${'all code and data'.padEnd(40)} ${(total / 1024).toFixed(1).padStart(8)}`);
