//! Writes the index files: the parts shared by every build (the dictionary, shards, top
//! blocks and root: [`write_tail`]; metadata rows, facet ordering, labels), and, for
//! tests, the in-memory writer the streaming [`super::Builder`] replaced
//! (`write_index_reference`), whose output the builder's is compared with byte for byte.
//!
//! The in-memory writer numbers the documents first, then tokenises chunks of [`CHUNK`]
//! documents in parallel, writing each chunk's per-document files (metadata, snippets,
//! facet column) and merging chunk postings in order. [`write_tail`] streams lists to
//! shards in key order, asking for them in batches of about [`BATCH_POSTINGS`]
//! postings, so only a batch of decoded lists is in memory at once.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

use super::IndexStats;
use super::codec::{posting_len, put_posting, put_run, put_varint, runs, varint_len};
use super::format::{Budget, Params, Root, RootFacet, facet_key};
use rayon::prelude::*;
#[cfg(test)]
use {
    super::SearchDoc,
    super::codec::encode_column,
    super::rank::impact,
    super::tokenize::{for_each_token, is_stopword, pair_key},
    std::collections::HashMap,
};

/// Documents per unit of parallel work; a multiple of every per-document chunk size.
pub const CHUNK: usize = 4096;

/// Facets in the order the root lists them; others follow, sorted.
const KNOWN_FACETS: &[&str] = &[
    "decision",
    "treatment",
    "guideline",
    "specialty",
    "year",
    "age_band",
    "sex",
    "body_region",
];

pub(super) fn write_file(path: &Path, data: &[u8]) -> io::Result<u64> {
    std::fs::write(path, data)?;
    Ok(data.len() as u64)
}

/// Per-document values of every facet, flattened: `vals[off[d]..off[d + 1]]` holds
/// `(facet, value id)` grouped by facet. One flat vector instead of nested ones because at 1M
/// documents eight small vectors per document would cost more than the values.
pub(super) struct FacetTable {
    pub names: Vec<String>,
    pub values: Vec<Vec<String>>,
    pub off: Vec<u32>,
    pub vals: Vec<(u8, u32)>,
}

impl FacetTable {
    pub fn doc(&self, d: usize) -> &[(u8, u32)] {
        &self.vals[self.off[d] as usize..self.off[d + 1] as usize]
    }
    pub fn doc_sets(&self, d: usize) -> Vec<Vec<u32>> {
        let mut sets = vec![Vec::new(); self.names.len()];
        for &(f, v) in self.doc(d) {
            sets[f as usize].push(v);
        }
        sets
    }
}

/// Facet names in the root's order: the known ones first, others sorted.
pub(super) fn facet_order<'a>(present: impl Iterator<Item = &'a str>) -> Vec<String> {
    let present: BTreeSet<&str> = present.collect();
    let mut names: Vec<String> = KNOWN_FACETS
        .iter()
        .filter(|n| present.contains(**n))
        .map(|n| n.to_string())
        .collect();
    for n in present {
        if !KNOWN_FACETS.contains(&n) {
            names.push(n.to_string());
        }
    }
    names
}

/// Sorts one document's `(facet, value)` ids from `start` on and drops repeats: grouped
/// by facet, values sorted, except that the main (first-listed) treatment leads:
/// documents are numbered by it, so it forms runs.
pub(super) fn sort_doc_values(vals: &mut Vec<(u8, u32)>, start: usize, main: Option<(u8, u32)>) {
    vals[start..].sort_unstable_by_key(|&x| (x.0, Some(x) != main, x.1));
    let mut w = start;
    for r in start..vals.len() {
        if r == start || vals[r] != vals[w - 1] {
            vals[w] = vals[r];
            w += 1;
        }
    }
    vals.truncate(w);
}

/// The label shown for a facet value: the one documents give it most often (ties: the
/// smallest), or "" when none differs from the value.
pub(super) fn choose_label(counts: &BTreeMap<String, u32>) -> String {
    let mut best: Option<(&String, u32)> = None;
    for (l, &c) in counts {
        if best.is_none_or(|(_, bc)| c > bc) {
            best = Some((l, c));
        }
    }
    best.map_or(String::new(), |(l, _)| l.clone())
}

#[cfg(test)]
fn build_facets(docs: &[SearchDoc]) -> (FacetTable, Vec<Vec<String>>) {
    let mut by_name: BTreeMap<&str, BTreeMap<&str, BTreeMap<String, u32>>> = BTreeMap::new();
    for d in docs {
        for (f, v, l) in &d.facets {
            let labels = by_name.entry(f).or_default().entry(v).or_default();
            if !l.is_empty() && l != v {
                *labels.entry(l.clone()).or_default() += 1;
            }
        }
    }
    let names = facet_order(by_name.keys().copied());
    let values: Vec<Vec<String>> = names
        .iter()
        .map(|n| by_name[n.as_str()].keys().map(|v| v.to_string()).collect())
        .collect();
    let labels: Vec<Vec<String>> = names
        .iter()
        .map(|n| by_name[n.as_str()].values().map(choose_label).collect())
        .collect();
    let index: BTreeMap<(&str, &str), (u8, u32)> = names
        .iter()
        .enumerate()
        .flat_map(|(fi, n)| {
            values[fi]
                .iter()
                .enumerate()
                .map(move |(vi, v)| ((n.as_str(), v.as_str()), (fi as u8, vi as u32)))
        })
        .collect();
    let mut off = Vec::with_capacity(docs.len() + 1);
    let mut vals = Vec::new();
    off.push(0);
    for d in docs {
        let start = vals.len();
        for (f, v, _) in &d.facets {
            vals.push(index[&(f.as_str(), v.as_str())]);
        }
        let main = d
            .facets
            .iter()
            .find(|(f, _, _)| f == "treatment")
            .map(|(f, v, _)| index[&(f.as_str(), v.as_str())]);
        sort_doc_values(&mut vals, start, main);
        off.push(vals.len() as u32);
    }
    (
        FacetTable {
            names,
            values,
            off,
            vals,
        },
        labels,
    )
}

/// The sort key that numbers documents: newest year first, then by decision set, then by
/// first treatment, so that each (year, decision) is one run of documents and treatments
/// cluster inside it: postings gaps shrink and facet sets become a few runs.
#[cfg(test)]
type OrderKey<'a> = (
    std::cmp::Reverse<i32>,
    String,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
);

#[cfg(test)]
pub(crate) fn order_docs(docs: &mut Vec<SearchDoc>) {
    // Keys computed once: comparing through the facet lists would allocate in every
    // comparison, and there are ~20M comparisons at 1M documents.
    let keys: Vec<OrderKey> = docs
        .par_iter()
        .map(|d| {
            let mut dec: Vec<&str> = d
                .facets
                .iter()
                .filter(|(f, _, _)| f == "decision")
                .map(|(_, v, _)| v.as_str())
                .collect();
            dec.sort_unstable();
            dec.dedup();
            let treatment = d
                .facets
                .iter()
                .find(|(f, _, _)| f == "treatment")
                .map_or("", |(_, v, _)| v.as_str());
            (
                std::cmp::Reverse(d.year),
                dec.join("\u{1}"),
                treatment,
                d.case_number.as_str(),
                d.url.as_str(),
                d.title.as_str(),
            )
        })
        .collect();
    let mut idx: Vec<u32> = (0..docs.len() as u32).collect();
    idx.par_sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
    drop(keys);
    let mut slots: Vec<Option<SearchDoc>> = std::mem::take(docs).into_iter().map(Some).collect();
    *docs = idx
        .into_iter()
        .map(|i| slots[i as usize].take().expect("each document once"))
        .collect();
}

/// Counts the tokens of the indexed fields: `(body length, title+requests length)`.
#[cfg(test)]
fn lengths(d: &SearchDoc) -> (u32, u32) {
    let mut fl = 0u32;
    for_each_token(&d.title, |_| fl += 1);
    for r in &d.requests {
        for_each_token(r, |_| fl += 1);
    }
    let mut dl = fl;
    for_each_token(&d.text, |_| dl += 1);
    (dl, fl)
}

/// The excerpt stored for snippets: the first ~`chars` characters, whitespace collapsed,
/// cut at a word boundary. The client picks the sentence around a match from it.
pub fn excerpt(text: &str, chars: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for w in text.split_whitespace() {
        let wl = w.chars().count();
        if n > 0 && n + 1 + wl > chars {
            break;
        }
        if n > 0 {
            out.push(' ');
            n += 1;
        }
        if wl > chars {
            out.extend(w.chars().take(chars));
            break;
        }
        out.push_str(w);
        n += wl;
    }
    out
}

/// What a chunk worker hands back: its postings in first-seen order, and bytes written.
#[cfg(test)]
struct ChunkOut {
    terms: Vec<(String, Vec<u32>)>,
    files: usize,
    bytes: u64,
    col_bytes: u64,
    col_files: usize,
}

#[cfg(test)]
struct Ctx<'a> {
    docs: &'a [SearchDoc],
    facets: &'a FacetTable,
    lens: &'a [(u32, u32)],
    avg_dl: f64,
    avg_fl: f64,
    p: &'a Params,
    out: &'a Path,
    url: &'a (String, String),
    decision_facet: Option<usize>,
    treatment_facet: Option<usize>,
}

#[cfg(test)]
fn chunk_work(cx: &Ctx, start: usize, end: usize) -> io::Result<ChunkOut> {
    let p = cx.p;
    let mut local: HashMap<String, u32> = HashMap::new();
    let mut terms: Vec<(String, Vec<u32>)> = Vec::new();
    let mut arena = String::new();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    let mut pairs = String::new();
    let mut pspans: Vec<(u32, u32)> = Vec::new();
    let mut files = 0usize;
    let mut bytes = 0u64;
    let mut add =
        |key: &str, posting: u32, terms: &mut Vec<(String, Vec<u32>)>| match local.get(key) {
            Some(&i) => terms[i as usize].1.push(posting),
            None => {
                local.insert(key.to_string(), terms.len() as u32);
                terms.push((key.to_string(), vec![posting]));
            }
        };
    for d in start..end {
        let doc = &cx.docs[d];
        arena.clear();
        spans.clear();
        pairs.clear();
        pspans.clear();
        let push = |t: &str, arena: &mut String, spans: &mut Vec<(u32, u32)>| {
            let s = arena.len() as u32;
            arena.push_str(t);
            spans.push((s, arena.len() as u32));
        };
        // Word pairs come from the title and each request separately, so a phrase
        // never matches across two requests.
        let field = |text: &str,
                     arena: &mut String,
                     spans: &mut Vec<(u32, u32)>,
                     pairs: &mut String,
                     pspans: &mut Vec<(u32, u32)>| {
            let mut prev: Option<(u32, u32)> = None;
            for_each_token(text, |t| {
                push(t, arena, spans);
                let cur = *spans.last().unwrap();
                if let Some((a, b)) = prev {
                    let key = pair_key(&arena[a as usize..b as usize], t);
                    let s = pairs.len() as u32;
                    pairs.push_str(&key);
                    pspans.push((s, pairs.len() as u32));
                }
                prev = Some(cur);
            });
        };
        field(&doc.title, &mut arena, &mut spans, &mut pairs, &mut pspans);
        for r in &doc.requests {
            field(r, &mut arena, &mut spans, &mut pairs, &mut pspans);
        }
        for_each_token(&doc.text, |t| push(t, &mut arena, &mut spans));
        let (dl, fl) = cx.lens[d];
        for (text, sp, len, avg) in [
            (&arena, &mut spans, dl, cx.avg_dl),
            (&pairs, &mut pspans, fl, cx.avg_fl),
        ] {
            sp.sort_unstable_by(|a, b| {
                text[a.0 as usize..a.1 as usize].cmp(&text[b.0 as usize..b.1 as usize])
            });
            let mut i = 0;
            while i < sp.len() {
                let t = &text[sp[i].0 as usize..sp[i].1 as usize];
                let mut j = i + 1;
                while j < sp.len() && &text[sp[j].0 as usize..sp[j].1 as usize] == t {
                    j += 1;
                }
                if !is_stopword(t) {
                    let q = impact((j - i) as u32, len, avg);
                    add(t, ((d as u32) << 4) | u32::from(q), &mut terms);
                }
                i = j;
            }
        }
    }
    // Per-document files of this chunk. CHUNK is a multiple of each chunk size, so
    // chunk boundaries never split a file.
    let dir = cx.out;
    for m in (start..end).step_by(p.meta_docs as usize) {
        let e = (m + p.meta_docs as usize).min(end);
        let rows: Vec<serde_json::Value> = (m..e).map(|d| meta_row(cx, d)).collect();
        let s = serde_json::to_string(&rows).map_err(io::Error::other)?;
        bytes += write_file(
            &dir.join(format!("m/{}.json", m / p.meta_docs as usize)),
            s.as_bytes(),
        )?;
        files += 1;
    }
    for m in (start..end).step_by(p.snip_docs as usize) {
        let e = (m + p.snip_docs as usize).min(end);
        let rows: Vec<String> = (m..e)
            .map(|d| excerpt(&cx.docs[d].text, p.snip_chars as usize))
            .collect();
        let s = serde_json::to_string(&rows).map_err(io::Error::other)?;
        bytes += write_file(
            &dir.join(format!("s/{}.json", m / p.snip_docs as usize)),
            s.as_bytes(),
        )?;
        files += 1;
    }
    let mut col_bytes = 0;
    let mut col_files = 0;
    for m in (start..end).step_by(p.col_docs as usize) {
        let e = (m + p.col_docs as usize).min(end);
        let sets: Vec<Vec<Vec<u32>>> = (m..e).map(|d| cx.facets.doc_sets(d)).collect();
        let b = encode_column(&sets, cx.facets.names.len());
        let n = write_file(&dir.join(format!("c/{}.bin", m / p.col_docs as usize)), &b)?;
        col_bytes += n;
        col_files += 1;
    }
    Ok(ChunkOut {
        terms,
        files: files + col_files,
        bytes: bytes + col_bytes,
        col_bytes,
        col_files,
    })
}

/// `[case, title, decision bit mask, year, first treatment id or -1, url if unusual]`.
#[cfg(test)]
fn meta_row(cx: &Ctx, d: usize) -> serde_json::Value {
    let doc = &cx.docs[d];
    let mut mask = 0u64;
    let mut trt: i64 = -1;
    for &(f, v) in cx.facets.doc(d) {
        if Some(f as usize) == cx.decision_facet && v < 63 {
            mask |= 1 << v;
        }
    }
    if let Some(tf) = cx.treatment_facet {
        // The first treatment as the author listed it, not the smallest id.
        if let Some((_, v, _)) = doc.facets.iter().find(|(f, _, _)| f == "treatment") {
            trt = cx.facets.values[tf]
                .binary_search(v)
                .map_or(-1, |i| i as i64);
        }
    }
    meta_row_of(
        &doc.case_number,
        &doc.title,
        mask,
        doc.year,
        trt,
        &doc.url,
        cx.url,
    )
}

/// A metadata row: `[case, title, decision bit mask, year, first treatment id or -1, url
/// if it does not follow the pattern]`.
pub(super) fn meta_row_of(
    case: &str,
    title: &str,
    mask: u64,
    year: i32,
    trt: i64,
    url: &str,
    pattern: &(String, String),
) -> serde_json::Value {
    let mut row = vec![
        serde_json::Value::from(case),
        serde_json::Value::from(title),
        serde_json::Value::from(mask),
        serde_json::Value::from(year),
        serde_json::Value::from(trt),
    ];
    if url != format!("{}{}{}", pattern.0, case, pattern.1) {
        row.push(serde_json::Value::from(url));
    }
    serde_json::Value::Array(row)
}

/// Where one piece of a list lives: file number, byte offset and length in it, and the
/// first document the piece may hold (`base`), which is also what gaps start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    pub file: u32,
    pub off: u32,
    pub len: u32,
    pub base: u32,
}

/// Packs lists into files of at most `cap` bytes, streaming.
struct Packer {
    kind: &'static str,
    cap: usize,
    id: u32,
    buf: Vec<u8>,
    files: usize,
    bytes: u64,
}

impl Packer {
    fn new(kind: &'static str, cap: usize) -> Self {
        Packer {
            kind,
            cap,
            id: 0,
            buf: Vec::new(),
            files: 0,
            bytes: 0,
        }
    }

    fn flush(&mut self, out: &Path) -> io::Result<()> {
        if !self.buf.is_empty() {
            self.bytes += write_file(
                &out.join(format!("{}/{}.bin", self.kind, self.id)),
                &self.buf,
            )?;
            self.files += 1;
            self.id += 1;
            self.buf.clear();
        }
        Ok(())
    }

    /// Places items whose encoded sizes `size(prev, item)` are known ahead, splitting
    /// between items when a file fills. A list that fits in one file never straddles
    /// two (it starts a fresh file instead), so a rare term costs one fetch; a list
    /// bigger than a file fills the current one and continues.
    fn place<T: Copy>(
        &mut self,
        out: &Path,
        items: &[T],
        enc: &impl Encoding<T>,
    ) -> io::Result<Vec<Part>> {
        let total: usize = {
            let mut prev = enc.prev_of_base(0);
            items
                .iter()
                .map(|&it| {
                    let s = enc.size(prev, it);
                    prev = enc.after(it);
                    s
                })
                .sum()
        };
        if total <= self.cap && self.buf.len() + total > self.cap {
            self.flush(out)?;
        }
        let mut parts = Vec::new();
        let mut start = self.buf.len();
        let mut base = 0u32;
        let mut prev = enc.prev_of_base(0);
        for &it in items {
            if self.buf.len() + enc.size(prev, it) > self.cap && !self.buf.is_empty() {
                if self.buf.len() > start {
                    parts.push(Part {
                        file: self.id,
                        off: start as u32,
                        len: (self.buf.len() - start) as u32,
                        base,
                    });
                    base = enc.base_after(prev);
                    prev = enc.prev_of_base(base);
                }
                self.flush(out)?;
                start = 0;
            }
            enc.put(&mut self.buf, prev, it);
            prev = enc.after(it);
        }
        parts.push(Part {
            file: self.id,
            off: start as u32,
            len: (self.buf.len() - start) as u32,
            base,
        });
        if self.buf.len() >= self.cap {
            self.flush(out)?;
        }
        Ok(parts)
    }
}

/// How one kind of list is delta-coded. `prev` is the decoder's state before an item:
/// the previous document for postings, the previous run's end for sets.
trait Encoding<T> {
    fn size(&self, prev: i64, it: T) -> usize;
    fn put(&self, buf: &mut Vec<u8>, prev: i64, it: T);
    /// The state after `it`.
    fn after(&self, it: T) -> i64;
    /// The `base` a new part starts from, given the state at the split.
    fn base_after(&self, prev: i64) -> u32;
    /// The decoder's state at the start of a part with this `base`.
    fn prev_of_base(&self, base: u32) -> i64;
}

/// Postings, `doc << 4 | q`.
struct Postings;
impl Encoding<u32> for Postings {
    fn size(&self, prev: i64, x: u32) -> usize {
        posting_len(prev, x >> 4)
    }
    fn put(&self, buf: &mut Vec<u8>, prev: i64, x: u32) {
        put_posting(buf, prev, x >> 4, (x & 15) as u8)
    }
    fn after(&self, x: u32) -> i64 {
        i64::from(x >> 4)
    }
    fn base_after(&self, prev: i64) -> u32 {
        (prev + 1) as u32
    }
    fn prev_of_base(&self, base: u32) -> i64 {
        i64::from(base) - 1
    }
}

/// Document sets as runs `(start, len)`.
struct Runs;
impl Encoding<(u32, u32)> for Runs {
    fn size(&self, prev: i64, (s, l): (u32, u32)) -> usize {
        varint_len(u64::from(s) - prev as u64) + varint_len(u64::from(l - 1))
    }
    fn put(&self, buf: &mut Vec<u8>, prev: i64, (s, l): (u32, u32)) {
        put_run(buf, prev as u32, s, l)
    }
    fn after(&self, (s, l): (u32, u32)) -> i64 {
        i64::from(s + l)
    }
    fn base_after(&self, prev: i64) -> u32 {
        prev as u32
    }
    fn prev_of_base(&self, base: u32) -> i64 {
        i64::from(base)
    }
}

fn place_postings(pk: &mut Packer, out: &Path, list: &[u32]) -> io::Result<Vec<Part>> {
    pk.place(out, list, &Postings)
}

fn place_runs(pk: &mut Packer, out: &Path, rs: &[(u32, u32)]) -> io::Result<Vec<Part>> {
    pk.place(out, rs, &Runs)
}

/// Directory pages: entries front-coded against the previous key of the page.
struct DirWriter {
    cap: usize,
    page: Vec<u8>,
    last_key: Vec<u8>,
    last_file: u32,
    last_top: u32,
    firsts: Vec<String>,
    files: usize,
    bytes: u64,
}

pub const KIND_SET: u8 = 1;
pub const HAS_TOP: u8 = 2;

impl DirWriter {
    fn add(
        &mut self,
        out: &Path,
        key: &str,
        df: u32,
        flags: u8,
        parts: &[Part],
        top: Option<Part>,
    ) -> io::Result<()> {
        if self.page.len() >= self.cap {
            self.flush(out)?;
        }
        if self.page.is_empty() {
            self.firsts.push(key.to_string());
            self.last_key.clear();
            self.last_file = 0;
            self.last_top = 0;
        }
        let k = key.as_bytes();
        let shared = k
            .iter()
            .zip(&self.last_key)
            .take_while(|(a, b)| a == b)
            .count();
        let e = &mut self.page;
        put_varint(e, shared as u64);
        put_varint(e, (k.len() - shared) as u64);
        e.extend_from_slice(&k[shared..]);
        put_varint(e, u64::from(df));
        e.push(flags);
        put_varint(e, parts.len() as u64);
        for p in parts {
            put_varint(e, u64::from(p.file - self.last_file));
            self.last_file = p.file;
            put_varint(e, u64::from(p.off));
            put_varint(e, u64::from(p.len));
            put_varint(e, u64::from(p.base));
        }
        if let Some(t) = top {
            put_varint(e, u64::from(t.file - self.last_top));
            self.last_top = t.file;
            put_varint(e, u64::from(t.off));
            put_varint(e, u64::from(t.len));
        }
        self.last_key = k.to_vec();
        Ok(())
    }

    fn flush(&mut self, out: &Path) -> io::Result<()> {
        if !self.page.is_empty() {
            let n = self.firsts.len() - 1;
            self.bytes += write_file(&out.join(format!("d/{n}.bin")), &self.page)?;
            self.files += 1;
            self.page.clear();
        }
        Ok(())
    }
}

/// The impact-ordered top block: the `k` postings with the highest impact (ties: lower
/// document), re-sorted by document so they delta-code like any list.
fn top_block(list: &[u32], k: usize) -> Vec<u32> {
    let mut v = list.to_vec();
    v.sort_unstable_by(|a, b| (b & 15).cmp(&(a & 15)).then((a >> 4).cmp(&(b >> 4))));
    v.truncate(k);
    v.sort_unstable();
    v
}

/// Finds the URL pattern `prefix CASE suffix` shared by documents, so metadata rows can
/// omit URLs that follow it.
#[cfg(test)]
fn url_pattern(docs: &[SearchDoc]) -> (String, String) {
    docs.iter()
        .find_map(|d| {
            let i = d.url.find(&d.case_number)?;
            Some((
                d.url[..i].to_string(),
                d.url[i + d.case_number.len()..].to_string(),
            ))
        })
        .unwrap_or_else(|| ("/determinations/".into(), "/".into()))
}

/// The in-memory writer the streaming builder replaced, kept for tests: the builder's
/// output must equal its output byte for byte.
#[cfg(test)]
pub(super) fn write_index_reference(
    mut docs: Vec<SearchDoc>,
    out: &Path,
    p: &Params,
) -> io::Result<IndexStats> {
    for k in [p.meta_docs, p.snip_docs, p.col_docs] {
        assert!(
            k > 0 && CHUNK.is_multiple_of(k as usize),
            "chunk sizes must divide {CHUNK}"
        );
    }
    for d in &mut docs {
        if !d.facets.iter().any(|(f, _, _)| f == "year") {
            d.facets
                .push(("year".into(), d.year.to_string(), String::new()));
        }
    }
    order_docs(&mut docs);
    let n = docs.len();
    assert!(n < (1 << 28), "document numbers must fit in 28 bits");
    let (facets, labels) = build_facets(&docs);
    for sub in ["d", "p", "t", "c", "m", "s"] {
        std::fs::create_dir_all(out.join(sub))?;
    }

    let lens: Vec<(u32, u32)> = docs.par_iter().map(lengths).collect();
    let avg = |f: fn(&(u32, u32)) -> u32| {
        if n == 0 {
            0.0
        } else {
            lens.iter().map(|l| f64::from(f(l))).sum::<f64>() / n as f64
        }
    };
    let (avg_dl, avg_fl) = (avg(|l| l.0), avg(|l| l.1));
    let url = url_pattern(&docs);
    let cx = Ctx {
        docs: &docs,
        facets: &facets,
        lens: &lens,
        avg_dl,
        avg_fl,
        p,
        out,
        url: &url,
        decision_facet: facets.names.iter().position(|f| f == "decision"),
        treatment_facet: facets.names.iter().position(|f| f == "treatment"),
    };

    // Merge chunk postings in document order.
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut keys: Vec<String> = Vec::new();
    let mut lists: Vec<Vec<u32>> = Vec::new();
    let mut files = 0usize;
    let mut bytes = 0u64;
    let (mut col_bytes, mut col_files) = (0u64, 0usize);
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    let outs: Vec<io::Result<ChunkOut>> = starts
        .par_iter()
        .map(|&s| chunk_work(&cx, s, (s + CHUNK).min(n)))
        .collect();
    for o in outs {
        let o = o?;
        files += o.files;
        bytes += o.bytes;
        col_bytes += o.col_bytes;
        col_files += o.col_files;
        for (k, list) in o.terms {
            match ids.get(&k) {
                Some(&i) => lists[i as usize].extend_from_slice(&list),
                None => {
                    ids.insert(k.clone(), keys.len() as u32);
                    keys.push(k);
                    lists.push(list);
                }
            }
        }
    }
    let dfs = lists.iter().map(|l| l.len() as u32).collect();
    write_tail(
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
        |batch: &[usize]| {
            batch
                .iter()
                .map(|&i| std::mem::take(&mut lists[i]))
                .collect()
        },
        &|_| {},
    )
}

/// What the last stage of a build needs: documents already numbered and their
/// per-document files written.
pub(super) struct TailIn<'a> {
    pub p: &'a Params,
    pub out: &'a Path,
    pub n: usize,
    /// Facet values of each document, in final order.
    pub facets: &'a FacetTable,
    /// Per facet, per value: its label, "" when the value itself.
    pub labels: Vec<Vec<String>>,
    /// Term keys; a term's number is its index here.
    pub keys: Vec<String>,
    /// Document frequency of each term (to size the batches of lists).
    pub dfs: Vec<u32>,
    pub url: (String, String),
    /// Files and bytes written so far, and of these the facet column's.
    pub files: usize,
    pub bytes: u64,
    pub col_bytes: u64,
    pub col_files: usize,
}

/// Postings per batch of lists asked for (bounds the lists held at once).
pub(super) const BATCH_POSTINGS: u64 = 4 << 20;

/// Writes the dictionary (facet value sets and term lists in key order), the postings
/// shards, top blocks and the root. `lists` returns, for a batch of term numbers, their
/// postings (`doc << 4 | impact`) sorted by document.
pub(super) fn write_tail(
    t: TailIn,
    mut lists: impl FnMut(&[usize]) -> Vec<Vec<u32>>,
    lap: &dyn Fn(&str),
) -> io::Result<IndexStats> {
    let TailIn {
        p,
        out,
        n,
        facets,
        labels,
        keys,
        dfs,
        url,
        files,
        bytes,
        col_bytes,
        col_files,
    } = t;
    let terms = keys.len();
    // Facet value sets join the same dictionary under keys that sort before any word.
    let mut sets: Vec<Vec<u32>> = vec![Vec::new(); facets.values.iter().map(Vec::len).sum()];
    let mut set_base = Vec::new();
    let mut acc = 0;
    for v in &facets.values {
        set_base.push(acc);
        acc += v.len();
    }
    for d in 0..n {
        for &(f, v) in facets.doc(d) {
            sets[set_base[f as usize] + v as usize].push(d as u32);
        }
    }
    let mut order: Vec<(String, usize)> = Vec::with_capacity(keys.len() + sets.len());
    for (fi, vals) in facets.values.iter().enumerate() {
        for (vi, v) in vals.iter().enumerate() {
            order.push((
                facet_key(&facets.names[fi], v),
                usize::MAX - (set_base[fi] + vi),
            ));
        }
    }
    let totals: Vec<Vec<u32>> = facets
        .values
        .iter()
        .enumerate()
        .map(|(fi, vals)| {
            (0..vals.len())
                .map(|vi| sets[set_base[fi] + vi].len() as u32)
                .collect()
        })
        .collect();
    for (i, k) in keys.into_iter().enumerate() {
        order.push((k, i));
    }
    order.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    lap("keys sorted");

    let mut shards = Packer::new("p", p.shard_bytes as usize);
    let mut tops = Packer::new("t", p.top_bytes as usize);
    let mut dir = DirWriter {
        cap: p.dir_bytes as usize,
        page: Vec::new(),
        last_key: Vec::new(),
        last_file: 0,
        last_top: 0,
        firsts: Vec::new(),
        files: 0,
        bytes: 0,
    };
    let mut at = 0;
    while at < order.len() {
        // The next batch: terms up to BATCH_POSTINGS postings (at least one entry).
        let mut end = at;
        let mut weight = 0u64;
        let mut batch = Vec::new();
        while end < order.len() && (end == at || weight < BATCH_POSTINGS) {
            let i = order[end].1;
            if i <= usize::MAX / 2 {
                weight += u64::from(dfs[i]);
                batch.push(i);
            }
            end += 1;
        }
        let mut got = lists(&batch).into_iter();
        for (key, i) in &order[at..end] {
            let (key, i) = (key.as_str(), *i);
            if i > usize::MAX / 2 {
                let docs = std::mem::take(&mut sets[usize::MAX - i]);
                let rs = runs(&docs);
                let parts = place_runs(&mut shards, out, &rs)?;
                dir.add(out, key, docs.len() as u32, KIND_SET, &parts, None)?;
            } else {
                let list = got.next().expect("a list per term asked for");
                let parts = place_postings(&mut shards, out, &list)?;
                let df = list.len() as u32;
                let top = if df > p.top_min {
                    let block = top_block(&list, p.top_k as usize);
                    let tp = place_postings(&mut tops, out, &block)?;
                    debug_assert_eq!(tp.len(), 1);
                    Some(tp[0])
                } else {
                    None
                };
                let flags = if top.is_some() { HAS_TOP } else { 0 };
                dir.add(out, key, df, flags, &parts, top)?;
            }
        }
        at = end;
    }
    shards.flush(out)?;
    lap("shards written");
    tops.flush(out)?;
    dir.flush(out)?;
    if dir.firsts.is_empty() {
        // An empty archive still gets one (empty) directory page, so clients need no
        // special case.
        dir.firsts.push(String::new());
        dir.bytes += write_file(&out.join("d/0.bin"), &[])?;
        dir.files += 1;
    }

    let root = Root {
        version: 1,
        docs: n as u32,
        dir: dir.firsts,
        stop: super::tokenize::STOPWORDS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        facets: facets
            .names
            .iter()
            .zip(&facets.values)
            .zip(totals)
            .zip(labels)
            .map(|(((name, values), totals), labels)| RootFacet {
                name: name.clone(),
                values: values.clone(),
                totals,
                // Left out when every value is its own label.
                labels: if labels.iter().all(String::is_empty) {
                    Vec::new()
                } else {
                    labels
                },
            })
            .collect(),
        url: [url.0, url.1],
        shard_bytes: p.shard_bytes,
        top_bytes: p.top_bytes,
        dir_bytes: p.dir_bytes,
        meta_docs: p.meta_docs,
        snip_docs: p.snip_docs,
        col_docs: p.col_docs,
        col_avg: if col_files == 0 {
            0
        } else {
            (col_bytes / col_files as u64) as u32
        },
        top_k: p.top_k,
        top_min: p.top_min,
        page: p.page,
        prefix_alts: p.prefix_alts,
        prefix_pages: p.prefix_pages,
        budget: Budget {
            terms: p.budget.terms,
            sets: p.budget.sets,
            col: p.budget.col,
        },
    };
    let json = serde_json::to_vec(&root).map_err(io::Error::other)?;
    let root_bytes = write_file(&out.join("root.json"), &json)?;
    Ok(IndexStats {
        files: files + shards.files + tops.files + dir.files + 1,
        bytes: bytes + shards.bytes + tops.bytes + dir.bytes + root_bytes,
        docs: n,
        terms,
    })
}
