//! The streaming builder against the in-memory writer it replaced: the same files, byte
//! for byte, whichever way the documents arrive (one by one, shuffled, from parallel
//! workers, from builders merged by hand).

use rayon::prelude::*;

use super::super::format::Params;
use super::super::reader::Client;
use super::super::writer::{choose_label, write_index_reference};
use super::super::{Builder, SearchDoc, synth, write_index_with};
use super::roundtrip::{TempDir, same_files, tiny};

/// Synthetic documents plus the odd ones: no treatment, a URL without the case number,
/// no year facet, repeated facets, an empty body, two documents equal but for the text.
fn corpus(n: usize) -> Vec<SearchDoc> {
    let mut docs = synth::docs(n);
    let odd = |case: &str, url: &str, facets: Vec<(&str, &str, &str)>, text: &str| SearchDoc {
        case_number: case.into(),
        url: url.into(),
        title: "Physical therapy 12 sessions".into(),
        requests: vec!["Physical therapy 12 sessions".into(), "MRI lumbar".into()],
        text: text.into(),
        year: 2019,
        facets: facets
            .into_iter()
            .map(|(f, v, l)| (f.into(), v.into(), l.into()))
            .collect(),
    };
    docs.push(odd(
        "CM19-9000001",
        "/elsewhere/9000001.html",
        vec![("decision", "upheld", "Upheld"), ("year", "2019", "")],
        "Physical therapy is recommended for the lumbar spine.",
    ));
    docs.push(odd(
        "CM19-9000002",
        "/determinations/CM19-9000002/",
        vec![
            ("treatment", "mri", "MRI scan"),
            ("treatment", "mri", "MRI scan"),
            ("decision", "overturned", "Overturned"),
            ("decision", "upheld", "Upheld"),
        ],
        "",
    ));
    docs.push(odd(
        "CM19-9000003",
        "/determinations/CM19-9000003/",
        vec![("treatment", "mri", "MRI scan"), ("sex", "female", "")],
        "Same as the next but for this sentence.",
    ));
    docs.push(odd(
        "CM19-9000003",
        "/determinations/CM19-9000003/",
        vec![("treatment", "mri", "MRI scan"), ("sex", "female", "")],
        "Same as the previous but for this sentence, and longer text here.",
    ));
    docs
}

fn by_builder(docs: Vec<SearchDoc>, p: &Params, dir: &std::path::Path) {
    let mut b = Builder::new(p.clone());
    for d in docs {
        b.add(d);
    }
    b.finish(dir).unwrap();
}

#[test]
fn builder_writes_what_the_in_memory_writer_wrote() {
    for (tag, p) in [("default", Params::default()), ("tiny", tiny())] {
        let docs = corpus(2500);
        let reference = TempDir::new(&format!("ref-{tag}"));
        let want = write_index_reference(docs.clone(), &reference.0, &p).unwrap();

        // One at a time.
        let one = TempDir::new(&format!("one-{tag}"));
        by_builder(docs.clone(), &p, &one.0);
        same_files(&reference.0, &one.0);

        // Through the wrapper (rayon workers, merged).
        let par = TempDir::new(&format!("par-{tag}"));
        let got = write_index_with(docs.clone(), &par.0, &p).unwrap();
        assert_eq!(got, want);
        same_files(&reference.0, &par.0);

        // Shuffled (the two documents equal but for their text keep their order), and
        // built as three builders merged by hand, the middle one empty.
        let mut shuffled = docs.clone();
        let tail = shuffled.split_off(shuffled.len() - 2);
        shuffled.reverse();
        shuffled.swap(7, 1900);
        shuffled.extend(tail);
        let mut a = Builder::new(p.clone());
        let mut b = Builder::new(p.clone());
        let mut c = Builder::new(p.clone());
        let rest = shuffled.split_off(1000);
        for d in shuffled {
            a.add(d);
        }
        c.par_extend(rest);
        b.merge(Builder::new(p.clone()));
        a.merge(b);
        a.merge(c);
        assert_eq!(a.len(), docs.len());
        let merged = TempDir::new(&format!("merged-{tag}"));
        a.finish(&merged.0).unwrap();
        same_files(&reference.0, &merged.0);
    }
}

#[test]
fn builder_output_is_deterministic_across_runs() {
    let docs = corpus(1200);
    let a = TempDir::new("det-builder-a");
    let b = TempDir::new("det-builder-b");
    let mut x = Builder::new(Params::default());
    x.par_extend(docs.clone().into_par_iter());
    x.finish(&a.0).unwrap();
    let mut y = Builder::new(Params::default());
    y.par_extend(docs);
    y.finish(&b.0).unwrap();
    same_files(&a.0, &b.0);
}

#[test]
fn facet_labels_reach_the_root() {
    let docs = corpus(800);
    let tmp = TempDir::new("labels");
    let mut b = Builder::new(Params::default());
    b.par_extend(docs);
    b.finish(&tmp.0).unwrap();
    let c = Client::open(&tmp.0).unwrap();
    let label = |facet: &str, value: &str| -> String {
        let f = c.root.facets.iter().find(|f| f.name == facet).unwrap();
        let i = f.values.iter().position(|v| v == value).unwrap();
        f.labels.get(i).cloned().unwrap_or_default()
    };
    // "MRI" in 800 synthetic documents outvotes the odd documents' "MRI scan".
    assert_eq!(label("treatment", "mri"), "MRI");
    assert_eq!(label("treatment", "electrodiagnostics"), "EMG/NCS");
    assert_eq!(label("decision", "upheld"), "Upheld");
    assert_eq!(label("guideline", "odg"), "Official Disability Guidelines");
    // Values without labels: no labels array at all.
    let sex = c.root.facets.iter().find(|f| f.name == "sex").unwrap();
    assert!(sex.labels.is_empty());
    let raw = std::fs::read_to_string(tmp.0.join("root.json")).unwrap();
    assert!(raw.contains("\"EMG/NCS\""));
}

#[test]
fn the_most_frequent_label_wins_ties_to_the_smallest() {
    let m = |v: &[(&str, u32)]| {
        v.iter()
            .map(|(l, c)| (l.to_string(), *c))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(choose_label(&m(&[])), "");
    assert_eq!(choose_label(&m(&[("MRI", 1), ("MRI scan", 3)])), "MRI scan");
    assert_eq!(choose_label(&m(&[("b", 2), ("a", 2)])), "a");
}
