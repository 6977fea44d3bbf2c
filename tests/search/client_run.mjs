// Runs the JS search client in node on an index folder, for the Rust tests that hold it
// to the Rust reader (src/search/tests/approx.rs):
//   node tests/search/client_run.mjs INDEX_DIR REQUESTS.json BUDGET.json
// REQUESTS.json: [{q, filters: [[facet, [values]]], page}]; BUDGET.json: the budget to
// use instead of the root's. Prints one JSON line: [{ranked, total, exact, topExact}].
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, reqFile, budgetFile] = process.argv.slice(2);
globalThis.fetch = async (path) => {
  const b = readFileSync(join(dir, path));
  return { ok: true, status: 200, arrayBuffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) };
};
await import(new URL('../../themes/default/static/search.js', import.meta.url));
const client = await new globalThis.casebookSearch.Client('').open();
client.root.budget = JSON.parse(readFileSync(budgetFile, 'utf8'));
const out = [];
for (const r of JSON.parse(readFileSync(reqFile, 'utf8'))) {
  const o = await client.search(r);
  out.push({ ranked: o.ranked, total: o.total, exact: o.exact, topExact: o.topExact });
}
console.log(JSON.stringify(out));
