//! The streaming index builder: documents go in one at a time, in any order, from any
//! number of workers; only compact per-document data stays in memory until `finish`
//! numbers the documents and writes the files.
//!
//! What [`Builder::add`] keeps of a document (about 620 bytes for a typical synthetic
//! one of 380 words: 335 of strings, 240 of postings, 45 of facet ids; a 1M-document
//! build peaks under 1 GB, see `examples/search_bench.rs`):
//! - its postings, appended to per-term lists as varints over the insertion numbers
//!   (gap and whether tf > 1 in one varint, tf after it only when above 1);
//! - its token counts (the BM25 lengths), year, facet value ids, URL as two interned
//!   pieces around the case number;
//! - the strings the index files show: case number, title, the 280-character excerpt.
//!
//! The full text is never kept. Impacts need the average length over the whole archive,
//! so postings keep the term frequency and [`Builder::finish`] computes impacts, assigns
//! the final numbering (year → decisions → main treatment → case number, as
//! `writer` documents), remaps every list and writes exactly what the in-memory writer
//! wrote (a test compares the two byte for byte).
//!
//! Parallel use: [`Builder::par_extend`] folds a rayon iterator into one builder per
//! worker and merges them ([`Builder::merge`], which renumbers the other builder's
//! documents after this one's and appends its lists).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io;
use std::path::Path;

use rayon::prelude::*;

use super::codec::{Reader, encode_column, put_varint};
use super::format::Params;
use super::rank::impact;
use super::tokenize::{for_each_token, is_stopword, pair_key};
use super::writer::{self, CHUNK, FacetTable, TailIn, excerpt, write_file};
use super::{IndexStats, SearchDoc};

/// A term's postings so far, one varint each, `(insertion number − previous − 1) << 1 |
/// (tf > 1)`, followed by the varint `tf − 2` when `tf > 1` (most words occur once in a
/// document). Kept in segments, each decoded from its own start, so that merging
/// builders moves segments instead of copying bytes.
#[derive(Default, Clone)]
struct TermList {
    /// `(first insertion number the segment's gaps count from, bytes)`.
    segs: Vec<(u32, Vec<u8>)>,
    /// The insertion number after the last posting.
    next: u32,
    df: u32,
}

impl TermList {
    fn push(&mut self, doc: u32, tf: u32) {
        if self.segs.is_empty() {
            self.segs.push((0, Vec::new()));
        }
        let buf = &mut self.segs.last_mut().expect("a segment").1;
        let gap = u64::from(doc - self.next);
        put_varint(buf, gap << 1 | u64::from(tf > 1));
        if tf > 1 {
            put_varint(buf, u64::from(tf - 2));
        }
        self.next = doc + 1;
        self.df += 1;
    }

    /// Calls `f(insertion number, tf)` for each posting, in order.
    fn for_each(&self, mut f: impl FnMut(u32, u32)) {
        for (start, buf) in &self.segs {
            let mut r = Reader::new(buf);
            let mut next = *start;
            while !r.done() {
                let v = r.varint();
                let d = next + (v >> 1) as u32;
                let tf = if v & 1 == 1 { r.varint() as u32 + 2 } else { 1 };
                next = d + 1;
                f(d, tf);
            }
        }
    }

    /// Appends `other`, whose insertion numbers start at `offset` here.
    fn append(&mut self, other: TermList, offset: u32) {
        if other.df == 0 {
            return;
        }
        self.segs
            .extend(other.segs.into_iter().map(|(start, mut buf)| {
                buf.shrink_to_fit();
                (start + offset, buf)
            }));
        self.next = other.next + offset;
        self.df += other.df;
    }

    fn bytes(&self) -> (usize, usize) {
        self.segs
            .iter()
            .fold((0, 0), |a, (_, b)| (a.0 + b.len(), a.1 + b.capacity()))
    }
}

/// An interned string table.
#[derive(Default, Clone)]
struct Interner {
    ids: HashMap<String, u32>,
    strs: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.strs.len() as u32;
        self.ids.insert(s.to_string(), i);
        self.strs.push(s.to_string());
        i
    }
}

/// A facet value seen in some document, with the labels documents gave it.
#[derive(Clone)]
struct Value {
    facet: u32,
    value: String,
    labels: BTreeMap<String, u32>,
}

/// A records segment is closed past this size (offsets in it are `u32`); small in tests
/// so that they cross segments.
const REC_SEGMENT: usize = if cfg!(test) { 4096 } else { 1 << 30 };

/// No URL pattern: the URL is stored whole in the document's record.
const URL_LITERAL: u32 = u32::MAX;

/// Builds a search index from documents added one by one. See the module docs.
#[derive(Clone)]
pub struct Builder {
    p: Params,
    /// Documents added.
    n: u32,
    /// Per document: case number, title, excerpt and (if not patterned) URL, each
    /// varint-length-prefixed, in segment `rec_at[d].0` from offset `rec_at[d].1` to the
    /// next document's (segments, so that merging moves them instead of copying).
    recs: Vec<Vec<u8>>,
    rec_at: Vec<(u32, u32)>,
    years: Vec<i32>,
    /// `(body length, title+requests length)` in tokens.
    lens: Vec<(u32, u32)>,
    /// URL = `urls.strs[a] + case + urls.strs[b]`, or `URL_LITERAL`.
    url: Vec<(u32, u32)>,
    urls: Interner,
    /// Facet value ids of document `d`, as listed: `fac[fac_off[d]..fac_off[d + 1]]`.
    fac: Vec<u32>,
    fac_off: Vec<u64>,
    facet_names: Interner,
    /// Per facet id, value → value id.
    value_ids: Vec<HashMap<String, u32>>,
    values: Vec<Value>,
    /// Term (word or word pair) → list number (Fx: keys are the archive's own words).
    terms: rustc_hash::FxHashMap<String, u32>,
    /// Scratch: the term numbers of the document being added.
    ids: Vec<u32>,
    lists: Vec<TermList>,
    // Scratch buffers for tokenising (kept to avoid allocating per document).
    arena: String,
    spans: Vec<(u32, u32)>,
    pairs: String,
    pspans: Vec<(u32, u32)>,
}

impl Builder {
    pub fn new(params: Params) -> Builder {
        for k in [params.meta_docs, params.snip_docs, params.col_docs] {
            assert!(
                k > 0 && CHUNK.is_multiple_of(k as usize),
                "chunk sizes must divide {CHUNK}"
            );
        }
        Builder {
            p: params,
            n: 0,
            recs: Vec::new(),
            rec_at: Vec::new(),
            years: Vec::new(),
            lens: Vec::new(),
            url: Vec::new(),
            urls: Interner::default(),
            fac: Vec::new(),
            fac_off: vec![0],
            facet_names: Interner::default(),
            value_ids: Vec::new(),
            values: Vec::new(),
            terms: Default::default(),
            ids: Vec::new(),
            lists: Vec::new(),
            arena: String::new(),
            spans: Vec::new(),
            pairs: String::new(),
            pspans: Vec::new(),
        }
    }

    /// Documents added so far.
    pub fn len(&self) -> usize {
        self.n as usize
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    fn value_id(&mut self, facet: &str, value: &str) -> u32 {
        let f = self.facet_names.id(facet) as usize;
        if self.value_ids.len() <= f {
            self.value_ids.resize_with(f + 1, HashMap::new);
        }
        if let Some(&v) = self.value_ids[f].get(value) {
            return v;
        }
        let v = self.values.len() as u32;
        self.value_ids[f].insert(value.to_string(), v);
        self.values.push(Value {
            facet: f as u32,
            value: value.to_string(),
            labels: BTreeMap::new(),
        });
        v
    }

    /// Tokenises `doc` and keeps its compact form; the text itself is dropped.
    pub fn add(&mut self, doc: SearchDoc) {
        let d = self.n;
        assert!(d < (1 << 28) - 1, "document numbers must fit in 28 bits");
        self.n += 1;

        // Facets, as listed, then the year if not listed.
        for (f, v, label) in &doc.facets {
            let id = self.value_id(f, v);
            if !label.is_empty() && label != v {
                *self.values[id as usize]
                    .labels
                    .entry(label.clone())
                    .or_default() += 1;
            }
            self.fac.push(id);
        }
        if !doc.facets.iter().any(|(f, _, _)| f == "year") {
            let id = self.value_id("year", &doc.year.to_string());
            self.fac.push(id);
        }
        self.fac_off.push(self.fac.len() as u64);
        self.years.push(doc.year);

        // Strings shown in results.
        if self.recs.last().is_none_or(|r| r.len() > REC_SEGMENT) {
            self.recs.push(Vec::new());
        }
        let seg = self.recs.len() - 1;
        self.rec_at.push((seg as u32, self.recs[seg].len() as u32));
        let recs = &mut self.recs[seg];
        put_str(recs, &doc.case_number);
        put_str(recs, &doc.title);
        put_str(recs, &excerpt(&doc.text, self.p.snip_chars as usize));
        match doc.url.find(&doc.case_number) {
            Some(i) => {
                let a = self.urls.id(&doc.url[..i]);
                let b = self.urls.id(&doc.url[i + doc.case_number.len()..]);
                self.url.push((a, b));
            }
            None => {
                put_str(recs, &doc.url);
                self.url.push((URL_LITERAL, URL_LITERAL));
            }
        }

        // Postings: as `writer` does it for one document, with tf kept for later.
        self.arena.clear();
        self.spans.clear();
        self.pairs.clear();
        self.pspans.clear();
        let (arena, spans, pairs, pspans) = (
            &mut self.arena,
            &mut self.spans,
            &mut self.pairs,
            &mut self.pspans,
        );
        let field = |text: &str,
                     arena: &mut String,
                     spans: &mut Vec<(u32, u32)>,
                     pairs: &mut String,
                     pspans: &mut Vec<(u32, u32)>| {
            let mut prev: Option<(u32, u32)> = None;
            for_each_token(text, |t| {
                let s = arena.len() as u32;
                arena.push_str(t);
                let cur = (s, arena.len() as u32);
                spans.push(cur);
                if let Some((a, b)) = prev {
                    let key = pair_key(&arena[a as usize..b as usize], t);
                    let s = pairs.len() as u32;
                    pairs.push_str(&key);
                    pspans.push((s, pairs.len() as u32));
                }
                prev = Some(cur);
            });
        };
        field(&doc.title, arena, spans, pairs, pspans);
        for r in &doc.requests {
            field(r, arena, spans, pairs, pspans);
        }
        let fl = spans.len() as u32;
        for_each_token(&doc.text, |t| {
            let s = arena.len() as u32;
            arena.push_str(t);
            spans.push((s, arena.len() as u32));
        });
        let dl = spans.len() as u32;
        self.lens.push((dl, fl));
        drop(doc);
        // Term frequencies: each token's term number (one hash lookup), sorted, counted
        // in runs. Numbers are given in first-seen order, which the output never shows.
        let ids = &mut self.ids;
        ids.clear();
        for (text, sp) in [(&*arena, &*spans), (&*pairs, &*pspans)] {
            for &(a, b) in sp {
                let t = &text[a as usize..b as usize];
                let id = match self.terms.get(t) {
                    Some(&id) => id,
                    None if is_stopword(t) => continue,
                    None => {
                        let id = self.lists.len() as u32;
                        self.terms.insert(t.to_string(), id);
                        self.lists.push(TermList::default());
                        id
                    }
                };
                ids.push(id);
            }
        }
        ids.sort_unstable();
        for run in ids.chunk_by(|a, b| a == b) {
            self.lists[run[0] as usize].push(d, run.len() as u32);
        }
    }

    /// Adds every document of `docs`, tokenising on rayon's workers (one builder per
    /// worker, merged in the iterator's order).
    pub fn par_extend<I>(&mut self, docs: I)
    where
        I: IntoParallelIterator<Item = SearchDoc>,
    {
        let p = self.p.clone();
        let other = docs
            .into_par_iter()
            .fold(
                || Builder::new(p.clone()),
                |mut b, d| {
                    b.add(d);
                    b
                },
            )
            .reduce(
                || Builder::new(p.clone()),
                |mut a, b| {
                    a.merge(b);
                    a
                },
            );
        self.merge(other);
    }

    /// Appends `other`'s documents after this builder's (as if added here after them).
    pub fn merge(&mut self, other: Builder) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 && self.p == other.p {
            *self = other;
            return;
        }
        let offset = self.n;
        assert!(
            (u64::from(offset) + u64::from(other.n)) < (1 << 28) - 1,
            "document numbers must fit in 28 bits"
        );
        // Facet values and URL pieces: other's ids → ours; labels add up.
        let mut vmap = Vec::with_capacity(other.values.len());
        for v in other.values {
            let id = self.value_id(&other.facet_names.strs[v.facet as usize], &v.value);
            for (l, c) in v.labels {
                *self.values[id as usize].labels.entry(l).or_default() += c;
            }
            vmap.push(id);
        }
        let umap: Vec<u32> = other.urls.strs.iter().map(|s| self.urls.id(s)).collect();
        let base = self.fac.len() as u64;
        self.fac.extend(other.fac.iter().map(|&v| vmap[v as usize]));
        self.fac_off
            .extend(other.fac_off[1..].iter().map(|&o| o + base));
        let base = self.recs.len() as u32;
        self.recs.extend(other.recs.into_iter().map(|mut r| {
            r.shrink_to_fit();
            r
        }));
        self.rec_at
            .extend(other.rec_at.iter().map(|&(s, o)| (s + base, o)));
        self.years.extend_from_slice(&other.years);
        self.lens.extend_from_slice(&other.lens);
        self.url.extend(other.url.iter().map(|&(a, b)| {
            if a == URL_LITERAL {
                (a, b)
            } else {
                (umap[a as usize], umap[b as usize])
            }
        }));
        // Term lists, appended with their first gap rebased.
        let mut lists: Vec<Option<TermList>> = other.lists.into_iter().map(Some).collect();
        // The order terms are visited in only decides their numbers here, which the
        // output never shows (the dictionary is written in key order).
        #[allow(clippy::iter_over_hash_type)]
        for (key, i) in other.terms {
            let list = lists[i as usize].take().expect("each term once");
            match self.terms.get(&key) {
                Some(&id) => self.lists[id as usize].append(list, offset),
                None => {
                    let id = self.lists.len() as u32;
                    self.terms.insert(key, id);
                    let mut l = TermList::default();
                    l.append(list, offset);
                    self.lists.push(l);
                }
            }
        }
        self.n += other.n;
    }

    /// The strings of document `d`'s record: case number, title, excerpt, literal URL.
    fn rec(&self, d: usize) -> Rec<'_> {
        let (seg, start) = self.rec_at[d];
        let recs = &self.recs[seg as usize];
        let end = match self.rec_at.get(d + 1) {
            Some(&(s, o)) if s == seg => o as usize,
            _ => recs.len(),
        };
        let b = &recs[start as usize..end];
        let mut r = Reader::new(b);
        let case = get_str(&mut r);
        let title = get_str(&mut r);
        let excerpt = get_str(&mut r);
        let url = (!r.done()).then(|| get_str(&mut r));
        Rec {
            case,
            title,
            excerpt,
            url,
        }
    }

    fn url_of(&self, d: usize, rec: &Rec) -> String {
        match (self.url[d], rec.url) {
            (_, Some(u)) => u.to_string(),
            ((a, b), None) => format!(
                "{}{}{}",
                self.urls.strs[a as usize], rec.case, self.urls.strs[b as usize]
            ),
        }
    }

    /// Numbers the documents, writes every index file under `out`, and returns what was
    /// written.
    pub fn finish(self, out: &Path) -> io::Result<IndexStats> {
        let timer = std::time::Instant::now();
        let lap = |what: &str| {
            if std::env::var_os("CASEBOOK_SEARCH_TIMING").is_some() {
                eprintln!("search index: {what} at {:.2?}", timer.elapsed());
            }
        };
        let n = self.n as usize;
        let p = &self.p;
        if std::env::var_os("CASEBOOK_SEARCH_TIMING").is_some() {
            let mb = |b: usize| b as f64 / 1e6;
            let (len, cap) = self.lists.iter().fold((0, 0), |a, l| {
                let (x, y) = l.bytes();
                (a.0 + x, a.1 + y)
            });
            eprintln!(
                "search index: {n} documents held in {:.1} MB of postings ({:.1} MB allocated), \
                 {:.1} MB of records, {:.1} MB of facet ids; {} terms",
                mb(len),
                mb(cap),
                mb(self.recs.iter().map(Vec::len).sum()),
                mb(self.fac.len() * 4 + self.fac_off.len() * 8),
                self.lists.len()
            );
        }

        // Facets: names in the root's order, values sorted; local id → (facet, value).
        let present: BTreeSet<&str> = self
            .values
            .iter()
            .map(|v| self.facet_names.strs[v.facet as usize].as_str())
            .collect();
        let names = writer::facet_order(present.iter().copied());
        let fidx: HashMap<&str, usize> = names
            .iter()
            .enumerate()
            .map(|(i, s)| (s.as_str(), i))
            .collect();
        let mut values: Vec<Vec<String>> = vec![Vec::new(); names.len()];
        for v in &self.values {
            values[fidx[self.facet_names.strs[v.facet as usize].as_str()]].push(v.value.clone());
        }
        for v in &mut values {
            v.sort_unstable();
        }
        let vmap: Vec<(u8, u32)> = self
            .values
            .iter()
            .map(|v| {
                let f = fidx[self.facet_names.strs[v.facet as usize].as_str()];
                let id = values[f].binary_search(&v.value).expect("value listed") as u32;
                (f as u8, id)
            })
            .collect();
        let mut labels: Vec<Vec<String>> = values
            .iter()
            .map(|v| vec![String::new(); v.len()])
            .collect();
        for (i, v) in self.values.iter().enumerate() {
            let (f, id) = vmap[i];
            labels[f as usize][id as usize] = writer::choose_label(&v.labels);
        }
        let decision_f = fidx.get("decision").copied();
        let treatment_f = fidx.get("treatment").copied();
        lap("facets");

        // Numbering.
        let main_treatment = |d: usize| -> Option<u32> {
            let t = treatment_f?;
            self.fac[self.fac_off[d] as usize..self.fac_off[d + 1] as usize]
                .iter()
                .map(|&v| vmap[v as usize])
                .find(|&(f, _)| f as usize == t)
                .map(|(_, id)| id)
        };
        let dec_set = |d: usize| -> Vec<u32> {
            let mut s: Vec<u32> = self.fac[self.fac_off[d] as usize..self.fac_off[d + 1] as usize]
                .iter()
                .map(|&v| vmap[v as usize])
                .filter(|&(f, _)| Some(f as usize) == decision_f)
                .map(|(_, id)| id)
                .collect();
            s.sort_unstable();
            s.dedup();
            s
        };
        // Decision sets ranked by their joined names, as the in-memory writer sorts.
        let sets: Vec<Vec<u32>> = (0..n).into_par_iter().map(dec_set).collect();
        let distinct: BTreeSet<&Vec<u32>> = sets.iter().collect();
        let mut joined: Vec<(String, &Vec<u32>)> = distinct
            .into_iter()
            .map(|s| {
                let names: Vec<&str> = s
                    .iter()
                    .map(|&i| values[decision_f.unwrap_or(0)][i as usize].as_str())
                    .collect();
                (names.join("\u{1}"), s)
            })
            .collect();
        joined.sort();
        let dec_rank: HashMap<&Vec<u32>, u32> = joined
            .iter()
            .enumerate()
            .map(|(i, (_, s))| (*s, i as u32))
            .collect();
        // The main treatment's value, with "" (none) first.
        let keys: Vec<(std::cmp::Reverse<i32>, u32, u32)> = (0..n)
            .into_par_iter()
            .map(|d| {
                let t = match (main_treatment(d), treatment_f) {
                    (Some(id), Some(tf)) if !values[tf][id as usize].is_empty() => id + 1,
                    _ => 0,
                };
                (std::cmp::Reverse(self.years[d]), dec_rank[&sets[d]], t)
            })
            .collect();
        drop(dec_rank);
        drop(joined);
        drop(sets);
        let mut perm: Vec<u32> = (0..n as u32).collect();
        perm.par_sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            keys[a].cmp(&keys[b]).then_with(|| {
                let (ra, rb) = (self.rec(a), self.rec(b));
                ra.case
                    .cmp(rb.case)
                    .then_with(|| self.url_of(a, &ra).cmp(&self.url_of(b, &rb)))
                    .then_with(|| ra.title.cmp(rb.title))
            })
        });
        drop(keys);
        let mut rank = vec![0u32; n];
        for (i, &d) in perm.iter().enumerate() {
            rank[d as usize] = i as u32;
        }
        lap("ordered");

        // The facet table in final order, as the in-memory writer builds it.
        let mut off = Vec::with_capacity(n + 1);
        let mut vals: Vec<(u8, u32)> = Vec::with_capacity(self.fac.len());
        off.push(0u32);
        for &d in &perm {
            let d = d as usize;
            let start = vals.len();
            vals.extend(
                self.fac[self.fac_off[d] as usize..self.fac_off[d + 1] as usize]
                    .iter()
                    .map(|&v| vmap[v as usize]),
            );
            let main = treatment_f.and_then(|t| main_treatment(d).map(|id| (t as u8, id)));
            writer::sort_doc_values(&mut vals, start, main);
            off.push(vals.len() as u32);
        }
        let facets = FacetTable {
            names,
            values,
            off,
            vals,
        };

        let url = perm
            .iter()
            .find_map(|&d| {
                let (a, b) = self.url[d as usize];
                (a != URL_LITERAL).then(|| {
                    (
                        self.urls.strs[a as usize].clone(),
                        self.urls.strs[b as usize].clone(),
                    )
                })
            })
            .unwrap_or_else(|| ("/determinations/".into(), "/".into()));

        for sub in ["d", "p", "t", "c", "m", "s"] {
            std::fs::create_dir_all(out.join(sub))?;
        }

        // Per-document files, chunk by chunk in parallel.
        let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
        let sizes = starts
            .par_iter()
            .map(|&s| self.doc_files(&facets, &perm, &url, out, s, (s + CHUNK).min(n)))
            .collect::<io::Result<Vec<_>>>()?;
        let (mut files, mut bytes, mut col_bytes, mut col_files) = (0, 0, 0, 0);
        for (f, b, cb, cf) in sizes {
            files += f;
            bytes += b;
            col_bytes += cb;
            col_files += cf;
        }
        lap("document files");

        // Terms: keys, and lists remapped to final numbers with impacts, on demand.
        let total =
            |f: fn(&(u32, u32)) -> u32| -> u64 { self.lens.iter().map(|l| u64::from(f(l))).sum() };
        let (avg_dl, avg_fl) = if n == 0 {
            (0.0, 0.0)
        } else {
            (
                total(|l| l.0) as f64 / n as f64,
                total(|l| l.1) as f64 / n as f64,
            )
        };
        let mut keys: Vec<String> = vec![String::new(); self.lists.len()];
        let Builder {
            terms, lists, lens, ..
        } = self;
        let mut pair = vec![false; lists.len()];
        // Placed by number: the visiting order does not matter.
        #[allow(clippy::iter_over_hash_type)]
        for (k, i) in terms {
            pair[i as usize] = k.contains(' ');
            keys[i as usize] = k;
        }
        let dfs: Vec<u32> = lists.iter().map(|l| l.df).collect();
        let mut lists: Vec<TermList> = lists;
        let provider = |batch: &[usize]| -> Vec<Vec<u32>> {
            let taken: Vec<(usize, TermList)> = batch
                .iter()
                .map(|&i| (i, std::mem::take(&mut lists[i])))
                .collect();
            taken
                .into_par_iter()
                .map(|(i, l)| {
                    let avg = if pair[i] { avg_fl } else { avg_dl };
                    let mut out = Vec::with_capacity(l.df as usize);
                    l.for_each(|d, tf| {
                        let (dl, fl) = lens[d as usize];
                        let q = impact(tf, if pair[i] { fl } else { dl }, avg);
                        out.push((rank[d as usize] << 4) | u32::from(q));
                    });
                    out.sort_unstable();
                    out
                })
                .collect()
        };
        writer::write_tail(
            TailIn {
                p,
                out,
                n,
                facets: &facets,
                labels,
                keys,
                dfs,
                url,
                files,
                bytes,
                col_bytes,
                col_files,
            },
            provider,
            &lap,
        )
    }

    /// Writes the metadata, snippet and facet column files of final documents
    /// `start..end`: `(files, bytes, column bytes, column files)`.
    fn doc_files(
        &self,
        facets: &FacetTable,
        perm: &[u32],
        url: &(String, String),
        out: &Path,
        start: usize,
        end: usize,
    ) -> io::Result<(usize, u64, u64, usize)> {
        let p = &self.p;
        let (mut files, mut bytes) = (0usize, 0u64);
        let decision_f = facets.names.iter().position(|f| f == "decision");
        let treatment_f = facets.names.iter().position(|f| f == "treatment");
        for m in (start..end).step_by(p.meta_docs as usize) {
            let e = (m + p.meta_docs as usize).min(end);
            let rows: Vec<serde_json::Value> = (m..e)
                .map(|i| {
                    let d = perm[i] as usize;
                    let rec = self.rec(d);
                    let mut mask = 0u64;
                    for &(f, v) in facets.doc(i) {
                        if Some(f as usize) == decision_f && v < 63 {
                            mask |= 1 << v;
                        }
                    }
                    // The first treatment as the author listed it.
                    let trt: i64 = treatment_f
                        .and_then(|t| {
                            let name = &facets.names[t];
                            self.fac[self.fac_off[d] as usize..self.fac_off[d + 1] as usize]
                                .iter()
                                .map(|&v| &self.values[v as usize])
                                .find(|v| &self.facet_names.strs[v.facet as usize] == name)
                                .map(|v| {
                                    facets.values[t]
                                        .binary_search(&v.value)
                                        .map_or(-1, |i| i as i64)
                                })
                        })
                        .unwrap_or(-1);
                    let u = self.url_of(d, &rec);
                    writer::meta_row_of(rec.case, rec.title, mask, self.years[d], trt, &u, url)
                })
                .collect();
            let s = serde_json::to_string(&rows).map_err(io::Error::other)?;
            bytes += write_file(
                &out.join(format!("m/{}.json", m / p.meta_docs as usize)),
                s.as_bytes(),
            )?;
            files += 1;
        }
        for m in (start..end).step_by(p.snip_docs as usize) {
            let e = (m + p.snip_docs as usize).min(end);
            let rows: Vec<&str> = (m..e).map(|i| self.rec(perm[i] as usize).excerpt).collect();
            let s = serde_json::to_string(&rows).map_err(io::Error::other)?;
            bytes += write_file(
                &out.join(format!("s/{}.json", m / p.snip_docs as usize)),
                s.as_bytes(),
            )?;
            files += 1;
        }
        let (mut col_bytes, mut col_files) = (0u64, 0usize);
        for m in (start..end).step_by(p.col_docs as usize) {
            let e = (m + p.col_docs as usize).min(end);
            let sets: Vec<Vec<Vec<u32>>> = (m..e).map(|i| facets.doc_sets(i)).collect();
            let b = encode_column(&sets, facets.names.len());
            col_bytes += write_file(&out.join(format!("c/{}.bin", m / p.col_docs as usize)), &b)?;
            col_files += 1;
        }
        Ok((files + col_files, bytes + col_bytes, col_bytes, col_files))
    }
}

struct Rec<'a> {
    case: &'a str,
    title: &'a str,
    excerpt: &'a str,
    url: Option<&'a str>,
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    put_varint(buf, s.len() as u64);
    buf.extend_from_slice(s.as_bytes());
}

fn get_str<'a>(r: &mut Reader<'a>) -> &'a str {
    let n = r.varint() as usize;
    std::str::from_utf8(r.bytes(n)).expect("records hold UTF-8")
}

#[cfg(test)]
mod tests {
    use super::TermList;

    #[test]
    fn term_lists_round_trip_and_append_with_an_offset() {
        let a_in = [(0, 1), (1, 3), (200, 1), (70_000, 300)];
        let b_in = [(5, 2), (6, 1), (1_000_000, 1)];
        let mut a = TermList::default();
        for (d, tf) in a_in {
            a.push(d, tf);
        }
        let mut b = TermList::default();
        for (d, tf) in b_in {
            b.push(d, tf);
        }
        // One byte for a small gap with tf 1.
        let mut one = TermList::default();
        one.push(3, 1);
        assert_eq!(one.bytes().0, 1);
        a.append(b, 80_000);
        let mut got = Vec::new();
        a.for_each(|d, tf| got.push((d, tf)));
        let want: Vec<(u32, u32)> = a_in
            .into_iter()
            .chain(b_in.into_iter().map(|(d, tf)| (d + 80_000, tf)))
            .collect();
        assert_eq!(got, want);
        assert_eq!(a.df, 7);
        assert_eq!(a.next, 1_080_001);
    }
}
