//! De-identification end to end: identifiers hidden everywhere never reach any output
//! file, the leak gate stops a build that would publish one, and `redact` works on text.

use crate::util::*;

fn site() -> TempDir {
    let t = TempDir::new("deid");
    copy_tree(
        &repo().join("tests/fixtures/build/basic/content/guidelines"),
        &t.path().join("content/guidelines"),
    );
    t
}

const HIDDEN: &str = r#"---
case_number: CM16-0000077
determination_date: 2016-12-09
injury_date: 2016-03-06
reviewer:
  specialty: Occupational Medicine
patient:
  age: 52
  sex: female
diagnoses:
  - lumbar strain reported by Rosalind Quimby-Hart
items:
  - request: Physical therapy 6 visits per Dr. Quimby-Hart
    treatment: physical-therapy
    quantity: 6
    decision: upheld
    reviewer_basis: { guideline: mtus-chronic-pain-2009, section: physical-medicine, text: "cited for Rosalind Quimby-Hart" }
identifiers:
  names: [Rosalind Quimby-Hart, Zebulon Fairweather, Brightwater Logistics LLC]
  numbers: [WC-88-771234, 555-67-8901]
  addresses: ["4417 Juniper Hollow Road, Modesto, CA 95350"]
  other: [rqh@example.net]
extra:
  adjuster: Zebulon Fairweather
  notes: ["claim WC-88-771234"]
---

## Clinical case summary

The injured worker, *Rosalind* **Quimby-Hart**, is employed by [Brightwater Logistics LLC](https://brightwater.example/staff?id=WC-88-771234).
Ms. Quimby-Hart's spouse ZEBULON
FAIRWEATHER drove her from 4417 Juniper Hollow Road, Modesto, CA 95350 on 3/6/16.
![photo of Quimby-Hart, Rosalind](x.png) <!-- Fairweather, Zebulon called 555-67-8901 -->
Contact: `rqh@example.net`, claim WC 88 771234, phone (209) 555-0143.

### Findings for R. Quimby-Hart

| worker | employer |
|---|---|
| Rosalind Q.-Hart | Brightwater Logistics |

She reported pain[^1].

[^1]: As told to Dr. Fairweather on March 6, 2016.

## Decision rationale

### Physical therapy 6 visits per Dr. Quimby-Hart

Six visits are within the guideline. The request is not medically necessary.
"#;

#[test]
fn identifiers_hidden_everywhere_never_reach_output() {
    let s = site();
    s.write("content/determinations/hidden.md", HIDDEN);
    let o = run(s.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let needles = [
        "quimby",
        "fairweather",
        "brightwater",
        "juniper hollow",
        "771234",
        "555-67-8901",
        "rqh@",
        "modesto",
        "95350",
        "555-0143",
        "rosalind",
        "zebulon",
    ];
    for f in walk(&s.path().join("public")) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_lowercase();
        for n in needles {
            assert!(!text.contains(n), "{n} reached {}", f.display());
        }
    }
    let page = s.read("public/determinations/CM16-0000077/index.html");
    // Dates become years; the clinical content stays.
    assert!(
        page.contains("2016") && !page.contains("3/6/16"),
        "date not generalised"
    );
    assert!(page.contains("Six visits are within the guideline"));
}

#[test]
fn identifiers_never_appear_in_diagnostics() {
    let s = site();
    // An error on a line carrying an identifier: the snippet masks it.
    let bad = HIDDEN.replace(
        "  - request: Physical therapy 6 visits per Dr. Quimby-Hart",
        "  - request: Physical therapy 6 visits per Dr. Quimby-Hart\n    treatmnt: x",
    );
    s.write("content/determinations/hidden.md", &bad);
    for format in ["human", "json", "github"] {
        let o = run(s.path(), &["check", "--format", format]);
        let all = format!("{}{}", stdout(&o), stderr(&o)).to_lowercase();
        assert_eq!(code(&o), 1);
        for n in ["quimby", "fairweather", "brightwater", "771234"] {
            assert!(
                !all.contains(n),
                "{n} printed in {format} diagnostics:\n{all}"
            );
        }
    }
}

#[test]
fn planted_identifier_in_static_stops_the_build_with_exit_3() {
    let s = site();
    s.write("content/determinations/hidden.md", HIDDEN);
    assert_eq!(code(&run(s.path(), &["build"])), 0);
    let before: Vec<_> = walk(&s.path().join("public"))
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    s.write(
        "static/notes.txt",
        "internal: call Zebulon Fairweather about the file",
    );
    let o = run(s.path(), &["build"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("notes.txt") && e.contains("CM16-0000077"), "{e}");
    assert!(
        !e.to_lowercase().contains("fairweather"),
        "the report printed the identifier: {e}"
    );
    let after: Vec<_> = walk(&s.path().join("public"))
        .into_iter()
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    assert_eq!(before, after, "the previous output changed");
}

/// `build` renders determination pages before every file's identifiers are known (they
/// are written into staging as each file is published); the gate scans them at the end.
/// A page template that prints an identifier must still stop the build, leave the
/// previous site as it was and leave no staging folder behind.
#[test]
fn an_identifier_on_a_determination_page_stops_the_build_with_exit_3() {
    let s = site();
    s.write("content/determinations/hidden.md", HIDDEN);
    assert_eq!(code(&run(s.path(), &["build"])), 0);
    let snapshot = || -> Vec<_> {
        walk(&s.path().join("public"))
            .into_iter()
            .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
            .collect()
    };
    let before = snapshot();
    s.write(
        "templates/determination.html",
        "{% extends \"base.html\" %}{% block content %}<p>Ask Zebulon Fairweather about {{ d.case_number }}</p>{% endblock %}",
    );
    let o = run(s.path(), &["build"]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("determinations/CM16-0000077/index.html") && e.contains("CM16-0000077"),
        "{e}"
    );
    assert!(!e.to_lowercase().contains("fairweather"), "{e}");
    assert_eq!(before, snapshot(), "the previous output changed");
    let beside: Vec<String> = std::fs::read_dir(s.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(beside.is_empty(), "left behind: {beside:?}");
}

#[test]
fn check_reports_redactions_and_undeclared_names() {
    let s = site();
    s.write(
        "content/determinations/a.md",
        &HIDDEN.replace("Contact:", "Seen by Dr. Agatha Pennywhistle. Contact:"),
    );
    let o = run(s.path(), &["check", "--redactions"]);
    let e = stderr(&o);
    assert!(
        e.contains("CM16-0000077: redacted") && e.contains("name:"),
        "{e}"
    );
    assert!(e.contains("warning[CB070]"), "{e}");
    assert!(!e.contains("Pennywhistle"), "{e}");
}

#[test]
fn redact_command_text_and_json() {
    let t = TempDir::new("redact");
    t.write(
        "in.txt",
        "Seen on 3/6/14 by Dr. Agatha Pennywhistle, phone 209-555-0143. Pain 6-8/10 at L4-5.\n",
    );
    let o = run(t.path(), &["redact", "in.txt"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        !out.contains("Pennywhistle") && !out.contains("555-0143") && !out.contains("3/6/14"),
        "{out}"
    );
    assert!(
        out.contains("L4-5") && out.contains("6-8/10") && out.contains("2014"),
        "{out}"
    );
    let o = run(t.path(), &["redact", "--format", "json", "in.txt"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let cats: Vec<&str> = v["spans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["category"].as_str().unwrap())
        .collect();
    assert!(
        cats.contains(&"name") && cats.contains(&"phone") && cats.contains(&"date"),
        "{cats:?}"
    );
}
