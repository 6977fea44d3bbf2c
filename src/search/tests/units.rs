//! Unit tests: tokenizer, query grammar, encodings.

use super::super::codec::*;
use super::super::tokenize::*;

const VECTORS: &str = include_str!("../../../tests/search/tokenize_vectors.json");
const JS: &str = include_str!("../../../themes/default/static/search.js");

#[test]
fn tokenizer_matches_shared_vectors() {
    let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "need at least 40 vectors");
    for c in cases {
        let input = c["input"].as_str().unwrap();
        let want: Vec<String> = serde_json::from_value(c["tokens"].clone()).unwrap();
        assert_eq!(tokenize(input), want, "input {input:?}");
    }
}

#[test]
fn js_client_carries_the_same_tables() {
    // The fold table is data both sides must share byte for byte.
    let line = JS
        .lines()
        .find(|l| l.trim_start().starts_with("const FOLD ="))
        .expect("search.js defines FOLD");
    let js: String =
        serde_json::from_str(line.split_once('=').unwrap().1.trim().trim_end_matches(';')).unwrap();
    assert_eq!(js, FOLD);
    assert!(JS.contains(&format!("MAX_TOKEN = {MAX_TOKEN_CHARS}")));
}

#[test]
fn stopwords_are_sorted_for_binary_search() {
    assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn long_tokens_are_cut_at_forty_characters() {
    let t = tokenize(&"a".repeat(100));
    assert_eq!(t, vec!["a".repeat(40)]);
}

#[test]
fn query_grammar() {
    let q = parse_query("physical therapy lumb");
    assert_eq!(q.words, vec!["physical", "therapy"]);
    assert_eq!(q.prefix.as_deref(), Some("lumb"));
    // A trailing space ends the word: no prefix.
    let q = parse_query("physical therapy ");
    assert_eq!(q.words, vec!["physical", "therapy"]);
    assert_eq!(q.prefix, None);
    // Phrases, stopwords, duplicates.
    let q = parse_query("\"MRI of the right shoulder\" the mri");
    assert_eq!(
        q.phrases,
        vec![vec!["mri", "of", "the", "right", "shoulder"]]
    );
    assert_eq!(q.words, Vec::<String>::new());
    assert_eq!(q.prefix.as_deref(), Some("mri"));
    // An unclosed quote is a phrase being typed.
    let q = parse_query("knee \"physical ther");
    assert_eq!(q.words, vec!["knee"]);
    assert_eq!(q.phrases, vec![vec!["physical", "ther"]]);
    assert_eq!(q.prefix, None);
    // A one-letter last word is not a prefix.
    let q = parse_query("knee p");
    assert_eq!(q.words, vec!["knee", "p"]);
    assert_eq!(q.prefix, None);
    // A quoted single word is a word.
    let q = parse_query("\"acupuncture\"");
    assert_eq!(q.words, vec!["acupuncture"]);
    assert!(parse_query("the of and ").is_empty());
    // ...but a stopword being typed is a prefix ("physical the" on the way to "therapy").
    assert_eq!(parse_query("physical the").prefix.as_deref(), Some("the"));
    assert!(parse_query("").is_empty());
    // A prefix equal to an earlier word is dropped.
    let q = parse_query("knee knee");
    assert_eq!(q.words, vec!["knee"]);
    assert_eq!(q.prefix, None);
}

#[test]
fn varints_round_trip() {
    let vals = [
        0u64,
        1,
        127,
        128,
        255,
        300,
        16_383,
        16_384,
        u64::from(u32::MAX),
        u64::MAX,
    ];
    let mut buf = Vec::new();
    for &v in &vals {
        put_varint(&mut buf, v);
        assert_eq!(varint_len(v), {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            b.len()
        });
    }
    let mut r = Reader::new(&buf);
    for &v in &vals {
        assert_eq!(r.varint(), v);
    }
    assert!(r.done());
    // Known bytes: LEB128.
    let mut b = Vec::new();
    put_varint(&mut b, 300);
    assert_eq!(b, [0xac, 0x02]);
}

#[test]
fn postings_round_trip_with_small_and_large_gaps() {
    let list: Vec<(u32, u8)> = vec![
        (0, 1),
        (1, 15),
        (15, 3),
        (16, 4),
        (31, 5),
        (32, 6),
        (47, 7),
        (1000, 8),
        (1_000_000, 9),
        (268_435_455, 15),
    ];
    for base in [0u32, 0] {
        let mut buf = Vec::new();
        let mut prev = i64::from(base) - 1;
        for &(d, q) in &list {
            let before = buf.len();
            put_posting(&mut buf, prev, d, q);
            assert_eq!(buf.len() - before, posting_len(prev, d));
            prev = i64::from(d);
        }
        let mut got = Vec::new();
        decode_postings(&buf, base, |d, q| got.push((d, q)));
        assert_eq!(got, list);
    }
    // Dense lists cost one byte a posting.
    let mut buf = Vec::new();
    let mut prev = -1;
    for d in 0..1000u32 {
        put_posting(&mut buf, prev, d * 3, 2);
        prev = i64::from(d * 3);
    }
    assert_eq!(buf.len(), 1000);
    // A part that starts later decodes from its base.
    let mut buf = Vec::new();
    put_posting(&mut buf, 99, 100, 5);
    put_posting(&mut buf, 100, 140, 6);
    let mut got = Vec::new();
    decode_postings(&buf, 100, |d, q| got.push((d, q)));
    assert_eq!(got, vec![(100, 5), (140, 6)]);
}

#[test]
fn runs_round_trip() {
    let docs = [0u32, 1, 2, 5, 6, 10, 100, 101, 102, 103];
    let rs = runs(&docs);
    assert_eq!(rs, vec![(0, 3), (5, 2), (10, 1), (100, 4)]);
    let mut buf = Vec::new();
    let mut end = 0;
    for &(s, l) in &rs {
        put_run(&mut buf, end, s, l);
        end = s + l;
    }
    let mut got = Vec::new();
    decode_runs(&buf, 0, |s, l| got.extend(s..s + l));
    assert_eq!(got, docs);
}

#[test]
fn bits_round_trip() {
    for w in 0..=17u32 {
        let vals: Vec<u32> = (0..37u32)
            .map(|i| if w == 0 { 0 } else { (i * 7919) % (1 << w) })
            .collect();
        let mut buf = Vec::new();
        pack_bits(&mut buf, &vals, w);
        assert_eq!(buf.len(), (vals.len() * w as usize).div_ceil(8));
        let mut r = Reader::new(&buf);
        assert_eq!(unpack_bits(&mut r, vals.len(), w), vals);
    }
    assert_eq!(width(1), 0);
    assert_eq!(width(2), 1);
    assert_eq!(width(3), 2);
    assert_eq!(width(256), 8);
    assert_eq!(width(257), 9);
}

#[test]
fn column_round_trip_picks_the_smaller_form() {
    // Facet 0 constant, facet 1 long runs (run-length wins), facet 2 mixed (bits win),
    // facet 3 multi-valued and empty sets.
    let docs: Vec<Vec<Vec<u32>>> = (0..300u32)
        .map(|i| {
            vec![
                vec![4],
                vec![i / 100],
                vec![(i * 7) % 5],
                match i % 3 {
                    0 => vec![],
                    1 => vec![1, 2],
                    _ => vec![2],
                },
            ]
        })
        .collect();
    let b = encode_column(&docs, 4);
    assert_eq!(decode_column(&b, docs.len(), 4), docs);
    // 300 documents × 4 facets in well under a byte a document.
    assert!(b.len() < 300, "{} bytes", b.len());
}

/// Diagnostic (ignored): where facet column bytes go, per facet.
#[test]
#[ignore]
fn column_cost_by_facet() {
    let docs = super::super::synth::docs(10_000);
    let tmp = super::roundtrip::TempDir::new("colcost");
    super::super::write_index(docs, &tmp.0).unwrap();
    let root: super::super::format::Root =
        serde_json::from_slice(&std::fs::read(tmp.0.join("root.json")).unwrap()).unwrap();
    let nf = root.facets.len();
    let mut per = vec![0usize; nf];
    let mut c = 0;
    while let Ok(b) = std::fs::read(tmp.0.join(format!("c/{c}.bin"))) {
        let n = (root.docs - c * root.col_docs).min(root.col_docs) as usize;
        let d = decode_column(&b, n, nf);
        for (f, total) in per.iter_mut().enumerate() {
            let one: Vec<Vec<Vec<u32>>> = d.iter().map(|x| vec![x[f].clone()]).collect();
            *total += encode_column(&one, 1).len();
        }
        c += 1;
    }
    for (f, bytes) in root.facets.iter().zip(&per) {
        println!("{:<12} {bytes:>7} bytes, {} values", f.name, f.values.len());
    }
}

/// Diagnostic (ignored): bytes fetched per file kind for the typical queries, over
/// an index folder given as `INDEX=DIR`.
#[test]
#[ignore]
fn fetch_log() {
    let dir = std::path::PathBuf::from(std::env::var("INDEX").unwrap());
    let mut c = super::super::reader::Client::open(&dir).unwrap();
    for (label, r) in super::super::synth::typical_queries() {
        c.reset_log();
        let o = c.search(&r).unwrap();
        let mut by: std::collections::BTreeMap<char, (usize, u64)> = Default::default();
        for (f, b) in &c.log {
            let e = by.entry(f.chars().next().unwrap()).or_default();
            e.0 += 1;
            e.1 += b;
        }
        println!("{label}: {} {:?}", o.total, by);
    }
}

/// The JS client tokenises exactly as the indexer: the same vectors, run by node.
#[test]
fn js_client_passes_the_shared_tokenizer_vectors() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("node")
        .arg(root.join("tests/search/tokenize_test.mjs"))
        .current_dir(root)
        .output()
        .expect("running node (install nodejs; .ci/run does)");
    assert!(
        out.status.success(),
        "node tokenizer test failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
