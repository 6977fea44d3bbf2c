//! Every example in docs/ is run: determinations must check clean, rule packs must load,
//! and `casebook` command lines must succeed on a fresh site.

use crate::util::*;

/// Fenced blocks of `lang` in a Markdown file.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        match &mut cur {
            None if line.trim_start() == format!("```{lang}") => cur = Some(String::new()),
            Some(b) if line.trim_start() == "```" => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

fn docs() -> Vec<(String, String)> {
    walk(&repo().join("docs"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn determination_examples_check_clean() {
    let mut n = 0;
    for (name, text) in docs() {
        for b in blocks(&text, "markdown")
            .into_iter()
            .filter(|b| b.starts_with("---"))
        {
            let t = TempDir::new("docs");
            copy_tree(
                &repo().join("content/guidelines"),
                &t.path().join("content/guidelines"),
            );
            t.write("content/determinations/example.md", &b);
            let o = run(t.path(), &["check", "--deny-warnings"]);
            assert_eq!(
                code(&o),
                0,
                "example in docs/{name} does not check clean:\n{}",
                stderr(&o)
            );
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn rule_pack_examples_load() {
    let mut n = 0;
    for (name, text) in docs() {
        for b in blocks(&text, "yaml")
            .into_iter()
            .filter(|b| b.starts_with("id:"))
        {
            let t = TempDir::new("docs-pack");
            t.write("content/guidelines/example.yaml", &b);
            let o = run(t.path(), &["check", "--deny-warnings"]);
            assert_eq!(
                code(&o),
                0,
                "rule pack in docs/{name} does not load:\n{}",
                stderr(&o)
            );
            n += 1;
        }
    }
    assert!(n >= 1);
}

#[test]
fn command_examples_run_on_a_fresh_site() {
    let t = TempDir::new("docs-sh");
    assert_eq!(code(&run(t.path(), &["init", "site"])), 0);
    let site = t.path().join("site");
    // Letters for the import guide's example.
    std::fs::create_dir_all(site.join("letters")).unwrap();
    let data = repo().join("tests/data/dwc-imr");
    std::fs::copy(
        data.join("txt/CM16-0239190.txt"),
        site.join("letters/CM16-0239190.txt"),
    )
    .unwrap();
    std::fs::copy(
        data.join("pdf/CM16-0234202.pdf"),
        site.join("letters/CM16-0234202.pdf"),
    )
    .unwrap();
    let mut n = 0;
    for (name, text) in docs() {
        for b in blocks(&text, "sh") {
            for line in b.lines() {
                let cmd = line.split(" #").next().unwrap_or("").trim();
                let Some(rest) = cmd.strip_prefix("casebook ") else {
                    if cmd.starts_with("mkdir ") || cmd.starts_with("cp ") {
                        let st = std::process::Command::new("sh")
                            .arg("-c")
                            .arg(cmd)
                            .current_dir(&site)
                            .status()
                            .unwrap();
                        assert!(st.success(), "docs/{name}: {cmd}");
                    }
                    continue;
                };
                // Long-running commands are shown, not run.
                if rest.starts_with("serve") || rest.starts_with("watch") {
                    continue;
                }
                // Globs are expanded as a shell would.
                let args: Vec<String> = rest
                    .split_whitespace()
                    .flat_map(|a| match a.strip_suffix("*.pdf") {
                        Some(dir) => walk(&site.join(dir))
                            .into_iter()
                            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
                            .map(|p| p.display().to_string())
                            .collect(),
                        None => vec![a.to_string()],
                    })
                    .collect();
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let o = run(&site, &args);
                assert_eq!(
                    code(&o),
                    0,
                    "docs/{name}: `{cmd}` failed:\n{}{}",
                    stdout(&o),
                    stderr(&o)
                );
                n += 1;
            }
        }
    }
    assert!(n >= 1);
}

#[test]
fn configuration_examples_load() {
    let mut n = 0;
    for (name, text) in docs() {
        for b in blocks(&text, "yaml")
            .into_iter()
            .filter(|b| b.starts_with("deidentify:"))
        {
            let t = TempDir::new("docs-config");
            t.write("casebook.yaml", &b);
            let o = run(t.path(), &["check"]);
            assert_eq!(
                code(&o),
                0,
                "configuration in docs/{name} does not load:\n{}",
                stderr(&o)
            );
            n += 1;
        }
    }
    assert!(n >= 1);
}
