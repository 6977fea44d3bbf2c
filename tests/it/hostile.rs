//! Hostile input: bombs, deep nesting, odd bytes and names, scripts everywhere, and builds
//! killed mid-way. Nothing crashes, nothing runs, nothing half-written is published.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::*;

fn base() -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/rules/CB010.pass.md")).unwrap()
}

fn site() -> TempDir {
    let t = TempDir::new("hostile");
    copy_tree(
        &repo().join("tests/fixtures/build/basic/content/guidelines"),
        &t.path().join("content/guidelines"),
    );
    t
}

#[test]
fn yaml_bomb_and_deep_nesting_are_refused_quickly() {
    let s = site();
    let mut bomb = String::from("---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..14 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str("---\nbody\n");
    s.write("content/determinations/bomb.md", &bomb);
    s.write(
        "content/determinations/deep.md",
        &format!(
            "---\nextra: {}{}\n---\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
    );
    let started = Instant::now();
    let o = run(s.path(), &["check"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("content/determinations/bomb.md")
            && e.contains("content/determinations/deep.md"),
        "{e}"
    );
}

#[test]
fn huge_front_matter_and_huge_files_are_bounded() {
    let s = site();
    let mut big = String::from("---\ncase_number: CM16-0000001\nextra:\n  notes: \"");
    big.push_str(&"x".repeat(2 << 20));
    big.push_str("\"\n---\n");
    s.write("content/determinations/big-front.md", &big);
    let f = std::fs::File::create(s.path().join("content/determinations/huge.md")).unwrap();
    f.set_len(100 << 20).unwrap(); // sparse 100 MB file
    let started = Instant::now();
    let o = run(s.path(), &["check"]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("exceeds the") && e.contains("byte limit"), "{e}");
}

#[test]
fn nul_bytes_odd_names_and_symlink_loops() {
    let s = site();
    s.write(
        "content/determinations/nul.md",
        &base().replace("Occupational Medicine", "Occupational\0Medicine"),
    );
    s.write("content/determinations/with space é.md", &base());
    s.write(
        "content/determinations/-dash.md",
        &base().replace("CM14-0123456", "CM14-0123457"),
    );
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", s.path().join("content/determinations/loop")).unwrap();
    let o = run(s.path(), &["check", "--format", "json"]);
    let out = stdout(&o);
    assert!(out.contains("nul.md"), "{out}");
    assert!(
        out.contains("symbolic link loop") || out.contains("loop"),
        "{out}"
    );
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn template_syntax_in_content_is_inert() {
    let s = site();
    let text = base()
        .replace(
            "  - chronic low back pain",
            "  - \"{{ site.title }} {% raw %}x{% endraw %}\"",
        )
        .replace(
            "lifting injury.",
            "lifting injury {{ 7*7 }} {% for x in range(3) %}loop{% endfor %}.",
        );
    s.write("content/determinations/t.md", &text);
    let o = run(s.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = s.read("public/determinations/CM14-0123456/index.html");
    assert!(
        page.contains("{{ site.title }}"),
        "template syntax was evaluated"
    );
    assert!(
        page.contains("{{ 7*7 }}") && !page.contains("49"),
        "template syntax was evaluated"
    );
}

fn hash_tree(dir: &Path) -> BTreeMap<String, u64> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            // FNV-1a is enough to tell two versions apart.
            let h = bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
            });
            (
                p.strip_prefix(dir).unwrap().to_string_lossy().to_string(),
                h,
            )
        })
        .collect()
}

#[test]
fn killing_a_build_leaves_old_or_new_output_never_a_mix() {
    let s = site();
    // Enough determinations that a build takes a noticeable time.
    for i in 0..300 {
        s.write(
            &format!("content/determinations/d{i}.md"),
            &base().replace("CM14-0123456", &format!("CM14-{:07}", 1_000_000 + i)),
        );
    }
    assert_eq!(code(&run(s.path(), &["build"])), 0);
    let old = hash_tree(&s.path().join("public"));
    // The new version differs in every page.
    s.write("casebook.yaml", "title: Second edition\n");
    let o = run(s.path(), &["build", "--output", "reference"]);
    assert_eq!(code(&o), 0);
    let new = hash_tree(&s.path().join("reference"));
    assert_ne!(old, new);
    let mut seen_new = false;
    for i in 0..12u64 {
        let mut child = std::process::Command::new(BIN)
            .arg("build")
            .current_dir(s.path())
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + i * 37 % 400));
        let _ = child.kill();
        let _ = child.wait();
        let now = hash_tree(&s.path().join("public"));
        assert!(
            now == old || now == new,
            "after kill {i}: public/ is neither the old nor the new site"
        );
        seen_new |= now == new;
        if now == new {
            // Go back to the old version (the site had no casebook.yaml) to keep testing
            // both directions.
            std::fs::remove_file(s.path().join("casebook.yaml")).unwrap();
            assert_eq!(code(&run(s.path(), &["build"])), 0);
            s.write("casebook.yaml", "title: Second edition\n");
            let again = hash_tree(&s.path().join("public"));
            assert!(again == old, "rebuilding the old version gave other bytes");
        }
    }
    let _ = seen_new;
    // Interrupted builds leave no staging folders that are not casebook's to clean.
    assert_eq!(code(&run(s.path(), &["build"])), 0);
    let names: Vec<String> = std::fs::read_dir(s.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains(".staging-") || n.contains(".old-")),
        "{names:?}"
    );
}

/// A payload for the field `id`: if any part of it ran, it would set `top.__pwned` to
/// `id`, open an alert and log `PWNED id`; a refresh or a link would leave the page. It
/// covers scripts, event handlers, `javascript:`/`data:` URLs (links, images, frames,
/// objects, forms), SVG with script, `<iframe srcdoc>`, `<meta http-equiv=refresh>`, CSS
/// (`expression`, `javascript:` in `url()` and `@import`), attribute break-outs, a
/// mutation-XSS shape, Markdown links, and template syntax. One line, no backslash.
pub fn payload(id: &str) -> String {
    let js = format!("top.__pwned='{id}';alert('{id}');console.log('PWNED {id}')");
    [
        format!("<script>{js}</script>"),
        format!("<img src=x onerror=\"{js}\">"),
        format!("<svg onload=\"{js}\"><script>{js}</script><a xlink:href=\"javascript:{js}\"><text>svg-{id}</text></a></svg>"),
        format!("<a href=\"javascript:{js}\">js-{id}</a>"),
        format!("<a href=\" JaVaScRiPt:{js}\">js2-{id}</a>"),
        format!("<a href=\"&#106;avascript:{js}\">js3-{id}</a>"),
        format!("<a href=\"data:text/html,&lt;script&gt;{js}&lt;/script&gt;\">data-{id}</a>"),
        format!("<img src=\"data:image/svg+xml,&lt;svg xmlns=&quot;http://www.w3.org/2000/svg&quot; onload=&quot;{js}&quot;/&gt;\">"),
        format!("<iframe srcdoc=\"&lt;script&gt;{js}&lt;/script&gt;\"></iframe>"),
        format!("<iframe src=\"javascript:{js}\"></iframe>"),
        format!("<meta http-equiv=\"refresh\" content=\"0;url=javascript:{js}\">"),
        format!("<meta http-equiv=\"refresh\" content=\"0;url=http://127.0.0.1:9/{id}\">"),
        "<base href=\"http://127.0.0.1:9/\">".to_string(),
        format!("<style>@import 'javascript:{js}';body{{background:url(\"javascript:{js}\");width:expression({js})}}</style>"),
        format!("<div onmouseover=\"{js}\" style=\"width:expression({js})\">hover-{id}</div>"),
        format!("<details open ontoggle=\"{js}\"><summary>t</summary></details>"),
        format!("<input autofocus onfocus=\"{js}\">"),
        format!("<body onload=\"{js}\">"),
        format!("<object data=\"javascript:{js}\"></object><embed src=\"javascript:{js}\">"),
        format!("<form action=\"javascript:{js}\"><button formaction=\"javascript:{js}\">go-{id}</button></form>"),
        format!("<math><mtext><table><mglyph><style><img src=x onerror=\"{js}\">"),
        format!("\"'><img src=x onerror=\"{js}\">"),
        format!("[md-{id}](javascript:{js}) ![img-{id}](javascript:{js}) <javascript:{js}>"),
        "{{ 'TPL' ~ 'EVAL' }} {% for x in ['TPL', 'LOOP'] %}{{ x }}{% endfor %} {{ site.title }}"
            .to_string(),
    ]
    .join(" ")
}

/// A YAML single-quoted scalar.
fn yaml(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Markdown text that reads back as `s` (every ASCII punctuation backslash-escaped).
fn md_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_punctuation() {
                format!("\\{c}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The case number of the hostile determination: it is a URL segment (no space, slash,
/// `?`, `#` or `%`), so it carries an attribute break-out instead of tags with spaces.
pub const HOSTILE_CASE: &str = "CM14-0000001\"onmouseover=\"top.__pwned='case_number'\"x='<svg>";

/// A site whose every free-text field (front matter, configuration, rule pack) and body
/// carries `payload(FIELD)`.
pub fn hostile_site(name: &str) -> TempDir {
    let t = TempDir::new(name);
    let p = |id: &str| yaml(&payload(id));
    t.write(
        "casebook.yaml",
        &format!(
            "title: {}\ndescription: {}\nbase_url: \"https://example.org/\"\njurisdiction: {}\nreview_organization: {}\ncase_number_pattern: '^CM14-'\n",
            p("config.title"),
            p("config.description"),
            p("config.jurisdiction"),
            p("config.review_organization"),
        ),
    );
    t.write(
        "content/guidelines/hostile-pack.yaml",
        &format!(
            "id: hostile-pack\ntitle: {}\npublisher: {}\nedition: {}\npages: 1-100\nsections:\n  - id: hostile-section\n    title: {}\n    pages: 1-10\ntreatments:\n  - id: hostile-treatment\n    title: {}\n    sections: [hostile-section]\n    limits:\n      - condition: {}\n        max_visits: 10\n        over_weeks: 4\n",
            p("pack.title"),
            p("pack.publisher"),
            p("pack.edition"),
            p("pack.section.title"),
            p("pack.treatment.title"),
            p("pack.limit.condition"),
        ),
    );
    for (n, case, decision, outcome) in [
        (1, HOSTILE_CASE, "upheld", "not medically necessary"),
        (2, "CM14-0000002", "overturned", "medically necessary"),
    ] {
        let f = |field: &str| p(&format!("d{n}.{field}"));
        let request = payload(&format!("d{n}.items.request"));
        t.write(
            &format!("content/determinations/d{n}.md"),
            &format!(
                "---
case_number: {case}
determination_date: 2014-12-1{n}
injury_date: 2014-03-06
priority: standard
status: published
jurisdiction: {jurisdiction}
review_organization: {organization}
reviewer:
  specialty: {specialty}
  licensure: [{licensure}]
  board_certified: true
patient:
  age: 45
  sex: male
diagnoses:
  - {diagnosis}
  - chronic low back pain
items:
  - request: {request_yaml}
    original_request: {original}
    authorized: {authorized}
    treatment: hostile-treatment
    body_region: {region}
    quantity: 8
    frequency: {{ per_week: 2, weeks: 4 }}
    decision: {decision}
    claims_administrator_basis:
      basis: outside-guidelines
      text: {ca_text}
    reviewer_basis:
      guideline: hostile-pack
      section: hostile-section
      pages: \"5\"
    exception: {exception}
identifiers:
  names: [John Q. Doe]
  numbers: []
  addresses: []
  other: [{other}]
extra:
  note: {note}
  nested: {{ list: [{nested}] }}
---

## Clinical case summary

{summary}

This individual is a 45 y/o male, John Q. Doe, with low back pain after a lifting injury.

## Decision rationale

### {heading}

{rationale}

The request for physical therapy is {outcome}.
",
                jurisdiction = f("jurisdiction"),
                organization = f("review_organization"),
                specialty = f("reviewer.specialty"),
                licensure = f("reviewer.licensure"),
                diagnosis = f("diagnoses"),
                request_yaml = yaml(&request),
                original = f("items.original_request"),
                authorized = f("items.authorized"),
                region = f("items.body_region"),
                ca_text = f("items.claims_administrator_basis.text"),
                exception = f("items.exception"),
                other = f("identifiers.other"),
                note = f("extra.note"),
                nested = f("extra.nested"),
                summary = payload(&format!("d{n}.body.summary")),
                heading = md_text(&request),
                rationale = payload(&format!("d{n}.body.rationale")),
            ),
        );
    }
    t
}

#[test]
fn hostile_pages_run_no_script_in_a_real_browser() {
    let s = hostile_site("hostile-browser");
    let o = run(s.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // The payloads did reach the pages, as inert text.
    let pages = walk(&s.path().join("public"));
    let det = pages
        .iter()
        .find(|p| p.to_string_lossy().contains("CM14-0000001"))
        .expect("the hostile determination's page");
    let html = std::fs::read_to_string(det).unwrap();
    for id in [
        "d1.jurisdiction",
        "d1.reviewer.specialty",
        "d1.items.request",
        "config.title",
    ] {
        assert!(html.contains(id), "{id} is not on the page at all");
    }
    for p in &pages {
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).to_string();
        assert!(
            !text.contains("TPLEVAL") && !text.contains("TPLLOOP"),
            "{}: template syntax from the content was evaluated",
            p.display()
        );
    }
    let Some(chromium) = chromium() else {
        return;
    };
    let out = node()
        .arg(repo().join("tests/browser/hostile.mjs"))
        .arg(&chromium)
        .arg(s.path().join("public"))
        .output()
        .expect("running node (install nodejs, or set CASEBOOK_SKIP_BROWSER=1)");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{report}");
    assert!(out.status.success(), "browser test failed:\n{report}");
}
