// Bytes a browser fetches for typical searches, casebook's client against Pagefind's, run
// by `cargo run --release --example search_bench` (not a test: it measures):
//   node [--experimental-websocket] search_fetch.mjs CHROMIUM SITE QUERIES.json OUT.json
// SITE holds `search.js` and `search/` (casebook's client and index) and, optionally,
// `pagefind/` (Pagefind's output for the same documents). A tiny static server serves
// SITE over loopback, gzip-compressing text types (.js .mjs .json .html .css) as static
// hosts do; headless Chromium runs each engine's JavaScript API in a fresh browser
// context, one query after another in one page (so later queries reuse what earlier ones
// fetched), and sums per query, from the DevTools protocol, the bytes on the wire
// (`Network.loadingFinished.encodedDataLength`) and the decoded bytes
// (`Network.dataReceived.dataLength`) of every request but the blank page itself.
//
// casebook: `new casebookSearch.Client('/search/')`, `search({q, filters, page})` (which
// also fetches the shown results' metadata and snippets, and the facet counts).
// Pagefind: `import('/pagefind/pagefind.js')`, `filters()` once (what its UI does to show
// facet counts), then `search(q, {filters})` and `data()` of the ten results shown.
//
// QUERIES.json: [{label, q, filters: [[facet, [values]]], page}]. OUT.json: {engine:
// [{label, encoded, decoded, requests, total, error?}]}. Exits 0 on success.

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { gzipSync } from "node:zlib";

const [chromiumPath, site, queriesFile, outFile] = process.argv.slice(2);
if (!chromiumPath || !site || !queriesFile || !outFile) {
  console.error("usage: search_fetch.mjs CHROMIUM SITE QUERIES.json OUT.json");
  process.exit(2);
}
const queries = JSON.parse(readFileSync(queriesFile, "utf8"));
const profile = mkdtempSync(join(tmpdir(), "casebook-fetch-"));
let browser;
let server;

function cleanup() {
  if (browser && browser.exitCode === null) browser.kill("SIGKILL");
  if (server) server.close();
  try { rmSync(profile, { recursive: true, force: true }); } catch { /* ignore */ }
}
function fail(msg) {
  console.error("search_fetch: " + msg);
  cleanup();
  process.exit(1);
}
const timer = setTimeout(() => fail("took longer than 10 minutes"), 600000);

// ---- the static server ----
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript",
  ".json": "application/json", ".css": "text/css", ".wasm": "application/wasm",
};
const COMPRESS = new Set([".html", ".js", ".mjs", ".json", ".css"]);
const BLANK = "<!doctype html><html><head><meta charset=utf-8><title>bench</title></head><body></body></html>";

function startServer() {
  return new Promise((resolve) => {
    server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      if (path === "/blank.html") {
        res.writeHead(200, { "content-type": TYPES[".html"] });
        res.end(BLANK);
        return;
      }
      const file = normalize(join(site, path));
      let body;
      try {
        if (!file.startsWith(normalize(site)) || !statSync(file).isFile()) throw new Error();
        body = readFileSync(file);
      } catch {
        res.writeHead(404);
        res.end();
        return;
      }
      const ext = extname(file);
      const headers = { "content-type": TYPES[ext] || "application/octet-stream", "cache-control": "max-age=3600" };
      if (COMPRESS.has(ext) && /\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
        body = gzipSync(body, { level: 6 });
        headers["content-encoding"] = "gzip";
      }
      headers["content-length"] = body.length;
      res.writeHead(200, headers);
      res.end(body);
    });
    server.listen(0, "127.0.0.1", () => resolve(server.address().port));
  });
}

// ---- Chromium over the DevTools protocol ----
function startChromium() {
  return new Promise((resolve, reject) => {
    browser = spawn(chromiumPath, [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--no-first-run", "--no-default-browser-check", "--disable-extensions",
      "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    browser.stderr.on("data", (d) => {
      err += d.toString();
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    browser.on("exit", (code) => reject(new Error("chromium exited (" + code + "): " + err.slice(-2000))));
    browser.on("error", reject);
  });
}

class Cdp {
  constructor(ws) {
    this.ws = ws;
    this.id = 0;
    this.pending = new Map();
    this.listeners = [];
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(e.data);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(JSON.stringify(msg.error)));
        else resolve(msg.result);
      } else if (msg.method) {
        for (const l of this.listeners) l(msg);
      }
    });
  }
  send(method, params = {}, sessionId) {
    const id = ++this.id;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    this.ws.send(JSON.stringify(msg));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The JavaScript each engine runs for one query, in the page; resolves to the count.
const CASEBOOK = `async (req) => {
  if (!window.__cb) {
    await new Promise((ok, ko) => { const s = document.createElement('script'); s.src = '/search.js'; s.onload = ok; s.onerror = () => ko(new Error('search.js')); document.head.append(s); });
    window.__cb = await new casebookSearch.Client('/search/').open();
  }
  const r = await window.__cb.search({ q: req.q, filters: req.filters, page: req.page });
  return { total: r.total, exact: r.exact, shown: r.page.length };
}`;
const PAGEFIND = `async (req) => {
  if (!window.__pf) {
    window.__pf = await import('/pagefind/pagefind.js');
    await window.__pf.filters();
  }
  const pf = window.__pf;
  const filters = {};
  for (const [f, vs] of req.filters) filters[f] = vs.length === 1 ? vs[0] : { any: vs };
  const s = await pf.search(req.q.trim() ? req.q : null, { filters });
  const from = (Math.max(1, req.page) - 1) * 10;
  const data = await Promise.all(s.results.slice(from, from + 10).map((r) => r.data()));
  return { total: s.results.length, exact: true, shown: data.length };
}`;

async function measure(cdp, port, engine, fn) {
  const { browserContextId } = await cdp.send("Target.createBrowserContext");
  const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank", browserContextId });
  const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
  const page = (m, p) => cdp.send(m, p, sessionId);
  const reqs = new Map();
  // The page's session and those of its workers (Pagefind searches in a Web Worker):
  // each is attached paused, has its network events enabled, then runs.
  const sessions = new Set([sessionId]);
  cdp.listeners.push((msg) => {
    if (!sessions.has(msg.sessionId)) return;
    const p = msg.params;
    if (msg.method === "Target.attachedToTarget") {
      const child = p.sessionId;
      sessions.add(child);
      (async () => {
        try {
          await cdp.send("Network.enable", {}, child);
          await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, child).catch(() => {});
        } finally {
          await cdp.send("Runtime.runIfWaitingForDebugger", {}, child).catch(() => {});
        }
      })();
      return;
    }
    const key = msg.sessionId + "/" + p.requestId;
    if (msg.method === "Network.requestWillBeSent") reqs.set(key, { url: p.request.url, encoded: 0, decoded: 0, done: false });
    else if (msg.method === "Network.dataReceived" && reqs.has(key)) reqs.get(key).decoded += p.dataLength;
    else if ((msg.method === "Network.loadingFinished" || msg.method === "Network.loadingFailed") && reqs.has(key)) {
      const r = reqs.get(key);
      r.encoded = p.encodedDataLength || 0;
      r.done = true;
    }
  });
  await page("Network.enable");
  await page("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
  await page("Runtime.enable");
  await page("Page.enable");
  await page("Page.navigate", { url: `http://127.0.0.1:${port}/blank.html` });
  for (let i = 0; i < 200; i++) {
    const r = await page("Runtime.evaluate", { expression: "document.readyState", returnByValue: true });
    if (r.result.value === "complete") break;
    await sleep(25);
  }
  await sleep(100);
  reqs.clear();
  const out = [];
  for (const q of queries) {
    const r = await page("Runtime.evaluate", {
      expression: `(${fn})(${JSON.stringify(q)})`, awaitPromise: true, returnByValue: true,
    });
    // Let the last network events arrive: every request finished, then a quiet moment.
    for (let i = 0; i < 100 && [...reqs.values()].some((x) => !x.done); i++) await sleep(20);
    await sleep(50);
    const rs = [...reqs.values()];
    reqs.clear();
    const row = {
      label: q.label,
      encoded: rs.reduce((a, x) => a + x.encoded, 0),
      decoded: rs.reduce((a, x) => a + x.decoded, 0),
      requests: rs.length,
      total: r.exceptionDetails ? 0 : r.result.value.total,
    };
    if (r.exceptionDetails) row.error = JSON.stringify(r.exceptionDetails.exception?.description || r.exceptionDetails.text).slice(0, 300);
    out.push(row);
  }
  await cdp.send("Target.closeTarget", { targetId });
  await cdp.send("Target.disposeBrowserContext", { browserContextId });
  return out;
}

async function main() {
  const port = await startServer();
  const wsUrl = await startChromium();
  const ws = new WebSocket(wsUrl);
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  const cdp = new Cdp(ws);
  const result = {};
  result.casebook = await measure(cdp, port, "casebook", CASEBOOK);
  let hasPagefind = false;
  try { hasPagefind = statSync(join(site, "pagefind", "pagefind.js")).isFile(); } catch { /* none */ }
  if (hasPagefind) result.pagefind = await measure(cdp, port, "pagefind", PAGEFIND);
  writeFileSync(outFile, JSON.stringify(result));
  ws.close();
  clearTimeout(timer);
  cleanup();
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
