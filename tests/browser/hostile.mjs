// Browser test for hostile content, run by tests/it/hostile.rs:
//   node [--experimental-websocket] hostile.mjs CHROMIUM SITE_DIR
// SITE_DIR is the output of `casebook build` on a site whose every text field carries
// payloads that, if any ran, would set `top.__pwned`, open an alert, log "PWNED …",
// navigate, or load something from elsewhere. The site is served here by a tiny static
// server on 127.0.0.1; headless Chromium, driven over the DevTools protocol (Node's
// built-in WebSocket, no dependencies), loads every HTML page, plus the search page with
// hostile queries, hovers every link and element of the page, clicks every link that is
// not an http(s) link, and checks:
//   - no JavaScript dialog opened, `top.__pwned` is undefined, no console message from a
//     payload and no uncaught exception;
//   - no navigation away from the page, and no request left the test server;
//   - the DOM holds no event-handler attribute, no javascript:/vbscript:/data: URL, no
//     frame, object, embed, base or refresh, no script but the theme's own, no CSS
//     expression.
// Exits 0 on success, 1 with every finding otherwise.

import { spawn } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, relative, sep } from "node:path";

const [chromiumPath, siteDir] = process.argv.slice(2);
if (!chromiumPath || !siteDir) {
  console.error("usage: hostile.mjs CHROMIUM SITE_DIR");
  process.exit(2);
}
const profile = mkdtempSync(join(tmpdir(), "casebook-chromium-"));
let browser;
let server;

function cleanup() {
  if (browser && browser.exitCode === null) browser.kill("SIGKILL");
  if (server) server.close();
  try { rmSync(profile, { recursive: true, force: true }); } catch { /* ignore */ }
}

function fail(msg) {
  console.error("FAIL: " + msg);
  cleanup();
  process.exit(1);
}

const timer = setTimeout(() => fail("the whole test took longer than 240 s"), 240000);

// ---- the site, served from SITE_DIR on 127.0.0.1 ----

const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".json": "application/json",
  ".xml": "application/xml", ".svg": "image/svg+xml", ".csv": "text/csv",
};

function startServer() {
  server = http.createServer((req, res) => {
    let p;
    try {
      p = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    } catch {
      res.writeHead(400); res.end(); return;
    }
    if (p.includes("\0") || p.split("/").includes("..")) { res.writeHead(403); res.end(); return; }
    let file = join(siteDir, p);
    if (p.endsWith("/")) file = join(file, "index.html");
    let body;
    try { body = readFileSync(file); } catch { res.writeHead(404); res.end("not found"); return; }
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] || "application/octet-stream" });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

/** URL paths of every HTML page of the site. */
function pages(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const f = join(d, name);
      if (statSync(f).isDirectory()) walk(f);
      else if (name.endsWith(".html")) {
        const rel = relative(siteDir, f).split(sep).map(encodeURIComponent);
        if (rel[rel.length - 1] === "index.html") rel[rel.length - 1] = "";
        out.push("/" + rel.join("/"));
      }
    }
  };
  walk(dir);
  return out;
}

// ---- Chromium over CDP ----

function startChromium() {
  return new Promise((resolve, reject) => {
    browser = spawn(chromiumPath, [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--no-first-run", "--no-default-browser-check", "--disable-extensions",
      "--disable-component-update", "--disable-sync", "--disable-gpu-vsync", "--disable-frame-rate-limit",
      "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=1280,2000",
      "about:blank",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    browser.stderr.on("data", (d) => {
      err += d.toString();
      const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    browser.on("exit", (code) => reject(new Error("chromium exited (" + code + "): " + err)));
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

/** Runs in the page: everything in the DOM that could run script or leave the page. */
function domFindings() {
  const bad = [];
  const URL_ATTRS = new Set(["href", "src", "action", "formaction", "data", "poster", "srcset",
    "background", "cite", "longdesc", "ping", "codebase", "manifest", "lowsrc", "dynsrc", "xlink:href"]);
  const OWN_SCRIPTS = ["/search.js", "/__casebook/live.js"];
  const show = (el) => "<" + el.tagName.toLowerCase() + "> in " + (el.parentElement ? el.parentElement.tagName.toLowerCase() : "?");
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      const v = a.value.replace(/[\u0000-\u0020\u007f-\u00a0]/g, "").toLowerCase();
      if (n.startsWith("on")) bad.push(show(el) + " has the event handler " + n);
      if (n === "srcdoc") bad.push(show(el) + " has srcdoc");
      if ((URL_ATTRS.has(n) || n.endsWith(":href")) && /^(javascript|vbscript|livescript|data):/.test(v))
        bad.push(show(el) + " " + n + "=" + a.value.slice(0, 50));
      if (n === "style" && /expression\(|javascript:|behavior:|-moz-binding/.test(v))
        bad.push(show(el) + " style=" + a.value.slice(0, 50));
      if (n === "http-equiv") bad.push(show(el) + " http-equiv=" + a.value);
    }
    if (["iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal", "noembed"].includes(tag))
      bad.push(show(el));
    if (tag === "meta" && !el.hasAttribute("charset") && !["viewport", "description"].includes(el.getAttribute("name")))
      bad.push(show(el) + " " + el.outerHTML.slice(0, 80));
    if (tag === "script") {
      const src = el.getAttribute("src");
      const u = src ? new URL(src, location.href) : null;
      if (!u || u.origin !== location.origin || !OWN_SCRIPTS.includes(u.pathname) || el.textContent.trim())
        bad.push("a script that is not the theme's: " + (src || el.textContent.slice(0, 60)));
    }
    if (tag === "style" && /expression|javascript|@import|behavior|binding|pwned/i.test(el.textContent))
      bad.push("a style element from the content: " + el.textContent.slice(0, 60));
    if (tag === "link" && el.getAttribute("href") && new URL(el.getAttribute("href"), location.href).origin !== location.origin)
      bad.push("a link element to elsewhere: " + el.outerHTML.slice(0, 80));
    if (tag === "form" && new URL(el.getAttribute("action") || "", location.href).origin !== location.origin)
      bad.push("a form posting elsewhere: " + el.outerHTML.slice(0, 80));
  }
  return bad;
}

async function main() {
  const port = await startServer();
  const origin = "http://127.0.0.1:" + port;
  const targets = pages(siteDir).map((p) => origin + p);
  const q = (s) => encodeURIComponent(s);
  const js = (id) => "top.__pwned='" + id + "';alert('" + id + "')";
  const searches = [
    "/search/?q=" + q("<img src=x onerror=\"" + js("q1") + "\">"),
    "/search/?q=pwned",
    "/search/?q=" + q("script onerror javascript top") + "&decision=" + q("\"><svg onload=\"" + js("q3") + "\">") +
      "&treatment=" + q("<img src=x onerror=" + js("q3") + ">") + "&year=" + q("'-" + js("q3") + "-'") +
      "&page=" + q("<script>" + js("q3") + "</script>"),
    "/search/?q=" + q("\"><script>" + js("q4") + "</script>") + "#" + q("<img src=x onerror=" + js("q5") + ">"),
    "/search/?q=" + q("javascript:" + js("q6")) + "&treatment=hostile-treatment",
  ].map((p) => origin + p);

  const wsUrl = await startChromium();
  const ws = new WebSocket(wsUrl);
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  const cdp = new Cdp(ws);
  const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
  const page = (m, p) => cdp.send(m, p, sessionId);
  const evaluate = async (expr) => {
    const r = await page("Runtime.evaluate", { expression: expr, returnByValue: true });
    if (r.exceptionDetails) throw new Error(expr.slice(0, 80) + ": " + JSON.stringify(r.exceptionDetails));
    return r.result.value;
  };

  // What happens on the page being tested, from the protocol's events.
  let seen = null;
  cdp.listeners.push((msg) => {
    if (msg.sessionId !== sessionId || !seen) return;
    const p = msg.params;
    switch (msg.method) {
      case "Page.javascriptDialogOpening":
        seen.dialogs.push(p.type + ": " + p.message);
        page("Page.handleJavaScriptDialog", { accept: false }).catch(() => {});
        break;
      case "Runtime.consoleAPICalled":
        seen.console.push(p.args.map((a) => a.value ?? a.description ?? "").join(" "));
        break;
      case "Runtime.exceptionThrown":
        seen.exceptions.push(p.exceptionDetails.exception?.description || p.exceptionDetails.text);
        break;
      case "Page.frameNavigated":
        if (!p.frame.parentId) seen.navigated.push(p.frame.url);
        else seen.navigated.push("a frame: " + p.frame.url);
        break;
      case "Page.frameRequestedNavigation":
        seen.requested.push(p.url);
        break;
      case "Page.windowOpen":
        seen.requested.push("window.open " + p.url);
        break;
      case "Fetch.requestPaused":
        if (p.request.url.startsWith(origin + "/")) {
          page("Fetch.continueRequest", { requestId: p.requestId }).catch(() => {});
        } else {
          seen.escaped.push(p.request.url.slice(0, 120));
          page("Fetch.failRequest", { requestId: p.requestId, errorReason: "BlockedByClient" }).catch(() => {});
        }
        break;
    }
  });
  await page("Runtime.enable");
  await page("Page.enable");
  await page("Fetch.enable", { patterns: [{ urlPattern: "*" }] });
  await page("Emulation.setDeviceMetricsOverride", { width: 1280, height: 2000, deviceScaleFactor: 1, mobile: false });

  const findings = [];
  let hovered = 0, clicked = 0, withPayloadText = 0;
  for (const url of [...targets, ...searches]) {
    const search = url.includes("/search/?");
    seen = { dialogs: [], console: [], exceptions: [], navigated: [], requested: [], escaped: [] };
    await page("Page.navigate", { url });
    const end = Date.now() + 15000;
    for (;;) {
      let ready = false;
      try {
        ready = await evaluate(search
          ? "document.readyState === 'complete' && !!document.querySelector('#search-status') && document.querySelector('#search-status').textContent.length > 0"
          : "document.readyState === 'complete'");
      } catch { /* navigating */ }
      if (ready) break;
      if (Date.now() > end) { findings.push(url + ": did not finish loading"); break; }
      await sleep(25);
    }
    await sleep(150); // timers, refreshes, late loads

    // Hover every link and every element with text of its own, with the real mouse, and
    // click the links that are not http(s) (none should exist: clicking one is the real
    // test of a javascript: URL). The viewport is made as tall as the page, so nothing
    // needs scrolling, and the events are sent without waiting for each.
    const height = await evaluate("Math.min(16000, Math.max(600, document.documentElement.scrollHeight))");
    await page("Emulation.setDeviceMetricsOverride", { width: 1280, height, deviceScaleFactor: 1, mobile: false });
    const spots = await evaluate(`(() => {
      window.scrollTo(0, 0);
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (el.tagName !== 'A' && !own) continue;
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || r.bottom < 0 || r.top > innerHeight) continue;
        const proto = el.tagName === 'A' && el.hasAttribute('href') ? new URL(el.getAttribute('href'), location.href).protocol : '';
        out.push({ x: r.x + r.width / 2, y: r.y + r.height / 2, click: proto !== '' && proto !== 'http:' && proto !== 'https:' });
      }
      return out;
    })()`);
    const sent = [];
    for (const s of spots) {
      sent.push(page("Input.dispatchMouseEvent", { type: "mouseMoved", x: s.x, y: s.y }));
      hovered++;
      if (s.click) {
        sent.push(page("Input.dispatchMouseEvent", { type: "mousePressed", x: s.x, y: s.y, button: "left", clickCount: 1 }));
        sent.push(page("Input.dispatchMouseEvent", { type: "mouseReleased", x: s.x, y: s.y, button: "left", clickCount: 1 }));
        clicked++;
      }
    }
    await Promise.all(sent);
    await sleep(50);

    const state = await evaluate(`({
      pwned: typeof top.__pwned === 'undefined' ? null : String(top.__pwned),
      origin: location.origin, path: location.pathname,
      dom: (${domFindings.toString()})(),
      payloadText: document.body.textContent.includes("top.__pwned="),
      results: document.querySelectorAll('#results [data-case]').length,
    })`);
    const u = new URL(url);
    const f = [];
    if (seen.dialogs.length) f.push("a dialog opened: " + seen.dialogs.join(" | "));
    if (state.pwned !== null) f.push("a payload ran: top.__pwned = " + state.pwned);
    const logs = seen.console.filter((c) => /pwned/i.test(c));
    if (logs.length) f.push("a payload logged: " + logs.join(" | "));
    if (seen.exceptions.length) f.push("uncaught exceptions: " + seen.exceptions.join(" | "));
    if (state.origin !== u.origin || state.path !== u.pathname) f.push("the page moved to " + state.origin + state.path);
    // The same URL may come back encoded differently (`'` as %27): compare decoded.
    const plain = (x) => { try { return decodeURIComponent(x.split("#")[0]); } catch { return x; } };
    const away = seen.navigated.filter((n) => plain(n) !== plain(url));
    if (away.length) f.push("navigated: " + away.join(" | "));
    if (seen.requested.length) f.push("navigation requested: " + seen.requested.join(" | "));
    if (seen.escaped.length) f.push("requests left the test server: " + seen.escaped.join(" | "));
    if (state.dom.length) f.push("in the DOM: " + state.dom.join(" | "));
    if (search && url.includes("q=pwned") && state.results === 0) f.push("the search for 'pwned' found nothing (is the hostile content indexed?)");
    for (const x of f) findings.push(decodeURIComponent(u.pathname + u.search) + ": " + x);
    if (state.payloadText) withPayloadText++;
  }
  await page("Fetch.disable");
  console.log("pages " + targets.length + " + searches " + searches.length + ", hovered " + hovered +
    ", clicked " + clicked + ", pages showing payload text " + withPayloadText);
  if (withPayloadText < targets.length / 2) findings.push("only " + withPayloadText + " pages show payload text: is the hostile content there?");
  if (findings.length) fail(findings.length + " findings:\n  " + findings.join("\n  "));
  console.log("ok: no payload ran on any page");
  ws.close();
  cleanup();
  clearTimeout(timer);
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
