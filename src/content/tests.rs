//! Unit tests of schema conversion: every problem reported at its file line.

use std::path::Path;

use super::*;

fn parse(text: &str) -> Parsed {
    parse_determination(
        Path::new("content/determinations/x.md"),
        text,
        &Config::default(),
    )
}

const GOOD: &str = "---\ncase_number: CM16-0213037\ndetermination_date: 2016-12-09\nreviewer:\n  specialty: Family Practice\npatient:\n  age: 48\n  sex: male\nitems:\n  - request: MRI of the right shoulder\n    treatment: mri\n    decision: upheld\n    reviewer_basis:\n      guideline: acoem-shoulder-2004\n      section: special-studies\nidentifiers:\n  names: [John Doe]\n---\n## Clinical case summary\n\nText.\n";

#[test]
fn good_file_converts() {
    let p = parse(GOOD);
    assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    let d = p.determination.unwrap();
    assert_eq!(d.case_number, "CM16-0213037");
    assert_eq!(d.items.len(), 1);
    assert_eq!(d.origin.body_line, 19);
    assert_eq!(d.identifiers.names, vec!["John Doe".to_string()]);
    assert_eq!(d.origin.pos("items[0].treatment").0, 11);
}

#[test]
fn unknown_keys_all_reported_with_hint() {
    let p = parse(
        &GOOD
            .replace("case_number:", "case_numbr:")
            .replace("    treatment: mri", "    treatmnt: mri"),
    );
    let msgs: Vec<_> = p
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.line, d.help.clone().unwrap_or_default()))
        .collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0].0, "CB003");
    assert_eq!(msgs[0].1, 2);
    assert!(msgs[0].2.contains("did you mean `case_number`"));
    assert_eq!(msgs[1].1, 11);
    assert!(msgs[1].2.contains("did you mean `treatment`"));
}

#[test]
fn missing_fields_all_reported() {
    let text = GOOD
        .replace("determination_date: 2016-12-09\n", "")
        .replace("    decision: upheld\n", "");
    let p = parse(&text);
    let rules: Vec<_> = p
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.message.clone()))
        .collect();
    assert!(
        rules
            .iter()
            .any(|(r, m)| *r == "CB004" && m.contains("determination_date")),
        "{rules:?}"
    );
    assert!(
        rules
            .iter()
            .any(|(r, m)| *r == "CB004" && m.contains("items[0].decision")),
        "{rules:?}"
    );
}

#[test]
fn wrong_type_points_at_value_without_echoing_it() {
    let p = parse(&GOOD.replace("age: 48", "age: John Doe"));
    assert_eq!(p.diagnostics.len(), 1, "{:?}", p.diagnostics);
    let d = &p.diagnostics[0];
    assert_eq!(d.rule, "CB005");
    assert_eq!(d.line, 7);
    assert!(!d.message.contains("John"), "{}", d.message);
}

#[test]
fn bad_enum_and_date() {
    let p = parse(
        &GOOD
            .replace("decision: upheld", "decision: uphold")
            .replace("2016-12-09", "2016-02-30"),
    );
    let rules: Vec<_> = p
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.line, d.help.clone().unwrap_or_default()))
        .collect();
    assert!(
        rules
            .iter()
            .any(|(r, l, h)| *r == "CB006" && *l == 12 && h.contains("did you mean `upheld`")),
        "{rules:?}"
    );
    assert!(
        rules.iter().any(|(r, l, _)| *r == "CB020" && *l == 3),
        "{rules:?}"
    );
}

#[test]
fn yaml_syntax_error_line_is_file_line() {
    let p = parse("---\ncase_number: CM16-0213037\nitems: [a, b\nreviewer: x\n---\nbody\n");
    assert_eq!(p.diagnostics[0].rule, "CB001");
    assert!(p.diagnostics[0].line >= 3, "{:?}", p.diagnostics[0]);
}

#[test]
fn missing_and_unclosed_front_matter() {
    assert_eq!(parse("# hello\n").diagnostics[0].rule, "CB002");
    let p = parse("---\ncase_number: x\n");
    assert_eq!(p.diagnostics[0].rule, "CB002");
    assert!(p.diagnostics[0].message.contains("not closed"));
}

#[test]
fn snippets_never_show_declared_identifiers() {
    let text = GOOD.replace("age: 48", "age: 48\n  nickname: John Doe");
    let p = parse(&text);
    for d in &p.diagnostics {
        assert!(
            !d.snippet.clone().unwrap_or_default().contains("John Doe"),
            "{d:?}"
        );
    }
    let text = GOOD.replace(
        "names: [John Doe]",
        "names: [John Doe]\n  phones: [555-1234]",
    );
    let p = parse(&text);
    assert!(!p.diagnostics.is_empty());
    for d in &p.diagnostics {
        let s = d.snippet.clone().unwrap_or_default();
        assert!(!s.contains("555-1234"), "{s}");
    }
}

/// The front matter is read from the value already parsed for the unknown-key check (no
/// second parse); that must give what parsing the text gives, for every file of the
/// example archive and fixtures and for scalars a typed value could read otherwise.
#[test]
fn reading_the_parsed_value_equals_parsing_the_text() {
    let mut fronts: Vec<String> = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["content", "tests/fixtures"] {
        for e in walkdir::WalkDir::new(root.join(dir))
            .sort_by_file_name()
            .into_iter()
            .flatten()
        {
            if e.path().extension().is_some_and(|x| x == "md")
                && let Ok(t) = std::fs::read_to_string(e.path())
                && let Some(front) = t
                    .strip_prefix("---\n")
                    .and_then(|r| r.split_once("\n---").map(|(f, _)| f.to_string()))
            {
                fronts.push(front);
            }
        }
    }
    assert!(fronts.len() > 20, "{}", fronts.len());
    let good = GOOD
        .strip_prefix("---\n")
        .and_then(|r| r.split_once("\n---"))
        .map(|(f, _)| f.to_string())
        .unwrap();
    for (from, to) in [
        ("CM16-0213037", "0123"),
        ("CM16-0213037", "\"0123\""),
        ("CM16-0213037", "!!str 12"),
        ("CM16-0213037", "~"),
        ("CM16-0213037", "1.5e3"),
        ("2016-12-09", "\"2016-12-09\""),
        ("2016-12-09", "20161209"),
        ("Family Practice", "123"),
        ("Family Practice", "yes"),
        ("Family Practice", "true"),
        ("Family Practice", ".inf"),
        ("age: 48", "age: 48.0"),
        ("age: 48", "age: \"48\""),
        ("age: 48", "age: -1"),
        ("age: 48", "age: 0x30"),
        ("sex: male", "sex: ~"),
        ("sex: male", "sex: 1"),
        ("decision: upheld", "decision: 7"),
        ("[John Doe]", "[John Doe, 555, true, ~]"),
        ("[John Doe]", "{a: b}"),
        (
            "      section: special-studies",
            "      section: 12\n      pages: 8",
        ),
        (
            "      section: special-studies",
            "      section: x\n      pages: \"8-9\"",
        ),
        (
            "identifiers:",
            "extra: {a: 1, b: [x, 2.5, ~, yes]}\nidentifiers:",
        ),
    ] {
        fronts.push(good.replacen(from, to, 1));
    }
    for front in &fronts {
        let text: Result<raw::RawDetermination, _> = crate::yaml::from_str(front);
        let Ok(value) = crate::yaml::parse_value(front) else {
            continue;
        };
        let via: Result<raw::RawDetermination, _> = crate::yaml::from_value_or_str(value, front);
        assert_eq!(
            format!("{:?}", text.map_err(|e| e.message)),
            format!("{:?}", via.map_err(|e| e.message)),
            "front matter:\n{front}"
        );
    }
}
