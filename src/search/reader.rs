//! A reader of the written index that plans and fetches exactly as the JS client does,
//! file by file, counting the bytes. Tests decode the index through it and compare with
//! a brute-force search; the benchmark uses it to measure what a browser would transfer.
//!
//! The plan for one query (mirrored in `search.js`, function `run`):
//! 1. **Terms.** Look each word, phrase pair and prefix up in the directory pages. If
//!    fetching every postings file of the query's terms fits `budget.terms`, evaluate
//!    exactly: AND of the terms, score `Σ idf·q`, a prefix group scoring its best word.
//!    Otherwise approximate within the budget: the cheapest terms are fetched in full
//!    (up to half the budget) and AND-ed; the others contribute through their
//!    impact-ordered top blocks, a document outside a block being assumed to hold the
//!    term at the most it can: the block's lowest impact (one less below the last
//!    document with that impact in the block, since ties went to lower documents). The
//!    count is then an estimate (independence); the page may still be proven exact
//!    (max-score argument, [`Proof`]): when every shown result is known to match with an
//!    exact score and every other document that might match ranks after the last shown
//!    even at its highest possible score, the shown results are the true ones.
//! 2. **Filters.** Facet value sets are fetched whole if they fit `budget.sets`; if not,
//!    only the set parts covering candidates, in rank order, until the budget is spent.
//! 3. **Counts.** Per facet, counted over the results with every *other* filter applied
//!    (so a chosen facet still shows its alternatives), from facet column chunks; chunks
//!    are fetched for results in rank order within `budget.col`, and counts are scaled
//!    up from the covered part when the budget ran out. Browsing with no query and no
//!    filter uses the totals in the root.
//! 4. **Page.** Metadata and snippet chunks for the shown results only.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::codec::{Reader, decode_column, decode_postings, decode_runs};
use super::format::{Root, facet_key};
use super::rank::idf;
use super::tokenize::{Query, pair_key, parse_query};
use super::writer::{HAS_TOP, KIND_SET, Part};

/// One dictionary entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub df: u32,
    pub flags: u8,
    pub parts: Vec<Part>,
    pub top: Option<Part>,
}

/// Decodes a directory page.
pub fn decode_page(bytes: &[u8]) -> Vec<Entry> {
    let mut r = Reader::new(bytes);
    let mut out: Vec<Entry> = Vec::new();
    let mut key: Vec<u8> = Vec::new();
    let (mut file, mut top_file) = (0u32, 0u32);
    while !r.done() {
        let shared = r.varint() as usize;
        let suffix = r.varint() as usize;
        key.truncate(shared);
        key.extend_from_slice(r.bytes(suffix));
        let df = r.varint() as u32;
        let flags = r.byte();
        let nparts = r.varint() as usize;
        let mut parts = Vec::with_capacity(nparts);
        for _ in 0..nparts {
            file += r.varint() as u32;
            let off = r.varint() as u32;
            let len = r.varint() as u32;
            let base = r.varint() as u32;
            parts.push(Part {
                file,
                off,
                len,
                base,
            });
        }
        let top = if flags & HAS_TOP != 0 {
            top_file += r.varint() as u32;
            let off = r.varint() as u32;
            let len = r.varint() as u32;
            Some(Part {
                file: top_file,
                off,
                len,
                base: 0,
            })
        } else {
            None
        };
        out.push(Entry {
            key: String::from_utf8_lossy(&key).into_owned(),
            df,
            flags,
            parts,
            top,
        });
    }
    out
}

/// A search as the page's URL states it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub q: String,
    /// Facet → chosen values (OR within a facet, AND across facets).
    pub filters: Vec<(String, Vec<String>)>,
    /// 1-based.
    pub page: usize,
}

/// One row of result metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub case: String,
    pub title: String,
    pub url: String,
    pub year: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Number of results (an estimate when `exact` is false).
    pub total: u64,
    pub exact: bool,
    /// The results known to the client, in rank order (document numbers).
    pub ranked: Vec<u32>,
    /// Results on the requested page, with their metadata and snippet text.
    pub page: Vec<(u32, Row, String)>,
    /// `[facet][value]` counts.
    pub counts: Vec<Vec<u64>>,
    pub counts_exact: bool,
    /// The results up to the end of the requested page are the true ones, in the true
    /// order (always when `exact`; when not, proven from score bounds).
    pub top_exact: bool,
}

/// A client over an index folder, with an HTTP-cache-like memory of fetched files.
pub struct Client {
    base: PathBuf,
    pub root: Root,
    cache: BTreeMap<String, Rc<Vec<u8>>>,
    pages: BTreeMap<usize, Rc<Vec<Entry>>>,
    /// Files fetched, first time only, with their sizes, in order.
    pub log: Vec<(String, u64)>,
    pub bytes: u64,
}

/// A scored, document-sorted list.
type Scored = Vec<(u32, u32)>;

/// One alternative of a term group, loaded.
struct Alt {
    idf: u32,
    list: Vec<(u32, u8)>,
    complete: bool,
    /// For a top block: its lowest impact, and the last document holding it there. A
    /// document outside the block has at most `floor` (ties went to lower documents,
    /// so below `last` it has less than `floor`).
    floor: u8,
    last: u32,
}

impl Alt {
    /// The most this (incomplete) alternative can add for a document outside its block.
    fn bound(&self, d: u32) -> u32 {
        self.idf * u32::from(self.floor.saturating_sub(u8::from(d < self.last)))
    }
}

/// What an approximate evaluation knows about the ranking: enough to prove, after the
/// filters, that the first results are the true ones (the max-score argument).
#[derive(Debug, Clone, Default)]
pub struct Proof {
    /// Candidates whose score is only an upper bound (the score given them), or whose
    /// membership is not known; the others' scores are exact.
    pub unsure: BTreeSet<u32>,
    /// Documents that are not candidates at all may still match, with at most this
    /// score from document `.0` on (a step function, by increasing `.0`); empty when
    /// non-candidates cannot match.
    pub outside: Vec<(u32, u32)>,
}

impl Client {
    pub fn open(base: &Path) -> io::Result<Client> {
        let mut c = Client {
            base: base.to_path_buf(),
            root: empty_root(),
            cache: BTreeMap::new(),
            pages: BTreeMap::new(),
            log: Vec::new(),
            bytes: 0,
        };
        let raw = c.get("root.json")?;
        c.root = serde_json::from_slice(&raw).map_err(io::Error::other)?;
        Ok(c)
    }

    /// Forgets which files were fetched in the log (the cache stays), so a caller can
    /// measure one query.
    pub fn reset_log(&mut self) {
        self.log.clear();
        self.bytes = 0;
    }

    fn get(&mut self, rel: &str) -> io::Result<Rc<Vec<u8>>> {
        if let Some(b) = self.cache.get(rel) {
            return Ok(b.clone());
        }
        let b = Rc::new(std::fs::read(self.base.join(rel))?);
        self.bytes += b.len() as u64;
        self.log.push((rel.to_string(), b.len() as u64));
        self.cache.insert(rel.to_string(), b.clone());
        Ok(b)
    }

    /// Estimated cost of fetching `files` now: nothing for cached ones, else the file
    /// kind's nominal size (the client cannot know actual sizes before fetching).
    fn cost<'a>(&self, files: impl IntoIterator<Item = &'a String>) -> u64 {
        files
            .into_iter()
            .filter(|f| !self.cache.contains_key(*f))
            .map(|f| match f.as_bytes()[0] {
                b'p' => u64::from(self.root.shard_bytes),
                b't' => u64::from(self.root.top_bytes),
                b'c' => u64::from(self.root.col_avg),
                _ => u64::from(self.root.dir_bytes),
            })
            .sum()
    }

    fn page(&mut self, i: usize) -> io::Result<Rc<Vec<Entry>>> {
        if let Some(p) = self.pages.get(&i) {
            return Ok(p.clone());
        }
        let raw = self.get(&format!("d/{i}.bin"))?;
        let p = Rc::new(decode_page(&raw));
        self.pages.insert(i, p.clone());
        Ok(p)
    }

    /// The directory page that would hold `key`: the last whose first key ≤ `key`
    /// (byte order, which is code point order).
    fn page_of(&self, key: &str) -> usize {
        self.root
            .dir
            .partition_point(|k| k.as_bytes() <= key.as_bytes())
            .saturating_sub(1)
    }

    pub fn lookup(&mut self, key: &str) -> io::Result<Option<Entry>> {
        let p = self.page(self.page_of(key))?;
        Ok(p.binary_search_by(|e| e.key.as_bytes().cmp(key.as_bytes()))
            .ok()
            .map(|i| p[i].clone()))
    }

    /// The words a prefix expands to: the word itself if indexed, then the most
    /// frequent words starting with it (ties by key), at most `prefix_alts`, read from
    /// at most `prefix_pages` directory pages.
    pub fn expand(&mut self, prefix: &str) -> io::Result<Vec<Entry>> {
        let first = self.page_of(prefix);
        let mut cands: Vec<Entry> = Vec::new();
        let last = (first + self.root.prefix_pages as usize).min(self.root.dir.len());
        for i in first..last {
            if i > first && !self.root.dir[i].starts_with(prefix) {
                break;
            }
            let p = self.page(i)?;
            cands.extend(
                p.iter()
                    .filter(|e| is_word_key(&e.key) && e.key.starts_with(prefix))
                    .cloned(),
            );
        }
        Ok(choose_expansions(
            cands,
            prefix,
            self.root.prefix_alts as usize,
        ))
    }

    fn load_part(&mut self, kind: &str, part: &Part) -> io::Result<Rc<Vec<u8>>> {
        self.get(&format!("{kind}/{}.bin", part.file))
    }

    fn load_postings(&mut self, e: &Entry) -> io::Result<Vec<(u32, u8)>> {
        let mut out = Vec::with_capacity(e.df as usize);
        for p in &e.parts {
            let b = self.load_part("p", p)?;
            decode_postings(
                &b[p.off as usize..(p.off + p.len) as usize],
                p.base,
                |d, q| out.push((d, q)),
            );
        }
        Ok(out)
    }

    fn load_top(&mut self, e: &Entry) -> io::Result<Vec<(u32, u8)>> {
        let t = e.top.expect("entry has a top block");
        let b = self.load_part("t", &t)?;
        let mut out = Vec::new();
        decode_postings(&b[t.off as usize..(t.off + t.len) as usize], 0, |d, q| {
            out.push((d, q))
        });
        Ok(out)
    }

    fn load_runs(&mut self, e: &Entry, part: usize, out: &mut Vec<(u32, u32)>) -> io::Result<()> {
        let p = e.parts[part];
        let b = self.load_part("p", &p)?;
        decode_runs(
            &b[p.off as usize..(p.off + p.len) as usize],
            p.base,
            |s, l| out.push((s, l)),
        );
        Ok(())
    }

    fn files_of(e: &Entry) -> impl Iterator<Item = String> + '_ {
        e.parts.iter().map(|p| format!("p/{}.bin", p.file))
    }

    /// Runs one search.
    pub fn search(&mut self, req: &Request) -> io::Result<Outcome> {
        let n = self.root.docs;
        let query = parse_query(&req.q);
        let empty = Outcome {
            total: 0,
            exact: true,
            ranked: Vec::new(),
            page: Vec::new(),
            counts: self
                .root
                .facets
                .iter()
                .map(|f| vec![0; f.values.len()])
                .collect(),
            counts_exact: true,
            top_exact: true,
        };
        // Filters: resolve facet names and values to dictionary entries.
        let mut filters: Vec<(usize, Vec<Entry>)> = Vec::new();
        for (name, vals) in &req.filters {
            let Some(fi) = self.root.facets.iter().position(|f| &f.name == name) else {
                continue;
            };
            let mut es = Vec::new();
            for v in vals {
                if let Some(e) = self.lookup(&facet_key(name, v))? {
                    es.push(e);
                }
            }
            // A value absent from the archive still filters (to nothing), and the
            // facet's own counts still show the alternatives.
            if !vals.is_empty() {
                filters.push((fi, es));
            }
        }
        filters.sort_by_key(|(fi, _)| *fi);

        // 1. Terms.
        let Some(groups) = self.groups(&query)? else {
            return Ok(empty);
        };
        let browse = groups.is_empty();
        let (mut q, mut exact, est, proof) = if browse {
            (Vec::new(), true, f64::from(n), None)
        } else {
            self.eval_terms(&groups)?
        };

        // 2. Filters.
        let sets = self.eval_filters(&filters, browse, &q)?;
        exact &= sets.complete;
        let nf = filters.len();
        // Each candidate with the filters (indexes into `filters`) it fails, or `None`
        // when unknown because its set parts were not fetched.
        let mut ranked: Vec<u32> = Vec::new();
        let mut cands: Vec<(u32, Option<Vec<usize>>)> = Vec::new();
        let mut known_docs = 0usize;
        if !(browse && nf == 0) {
            let universe: Vec<u32> = if browse {
                sets.universe(nf)
            } else {
                q.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                q.iter().map(|x| x.0).collect()
            };
            for d in universe {
                let mut fails = Vec::new();
                let mut known = true;
                for k in 0..nf {
                    match sets.member(k, d) {
                        Some(true) => {}
                        Some(false) => fails.push(k),
                        None => known = false,
                    }
                }
                if !known {
                    exact = false;
                    cands.push((d, None));
                    continue;
                }
                known_docs += 1;
                if fails.is_empty() {
                    ranked.push(d);
                }
                if fails.len() <= 1 {
                    cands.push((d, Some(fails)));
                }
            }
        }
        let total = if browse && nf == 0 {
            u64::from(n)
        } else if exact {
            ranked.len() as u64
        } else if browse {
            // Sets were read in document order up to `x`: extrapolate their density.
            let x = sets.covered_upto();
            let r = ranked.iter().filter(|&&d| d < x).count() as f64;
            ((r * f64::from(n) / f64::from(x.max(1))).round() as u64).max(ranked.len() as u64)
        } else {
            // The term estimate times the share of known candidates passing the filters.
            let ratio = if nf == 0 {
                1.0
            } else {
                ranked.len() as f64 / known_docs.max(1) as f64
            };
            ((est * ratio).round() as u64).max(ranked.len() as u64)
        };

        // 3. Counts.
        let (counts, counts_exact) = self.counts(&filters, browse, &cands, total, exact)?;

        // 4. Page.
        let per = self.root.page as usize;
        let from = (req.page.max(1) - 1) * per;
        let page_docs: Vec<u32> = if browse && nf == 0 {
            (from as u32..((from + per) as u32).min(n)).collect()
        } else {
            ranked.iter().skip(from).take(per).copied().collect()
        };
        let top_exact =
            exact || proof.is_some_and(|p| proves_top(&p, &q, &cands, &ranked, from + per));
        let page = self.rows(&page_docs)?;
        if browse && nf == 0 {
            ranked = (0..n).collect();
        }
        Ok(Outcome {
            total,
            exact,
            ranked,
            page,
            counts,
            counts_exact: counts_exact && exact,
            top_exact,
        })
    }

    /// Resolves the query's term groups; `None` when a required word is not indexed.
    fn groups(&mut self, query: &Query) -> io::Result<Option<Vec<Vec<Entry>>>> {
        let mut keys: Vec<String> = query.words.clone();
        for ph in &query.phrases {
            for w in ph.windows(2) {
                keys.push(pair_key(&w[0], &w[1]));
            }
        }
        let mut groups = Vec::new();
        let mut seen = BTreeSet::new();
        for k in keys {
            if !seen.insert(k.clone()) {
                continue;
            }
            match self.lookup(&k)? {
                Some(e) if e.flags & KIND_SET == 0 => groups.push(vec![e]),
                _ => return Ok(None),
            }
        }
        if let Some(p) = &query.prefix {
            let alts = self.expand(p)?;
            if alts.is_empty() {
                return Ok(None);
            }
            groups.push(alts);
        }
        Ok(Some(groups))
    }

    /// Evaluates the AND of the groups: `(docs with scores, exact, estimated count,
    /// proof material when approximate)`.
    fn eval_terms(
        &mut self,
        groups: &[Vec<Entry>],
    ) -> io::Result<(Scored, bool, f64, Option<Proof>)> {
        let n = self.root.docs;
        let all: BTreeSet<String> = groups.iter().flatten().flat_map(Self::files_of).collect();
        if self.cost(&all) <= u64::from(self.root.budget.terms) {
            let mut lists = Vec::new();
            for g in groups {
                lists.push(self.load_group(g)?);
            }
            lists.sort_by_key(Vec::len);
            let mut acc = lists.remove(0);
            for l in &lists {
                acc = intersect(&acc, l);
            }
            let len = acc.len() as f64;
            return Ok((acc, true, len, None));
        }
        // Approximate: cheapest groups in full, within half the budget.
        let mut by_cost: Vec<(u64, usize)> = groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let files: BTreeSet<String> = g.iter().flat_map(Self::files_of).collect();
                (self.cost(&files), i)
            })
            .collect();
        by_cost.sort();
        let mut full = Vec::new();
        let mut spent = 0;
        for &(c, i) in &by_cost {
            if spent + c > u64::from(self.root.budget.terms) / 2 {
                break;
            }
            spent += c;
            full.push(i);
        }
        let mut rest: Vec<Vec<Alt>> = Vec::new();
        let mut frac = 1.0f64;
        for (i, g) in groups.iter().enumerate() {
            if full.contains(&i) {
                continue;
            }
            let mut alts = Vec::new();
            let mut df = 0u64;
            let mut incomplete = false;
            for e in g {
                df += u64::from(e.df);
                let idf = idf(e.df, n);
                if e.top.is_some() {
                    let list = self.load_top(e)?;
                    let floor = list.iter().map(|x| x.1).min().unwrap_or(1);
                    let last = list
                        .iter()
                        .filter(|x| x.1 == floor)
                        .map(|x| x.0)
                        .max()
                        .unwrap_or(0);
                    incomplete = true;
                    alts.push(Alt {
                        idf,
                        list,
                        complete: false,
                        floor,
                        last,
                    });
                } else {
                    let list = self.load_postings(e)?;
                    alts.push(Alt {
                        idf,
                        list,
                        complete: true,
                        floor: 0,
                        last: 0,
                    });
                }
            }
            if incomplete {
                frac *= (df as f64 / f64::from(n.max(1))).min(1.0);
            }
            rest.push(alts);
        }
        let mut proof = Proof::default();
        let (base, est_base): (Scored, f64) = if full.is_empty() {
            let mut docs: Vec<u32> = rest
                .iter()
                .flatten()
                .flat_map(|a| a.list.iter().map(|x| x.0))
                .collect();
            docs.sort_unstable();
            docs.dedup();
            // A document in none of the lists matches only if no group is complete;
            // it then scores at most the sum of the groups' bounds.
            if rest.iter().all(|alts| alts.iter().any(|a| !a.complete)) {
                let mut steps: Vec<u32> = rest
                    .iter()
                    .flatten()
                    .filter(|a| !a.complete)
                    .map(|a| a.last)
                    .collect();
                steps.push(0);
                steps.sort_unstable();
                steps.dedup();
                proof.outside = steps
                    .into_iter()
                    .map(|lo| {
                        let b = rest
                            .iter()
                            .map(|alts| {
                                alts.iter()
                                    .filter(|a| !a.complete)
                                    .map(|a| a.bound(lo))
                                    .max()
                                    .unwrap_or(0)
                            })
                            .sum();
                        (lo, b)
                    })
                    .collect();
            }
            (docs.into_iter().map(|d| (d, 0)).collect(), f64::from(n))
        } else {
            let mut lists = Vec::new();
            for &i in &full {
                lists.push(self.load_group(&groups[i])?);
            }
            lists.sort_by_key(Vec::len);
            let mut acc = lists.remove(0);
            for l in &lists {
                acc = intersect(&acc, l);
            }
            let len = acc.len() as f64;
            (acc, len)
        };
        let mut out = Vec::with_capacity(base.len());
        'doc: for (d, mut s) in base {
            let mut sure = true;
            for alts in &rest {
                let mut best: Option<u32> = None;
                let mut all_complete = true;
                let mut bound = 0;
                for a in alts {
                    if let Ok(i) = a.list.binary_search_by_key(&d, |x| x.0) {
                        best = best.max(Some(a.idf * u32::from(a.list[i].1)));
                    } else if !a.complete {
                        bound = bound.max(a.bound(d));
                    }
                    all_complete &= a.complete;
                }
                let v = match best {
                    // Known from a list; sure unless an alternative outside whose
                    // block it is could give more.
                    Some(v) => {
                        sure &= bound <= v;
                        v
                    }
                    None if all_complete => continue 'doc,
                    None => {
                        sure = false;
                        bound
                    }
                };
                s += v;
            }
            if !sure {
                proof.unsure.insert(d);
            }
            out.push((d, s));
        }
        Ok((out, false, est_base * frac, Some(proof)))
    }

    /// A group's documents scored by its best alternative.
    fn load_group(&mut self, g: &[Entry]) -> io::Result<Scored> {
        let n = self.root.docs;
        let mut all: Scored = Vec::new();
        for e in g {
            let w = idf(e.df, n);
            all.extend(
                self.load_postings(e)?
                    .into_iter()
                    .map(|(d, q)| (d, w * u32::from(q))),
            );
        }
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        all.dedup_by_key(|x| x.0);
        Ok(all)
    }

    fn eval_filters(
        &mut self,
        filters: &[(usize, Vec<Entry>)],
        browse: bool,
        q: &Scored,
    ) -> io::Result<Sets> {
        let mut sets = Sets {
            runs: vec![Vec::new(); filters.len()],
            loaded: Vec::new(),
            entries: filters.iter().map(|f| f.1.clone()).collect(),
            complete: true,
            n: self.root.docs,
        };
        if filters.is_empty() {
            return Ok(sets);
        }
        let all: BTreeSet<String> = filters
            .iter()
            .flat_map(|f| f.1.iter())
            .flat_map(Self::files_of)
            .collect();
        sets.loaded = filters
            .iter()
            .map(|f| f.1.iter().map(|e| vec![false; e.parts.len()]).collect())
            .collect();
        if self.cost(&all) <= u64::from(self.root.budget.sets) {
            for (k, f) in filters.iter().enumerate() {
                for (j, e) in f.1.iter().enumerate() {
                    for p in 0..e.parts.len() {
                        self.load_runs(e, p, &mut sets.runs[k])?;
                        sets.loaded[k][j][p] = true;
                    }
                }
            }
        } else {
            // Only the parts covering candidates, best first, while the budget lasts.
            sets.complete = false;
            let order: Vec<u32> = if browse {
                // Browsing: documents in order; stepping by the parts of the first set.
                let mut v: Vec<u32> = filters
                    .iter()
                    .flat_map(|f| f.1.iter())
                    .flat_map(|e| e.parts.iter().map(|p| p.base))
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            } else {
                let mut v = q.clone();
                v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                v.into_iter().map(|x| x.0).collect()
            };
            let mut spent = 0u64;
            'docs: for d in order {
                for (k, f) in filters.iter().enumerate() {
                    for (j, e) in f.1.iter().enumerate() {
                        let p = part_of(e, d);
                        if sets.loaded[k][j][p] {
                            continue;
                        }
                        let file = format!("p/{}.bin", e.parts[p].file);
                        let c = self.cost([&file]);
                        if spent + c > u64::from(self.root.budget.sets) {
                            break 'docs;
                        }
                        spent += c;
                        self.load_runs(e, p, &mut sets.runs[k])?;
                        sets.loaded[k][j][p] = true;
                    }
                }
            }
        }
        // A document in two chosen values of one facet sits in two runs: merge them
        // into disjoint runs, which membership tests rely on.
        for r in &mut sets.runs {
            r.sort_unstable();
            let mut merged: Vec<(u32, u32)> = Vec::with_capacity(r.len());
            for &(s, l) in r.iter() {
                match merged.last_mut() {
                    Some((ms, ml)) if s <= *ms + *ml => *ml = (*ml).max(s + l - *ms),
                    _ => merged.push((s, l)),
                }
            }
            *r = merged;
        }
        Ok(sets)
    }

    #[allow(clippy::type_complexity)]
    fn counts(
        &mut self,
        filters: &[(usize, Vec<Entry>)],
        browse: bool,
        cands: &[(u32, Option<Vec<usize>>)],
        total: u64,
        exact: bool,
    ) -> io::Result<(Vec<Vec<u64>>, bool)> {
        let nfacets = self.root.facets.len();
        let totals: Vec<Vec<u64>> = self
            .root
            .facets
            .iter()
            .map(|f| f.totals.iter().map(|&t| u64::from(t)).collect())
            .collect();
        if browse && filters.is_empty() {
            return Ok((totals, true));
        }
        let mut counts: Vec<Vec<u64>> = totals.iter().map(|t| vec![0; t.len()]).collect();
        // With one filter and no query, that facet's own counts are the totals.
        let from_totals: Option<usize> = (browse && filters.len() == 1).then(|| filters[0].0);
        let col_docs = self.root.col_docs;
        let mut eligible = vec![0u64; nfacets];
        let mut counted = vec![0u64; nfacets];
        let mut spent = 0u64;
        let mut budget_out = false;
        let mut chunks: BTreeMap<u32, Rc<Vec<Vec<Vec<u32>>>>> = BTreeMap::new();
        // Results first (fails == 0), then the near-misses that only feed one facet.
        let ordered = cands
            .iter()
            .filter(|c| c.1.as_ref().is_some_and(Vec::is_empty))
            .chain(
                cands
                    .iter()
                    .filter(|c| c.1.as_ref().is_some_and(|f| f.len() == 1)),
            );
        for (d, fails) in ordered {
            let fails = fails.as_ref().expect("filtered above");
            let facets: Vec<usize> = match fails.first() {
                None => (0..nfacets).collect(),
                Some(&k) => vec![filters[k].0],
            };
            let facets: Vec<usize> = facets
                .into_iter()
                .filter(|&f| Some(f) != from_totals)
                .collect();
            if facets.is_empty() {
                continue;
            }
            for &f in &facets {
                eligible[f] += 1;
            }
            let c = d / col_docs;
            if !chunks.contains_key(&c) && !budget_out {
                let file = format!("c/{c}.bin");
                let cost = self.cost([&file]);
                if spent + cost > u64::from(self.root.budget.col) {
                    budget_out = true;
                } else {
                    spent += cost;
                    let raw = self.get(&file)?;
                    let count = (self.root.docs - c * col_docs).min(col_docs) as usize;
                    chunks.insert(c, Rc::new(decode_column(&raw, count, nfacets)));
                }
            }
            let Some(chunk) = chunks.get(&c) else {
                continue;
            };
            let vals = &chunk[(d % col_docs) as usize];
            for &f in &facets {
                counted[f] += 1;
                for &v in &vals[f] {
                    counts[f][v as usize] += 1;
                }
            }
        }
        let mut all_counted = true;
        let known_results = cands
            .iter()
            .filter(|c| c.1.as_ref().is_some_and(Vec::is_empty))
            .count();
        let scale_total = if exact || known_results == 0 {
            1.0
        } else {
            total as f64 / known_results as f64
        };
        for f in 0..nfacets {
            if Some(f) == from_totals {
                counts[f] = totals[f].clone();
                continue;
            }
            let s = if counted[f] < eligible[f] {
                all_counted = false;
                eligible[f] as f64 / counted[f].max(1) as f64
            } else {
                1.0
            } * scale_total;
            if s != 1.0 {
                for c in &mut counts[f] {
                    *c = (*c as f64 * s).round() as u64;
                }
            }
        }
        Ok((counts, all_counted))
    }

    fn rows(&mut self, docs: &[u32]) -> io::Result<Vec<(u32, Row, String)>> {
        let mut out = Vec::new();
        for &d in docs {
            let m = self.get(&format!("m/{}.json", d / self.root.meta_docs))?;
            let meta: Vec<serde_json::Value> =
                serde_json::from_slice(&m).map_err(io::Error::other)?;
            let row = &meta[(d % self.root.meta_docs) as usize];
            let s = self.get(&format!("s/{}.json", d / self.root.snip_docs))?;
            let snips: Vec<String> = serde_json::from_slice(&s).map_err(io::Error::other)?;
            let case = row[0].as_str().unwrap_or_default().to_string();
            let url = row.get(5).and_then(|u| u.as_str()).map_or_else(
                || format!("{}{}{}", self.root.url[0], case, self.root.url[1]),
                str::to_string,
            );
            out.push((
                d,
                Row {
                    title: row[1].as_str().unwrap_or_default().to_string(),
                    year: row[3].as_i64().unwrap_or_default(),
                    case,
                    url,
                },
                snips[(d % self.root.snip_docs) as usize].clone(),
            ));
        }
        Ok(out)
    }
}

/// Whether the first `k` results are provably the true first `k` (the max-score
/// argument): each is known to match with an exact score, and every other document
/// that might match ranks after the `k`-th even at its highest possible score (scores
/// descending, ties to the lower document). `q` is the candidates with their scores
/// (exact, or the bound for unsure ones), `cands` those with known filter failures
/// (`None`: unknown), `ranked` the results in rank order.
fn proves_top(
    p: &Proof,
    q: &Scored,
    cands: &[(u32, Option<Vec<usize>>)],
    ranked: &[u32],
    k: usize,
) -> bool {
    if ranked.len() < k || k == 0 {
        return false;
    }
    let score: BTreeMap<u32, u32> = q.iter().copied().collect();
    if ranked[..k].iter().any(|d| p.unsure.contains(d)) {
        return false;
    }
    let (sk, dk) = (score[&ranked[k - 1]], ranked[k - 1]);
    let after = |s: u32, d: u32| s < sk || (s == sk && d > dk);
    // Candidates that may pass the filters (passing, or not known): `cands` lists
    // every candidate but those known to fail two filters or more.
    let may_pass: BTreeMap<u32, bool> = cands
        .iter()
        .map(|(d, f)| (*d, f.as_ref().is_none_or(Vec::is_empty)))
        .collect();
    let shown: BTreeSet<u32> = ranked[..k].iter().copied().collect();
    for &(d, s) in q {
        if shown.contains(&d) || !may_pass.get(&d).copied().unwrap_or(false) {
            continue;
        }
        if !after(s, d) {
            return false;
        }
    }
    // Non-candidates, by segments of constant bound (the lowest document of each is the
    // worst for ties).
    p.outside.iter().all(|&(lo, b)| after(b, lo))
}

/// Loaded facet value sets of the filters.
struct Sets {
    /// Per filter: runs of all its values' loaded parts, sorted.
    runs: Vec<Vec<(u32, u32)>>,
    /// Per filter, per value entry, per part: loaded?
    loaded: Vec<Vec<Vec<bool>>>,
    entries: Vec<Vec<Entry>>,
    complete: bool,
    n: u32,
}

impl Sets {
    /// Is `d` in filter `k`'s union? `None` if a needed part was not loaded.
    fn member(&self, k: usize, d: u32) -> Option<bool> {
        let runs = &self.runs[k];
        let i = runs.partition_point(|r| r.0 <= d);
        if i > 0 && d < runs[i - 1].0 + runs[i - 1].1 {
            return Some(true);
        }
        for (j, e) in self.entries[k].iter().enumerate() {
            if !self.loaded[k][j][part_of(e, d)] {
                return None;
            }
        }
        Some(false)
    }

    /// Documents below the returned number have all their set parts loaded.
    fn covered_upto(&self) -> u32 {
        let mut x = self.n;
        for (k, es) in self.entries.iter().enumerate() {
            for (j, e) in es.iter().enumerate() {
                if let Some(p) = self.loaded[k][j].iter().position(|l| !l) {
                    x = x.min(e.parts[p].base);
                }
            }
        }
        x
    }

    /// Browsing: documents in at least `nf - 1` of the filters' unions (in at least one
    /// when there is a single filter), in document order.
    fn universe(&self, nf: usize) -> Vec<u32> {
        let mut hits: Vec<u32> = Vec::new();
        for r in &self.runs {
            let mut docs: Vec<u32> = r.iter().flat_map(|&(s, l)| s..s + l).collect();
            docs.dedup();
            hits.extend(docs);
        }
        hits.sort_unstable();
        let need = nf.saturating_sub(1).max(1);
        let mut out = Vec::new();
        let mut i = 0;
        while i < hits.len() {
            let mut j = i;
            while j < hits.len() && hits[j] == hits[i] {
                j += 1;
            }
            if j - i >= need && hits[i] < self.n {
                out.push(hits[i]);
            }
            i = j;
        }
        out
    }
}

/// The part of `e` whose document range holds `d`.
fn part_of(e: &Entry, d: u32) -> usize {
    e.parts.partition_point(|p| p.base <= d).saturating_sub(1)
}

/// Word keys: not a phrase pair (no space) and not a facet set.
pub fn is_word_key(k: &str) -> bool {
    !k.contains(' ') && !k.starts_with('\u{1}')
}

/// The expansion rule shared with the JS client and the brute force: the prefix itself
/// if it is a word, then by document frequency (descending), ties by key.
pub fn choose_expansions(mut cands: Vec<Entry>, prefix: &str, max: usize) -> Vec<Entry> {
    cands.sort_by(|a, b| {
        (b.key == prefix)
            .cmp(&(a.key == prefix))
            .then(b.df.cmp(&a.df))
            .then(a.key.cmp(&b.key))
    });
    cands.truncate(max);
    cands
}

/// AND of two scored lists, adding scores.
fn intersect(a: &Scored, b: &Scored) -> Scored {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 + b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn empty_root() -> Root {
    Root {
        version: 0,
        docs: 0,
        dir: Vec::new(),
        stop: Vec::new(),
        facets: Vec::new(),
        url: [String::new(), String::new()],
        shard_bytes: 0,
        top_bytes: 0,
        dir_bytes: 0,
        meta_docs: 1,
        snip_docs: 1,
        col_docs: 1,
        col_avg: 0,
        top_k: 0,
        top_min: 0,
        page: 10,
        prefix_alts: 0,
        prefix_pages: 0,
        budget: super::format::Budget {
            terms: 0,
            sets: 0,
            col: 0,
        },
    }
}
