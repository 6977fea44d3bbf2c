// Browser test for `casebook serve`, run by tests/it/serve.rs:
//   node [--experimental-websocket] live_reload.mjs CHROMIUM URL DETERMINATION_FILE [OTHER_URL]
// Drives headless Chromium over the DevTools protocol (no dependencies: Node's built-in
// WebSocket) and checks, on a served determination page:
//   - the redaction view toggle labels placeholders by category, never with removed text;
//   - saving the file updates the open page with no manual reload, keeping the scroll;
//   - a broken file shows the error overlay (as text, not markup), fixing it clears it;
//   - with OTHER_URL (a page the edits do not change), open in a second tab: it shows and
//     clears the overlay too, but never reloads.
// Exits 0 on success, 1 with a message otherwise.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [chromiumPath, url, file, otherUrl] = process.argv.slice(2);
if (!chromiumPath || !url || !file) {
  console.error("usage: live_reload.mjs CHROMIUM URL DETERMINATION_FILE");
  process.exit(2);
}
const DEADLINE_MS = 30000;
const profile = mkdtempSync(join(tmpdir(), "casebook-chromium-"));
let browser;

function fail(msg) {
  console.error("FAIL: " + msg);
  cleanup();
  process.exit(1);
}

function cleanup() {
  if (browser && browser.exitCode === null) browser.kill("SIGKILL");
  try { rmSync(profile, { recursive: true, force: true }); } catch { /* ignore */ }
}

const timer = setTimeout(() => fail("the whole test took longer than 90 s"), 90000);

function startChromium() {
  return new Promise((resolve, reject) => {
    browser = spawn(chromiumPath, [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--no-first-run", "--no-default-browser-check", "--disable-extensions",
      "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=480,360",
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
    ws.addEventListener("message", (e) => {
      const msg = JSON.parse(e.data);
      if (msg.id && this.pending.has(msg.id)) {
        const { resolve, reject } = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) reject(new Error(JSON.stringify(msg.error)));
        else resolve(msg.result);
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

async function main() {
  const wsUrl = await startChromium();
  const ws = new WebSocket(wsUrl);
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
  const cdp = new Cdp(ws);
  const tab = async () => {
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    const page = (m, p) => cdp.send(m, p, sessionId);
    const evaluate = async (expr) => {
      const r = await page("Runtime.evaluate", { expression: expr, returnByValue: true });
      if (r.exceptionDetails) throw new Error(expr + ": " + JSON.stringify(r.exceptionDetails));
      return r.result.value;
    };
    const waitFor = async (what, expr) => {
      const end = Date.now() + DEADLINE_MS;
      let last;
      while (Date.now() < end) {
        try {
          last = await evaluate(expr);
          if (last) return last;
        } catch (e) { last = String(e); /* navigating: try again */ }
        await new Promise((r) => setTimeout(r, 50));
      }
      fail("timed out waiting for " + what + " (last: " + JSON.stringify(last) + ")");
    };
    return { page, evaluate, waitFor };
  };
  // The other page, in a tab of its own, marked so that a reload would show.
  let other = null;
  if (otherUrl) {
    other = await tab();
    await other.page("Runtime.enable");
    await other.page("Page.enable");
    await other.page("Page.navigate", { url: otherUrl });
    await other.waitFor("the other page and live script",
      "document.readyState === 'complete' && !!document.getElementById('casebook-redaction-toggle')");
    await other.evaluate("window.__casebookOther = 1");
  }
  const { page, evaluate, waitFor } = await tab();

  await page("Runtime.enable");
  await page("Page.enable");
  await page("Page.navigate", { url });
  await waitFor("the page and live script",
    "document.readyState === 'complete' && !!document.getElementById('casebook-redaction-toggle')");

  // Redaction view: placeholders get category labels; the removed text is not there.
  const red = await evaluate(`(() => {
    const b = document.getElementById('casebook-redaction-toggle');
    const before = document.documentElement.classList.contains('cb-redaction-view');
    const first = document.querySelector('article.determination .cb-ph');
    const bgOff = first ? getComputedStyle(first).backgroundColor : 'none';
    b.click();
    const marks = [...document.querySelectorAll('article.determination .cb-ph')];
    return {
      before, bgOff, bgOn: marks.length ? getComputedStyle(marks[0]).backgroundColor : '',
      after: document.documentElement.classList.contains('cb-redaction-view'),
      pressed: b.getAttribute('aria-pressed'),
      labels: marks.map(m => m.getAttribute('data-cb-label')),
      label: marks.length ? getComputedStyle(marks[0], '::before').content : '',
      text: document.body.textContent,
    };
  })()`);
  if (red.before || !red.after || red.pressed !== "true") fail("the toggle did not switch: " + JSON.stringify(red));
  if (!red.labels.length || !red.labels.every((l) => l === "name")) fail("placeholders not labelled: " + JSON.stringify(red.labels));
  if (red.bgOff !== "rgba(0, 0, 0, 0)" || red.bgOn === red.bgOff) fail("placeholders are highlighted only in the redaction view: " + JSON.stringify([red.bgOff, red.bgOn]));
  if (red.label !== '"name"') fail("the label is not shown over the placeholder: " + red.label);
  if (/John|Doe|Acme/.test(red.text)) fail("removed text is on the page");
  await evaluate("document.getElementById('casebook-redaction-toggle').click()");

  // Scroll down, mark this document, edit the file; the page must change by itself.
  const scrolled = await evaluate("window.scrollTo(0, 250); window.__casebookMarker = 1; window.scrollY");
  if (scrolled < 100) fail("the page is too short to test scrolling (scrollY " + scrolled + ")");
  const original = readFileSync(file, "utf8");
  const OLD = "is not medically necessary.";
  if (!original.includes(OLD)) fail("the fixture text changed");
  writeFileSync(file, original.replace(OLD, "is not medically necessary (LIVE-EDIT-1)."));
  await waitFor("the edit to appear",
    "document.readyState === 'complete' && document.body.textContent.includes('LIVE-EDIT-1')");
  const after = await evaluate("({ marker: window.__casebookMarker === 1, y: window.scrollY })");
  if (after.marker) fail("the page changed without reloading? (marker kept)");
  await waitFor("the scroll position to be restored", "Math.abs(window.scrollY - " + scrolled + ") < 5");

  // Break the file (with markup in a key the error message may echo): the overlay shows
  // the diagnostic as text; the page keeps the last good content.
  const broken = original
    .replace("    decision: upheld ", "    decision: maybe ")
    .replace(OLD, "is not medically necessary (LIVE-EDIT-1).");
  writeFileSync(file, broken);
  await waitFor("the error overlay",
    "(() => { const o = document.getElementById('casebook-overlay'); return !!o && o.textContent.includes('CB006') && o.textContent.includes('CM14-0123456.md:30:15'); })()");
  const ov = await evaluate(`(() => {
    const o = document.getElementById('casebook-overlay');
    return { imgs: o.querySelectorAll('img,script,iframe').length, text: o.textContent,
             page: document.body.textContent.includes('LIVE-EDIT-1') };
  })()`);
  if (ov.imgs) fail("markup was injected into the overlay");
  if (!ov.page) fail("the last good page is gone");

  // A diagnostic carrying markup stays text.
  writeFileSync(file, broken.replace("extra: {}", "extra: {}\n\"<img src=x onerror=window.__xss=1>\": 1"));
  await waitFor("the second overlay",
    "(() => { const o = document.getElementById('casebook-overlay'); return !!o && o.textContent.includes('<img'); })()");
  const xss = await evaluate("({ img: !!document.querySelector('#casebook-overlay img'), xss: window.__xss === 1 })");
  if (xss.img || xss.xss) fail("the overlay rendered markup from a diagnostic");

  // Fix it: the overlay goes, the new text is there.
  writeFileSync(file, original.replace(OLD, "is not medically necessary (LIVE-EDIT-2)."));
  await waitFor("the overlay to clear and the fix to show",
    "document.readyState === 'complete' && !document.getElementById('casebook-overlay') && document.body.textContent.includes('LIVE-EDIT-2')");

  if (other) {
    // It saw the overlay come and go (its script got every event) without reloading.
    await other.waitFor("the other page's overlay to clear", "!document.getElementById('casebook-overlay')");
    const kept = await other.evaluate("window.__casebookOther === 1");
    if (!kept) fail("a page the edits did not change was reloaded");
  }

  console.log("ok: live reload, scroll restore, overlay, redaction view" + (other ? ", other page kept" : ""));
  ws.close();
  cleanup();
  clearTimeout(timer);
  process.exit(0);
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
