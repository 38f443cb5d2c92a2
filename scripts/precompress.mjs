// Writes a brotli (.br) and a gzip (.gz) twin beside every WASM, JS and CSS file of the
// compiled site, so the server sends them as they are instead of compressing per request.
// Usage: node scripts/precompress.mjs [site-dir]   (default target/site)
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const site = process.argv[2] ?? 'target/site';
const wanted = /\.(wasm|js|css|svg|html|txt|json)$/;

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (wanted.test(entry.name)) yield path;
  }
}

let count = 0;
for (const path of files(site)) {
  const raw = readFileSync(path);
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  writeFileSync(`${path}.br`, br);
  writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }));
  count += 1;
}
console.error(`[precompress] ${count} files in ${site} (brotli and gzip)`);
