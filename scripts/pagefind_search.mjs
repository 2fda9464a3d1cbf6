// Measures Pagefind on what `newsvault-bench site-search --pagefind-out DIR`
// wrote to DIR: it runs Pagefind's own search code (pagefind.js and its
// WebAssembly, from DIR/site/pagefind, built by scripts/pagefind-compare)
// under node for every query in DIR/queries.json, reading files through a
// fetch shim that counts the bytes a browser would download (the index
// files one query loads and the fragments of its first page), and prints
// recall against the server's hits and bytes per query in the form the
// bench prints its own index's. Each query gets a fresh instance, as a
// reader's first search does. Pagefind is only measured here; the product
// does not use it.
import { copyFileSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = process.argv[2];
const input = JSON.parse(readFileSync(join(dir, "queries.json"), "utf8"));
const pfDir = join(dir, "site", "pagefind");
const base = pathToFileURL(pfDir + "/");
let bytes = 0;
const seen = new Set();
globalThis.fetch = async (u) => {
  const url = new URL(String(u), base);
  url.search = "";
  const data = readFileSync(fileURLToPath(url));
  if (!seen.has(url.href)) {
    seen.add(url.href);
    bytes += data.length;
  }
  return new Response(data, { status: 200 });
};
// pagefind.js is an ES module; node reads a .js file outside an ES
// package as CommonJS.
copyFileSync(join(pfDir, "pagefind.js"), join(pfDir, "pagefind-node.mjs"));
const res = [];
let n = 0;
for (const q of input.queries) {
  bytes = 0;
  seen.clear();
  const pf = await import(new URL("pagefind-node.mjs?fresh=" + n++, base).href);
  await pf.options({ basePath: base.href });
  await pf.init();
  const r = await pf.search(q.q);
  const first = await Promise.all(r.results.slice(0, input.page).map((x) => x.data()));
  const firstBytes = bytes;
  const rest = await Promise.all(r.results.slice(input.page).map((x) => x.data()));
  const found = new Set();
  for (const d of first.concat(rest)) {
    const m = /a\/(\d+)\.html/.exec(d.url);
    if (m) found.add(Number(m[1]));
  }
  res.push({ q, found, bytes: firstBytes });
}
for (const other of [false, true]) {
  let sum = 0, full = 0, counted = 0;
  for (const { q, found } of res) {
    if (q.other !== other || !q.truth.length) continue;
    const hit = q.truth.filter((id) => found.has(id)).length;
    sum += hit / q.truth.length;
    counted++;
    if (hit === q.truth.length) full++;
  }
  const label = other ? "other script:" : "as written:";
  if (counted) console.log(`pagefind:   recall ${label.padEnd(13)} ${(100 * sum / counted).toFixed(1).padStart(5)}% (all found for ${full} of ${counted} queries)`);
}
const bs = res.map((r) => r.bytes).sort((a, b) => a - b);
let size = 0;
const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) { const p = join(d, e.name); if (e.isDirectory()) walk(p); else size += statSync(p).size; } };
walk(pfDir);
const kb = (b) => (b / 1024).toFixed(0);
console.log(`pagefind:   bytes per query: median ${kb(bs[bs.length >> 1])} KB, 90th percentile ${kb(bs[Math.floor(bs.length * 9 / 10)])} KB, max ${kb(bs[bs.length - 1])} KB; index on disk ${(size / 1e6).toFixed(1)} MB`);
