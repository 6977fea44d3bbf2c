//! Over-budget (approximate) evaluation: the pages the client proves exact really are
//! the true ones, and the JS client approximates and proves exactly as the Rust reader.

use super::super::brute::Brute;
use super::super::format::Budget;
use super::super::reader::{Client, Request};
use super::super::{synth, write_index};
use super::roundtrip::TempDir;

fn req(q: &str, filters: &[(&str, &str)], page: usize) -> Request {
    Request {
        q: q.into(),
        filters: filters
            .iter()
            .map(|(f, v)| (f.to_string(), vec![v.to_string()]))
            .collect(),
        page,
    }
}

fn requests() -> Vec<Request> {
    let mut v = Vec::new();
    for q in [
        "physical therapy",
        "pain medication",
        "chronic pain",
        "patient",
        "mri lumbar spine",
        "\"physical therapy\" lumbar",
        "physical th",
        "phys",
        "treatment guidelines recommend",
    ] {
        v.push(req(q, &[], 1));
        v.push(req(q, &[], 2));
        v.push(req(q, &[("decision", "upheld")], 1));
    }
    v
}

const SQUEEZED: Budget = Budget {
    terms: 8 * 1024,
    sets: 16 * 1024,
    col: 4 * 1024,
};

#[test]
fn proven_pages_are_the_true_ones_and_js_agrees() {
    let docs = synth::docs(6000);
    let brute = Brute::new(docs.clone());
    let tmp = TempDir::new("proof");
    write_index(docs, &tmp.0).unwrap();
    let mut c = Client::open(&tmp.0).unwrap();
    c.root.budget = SQUEEZED;
    let reqs = requests();
    let mut outcomes = Vec::new();
    let (mut approximate, mut proven) = (0, 0);
    for r in &reqs {
        let o = c.search(r).unwrap();
        let truth = brute.search(&r.q, &r.filters);
        let want: Vec<&str> = truth
            .ranked
            .iter()
            .skip((r.page - 1) * 10)
            .take(10)
            .map(String::as_str)
            .collect();
        let got: Vec<&str> = o.page.iter().map(|p| p.1.case.as_str()).collect();
        if !o.exact {
            approximate += 1;
            if o.top_exact {
                proven += 1;
                assert_eq!(got, want, "{r:?}: proven exact but not the true page");
            }
        } else {
            assert!(o.top_exact);
            assert_eq!(got, want, "{r:?}");
        }
        outcomes.push(o);
    }
    // The squeeze must make most of these approximate, and the proof must hold for
    // some of them (and not for all: the test would not show it can fail).
    assert!(
        approximate >= reqs.len() / 2,
        "only {approximate} approximate"
    );
    assert!(
        proven > 0 && proven < approximate,
        "{proven} of {approximate} proven"
    );

    // The JS client, run by node on the same index with the same budgets.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let rf = tmp.0.join("requests.json");
    let bf = tmp.0.join("budget.json");
    let json: Vec<serde_json::Value> = reqs
        .iter()
        .map(|r| serde_json::json!({ "q": r.q, "filters": r.filters, "page": r.page }))
        .collect();
    std::fs::write(&rf, serde_json::to_vec(&json).unwrap()).unwrap();
    std::fs::write(&bf, serde_json::to_vec(&SQUEEZED).unwrap()).unwrap();
    let out = std::process::Command::new("node")
        .arg(root.join("tests/search/client_run.mjs"))
        .arg(&tmp.0)
        .arg(&rf)
        .arg(&bf)
        .output()
        .expect("running node (install nodejs; .ci/run does)");
    assert!(
        out.status.success(),
        "node client run failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let js: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(js.len(), outcomes.len());
    for ((r, o), j) in reqs.iter().zip(&outcomes).zip(&js) {
        let ranked: Vec<u32> = j["ranked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(ranked, o.ranked, "{r:?}: ranking differs");
        assert_eq!(j["total"].as_f64().unwrap() as u64, o.total, "{r:?}");
        assert_eq!(j["exact"].as_bool().unwrap(), o.exact, "{r:?}");
        assert_eq!(j["topExact"].as_bool().unwrap(), o.top_exact, "{r:?}");
    }
}
