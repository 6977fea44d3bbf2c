//! Whole indexes written, decoded back through the reader (the Rust mirror of the JS
//! client) and compared with the brute force.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::super::brute::Brute;
use super::super::codec::{decode_postings, decode_runs};
use super::super::format::{Budget, Params};
use super::super::reader::{Client, Request, decode_page, is_word_key};
use super::super::{SearchDoc, synth, write_index, write_index_with};

/// A scratch folder removed on drop (no tempfile dependency in this crate).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "casebook-search-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn req(q: &str, filters: &[(&str, &[&str])], page: usize) -> Request {
    Request {
        q: q.to_string(),
        filters: filters
            .iter()
            .map(|(f, vs)| (f.to_string(), vs.iter().map(|v| v.to_string()).collect()))
            .collect(),
        page,
    }
}

/// The query set: words, AND, prefixes, phrases, facets, browsing, pages, no result.
pub fn queries() -> Vec<Request> {
    vec![
        req("acupuncture", &[], 1),
        req("physical therapy", &[], 1),
        req("Physical   THERAPY ", &[], 1),
        req("mri lumbar spine", &[], 1),
        req("chronic pain medication", &[], 1),
        req("knee", &[], 3),
        req("tramad", &[], 1),
        req("physical th", &[], 1),
        req("acu", &[], 1),
        req("lumbar epid", &[], 1),
        req("\"physical therapy\"", &[], 1),
        req("\"physical therapy\" lumbar", &[], 1),
        req("\"MRI of the\"", &[], 1),
        req("\"of the right\" shoulder", &[], 1),
        req("\"lumbar physical\"", &[], 1),
        req("norco", &[("decision", &["upheld"])], 1),
        req("norco", &[("decision", &["upheld", "overturned"])], 1),
        req(
            "injection",
            &[("treatment", &["epidural-steroid-injection"])],
            1,
        ),
        req(
            "pain",
            &[("decision", &["overturned"]), ("year", &["2016", "2017"])],
            1,
        ),
        req(
            "therapy",
            &[
                ("sex", &["female"]),
                ("age_band", &["40-49"]),
                ("decision", &["upheld"]),
            ],
            2,
        ),
        req("", &[("decision", &["overturned"])], 1),
        req("", &[("decision", &["overturned"]), ("year", &["2016"])], 1),
        req(
            "",
            &[("treatment", &["acupuncture"]), ("body_region", &["knee"])],
            1,
        ),
        req("", &[], 1),
        req("", &[], 4),
        req("the of and", &[], 1),
        req("zzyzx", &[], 1),
        req("acupuncture zzyzx", &[], 1),
        req("zzyz", &[], 1),
        req("acupuncture", &[("year", &["1900"])], 1),
        req("acupuncture", &[("nonsense", &["x"])], 1),
        req("L4-5", &[], 1),
        req("10/325", &[], 1),
        req("worker's", &[], 1),
        req(
            "medically necessary",
            &[("specialty", &["Chiropractor"])],
            1,
        ),
        req(
            "guidelines",
            &[("guideline", &["odg", "mtus-acoem-2004"])],
            1,
        ),
    ]
}

/// Runs every query through the client and the brute force and compares results,
/// counts and the displayed page.
pub fn compare(dir: &Path, brute: &Brute) {
    let mut client = Client::open(dir).unwrap();
    let mut nonempty = 0;
    for r in queries() {
        let got = client.search(&r).unwrap();
        let want = brute.search(&r.q, &r.filters);
        let got_cases: Vec<&str> = got
            .ranked
            .iter()
            .map(|&d| brute.docs[d as usize].case_number.as_str())
            .collect();
        assert!(got.exact, "{r:?} should be exact at this size");
        if got_cases != want.ranked {
            let at = got_cases.iter().zip(&want.ranked).position(|(a, b)| a != b);
            panic!(
                "ranking for {r:?}: {} results, want {}; first difference at {at:?}",
                got_cases.len(),
                want.ranked.len()
            );
        }
        assert_eq!(got.total, want.ranked.len() as u64, "total for {r:?}");
        let per = client.root.page as usize;
        let shown: Vec<&str> = got.page.iter().map(|p| p.1.case.as_str()).collect();
        let expect: Vec<&str> = want
            .ranked
            .iter()
            .skip((r.page - 1) * per)
            .take(per)
            .map(String::as_str)
            .collect();
        assert_eq!(shown, expect, "page for {r:?}");
        for (d, row, snippet) in &got.page {
            let doc = &brute.docs[*d as usize];
            assert_eq!(row.url, doc.url);
            assert_eq!(row.title, doc.title);
            assert!(
                doc.text
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .starts_with(snippet)
            );
        }
        for (fi, f) in client.root.facets.iter().enumerate() {
            for (vi, v) in f.values.iter().enumerate() {
                assert_eq!(
                    got.counts[fi][vi], want.counts[&f.name][v],
                    "count of {}={v} for {r:?}",
                    f.name
                );
            }
        }
        assert!(got.counts_exact, "{r:?}");
        if !want.ranked.is_empty() {
            nonempty += 1;
        }
    }
    assert!(nonempty >= 25, "only {nonempty} queries had results");
}

#[test]
fn decoded_index_matches_brute_force() {
    let docs = synth::docs(2000);
    let brute = Brute::new(docs.clone());
    let tmp = TempDir::new("roundtrip");
    let stats = write_index(docs, &tmp.0).unwrap();
    assert_eq!(stats.docs, 2000);
    compare(&tmp.0, &brute);
}

/// Tiny files force terms and sets to straddle shards, and many directory pages.
pub fn tiny() -> Params {
    Params {
        shard_bytes: 256,
        top_bytes: 512,
        dir_bytes: 200,
        col_docs: 64,
        top_k: 64,
        top_min: 100,
        prefix_pages: 100_000,
        budget: Budget {
            terms: u32::MAX,
            sets: u32::MAX,
            col: u32::MAX,
        },
        ..Params::default()
    }
}

#[test]
fn tiny_shards_straddle_and_still_decode() {
    let docs = synth::docs(600);
    let brute = Brute::new(docs.clone());
    let tmp = TempDir::new("tiny");
    let p = tiny();
    write_index_with(docs, &tmp.0, &p).unwrap();
    let root: super::super::format::Root =
        serde_json::from_slice(&std::fs::read(tmp.0.join("root.json")).unwrap()).unwrap();
    let shard = |f: u32| std::fs::read(tmp.0.join(format!("p/{f}.bin"))).unwrap();
    let mut straddling = 0;
    let mut words = 0;
    let mut prev_key: Option<String> = None;
    for i in 0..root.dir.len() {
        let page = decode_page(&std::fs::read(tmp.0.join(format!("d/{i}.bin"))).unwrap());
        assert_eq!(
            page[0].key, root.dir[i],
            "page {i} starts with its root key"
        );
        for e in page {
            if let Some(p) = &prev_key {
                assert!(p.as_bytes() < e.key.as_bytes(), "keys sorted");
            }
            prev_key = Some(e.key.clone());
            if e.parts.len() > 1 {
                straddling += 1;
                // Each continuation starts a shard, and bases increase.
                for w in e.parts.windows(2) {
                    assert_eq!(w[1].off, 0);
                    assert_eq!(w[1].file, w[0].file + 1);
                    assert!(w[1].base > w[0].base);
                }
            }
            if let Some(facet) = e.key.strip_prefix('\u{1}') {
                let (f, v) = facet.split_once('\u{1}').unwrap();
                let mut got = Vec::new();
                for p in &e.parts {
                    let b = shard(p.file);
                    decode_runs(
                        &b[p.off as usize..(p.off + p.len) as usize],
                        p.base,
                        |s, l| got.extend(s..s + l),
                    );
                }
                assert_eq!(got, brute.facet_docs(f, v), "set {f}={v}");
                continue;
            }
            let mut got: BTreeMap<u32, u8> = BTreeMap::new();
            for p in &e.parts {
                let b = shard(p.file);
                decode_postings(
                    &b[p.off as usize..(p.off + p.len) as usize],
                    p.base,
                    |d, q| {
                        assert!(got.insert(d, q).is_none());
                    },
                );
            }
            assert_eq!(
                &got,
                brute.postings(&e.key).unwrap(),
                "postings of {:?}",
                e.key
            );
            assert_eq!(e.df as usize, got.len());
            if is_word_key(&e.key) {
                words += 1;
            }
            if let Some(t) = e.top {
                assert!(e.df > p.top_min);
                let b = std::fs::read(tmp.0.join(format!("t/{}.bin", t.file))).unwrap();
                let mut top = Vec::new();
                decode_postings(&b[t.off as usize..(t.off + t.len) as usize], 0, |d, q| {
                    top.push((d, q))
                });
                assert_eq!(top.len(), p.top_k as usize);
                // Impact-ordered: nothing outside the block beats its weakest posting.
                let floor = top.iter().map(|x| x.1).min().unwrap();
                let outside = got
                    .iter()
                    .filter(|(d, _)| top.binary_search_by_key(*d, |x| x.0).is_err());
                assert!(outside.into_iter().all(|(_, &q)| q <= floor));
            }
        }
    }
    assert!(straddling > 10, "only {straddling} lists straddle shards");
    assert_eq!(words, brute.keys().filter(|k| is_word_key(k)).count());
    for entry in std::fs::read_dir(tmp.0.join("p")).unwrap() {
        let len = entry.unwrap().metadata().unwrap().len();
        assert!(len <= u64::from(p.shard_bytes), "shard of {len} bytes");
    }
    compare(&tmp.0, &brute);
}

#[test]
fn output_is_deterministic_whatever_the_input_order() {
    let docs = synth::docs(300);
    let mut shuffled = docs.clone();
    shuffled.reverse();
    shuffled.swap(3, 200);
    let a = TempDir::new("det-a");
    let b = TempDir::new("det-b");
    write_index(docs, &a.0).unwrap();
    write_index(shuffled, &b.0).unwrap();
    same_files(&a.0, &b.0);
}

/// Both folders hold the same index files, byte for byte.
pub fn same_files(a: &Path, b: &Path) {
    let list = |d: &Path| {
        let mut v = Vec::new();
        for sub in ["", "d", "p", "t", "c", "m", "s"] {
            let mut names: Vec<_> = std::fs::read_dir(d.join(sub))
                .unwrap()
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| e.path())
                .collect();
            names.sort();
            v.extend(names);
        }
        v
    };
    let (la, lb) = (list(a), list(b));
    assert!(la.len() > 6, "no index in {a:?}");
    assert_eq!(la.len(), lb.len());
    for (x, y) in la.iter().zip(&lb) {
        assert_eq!(x.strip_prefix(a).unwrap(), y.strip_prefix(b).unwrap());
        assert!(
            std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
            "{x:?} differs"
        );
    }
}

#[test]
fn empty_and_tiny_archives() {
    let tmp = TempDir::new("empty");
    let stats = write_index(Vec::new(), &tmp.0).unwrap();
    assert_eq!(stats.docs, 0);
    let mut c = Client::open(&tmp.0).unwrap();
    let o = c.search(&req("anything", &[], 1)).unwrap();
    assert_eq!(o.total, 0);
    let o = c.search(&req("", &[], 1)).unwrap();
    assert_eq!(o.total, 0);

    let tmp = TempDir::new("one");
    let doc = SearchDoc {
        case_number: "CM16-0000001".into(),
        url: "/x/CM16-0000001.html".into(),
        title: "Acupuncture 6 sessions".into(),
        requests: vec!["Acupuncture 6 sessions".into()],
        text: "Acupuncture is recommended.".into(),
        year: 2016,
        facets: vec![("decision".into(), "upheld".into(), "Upheld".into())],
    };
    write_index(vec![doc], &tmp.0).unwrap();
    let mut c = Client::open(&tmp.0).unwrap();
    let o = c
        .search(&req("acupunct", &[("year", &["2016"])], 1))
        .unwrap();
    assert_eq!(o.total, 1);
    assert_eq!(o.page[0].1.url, "/x/CM16-0000001.html");
}

#[test]
fn over_budget_queries_degrade_to_a_bounded_estimate() {
    // Budgets squeezed so that common terms must come from their top blocks.
    let docs = synth::docs(6000);
    let brute = Brute::new(docs.clone());
    let tmp = TempDir::new("approx");
    write_index(docs, &tmp.0).unwrap();
    let mut c = Client::open(&tmp.0).unwrap();
    c.root.budget = Budget {
        terms: 8 * 1024,
        sets: 16 * 1024,
        col: 4 * 1024,
    };
    for q in [
        "physical therapy",
        "pain medication",
        "chronic pain",
        "patient",
    ] {
        c.reset_log();
        let o = c.search(&req(q, &[("decision", &["upheld"])], 1)).unwrap();
        let truth = brute.search(q, &[("decision".into(), vec!["upheld".into()])]);
        assert!(!o.exact, "{q}");
        assert!(!o.page.is_empty(), "{q}");
        // Fetched postings, sets and column stay within the budgets (plus directory,
        // metadata and snippets for one page).
        let postings: u64 = c
            .log
            .iter()
            .filter(|(f, _)| f.starts_with('p') || f.starts_with('t') || f.starts_with('c'))
            .map(|x| x.1)
            .sum();
        // terms + sets + column budgets, plus one top-block file per word.
        assert!(
            postings <= (8 + 16 + 4 + 2 * 8 + 4) * 1024,
            "{q}: {postings} bytes"
        );
        let t = truth.ranked.len() as f64;
        assert!(
            (o.total as f64) > t / 4.0 && (o.total as f64) < t * 4.0,
            "{q}: estimate {} vs {t}",
            o.total
        );
        // Every shown result really is upheld.
        for (d, _, _) in &o.page {
            let doc = &brute.docs[*d as usize];
            assert!(
                doc.facets
                    .iter()
                    .any(|(f, v, _)| f == "decision" && v == "upheld")
            );
        }
    }
}
