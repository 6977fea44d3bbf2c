/* casebook search client. Plain JavaScript, no build step, no dependencies.
 * Reads the sharded index written by src/search (see its module docs) and mirrors
 * src/search/tokenize.rs (tokenizer, query grammar) and src/search/reader.rs (the
 * fetch plan) step for step: Rust tests hold both to the same answers.
 * In a page: <div id="search" data-index="/search/"> ... <script src="search.js" defer>.
 * In node: import it, then use globalThis.casebookSearch.tokenize. */
(function () {
  'use strict';

  // ---- tokenizer (same rules and table as tokenize.rs) ----
  const FOLD = "àa áa âa ãa äa åa æae çc èe ée êe ëe ìi íi îi ïi ðd ñn òo óo ôo õo öo øo ùu úu ûu üu ýy þth ÿy ßss āa ăa ąa ćc ĉc ċc čc ďd đd ēe ĕe ėe ęe ěe ĝg ğg ġg ģg ĥh ħh ĩi īi ĭi įi ıi ĳij ĵj ķk ĸk ĺl ļl ľl ŀl łl ńn ņn ňn ŉn ŋn ōo ŏo őo œoe ŕr ŗr řr śs ŝs şs šs ţt ťt ŧt ũu ūu ŭu ůu űu ųu ŵw ŷy źz żz žz ſs ǎa ǐi ǒo ǔu șs țt ﬀff ﬁfi ﬂfl ﬃffi ﬄffl";
  const MAX_TOKEN = 40;
  const fold = new Map(FOLD.split(' ').map((e) => { const c = Array.from(e); return [c[0], c.slice(1).join('')]; }));
  const ALNUM = /^[\p{Alphabetic}\p{N}]$/u;
  const ALPHA = /^\p{Alphabetic}$/u;
  const isAlnum = (c) => c !== undefined && ALNUM.test(c);
  const isAlpha = (c) => c !== undefined && ALPHA.test(c);
  const isDigit = (c) => c !== undefined && c >= '0' && c <= '9';
  const HYPHENS = '-\u2010\u2011\u2013';
  const APOSTROPHES = '\'\u2019\u02bc';

  /** Tokens of `text` with their [s, e) UTF-16 spans in `text`. */
  function tokenSpans(text) {
    const s = [];
    const src = [];
    let at = 0;
    for (const ch of text) {
      for (const l of ch.toLowerCase()) {
        const cp = l.codePointAt(0);
        if (cp >= 0x300 && cp <= 0x36f) continue;
        for (const x of fold.get(l) ?? l) { s.push(x); src.push(at); }
      }
      at += ch.length;
    }
    const out = [];
    let cur = '', len = 0, start = 0, end = 0;
    const emit = () => { if (cur) out.push({ t: cur, s: start, e: end }); cur = ''; len = 0; };
    const take = (c, i) => {
      if (!cur) start = src[i];
      end = src[i] + (text.codePointAt(src[i]) > 0xffff ? 2 : 1);
      if (len < MAX_TOKEN) cur += c;
      len++;
    };
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s[i];
      if (isAlnum(c)) { take(c, i); continue; }
      if (cur && i + 1 < n) {
        const p = s[i - 1], nx = s[i + 1];
        if (c === '.' && isDigit(p) && isDigit(nx)) { take('.', i); continue; }
        if (HYPHENS.includes(c) && isAlnum(nx) && (isDigit(p) || isDigit(nx))) { take('-', i); continue; }
        if (APOSTROPHES.includes(c) && isAlpha(p) && isAlpha(nx)) {
          if (nx === 's' && (i + 2 >= n || !isAlnum(s[i + 2]))) { i++; emit(); continue; }
          continue;
        }
      }
      emit();
    }
    emit();
    return out;
  }
  const tokenize = (text) => tokenSpans(text).map((x) => x.t);

  /** The query grammar of tokenize.rs `parse_query`. */
  function parseQuery(q, stop) {
    const words = [], phrases = [];
    const push = (t) => { if (!stop.has(t) && !words.includes(t)) words.push(t); };
    const segs = q.split('"');
    let last = [];
    segs.forEach((seg, i) => {
      const toks = tokenize(seg);
      if (i % 2) {
        if (toks.length >= 2) { if (!phrases.some((p) => p.join(' ') === toks.join(' '))) phrases.push(toks); }
        else if (toks.length) push(toks[0]);
      } else if (i === segs.length - 1) last = toks;
      else toks.forEach(push);
    });
    const lastCh = Array.from(q).pop();
    let prefix = null;
    if (segs.length % 2 === 1 && isAlnum(lastCh) && last.length && Array.from(last[last.length - 1]).length >= 2) prefix = last.pop();
    last.forEach(push);
    if (prefix !== null && words.includes(prefix)) prefix = null;
    return { words, phrases, prefix };
  }

  // ---- binary formats (codec.rs) ----
  class Rd {
    constructor(u8, off = 0, len = u8.length - off) { this.v = new DataView(u8.buffer, u8.byteOffset + off, len); this.p = 0; this.n = len; }
    done() { return this.p >= this.n; }
    byte() { return this.v.getUint8(this.p++); }
    varint() { let v = 0, m = 1, b; do { b = this.byte(); v += (b & 127) * m; m *= 128; } while (b >= 128); return v; }
  }
  function postings(u8, part, cb) {
    const r = new Rd(u8, part.off, part.len);
    let prev = part.base - 1;
    while (!r.done()) {
      const b = r.byte();
      if (b >> 4 === 0) { prev += r.varint() + 16; cb(prev, b); } else { prev += b >> 4; cb(prev, b & 15); }
    }
  }
  function runs(u8, part, cb) {
    const r = new Rd(u8, part.off, part.len);
    let end = part.base;
    while (!r.done()) { const s = end + r.varint(), l = r.varint() + 1; cb(s, l); end = s + l; }
  }
  const utf8 = new TextDecoder();
  function decodePage(u8) {
    const r = new Rd(u8), out = [];
    let key = new Uint8Array(0), file = 0, topFile = 0;
    while (!r.done()) {
      const shared = r.varint(), suf = r.varint();
      const k = new Uint8Array(shared + suf);
      k.set(key.subarray(0, shared));
      for (let i = 0; i < suf; i++) k[shared + i] = r.byte();
      key = k;
      const e = { key: utf8.decode(k), df: r.varint(), flags: r.byte(), parts: [], top: null };
      for (let n = r.varint(); n > 0; n--) { file += r.varint(); e.parts.push({ file, off: r.varint(), len: r.varint(), base: r.varint() }); }
      if (e.flags & 2) { topFile += r.varint(); e.top = { file: topFile, off: r.varint(), len: r.varint(), base: 0 }; }
      out.push(e);
    }
    return out;
  }
  const width = (k) => (k <= 1 ? 0 : 32 - Math.clz32(k - 1));
  function seq(r, count, k) {
    const v = [];
    if (k <= 1) { for (let i = 0; i < count; i++) v.push(0); return v; }
    if (r.byte() === 1) {
      for (let n = r.varint(); n > 0; n--) { const len = r.varint() + 1, x = r.varint(); for (let i = 0; i < len; i++) v.push(x); }
      return v;
    }
    const w = width(k), start = r.p;
    for (let i = 0, bit = 0; i < count; i++, bit += w) {
      let x = 0;
      for (let j = 0; j < w; j++) { const b = bit + j; if ((r.v.getUint8(start + (b >> 3)) >> (b & 7)) & 1) x |= 1 << j; }
      v.push(x);
    }
    r.p = start + Math.ceil((count * w) / 8);
    return v;
  }
  function decodeColumn(u8, count, nf) {
    const r = new Rd(u8), out = [];
    for (let d = 0; d < count; d++) out.push(Array.from({ length: nf }, () => []));
    for (let f = 0; f < nf; f++) {
      const mode = r.byte(), k = r.varint();
      if (mode === 0) {
        const dict = [];
        for (let i = 0; i < k; i++) { const s = []; for (let m = r.varint(); m > 0; m--) s.push(r.varint()); dict.push(s); }
        seq(r, count, k).forEach((i, d) => { out[d][f] = dict[i] || []; });
      } else {
        const dict = [];
        for (let i = 0; i < k; i++) dict.push(r.varint());
        seq(r, count, k).forEach((i, d) => { if (dict[i] > 0) out[d][f].push(dict[i] - 1); });
        let d = 0;
        for (let n = r.varint(); n > 0; n--) { d += r.varint(); for (let m = r.varint() + 1; m > 0; m--) out[d][f].push(r.varint()); }
      }
    }
    return out;
  }

  // Code point order (= UTF-8 byte order, the index's order) on UTF-16 strings.
  function cmp(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.charCodeAt(i), y = b.charCodeAt(i);
      if (x !== y) { const sx = x >= 0xd800 && x < 0xe000, sy = y >= 0xd800 && y < 0xe000; return sx !== sy ? (sx ? 1 : -1) : x - y; }
    }
    return a.length - b.length;
  }
  const idf = (df, n) => Math.max(0, Math.round(100 * Math.log(1 + (n - df + 0.5) / (df + 0.5))));
  const byScore = (a, b) => b[1] - a[1] || a[0] - b[0];
  const isWord = (k) => !k.includes(' ') && !k.startsWith('\u0001');
  function partOf(e, d) { let i = 0; while (i + 1 < e.parts.length && e.parts[i + 1].base <= d) i++; return i; }
  function intersect(a, b) {
    const out = [];
    for (let i = 0, j = 0; i < a.length && j < b.length;) {
      if (a[i][0] < b[j][0]) i++; else if (a[i][0] > b[j][0]) j++; else { out.push([a[i][0], a[i][1] + b[j][1]]); i++; j++; }
    }
    return out;
  }
  /** reader.rs `proves_top`: the first k results are provably the true first k. */
  function provesTop(p, q, cands, ranked, k) {
    if (ranked.length < k || k === 0) return false;
    if (ranked.slice(0, k).some((d) => p.unsure.has(d))) return false;
    const score = new Map(q);
    const sk = score.get(ranked[k - 1]), dk = ranked[k - 1];
    const after = (s, d) => s < sk || (s === sk && d > dk);
    const mayPass = new Map(cands.map(([d, f]) => [d, f === null || !f.length]));
    const shown = new Set(ranked.slice(0, k));
    for (const [d, s] of q) if (!shown.has(d) && mayPass.get(d) && !after(s, d)) return false;
    return p.outside.every(([lo, b]) => after(b, lo));
  }
  function lowerBound(arr, d) { let lo = 0, hi = arr.length; while (lo < hi) { const m = (lo + hi) >> 1; if (arr[m][0] < d) lo = m + 1; else hi = m; } return lo; }

  // ---- the client: the plan of reader.rs ----
  class Client {
    constructor(base) { this.base = base.endsWith('/') ? base : base + '/'; this.cache = new Map(); this.pages = new Map(); this.bytes = 0; }
    get(path, json) {
      if (!this.cache.has(path)) {
        this.cache.set(path, fetch(this.base + path).then((r) => { if (!r.ok) throw new Error(path + ': ' + r.status); return r.arrayBuffer(); })
          .then((b) => { this.bytes += b.byteLength; const u8 = new Uint8Array(b); return json ? JSON.parse(utf8.decode(u8)) : u8; })
          .catch((e) => { this.cache.delete(path); throw e; })); // a failed fetch may be retried
      }
      return this.cache.get(path);
    }
    async open() { this.root = await this.get('root.json', true); this.stop = new Set(this.root.stop); return this; }
    cost(files) {
      const R = this.root;
      let c = 0;
      for (const f of new Set(files)) if (!this.cache.has(f)) c += f[0] === 'p' ? R.shard_bytes : f[0] === 't' ? R.top_bytes : f[0] === 'c' ? R.col_avg : R.dir_bytes;
      return c;
    }
    page(i) { if (!this.pages.has(i)) this.pages.set(i, this.get('d/' + i + '.bin').then(decodePage)); return this.pages.get(i); }
    pageOf(key) { const d = this.root.dir; let lo = 0, hi = d.length; while (lo < hi) { const m = (lo + hi) >> 1; if (cmp(d[m], key) <= 0) lo = m + 1; else hi = m; } return Math.max(0, lo - 1); }
    async lookup(key) {
      const p = await this.page(this.pageOf(key));
      let lo = 0, hi = p.length;
      while (lo < hi) { const m = (lo + hi) >> 1; if (cmp(p[m].key, key) < 0) lo = m + 1; else hi = m; }
      return lo < p.length && p[lo].key === key ? p[lo] : null;
    }
    async expand(prefix) {
      const R = this.root, first = this.pageOf(prefix), last = Math.min(first + R.prefix_pages, R.dir.length);
      let cands = [];
      for (let i = first; i < last; i++) {
        if (i > first && !R.dir[i].startsWith(prefix)) break;
        cands = cands.concat((await this.page(i)).filter((e) => isWord(e.key) && e.key.startsWith(prefix)));
      }
      cands.sort((a, b) => (b.key === prefix) - (a.key === prefix) || b.df - a.df || cmp(a.key, b.key));
      return cands.slice(0, R.prefix_alts);
    }
    files(e) { return e.parts.map((p) => 'p/' + p.file + '.bin'); }
    async postings(e) {
      const out = [];
      for (const p of e.parts) postings(await this.get('p/' + p.file + '.bin'), p, (d, q) => out.push([d, q]));
      return out;
    }
    async top(e) { const out = []; postings(await this.get('t/' + e.top.file + '.bin'), e.top, (d, q) => out.push([d, q])); return out; }
    async group(g) {
      const all = [];
      for (const e of g) { const w = idf(e.df, this.root.docs); for (const [d, q] of await this.postings(e)) all.push([d, w * q]); }
      all.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
      return all.filter((x, i) => i === 0 || all[i - 1][0] !== x[0]);
    }
    async and(groups) {
      const lists = [];
      for (const g of groups) lists.push(await this.group(g));
      lists.sort((a, b) => a.length - b.length);
      return lists.slice(1).reduce(intersect, lists[0]);
    }

    /** Runs one search: {q, filters: [[facet, [values]]], page}. */
    async search(req) {
      const R = this.root, n = R.docs, query = parseQuery(req.q, this.stop), nfacets = R.facets.length;
      const filters = [];
      for (const [name, vals] of req.filters) {
        const fi = R.facets.findIndex((f) => f.name === name);
        if (fi < 0 || !vals.length) continue;
        const es = [];
        for (const v of vals) { const e = await this.lookup('\u0001' + name + '\u0001' + v); if (e) es.push(e); }
        filters.push([fi, es]);
      }
      filters.sort((a, b) => a[0] - b[0]);
      const empty = { total: 0, exact: true, ranked: [], page: [], counts: R.facets.map((f) => f.values.map(() => 0)), countsExact: true, query, terms: [] };
      // 1. Terms.
      const keys = query.words.slice();
      for (const ph of query.phrases) for (let i = 0; i + 1 < ph.length; i++) keys.push(ph[i] + ' ' + ph[i + 1]);
      const groups = [];
      for (const k of new Set(keys)) { const e = await this.lookup(k); if (!e || e.flags & 1) return empty; groups.push([e]); }
      if (query.prefix !== null) { const alts = await this.expand(query.prefix); if (!alts.length) return empty; groups.push(alts); }
      const terms = groups.flat().map((e) => e.key);
      const browse = !groups.length;
      let q = [], exact = true, est = n, proof = null;
      if (!browse) [q, exact, est, proof] = await this.terms(groups);
      // 2. Filters.
      const sets = await this.sets(filters, browse, q);
      exact = exact && sets.complete;
      const nf = filters.length, ranked = [], cands = [];
      let known = 0;
      if (!(browse && nf === 0)) {
        let universe;
        if (browse) universe = sets.universe(nf);
        else { q.sort(byScore); universe = q.map((x) => x[0]); }
        for (const d of universe) {
          const fails = [];
          let ok = true;
          for (let k = 0; k < nf; k++) { const m = sets.member(k, d); if (m === null) ok = false; else if (!m) fails.push(k); }
          if (!ok) { exact = false; cands.push([d, null]); continue; }
          known++;
          if (!fails.length) ranked.push(d);
          if (fails.length <= 1) cands.push([d, fails]);
        }
      }
      let total;
      if (browse && nf === 0) total = n;
      else if (exact) total = ranked.length;
      else if (browse) {
        const x = sets.coveredUpto();
        total = Math.max(ranked.length, Math.round((ranked.filter((d) => d < x).length * n) / Math.max(1, x)));
      } else total = Math.max(ranked.length, Math.round(est * (nf === 0 ? 1 : ranked.length / Math.max(1, known))));
      // 3. Counts.
      const [counts, countsExact] = await this.counts(filters, browse, cands, total, exact);
      // 4. Page.
      const per = R.page, from = (Math.max(1, req.page) - 1) * per, pageDocs = [];
      if (browse && nf === 0) for (let d = from; d < Math.min(n, from + per); d++) pageDocs.push(d);
      else pageDocs.push(...ranked.slice(from, from + per));
      const page = await Promise.all(pageDocs.map((d) => this.row(d)));
      const topExact = exact || (proof !== null && provesTop(proof, q, cands, ranked, from + per));
      return { total, exact, topExact, ranked, page, counts, countsExact: countsExact && exact, query, terms };
    }

    async terms(groups) {
      const R = this.root, n = R.docs;
      if (this.cost(groups.flat().flatMap((e) => this.files(e))) <= R.budget.terms) { const l = await this.and(groups); return [l, true, l.length, null]; }
      // Over budget: cheapest groups in full within half the budget, the others
      // through their top blocks (a document outside a block is assumed to hold the
      // term at the most it can: the block's lowest impact, one less below the last
      // document holding that impact in the block, since ties went to lower documents).
      const byCost = groups.map((g, i) => [this.cost(g.flatMap((e) => this.files(e))), i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const full = [];
      let spent = 0;
      for (const [c, i] of byCost) { if (spent + c > Math.floor(R.budget.terms / 2)) break; spent += c; full.push(i); }
      const rest = [];
      let frac = 1;
      for (let i = 0; i < groups.length; i++) {
        if (full.includes(i)) continue;
        const alts = [];
        let df = 0, incomplete = false;
        for (const e of groups[i]) {
          df += e.df;
          const w = idf(e.df, n);
          if (e.top) {
            const list = await this.top(e), floor = list.reduce((m, x) => Math.min(m, x[1]), 15);
            incomplete = true;
            alts.push({ w, list, complete: false, floor, last: list.reduce((m, x) => (x[1] === floor ? Math.max(m, x[0]) : m), 0) });
          } else alts.push({ w, list: await this.postings(e), complete: true, floor: 0, last: 0 });
        }
        if (incomplete) frac *= Math.min(1, df / Math.max(1, n));
        rest.push(alts);
      }
      const bound = (a, d) => a.w * Math.max(0, a.floor - (d < a.last ? 1 : 0));
      // Proof material (reader.rs `Proof`): candidates whose score is only a bound, and
      // the bound of non-candidates by document ranges.
      const proof = { unsure: new Set(), outside: [] };
      let base, estBase;
      if (!full.length) {
        const docs = [...new Set(rest.flat().flatMap((a) => a.list.map((x) => x[0])))].sort((a, b) => a - b);
        base = docs.map((d) => [d, 0]);
        estBase = n;
        if (rest.every((alts) => alts.some((a) => !a.complete))) {
          const steps = [...new Set([0, ...rest.flat().filter((a) => !a.complete).map((a) => a.last)])].sort((a, b) => a - b);
          proof.outside = steps.map((lo) => [lo, rest.reduce((t, alts) => t + alts.filter((a) => !a.complete).reduce((m, a) => Math.max(m, bound(a, lo)), 0), 0)]);
        }
      } else { base = await this.and(full.map((i) => groups[i])); estBase = base.length; }
      const out = [];
      doc: for (let [d, s] of base) {
        let sure = true;
        for (const alts of rest) {
          let best = null, allComplete = true, b = 0;
          for (const a of alts) {
            const i = lowerBound(a.list, d);
            if (i < a.list.length && a.list[i][0] === d) best = Math.max(best ?? 0, a.w * a.list[i][1]);
            else if (!a.complete) b = Math.max(b, bound(a, d));
            allComplete = allComplete && a.complete;
          }
          if (best === null) {
            if (allComplete) continue doc;
            sure = false;
            best = b;
          } else if (b > best) sure = false;
          s += best;
        }
        if (!sure) proof.unsure.add(d);
        out.push([d, s]);
      }
      return [out, false, estBase * frac, proof];
    }

    async sets(filters, browse, q) {
      const R = this.root;
      const st = {
        runs: filters.map(() => []), loaded: filters.map((f) => f[1].map((e) => e.parts.map(() => false))), entries: filters.map((f) => f[1]), complete: true,
        member(k, d) {
          const r = this.runs[k];
          let lo = 0, hi = r.length;
          while (lo < hi) { const m = (lo + hi) >> 1; if (r[m][0] <= d) lo = m + 1; else hi = m; }
          if (lo > 0 && d < r[lo - 1][0] + r[lo - 1][1]) return true;
          for (let j = 0; j < this.entries[k].length; j++) if (!this.loaded[k][j][partOf(this.entries[k][j], d)]) return null;
          return false;
        },
        coveredUpto() {
          let x = R.docs;
          this.entries.forEach((es, k) => es.forEach((e, j) => { const p = this.loaded[k][j].indexOf(false); if (p >= 0) x = Math.min(x, e.parts[p].base); }));
          return x;
        },
        universe(nf) {
          const hits = [];
          for (const r of this.runs) { let last = -1; for (const [s, l] of r) for (let d = Math.max(s, last + 1); d < s + l; d++) { hits.push(d); last = d; } }
          hits.sort((a, b) => a - b);
          const need = Math.max(1, nf - 1), out = [];
          for (let i = 0; i < hits.length;) { let j = i; while (j < hits.length && hits[j] === hits[i]) j++; if (j - i >= need && hits[i] < R.docs) out.push(hits[i]); i = j; }
          return out;
        },
      };
      if (!filters.length) return st;
      const load = async (k, j, p) => { const e = filters[k][1][j]; runs(await this.get('p/' + e.parts[p].file + '.bin'), e.parts[p], (s, l) => st.runs[k].push([s, l])); st.loaded[k][j][p] = true; };
      if (this.cost(filters.flatMap((f) => f[1].flatMap((e) => this.files(e)))) <= R.budget.sets) {
        for (let k = 0; k < filters.length; k++) for (let j = 0; j < filters[k][1].length; j++) for (let p = 0; p < filters[k][1][j].parts.length; p++) await load(k, j, p);
      } else {
        st.complete = false;
        const order = browse ? [...new Set(filters.flatMap((f) => f[1].flatMap((e) => e.parts.map((p) => p.base))))].sort((a, b) => a - b)
          : q.slice().sort(byScore).map((x) => x[0]);
        let spent = 0;
        docs: for (const d of order) {
          for (let k = 0; k < filters.length; k++) for (let j = 0; j < filters[k][1].length; j++) {
            const e = filters[k][1][j], p = partOf(e, d);
            if (st.loaded[k][j][p]) continue;
            const c = this.cost(['p/' + e.parts[p].file + '.bin']);
            if (spent + c > R.budget.sets) break docs;
            spent += c;
            await load(k, j, p);
          }
        }
      }
      // Merge overlapping runs (a document in two chosen values of one facet).
      st.runs = st.runs.map((r) => {
        r.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        const m = [];
        for (const [s, l] of r) { const t = m[m.length - 1]; if (t && s <= t[0] + t[1]) t[1] = Math.max(t[1], s + l - t[0]); else m.push([s, l]); }
        return m;
      });
      return st;
    }

    async counts(filters, browse, cands, total, exact) {
      const R = this.root, nfacets = R.facets.length;
      const totals = R.facets.map((f) => f.totals.slice());
      if (browse && !filters.length) return [totals, true];
      const counts = totals.map((t) => t.map(() => 0));
      const fromTotals = browse && filters.length === 1 ? filters[0][0] : -1;
      const eligible = new Array(nfacets).fill(0), counted = new Array(nfacets).fill(0), chunks = new Map();
      let spent = 0, out = false;
      const ordered = cands.filter((c) => c[1] && !c[1].length).concat(cands.filter((c) => c[1] && c[1].length === 1));
      for (const [d, fails] of ordered) {
        const fs = (fails.length ? [filters[fails[0]][0]] : [...Array(nfacets).keys()]).filter((f) => f !== fromTotals);
        if (!fs.length) continue;
        fs.forEach((f) => eligible[f]++);
        const c = Math.floor(d / R.col_docs);
        if (!chunks.has(c) && !out) {
          const file = 'c/' + c + '.bin', cost = this.cost([file]);
          if (spent + cost > R.budget.col) out = true;
          else { spent += cost; chunks.set(c, decodeColumn(await this.get(file), Math.min(R.col_docs, R.docs - c * R.col_docs), nfacets)); }
        }
        const chunk = chunks.get(c);
        if (!chunk) continue;
        const vals = chunk[d % R.col_docs];
        for (const f of fs) { counted[f]++; for (const v of vals[f]) counts[f][v]++; }
      }
      const knownResults = cands.filter((c) => c[1] && !c[1].length).length;
      const scaleTotal = exact || !knownResults ? 1 : total / knownResults;
      let all = true;
      for (let f = 0; f < nfacets; f++) {
        if (f === fromTotals) { counts[f] = totals[f]; continue; }
        let s = scaleTotal;
        if (counted[f] < eligible[f]) { all = false; s *= eligible[f] / Math.max(1, counted[f]); }
        if (s !== 1) counts[f] = counts[f].map((c) => Math.round(c * s));
      }
      return [counts, all];
    }

    async row(d) {
      const R = this.root;
      const [meta, snips] = await Promise.all([this.get('m/' + Math.floor(d / R.meta_docs) + '.json', true), this.get('s/' + Math.floor(d / R.snip_docs) + '.json', true)]);
      const m = meta[d % R.meta_docs];
      return { doc: d, case: m[0], title: m[1], decisions: m[2], year: m[3], treatment: m[4], url: m[5] || R.url[0] + m[0] + R.url[1], snippet: snips[d % R.snip_docs] };
    }
  }

  // ---- the page ----
  const esc = (s) => s.replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');

  /** Snippet: the sentence around the first match, matches marked. */
  function snippet(text, match) {
    const toks = tokenSpans(text);
    const hit = toks.find((t) => match(t.t));
    let from = 0;
    if (hit && hit.s > 140) {
      const dot = text.lastIndexOf('. ', hit.s);
      from = dot >= 0 && hit.s - dot < 140 ? dot + 2 : text.indexOf(' ', hit.s - 100) + 1;
    }
    const to = Math.min(text.length, from + 220);
    let html = from > 0 ? '… ' : '', at = from;
    for (const t of toks) {
      if (t.s < from || t.e > to || !match(t.t)) continue;
      html += esc(text.slice(at, t.s)) + '<mark>' + esc(text.slice(t.s, t.e)) + '</mark>';
      at = t.e;
    }
    return html + esc(text.slice(at, to)) + (to < text.length ? ' …' : '');
  }

  function init(root) {
    const $ = (sel) => root.querySelector(sel);
    const input = $('input[type=search]') || $('input');
    const status = $('#search-status') || $('[role=status]');
    const list = $('#results');
    const facetsBox = $('#facets');
    const pager = $('#pager');
    const client = new Client(root.dataset.index || '/search/');
    const labels = new Map();
    root.querySelectorAll('[data-facet][data-value]').forEach((a) => labels.set(a.dataset.facet + '\u0001' + a.dataset.value, a.textContent.trim()));
    // A value's label: the index's (as the documents name it), else the page's facet
    // links, else the value made readable.
    let rootLabels = null;
    const label = (f, v) => {
      if (!rootLabels) {
        rootLabels = new Map();
        for (const F of client.root.facets) (F.labels || []).forEach((l, i) => { if (l) rootLabels.set(F.name + '\u0001' + F.values[i], l); });
      }
      const k = f + '\u0001' + v;
      // Values with digits (years, age bands such as 40-49) read as they are.
      return rootLabels.get(k) || labels.get(k) || (/\d/.test(v) ? v : v.replace(/[-_]/g, ' ').replace(/^./, (c) => c.toUpperCase()));
    };
    const state = { q: '', filters: new Map(), page: 1 };
    let seq = 0, timer = 0;

    function readUrl() {
      const p = new URLSearchParams(location.search);
      state.q = p.get('q') || '';
      state.page = Math.max(1, parseInt(p.get('page') || '1', 10) || 1);
      state.filters = new Map();
      for (const f of client.root.facets) { const v = p.getAll(f.name).filter(Boolean); if (v.length) state.filters.set(f.name, v); }
      input.value = state.q;
    }
    function writeUrl() {
      const p = new URLSearchParams();
      if (state.q) p.set('q', state.q);
      for (const f of client.root.facets) for (const v of state.filters.get(f.name) || []) p.append(f.name, v);
      if (state.page > 1) p.set('page', state.page);
      const s = p.toString();
      history.replaceState(null, '', location.pathname + (s ? '?' + s : '') + location.hash);
    }
    async function run() {
      const my = ++seq;
      let res;
      try {
        res = await client.search({ q: state.q, filters: [...state.filters], page: state.page });
      } catch (e) {
        status.textContent = 'search failed: ' + e.message;
        return;
      }
      if (my !== seq) return; // a newer search superseded this one
      render(res);
    }
    function render(res) {
      const R = client.root, n = res.total;
      const dec = R.facets.find((f) => f.name === 'decision'), trt = R.facets.find((f) => f.name === 'treatment');
      status.textContent = n === 0 ? 'no results' : (res.exact ? '' : 'about ') + n.toLocaleString('en-US') + (n === 1 ? ' result' : ' results');
      const words = new Set(res.terms.filter(isWord).concat(res.query.words, res.query.phrases.flat()));
      const pre = res.query.prefix;
      const match = (t) => words.has(t) || (pre !== null && t.startsWith(pre));
      list.innerHTML = res.page.map((r) => {
        const ds = dec ? dec.values.filter((_, i) => r.decisions & (1 << i)).map((v) => label('decision', v)).join(', ') : '';
        const bits = [esc(r.case), esc(ds), r.year, trt && r.treatment >= 0 ? esc(label('treatment', trt.values[r.treatment])) : ''].filter(Boolean);
        return '<li data-case="' + esc(r.case) + '"><a href="' + esc(r.url) + '">' + esc(r.title || r.case) + '</a><div class="result-meta">' + bits.join(' · ') + '</div><p class="snippet">' + snippet(r.snippet, match) + '</p></li>';
      }).join('');
      renderFacets(res);
      const pages = Math.max(1, Math.ceil(n / R.page));
      pager.innerHTML = n > R.page || state.page > 1
        ? (state.page > 1 ? '<button type="button" data-page="' + (state.page - 1) + '">Previous</button> ' : '') + '<span>Page ' + state.page + ' of ' + pages.toLocaleString('en-US') + '</span>' + (state.page < pages ? ' <button type="button" data-page="' + (state.page + 1) + '">Next</button>' : '')
        : '';
    }
    function renderFacets(res) {
      const R = client.root;
      facetsBox.innerHTML = R.facets.map((f, fi) => {
        const chosen = state.filters.get(f.name) || [];
        const vals = f.values.map((v, vi) => [v, res.counts[fi][vi]]).filter(([v, c]) => c > 0 || chosen.includes(v))
          .sort((a, b) => (f.name === 'year' ? cmp(b[0], a[0]) : b[1] - a[1] || cmp(a[0], b[0])));
        if (!vals.length) return '';
        const shown = vals.slice(0, 12).concat(vals.slice(12).filter(([v]) => chosen.includes(v)));
        const title = label('facet', f.name) === f.name ? f.name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()) : label('facet', f.name);
        return '<fieldset><legend>' + esc(title) + '</legend>' + shown.map(([v, c]) =>
          '<label><input type="checkbox" data-f="' + esc(f.name) + '" value="' + esc(v) + '"' + (chosen.includes(v) ? ' checked' : '') + '> ' + esc(label(f.name, v)) + ' <span class="count">' + (res.countsExact ? '' : '~') + c.toLocaleString('en-US') + '</span></label>').join('') + '</fieldset>';
      }).join('');
    }
    function changed(resetPage) {
      if (resetPage) state.page = 1;
      writeUrl();
      run();
    }

    input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { state.q = input.value; changed(true); }, 150); });
    root.querySelector('form')?.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); state.q = input.value; changed(true); });
    facetsBox.addEventListener('change', (e) => {
      const c = e.target;
      if (!c.dataset || !c.dataset.f) return;
      const vs = (state.filters.get(c.dataset.f) || []).filter((v) => v !== c.value);
      if (c.checked) vs.push(c.value);
      if (vs.length) state.filters.set(c.dataset.f, vs); else state.filters.delete(c.dataset.f);
      changed(true);
    });
    pager.addEventListener('click', (e) => { const p = e.target.dataset && e.target.dataset.page; if (p) { state.page = +p; changed(false); list.querySelector('a')?.focus(); } });
    // Keyboard: "/" focuses the box; arrows move through results; Escape goes back.
    document.addEventListener('keydown', (e) => {
      const links = [...list.querySelectorAll('li > a')];
      const i = links.indexOf(document.activeElement);
      const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName || '') || document.activeElement?.isContentEditable;
      if (e.key === '/' && !typing) { e.preventDefault(); input.focus(); input.select(); }
      else if (e.key === 'ArrowDown' && (document.activeElement === input || i >= 0) && links.length) { e.preventDefault(); links[Math.min(i + 1, links.length - 1)].focus(); }
      else if (e.key === 'ArrowUp' && i >= 0) { e.preventDefault(); if (i === 0) input.focus(); else links[i - 1].focus(); }
      else if (e.key === 'Escape' && i >= 0) input.focus();
    });

    client.open().then(() => { readUrl(); return run(); }).catch((e) => { status.textContent = 'search unavailable: ' + e.message; });
  }

  globalThis.casebookSearch = { tokenize, tokenSpans, parseQuery, Client, decodePage, decodeColumn };
  if (typeof document !== 'undefined') {
    const start = () => { const root = document.getElementById('search'); if (root) init(root); };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
  }
})();
