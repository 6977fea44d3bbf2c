// casebook serve: live reload, the error overlay and the redaction view.
// Served from memory by `casebook serve` only; `casebook build` never writes it.
// Everything shown comes from the server as data and is inserted with textContent, never
// innerHTML, so a diagnostic cannot inject markup.
(function () {
  "use strict";
  var SCROLL_KEY = "casebook-scroll:" + location.pathname + location.search;
  var generation = null;

  // Restore the scroll position saved by the reload that brought us here.
  try {
    var saved = sessionStorage.getItem(SCROLL_KEY);
    if (saved !== null) {
      sessionStorage.removeItem(SCROLL_KEY);
      var pos = JSON.parse(saved);
      var restore = function () { window.scrollTo(pos[0], pos[1]); };
      if (document.readyState === "complete") restore();
      else window.addEventListener("load", restore);
    }
  } catch (e) { /* storage disabled: reload without restoring */ }

  function reload() {
    try {
      sessionStorage.setItem(SCROLL_KEY, JSON.stringify([window.scrollX, window.scrollY]));
    } catch (e) { /* ignore */ }
    location.reload();
  }

  var css =
    "#casebook-overlay{position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
    "background:rgba(20,20,20,.92);color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2rem}" +
    "#casebook-overlay h2{color:#ff8a80;font-size:1.2rem;margin:0 0 1rem}" +
    "#casebook-overlay ol{padding-left:1.5rem}" +
    "#casebook-overlay li{margin-bottom:1rem}" +
    "#casebook-overlay .cb-where{color:#8ab4f8}" +
    "#casebook-overlay .cb-rule{color:#ffcc80;margin-right:.5em}" +
    "#casebook-overlay .cb-help{color:#b9f6ca;display:block}" +
    "#casebook-overlay button{position:absolute;top:1rem;right:1rem;font:inherit}" +
    ".cb-redaction-toggle{position:fixed;bottom:1rem;right:1rem;z-index:2147483646;" +
    "font:14px sans-serif;padding:.4rem .8rem;border:2px solid #5b4a00;background:#fff4cc;color:#222;" +
    "border-radius:4px;cursor:pointer}" +
    "mark.cb-ph{background:transparent;color:inherit}" +
    ".cb-redaction-view .cb-ph{background:#ffe08a;color:#222;outline:1px dashed #8a6d00;" +
    "position:relative;display:inline-block;margin-top:.9em;padding:0 .15em}" +
    ".cb-redaction-view .cb-ph::before{content:attr(data-cb-label);position:absolute;left:0;" +
    "top:-1.15em;font:700 .65em/1 sans-serif;text-transform:uppercase;letter-spacing:.04em;" +
    "color:#fff;background:#8a6d00;padding:.1em .3em;border-radius:2px;white-space:nowrap}";
  var style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function hideOverlay() {
    var old = document.getElementById("casebook-overlay");
    if (old) old.parentNode.removeChild(old);
  }

  function showOverlay(status) {
    hideOverlay();
    var box = el("div");
    box.id = "casebook-overlay";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-label", "casebook: the last rebuild failed");
    var title = status.site
      ? "Rebuild failed: showing the last good site"
      : "Build failed: nothing could be built yet";
    box.appendChild(el("h2", null, title));
    var close = el("button", null, "Dismiss");
    close.type = "button";
    close.addEventListener("click", hideOverlay);
    box.appendChild(close);
    var list = el("ol");
    (status.diagnostics || []).forEach(function (d) {
      var li = el("li", "cb-diagnostic");
      var where = d.file ? d.file + ":" + d.line + ":" + d.column : "(site)";
      li.appendChild(el("span", "cb-where", where));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "cb-rule", d.severity + "[" + d.rule + "]"));
      li.appendChild(el("span", "cb-message", d.message));
      if (d.help) li.appendChild(el("span", "cb-help", "help: " + d.help));
      list.appendChild(li);
    });
    box.appendChild(list);
    box.appendChild(el("p", null, "Fix the file and save: this page updates by itself."));
    document.body.appendChild(box);
  }

  function checkStatus() {
    return fetch("/__casebook/status", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (generation === null) generation = s.generation;
        if (s.ok) hideOverlay();
        else showOverlay(s);
        return s;
      })
      .catch(function () { /* server gone: the event stream retries */ });
  }

  function connect() {
    var es = new EventSource("/__casebook/events");
    es.addEventListener("hello", function (e) {
      var g = Number(e.data);
      // A rebuild finished while we were disconnected (or loading): catch up.
      if (generation !== null && g !== generation) reload();
      else generation = g;
    });
    // A rebuild finished. Its data: the generation, then (when the rebuild changed only
    // some pages) their paths and "(end)". Other pages stay as they are.
    es.addEventListener("reload", function (e) {
      var lines = String(e.data).split("\n");
      if (lines.length > 1 && lines.indexOf(location.pathname) < 1 &&
          lines.indexOf(location.pathname + "index.html") < 1 &&
          lines.indexOf(location.pathname.replace(/index\.html$/, "")) < 1) {
        generation = Number(lines[0]);
        checkStatus();
        return;
      }
      reload();
    });
    // One determination's page was rewritten ahead of the rebuild: reload if it is this one.
    es.addEventListener("page", function (e) {
      if (e.data === location.pathname || e.data + "index.html" === location.pathname) reload();
    });
    es.addEventListener("status", function (e) {
      generation = Number(e.data);
      checkStatus();
    });
  }

  // The redaction view: de-identification replaced each identifier by a typed placeholder
  // such as [name] or [date]. The toggle highlights them and labels each with its category.
  // The removed text is not in the page and is never shown.
  var PLACEHOLDER = /\[(name|address|geographic|location|date|age|phone|fax|email|ssn|number|record-number|account-number|license-number|vehicle-id|device-id|url|ip-address|other-number|id)\]/g;

  function markPlaceholders(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, null);
    var nodes = [];
    while (walker.nextNode()) {
      PLACEHOLDER.lastIndex = 0;
      if (PLACEHOLDER.test(walker.currentNode.nodeValue)) nodes.push(walker.currentNode);
    }
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var frag = document.createDocumentFragment();
      var last = 0;
      var m;
      PLACEHOLDER.lastIndex = 0;
      while ((m = PLACEHOLDER.exec(text)) !== null) {
        if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
        var mark = el("mark", "cb-ph", m[0]);
        mark.setAttribute("data-cb-label", m[1].replace(/-/g, " "));
        mark.title = "removed: " + m[1].replace(/-/g, " ");
        frag.appendChild(mark);
        last = m.index + m[0].length;
      }
      if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(frag, node);
    });
  }

  function redactionToggle() {
    var article = document.querySelector("article.determination");
    if (!article) return;
    markPlaceholders(article);
    var count = article.querySelectorAll(".cb-ph").length;
    var key = "casebook-redaction-view";
    var btn = el("button", "cb-redaction-toggle");
    btn.type = "button";
    btn.id = "casebook-redaction-toggle";
    function set(on) {
      document.documentElement.classList.toggle("cb-redaction-view", on);
      btn.setAttribute("aria-pressed", on ? "true" : "false");
      btn.textContent = (on ? "Hide" : "Show") + " redactions (" + count + ")";
      try { sessionStorage.setItem(key, on ? "1" : "0"); } catch (e) { /* ignore */ }
    }
    var initial = false;
    try { initial = sessionStorage.getItem(key) === "1"; } catch (e) { /* ignore */ }
    btn.addEventListener("click", function () {
      set(!document.documentElement.classList.contains("cb-redaction-view"));
    });
    set(initial);
    document.body.appendChild(btn);
  }

  function start() {
    redactionToggle();
    checkStatus();
    connect();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
