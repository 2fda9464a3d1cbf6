// Runs Pagefind's own search (pagefind.js and its WebAssembly) under Node
// on a built index, reading files from disk through a fetch shim that
// counts the bytes a browser would download. Each query gets a fresh
// instance, as a reader's first search does.
// stdin: {"dir": ".../pagefind", "queries": [...], "page": 20}
// stdout: [{"q", "urls", "bytes", "total"}, ...], where bytes counts the
// index files loaded for the query and the fragments of its first page.
import { copyFileSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const input = JSON.parse(readFileSync(0, "utf8"));
const base = pathToFileURL(input.dir + "/");
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
// pagefind.js is an ES module; Node reads a .js file outside an ES
// package as CommonJS.
copyFileSync(input.dir + "/pagefind.js", input.dir + "/pagefind-node.mjs");
const out = [];
let n = 0;
for (const q of input.queries) {
  bytes = 0;
  seen.clear();
  const pf = await import(new URL("pagefind-node.mjs?fresh=" + n++, base).href);
  await pf.options({ basePath: base.href });
  await pf.init();
  const r = await pf.search(q);
  const first = await Promise.all(r.results.slice(0, input.page).map((x) => x.data()));
  const firstBytes = bytes;
  const rest = await Promise.all(r.results.slice(input.page).map((x) => x.data()));
  out.push({ q, urls: first.concat(rest).map((d) => d.url), bytes: firstBytes, total: r.results.length });
}
process.stdout.write(JSON.stringify(out));
