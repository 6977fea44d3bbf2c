//! A brute-force search straight over the documents, sharing only the definitions
//! (tokenizer, query grammar, numbering, BM25 impact, expansion rule) with the index:
//! the oracle that tests compare the written-and-decoded index against.

use std::collections::{BTreeMap, BTreeSet};

use super::SearchDoc;
use super::rank::{idf, impact};
use super::reader::{Entry, choose_expansions};
use super::tokenize::{is_stopword, pair_key, parse_query, tokenize};
use super::writer::order_docs;

pub struct Brute {
    pub docs: Vec<SearchDoc>,
    /// term → (doc → q)
    terms: BTreeMap<String, BTreeMap<u32, u8>>,
    facets: Vec<BTreeSet<(String, String)>>,
}

pub struct Answer {
    pub ranked: Vec<String>,
    /// facet → value → count
    pub counts: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Brute {
    pub fn new(mut docs: Vec<SearchDoc>) -> Brute {
        for d in &mut docs {
            if !d.facets.iter().any(|(f, _, _)| f == "year") {
                d.facets
                    .push(("year".into(), d.year.to_string(), String::new()));
            }
        }
        order_docs(&mut docs);
        let mut words: Vec<BTreeMap<String, u32>> = Vec::new();
        let mut pairs: Vec<BTreeMap<String, u32>> = Vec::new();
        let mut lens = Vec::new();
        for d in &docs {
            let mut w = BTreeMap::new();
            let mut p = BTreeMap::new();
            let mut fl = 0;
            for field in std::iter::once(&d.title).chain(&d.requests) {
                let t = tokenize(field);
                fl += t.len() as u32;
                for x in t.windows(2) {
                    *p.entry(pair_key(&x[0], &x[1])).or_insert(0) += 1;
                }
                for x in t {
                    *w.entry(x).or_insert(0) += 1;
                }
            }
            let body = tokenize(&d.text);
            let dl = fl + body.len() as u32;
            for x in body {
                *w.entry(x).or_insert(0) += 1;
            }
            words.push(w);
            pairs.push(p);
            lens.push((dl, fl));
        }
        let n = docs.len().max(1) as f64;
        let avg_dl = lens.iter().map(|l| f64::from(l.0)).sum::<f64>() / n;
        let avg_fl = lens.iter().map(|l| f64::from(l.1)).sum::<f64>() / n;
        let mut terms: BTreeMap<String, BTreeMap<u32, u8>> = BTreeMap::new();
        for (i, (w, p)) in words.iter().zip(&pairs).enumerate() {
            for (t, &tf) in w {
                if !is_stopword(t) {
                    let q = impact(tf, lens[i].0, avg_dl);
                    terms.entry(t.clone()).or_default().insert(i as u32, q);
                }
            }
            for (t, &tf) in p {
                let q = impact(tf, lens[i].1, avg_fl);
                terms.entry(t.clone()).or_default().insert(i as u32, q);
            }
        }
        let facets = docs
            .iter()
            .map(|d| {
                d.facets
                    .iter()
                    .map(|(f, v, _)| (f.clone(), v.clone()))
                    .collect()
            })
            .collect();
        Brute {
            docs,
            terms,
            facets,
        }
    }

    pub fn postings(&self, key: &str) -> Option<&BTreeMap<u32, u8>> {
        self.terms.get(key)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.terms.keys()
    }

    pub fn facet_docs(&self, f: &str, v: &str) -> Vec<u32> {
        (0..self.docs.len() as u32)
            .filter(|&d| self.facets[d as usize].contains(&(f.to_string(), v.to_string())))
            .collect()
    }

    pub fn search(&self, q: &str, filters: &[(String, Vec<String>)]) -> Answer {
        let n = self.docs.len() as u32;
        let query = parse_query(q);
        let mut groups: Vec<BTreeMap<u32, u32>> = Vec::new();
        let score = |m: &BTreeMap<u32, u8>| -> BTreeMap<u32, u32> {
            let w = idf(m.len() as u32, n);
            m.iter().map(|(&d, &q)| (d, w * u32::from(q))).collect()
        };
        let mut keys = query.words.clone();
        for ph in &query.phrases {
            for w in ph.windows(2) {
                keys.push(pair_key(&w[0], &w[1]));
            }
        }
        let mut missing = false;
        let mut seen = BTreeSet::new();
        for k in keys {
            if !seen.insert(k.clone()) {
                continue;
            }
            match self.terms.get(&k) {
                Some(m) => groups.push(score(m)),
                None => missing = true,
            }
        }
        if let Some(p) = &query.prefix {
            let cands: Vec<Entry> = self
                .terms
                .iter()
                .filter(|(k, _)| k.starts_with(p.as_str()) && !k.contains(' '))
                .map(|(k, m)| Entry {
                    key: k.clone(),
                    df: m.len() as u32,
                    flags: 0,
                    parts: Vec::new(),
                    top: None,
                })
                .collect();
            let alts = choose_expansions(cands, p, 8);
            if alts.is_empty() {
                missing = true;
            }
            let mut g: BTreeMap<u32, u32> = BTreeMap::new();
            for a in alts {
                for (d, s) in score(&self.terms[&a.key]) {
                    let e = g.entry(d).or_insert(0);
                    *e = (*e).max(s);
                }
            }
            groups.push(g);
        }
        let browse = groups.is_empty();
        let matches_q: Vec<(u32, u32)> = if missing {
            Vec::new()
        } else {
            (0..n)
                .filter_map(|d| {
                    let mut s = 0;
                    for g in &groups {
                        s += g.get(&d)?;
                    }
                    Some((d, s))
                })
                .collect()
        };
        // Known facets only (the index ignores unknown facet names).
        let known: BTreeSet<&str> = self
            .facets
            .iter()
            .flatten()
            .map(|(f, _)| f.as_str())
            .collect();
        let filters: Vec<&(String, Vec<String>)> = filters
            .iter()
            .filter(|(f, _)| known.contains(f.as_str()))
            .collect();
        let pass = |d: u32, skip: Option<usize>| {
            filters.iter().enumerate().all(|(i, (f, vals))| {
                Some(i) == skip
                    || vals
                        .iter()
                        .any(|v| self.facets[d as usize].contains(&(f.clone(), v.clone())))
            })
        };
        let mut results: Vec<(u32, u32)> = matches_q
            .iter()
            .copied()
            .filter(|&(d, _)| pass(d, None))
            .collect();
        if browse {
            results.sort_by_key(|x| x.0);
        } else {
            results.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        let mut counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for set in &self.facets {
            for (f, v) in set {
                counts.entry(f.clone()).or_default().insert(v.clone(), 0);
            }
        }
        for &(d, _) in &matches_q {
            for (f, v) in &self.facets[d as usize] {
                let skip = filters.iter().position(|(ff, _)| ff == f);
                if pass(d, skip) {
                    *counts.get_mut(f).unwrap().get_mut(v).unwrap() += 1;
                }
            }
        }
        Answer {
            ranked: results
                .iter()
                .map(|&(d, _)| self.docs[d as usize].case_number.clone())
                .collect(),
            counts,
        }
    }
}
