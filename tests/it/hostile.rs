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
            // Go back to the old version to keep testing both directions.
            s.write("casebook.yaml", "title: Fixture\n");
            let _ = std::fs::remove_dir_all(s.path().join("public"));
            assert_eq!(code(&run(s.path(), &["build"])), 0);
            s.write("casebook.yaml", "title: Second edition\n");
            let again = hash_tree(&s.path().join("public"));
            assert!(again == old || again.len() == old.len());
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
