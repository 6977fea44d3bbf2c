//! `casebook check`: one failing and one passing fixture per rule. A failing fixture marks
//! the line where its diagnostic must point with `<- CBxxx`.

use crate::util::*;

fn site_with(det: &str) -> TempDir {
    let t = TempDir::new("rules");
    copy_tree(
        &repo().join("tests/fixtures/build/basic/content/guidelines"),
        &t.path().join("content/guidelines"),
    );
    t.write("content/determinations/case.md", det);
    t
}

/// (rule, severity, line) of every diagnostic in JSON output, plus the summary.
fn diagnostics(
    site: &TempDir,
    extra: &[&str],
) -> (Vec<(String, String, u64)>, serde_json::Value, i32) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let o = run(site.path(), &args);
    let mut diags = Vec::new();
    let mut summary = serde_json::Value::Null;
    for line in stdout(&o).lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
        if v.get("summary").is_some() {
            summary = v;
        } else {
            diags.push((
                v["rule"].as_str().unwrap().to_string(),
                v["severity"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            ));
        }
    }
    (diags, summary, code(&o))
}

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let dir = repo().join("tests/fixtures/rules");
    let mut tested = Vec::new();
    for f in walk(&dir) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let Some(rule) = name.strip_suffix(".fail.md") else {
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        let line = text
            .lines()
            .position(|l| l.contains(&format!("<- {rule}")))
            .map(|i| i as u64 + 1);
        let site = site_with(&text);
        let (diags, summary, exit) = diagnostics(&site, &[]);
        let hits: Vec<_> = diags.iter().filter(|d| d.0 == rule).collect();
        assert!(!hits.is_empty(), "{rule}: not reported; got {diags:?}");
        if let Some(l) = line {
            // A YAML parser notices an unclosed bracket on the line after it.
            let ok = |d: &&(String, String, u64)| d.2 == l || (rule == "CB001" && d.2 == l + 1);
            assert!(
                hits.iter().any(ok),
                "{rule}: expected at line {l}, got {diags:?}"
            );
        }
        let is_error = hits[0].1 == "error";
        assert_eq!(exit, if is_error { 1 } else { 0 }, "{rule}: exit code");
        assert_eq!(summary["summary"]["files"], 2);
        if !is_error {
            let (_, _, strict) = diagnostics(&site, &["--deny-warnings"]);
            assert_eq!(strict, 1, "{rule}: --deny-warnings must fail on a warning");
        }
        let pass = std::fs::read_to_string(dir.join(format!("{rule}.pass.md"))).unwrap();
        let site = site_with(&pass);
        let (diags, _, exit) = diagnostics(&site, &[]);
        assert!(
            diags.is_empty(),
            "{rule}: passing fixture reported {diags:?}"
        );
        assert_eq!(exit, 0);
        tested.push(rule.to_string());
    }
    assert!(tested.len() >= 22, "{tested:?}");
}

#[test]
fn duplicate_case_numbers_name_both_files() {
    let pass = std::fs::read_to_string(repo().join("tests/fixtures/rules/CB010.pass.md")).unwrap();
    let site = site_with(&pass);
    site.write("content/determinations/copy.md", &pass);
    let o = run(site.path(), &["check"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("error[CB011]"), "{e}");
    assert!(
        e.contains("content/determinations/copy.md")
            && e.contains("content/determinations/case.md"),
        "{e}"
    );
}

#[test]
fn unreadable_file_is_cb007_and_exit_2() {
    let site = site_with(
        &std::fs::read_to_string(repo().join("tests/fixtures/rules/CB010.pass.md")).unwrap(),
    );
    std::fs::write(
        site.path().join("content/determinations/bad.md"),
        [0xff, 0xfe, 0x00],
    )
    .unwrap();
    let (diags, _, exit) = diagnostics(&site, &[]);
    assert!(diags.iter().any(|d| d.0 == "CB007"), "{diags:?}");
    assert_eq!(exit, 2);
}

#[test]
fn malformed_rule_pack_gets_positions() {
    let site = site_with(
        &std::fs::read_to_string(repo().join("tests/fixtures/rules/CB010.pass.md")).unwrap(),
    );
    site.write(
        "content/guidelines/bad.yaml",
        "id: bad-pack\ntitle: Bad\npages: 1-10\nsections:\n  - id: a\n    title: A\n    pages: 20-21\ntreatments:\n  - id: x\n    sections: [b]\n    limts: []\n",
    );
    let (diags, _, exit) = diagnostics(&site, &[]);
    assert_eq!(exit, 1);
    assert!(
        diags.iter().any(|d| d.0 == "CB003" && d.2 == 11),
        "{diags:?}"
    );
    site.write(
        "content/guidelines/bad.yaml",
        "id: bad-pack\ntitle: Bad\npages: 1-10\nsections:\n  - id: a\n    title: A\n    pages: 20-21\ntreatments:\n  - id: x\n    sections: [b]\n",
    );
    let (diags, _, _) = diagnostics(&site, &[]);
    assert!(
        diags.iter().any(|d| d.0 == "CB062" && d.2 == 7),
        "{diags:?}"
    );
    assert!(
        diags.iter().any(|d| d.0 == "CB061" && d.2 == 10),
        "{diags:?}"
    );
}

#[test]
fn human_format_is_rustc_like_and_github_format_annotates() {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/rules/CB034.fail.md")).unwrap();
    let site = site_with(&text);
    let o = run(site.path(), &["check"]);
    let e = stderr(&o);
    assert!(
        e.contains("error[CB034]: unknown treatment `physio`"),
        "{e}"
    );
    assert!(e.contains(" --> content/determinations/case.md:"), "{e}");
    assert!(e.contains("^^^^^^"), "{e}");
    assert!(e.contains("= help:"), "{e}");
    let o = run(site.path(), &["check", "--format", "github"]);
    assert!(
        stdout(&o).starts_with("::error file=content/determinations/case.md,line="),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explain_prints_every_rule() {
    for code_ in ["CB001", "CB040", "CB070", "exception-required"] {
        let o = run(&repo(), &["explain", code_]);
        assert_eq!(code(&o), 0);
        let s = stdout(&o);
        assert!(
            s.contains("What it checks") && s.contains("Why") && s.contains("Example"),
            "{s}"
        );
    }
    assert_eq!(code(&run(&repo(), &["explain", "CB999"])), 2);
}

#[test]
fn example_archive_checks_clean() {
    let o = run(&repo(), &["check", "--drafts", "--format", "json"]);
    let out = stdout(&o);
    let errors: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("\"severity\":\"error\""))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
