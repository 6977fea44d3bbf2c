//! `casebook build`: pages, determinism, output safety, drafts, sanitising, goldens.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::*;

fn fixture(name: &str) -> TempDir {
    let t = TempDir::new(name);
    copy_tree(&repo().join("tests/fixtures/build").join(name), t.path());
    t
}

/// Every file under `dir` with its bytes, keyed by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn builds_every_page_of_the_layout() {
    let site = fixture("basic");
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("built 3 determinations"),
        "{}",
        stderr(&o)
    );
    for page in [
        "index.html",
        "determinations/CM14-0123456/index.html",
        "determinations/CM16-0000001/index.html",
        "decisions/index.html",
        "decisions/upheld/index.html",
        "decisions/overturned/index.html",
        "treatments/index.html",
        "treatments/physical-therapy/index.html",
        "treatments/epidural-steroid-injection/index.html",
        "guidelines/index.html",
        "guidelines/mtus-chronic-pain-2009/index.html",
        "specialties/occupational-medicine/index.html",
        "specialties/physical-medicine-rehabilitation/index.html",
        "years/2014/index.html",
        "years/2016/index.html",
        "search/index.html",
        "stats/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "data/determinations.json",
        "data/determinations.csv",
        "style.css",
        ".casebook-output",
    ] {
        assert!(
            site.path().join("public").join(page).is_file(),
            "missing {page}"
        );
    }
    // page_size 2: physical therapy lists 3 published determinations → two pages.
    let pt = site.read("public/treatments/physical-therapy/index.html");
    assert!(
        pt.contains("CM16-0000001") && pt.contains("CM16-0000002"),
        "{pt}"
    );
    assert!(
        site.path()
            .join("public/treatments/physical-therapy/page/2/index.html")
            .is_file()
    );
}

#[test]
fn pagination_splits_listings() {
    let site = fixture("basic");
    site.write("casebook.yaml", "title: t\npage_size: 1\n");
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        site.path()
            .join("public/treatments/physical-therapy/page/2/index.html")
            .is_file()
    );
    let p1 = site.read("public/treatments/physical-therapy/index.html");
    assert!(
        p1.contains("rel=\"next\" href=\"/treatments/physical-therapy/page/2/\""),
        "{}",
        p1.lines()
            .filter(|l| l.contains("next"))
            .collect::<String>()
    );
}

#[test]
fn output_is_deterministic() {
    let site = fixture("basic");
    let a = run(site.path(), &["build", "--output", "out-a"]);
    let b = run(site.path(), &["build", "--output", "out-b"]);
    assert_eq!(code(&a), 0, "{}", stderr(&a));
    assert_eq!(code(&b), 0);
    let (sa, sb) = (
        snapshot(&site.path().join("out-a")),
        snapshot(&site.path().join("out-b")),
    );
    assert!(sa.len() > 20);
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert!(v == &sb[k], "{k} differs between two builds");
    }
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let site = fixture("basic");
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    let before = snapshot(&site.path().join("public"));
    site.write(
        "content/determinations/broken.md",
        "---\ncase_number: [\n---\n",
    );
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("content/determinations/broken.md:"),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot(&site.path().join("public")), before);
    // No staging folders left behind.
    let names: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert!(!names.iter().any(|n| n.contains("staging")), "{names:?}");
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_create() {
    let site = fixture("basic");
    site.write("public/notes.txt", "precious");
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not written by casebook"),
        "{}",
        stderr(&o)
    );
    assert_eq!(site.read("public/notes.txt"), "precious");
    assert_eq!(walk(&site.path().join("public")).len(), 1);
}

#[test]
fn drafts_only_with_flag() {
    let site = fixture("basic");
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    assert!(
        !site
            .path()
            .join("public/determinations/CM16-0000003")
            .exists()
    );
    assert!(
        !site
            .read("public/data/determinations.json")
            .contains("CM16-0000003")
    );
    let o = run(site.path(), &["build", "--drafts", "--output", "preview"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = site.read("preview/determinations/CM16-0000003/index.html");
    assert!(page.contains("DRAFT"), "{page}");
}

#[test]
fn raw_html_is_sanitised_and_identifiers_removed() {
    let site = fixture("basic");
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    let page = site.read("public/determinations/CM14-0123456/index.html");
    assert!(!page.contains("alert("), "script survived");
    for id in [
        "John Q. Doe",
        "Acme Warehousing",
        "ABC-123-4567",
        "1234 Elm",
    ] {
        for f in walk(&site.path().join("public")) {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
            assert!(!text.contains(id), "{id} leaked into {}", f.display());
        }
    }
    // Footnotes are rendered with prefixed ids and a back-link.
    assert!(page.contains("id=\"fn-mtus\""), "{page}");
    assert!(page.contains("href=\"#fnref-mtus\""), "{page}");
}

#[test]
fn never_writes_into_content() {
    let site = fixture("basic");
    let before = snapshot(&site.path().join("content"));
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    assert_eq!(snapshot(&site.path().join("content")), before);
}

#[test]
fn exports_have_published_fields_only() {
    let site = fixture("basic");
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    let json: serde_json::Value =
        serde_json::from_str(&site.read("public/data/determinations.json")).unwrap();
    let arr = json.as_array().unwrap();
    assert_eq!(arr.len(), 3);
    assert_eq!(arr[0]["case_number"], "CM14-0123456");
    assert!(arr[0].get("identifiers").is_none());
    assert_eq!(arr[1]["patient"]["age_band"], "90 or older");
    let csv = site.read("public/data/determinations.csv");
    assert_eq!(csv.lines().count(), 1 + 4, "one row per item:\n{csv}");
    let feed = site.read("public/feed.xml");
    assert!(
        feed.contains("<id>https://example.org/imr/determinations/CM16-0000001/</id>"),
        "{feed}"
    );
}

#[test]
fn golden_pages() {
    let site = fixture("basic");
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    let golden = repo().join("tests/fixtures/build/basic.golden");
    for rel in [
        "determinations/CM14-0123456/index.html",
        "feed.xml",
        "sitemap.xml",
        "data/determinations.csv",
        "data/determinations.json",
    ] {
        let got = site.read(&format!("public/{rel}"));
        let path = golden.join(rel);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("missing golden {rel}; run with UPDATE_GOLDEN=1"));
        assert!(
            got == want,
            "{rel} differs from its golden copy (UPDATE_GOLDEN=1 to accept)"
        );
    }
}

#[test]
fn bad_input_reports_every_file_with_positions() {
    let site = fixture("basic");
    site.write(
        "content/determinations/a.md",
        "---\ncase_numbr: CM16-0000009\ndetermination_date: 2016-01-01\nreviewer: {specialty: X}\nitems: []\n---\n",
    );
    site.write(
        "content/determinations/b.md",
        "---\ncase_number: CM16-0000010\npatient:\n  age: old\n---\n",
    );
    site.write("content/determinations/c.md", "no front matter\n");
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("error[CB003]: unknown key `case_numbr`"), "{e}");
    assert!(e.contains("--> content/determinations/a.md:2:1"), "{e}");
    assert!(e.contains("did you mean `case_number`"), "{e}");
    assert!(e.contains("--> content/determinations/b.md:4:"), "{e}");
    assert!(e.contains("--> content/determinations/c.md:1:1"), "{e}");
    assert!(!site.path().join("public").exists());
}

#[test]
fn unreadable_or_non_utf8_is_exit_2() {
    let site = fixture("basic");
    std::fs::write(
        site.path().join("content/determinations/latin1.md"),
        b"---\ncase_number: CM16-0000011\n\xe9\n---\n",
    )
    .unwrap();
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("not valid UTF-8"), "{}", stderr(&o));
}

#[test]
fn init_writes_a_site_that_builds() {
    let t = TempDir::new("init");
    let o = run(t.path(), &["init", "site"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let site = t.path().join("site");
    assert!(site.join("casebook.yaml").is_file());
    assert!(site.join("themes/default/templates/base.html").is_file());
    let o = run(&site, &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(site.join("public/index.html").is_file());
    // init refuses a non-empty folder.
    assert_eq!(code(&run(t.path(), &["init", "site"])), 2);
}

#[test]
fn new_writes_a_draft_that_checks() {
    let site = fixture("basic");
    let o = run(site.path(), &["new", "CM17-0000001"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = site.read("content/determinations/CM17-0000001.md");
    assert!(text.contains("status: draft"));
    assert_eq!(code(&run(site.path(), &["new", "CM17-0000001"])), 2);
    assert_eq!(code(&run(site.path(), &["new", "bad/../x"])), 2);
}

#[test]
fn site_templates_override_theme_and_static_wins() {
    let site = fixture("basic");
    site.write("templates/404.html", "{% extends \"base.html\" %}{% block content %}<p>custom {{ site.title }}</p>{% endblock %}");
    site.write("static/style.css", "body{}");
    site.write("static/robots.txt", "User-agent: *");
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    assert!(
        site.read("public/404.html")
            .contains("custom Fixture archive")
    );
    assert_eq!(site.read("public/style.css"), "body{}");
    assert_eq!(site.read("public/robots.txt"), "User-agent: *");
}

#[test]
fn template_data_is_escaped() {
    let site = fixture("basic");
    let p = "content/determinations/2016/CM16-0000002.md";
    let text = site.read(p).replace(
        "reviewer:\n",
        "diagnoses: [\"<img src=x onerror=alert(1)> pain\"]\nreviewer:\n",
    );
    site.write(p, &text);
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = site.read("public/determinations/CM16-0000002/index.html");
    assert!(!page.contains("<img src=x"), "unescaped request in page");
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn init_ci_workflow_commands_pass_on_the_new_site() {
    let t = TempDir::new("init-ci");
    assert_eq!(code(&run(t.path(), &["init", "site"])), 0);
    let site = t.path().join("site");
    let wf = std::fs::read_to_string(site.join(".github/workflows/casebook.yml")).unwrap();
    let commands: Vec<Vec<String>> = wf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("run: casebook "))
        .map(|c| c.split_whitespace().map(str::to_string).collect())
        .collect();
    assert!(commands.len() >= 2, "{wf}");
    for c in commands {
        let args: Vec<&str> = c.iter().map(String::as_str).collect();
        let o = run(&site, &args);
        assert_eq!(
            code(&o),
            0,
            "casebook {}: {}{}",
            c.join(" "),
            stdout(&o),
            stderr(&o)
        );
    }
    assert!(site.join("public/index.html").is_file());
}

#[test]
fn statistics_are_svg_charts_with_tables_and_links() {
    let site = fixture("basic");
    assert_eq!(code(&run(site.path(), &["build"])), 0);
    let stats = site.read("public/stats/index.html");
    for facet in ["treatment", "guideline", "specialty", "year"] {
        assert!(stats.contains(&format!("Outcome by {facet}")), "{facet}");
    }
    assert!(stats.matches("<svg").count() >= 4);
    assert!(
        stats.matches("<table").count() >= 4,
        "numbers beside each chart"
    );
    assert!(
        stats.contains("<a href=\"/imr/treatments/physical-therapy/\">"),
        "bars link to listings"
    );
    assert!(!stats.contains("<script"), "charts need no JavaScript");
    let home = site.read("public/index.html");
    assert!(home.contains("<svg") && home.contains("Denials upheld"));
}

/// The persistent build cache: a rebuild from it is byte-identical to a build without
/// it, it follows edits, a damaged cache is ignored, and it holds no declared identifier.
#[test]
fn build_cache_gives_the_same_site_and_holds_no_identifiers() {
    let site = fixture("basic");
    let o = run(site.path(), &["build", "--no-cache", "--output", "plain"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        !site.path().join(".casebook/cache").exists(),
        "--no-cache wrote a cache"
    );
    for _ in 0..2 {
        let o = run(site.path(), &["build"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(
            snapshot(&site.path().join("public")),
            snapshot(&site.path().join("plain"))
        );
    }
    let cache = site.path().join(".casebook/cache");
    let stored: Vec<u8> = walk(&cache)
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(
        stored.len() > 1000,
        "the cache holds the de-identified results"
    );
    let text = String::from_utf8_lossy(&stored).to_lowercase();
    for id in [
        "john",
        "doe",
        "acme",
        "abc-123-4567",
        "abc1234567",
        "elm street",
    ] {
        assert!(!text.contains(id), "the build cache holds `{id}`");
    }
    // An edit is seen (the cache is keyed by the file's bytes).
    let det = site.path().join("content/determinations/CM14-0123456.md");
    let edited = std::fs::read_to_string(&det).unwrap().replace(
        "## Clinical case summary\n",
        "## Clinical case summary\n\nA zebra note.\n",
    );
    std::fs::write(&det, edited).unwrap();
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = site.read("public/determinations/CM14-0123456/index.html");
    assert!(page.contains("A zebra note."));
    let o = run(site.path(), &["build", "--no-cache", "--output", "plain"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        snapshot(&site.path().join("public")),
        snapshot(&site.path().join("plain"))
    );
    // A damaged cache is ignored.
    for f in walk(&cache) {
        std::fs::write(&f, b"casebook-cache 1 garbage\n{not json\n\x00\xff").unwrap();
    }
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        snapshot(&site.path().join("public")),
        snapshot(&site.path().join("plain"))
    );
}

/// With the persistent cache, a rebuild renders only what changed: an unchanged page is
/// hard-linked from the previous output (same inode), the edited one is rendered, and the
/// site equals a build without the cache. A page of the previous output edited by hand is
/// not trusted (its bytes no longer hash as recorded): it is rendered again.
#[cfg(unix)]
#[test]
fn a_cached_rebuild_links_unchanged_pages_and_renders_the_rest() {
    use std::os::unix::fs::MetadataExt;
    let site = fixture("basic");
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pages: Vec<std::path::PathBuf> = walk(&site.path().join("public/determinations"))
        .into_iter()
        .filter(|p| p.ends_with("index.html"))
        .collect();
    assert!(pages.len() >= 2, "{pages:?}");
    let inode = |p: &Path| std::fs::metadata(p).unwrap().ino();
    let before: Vec<u64> = pages.iter().map(|p| inode(p)).collect();
    // Edit one determination.
    let det = site.path().join("content/determinations/CM14-0123456.md");
    let edited = std::fs::read_to_string(&det).unwrap().replace(
        "## Clinical case summary\n",
        "## Clinical case summary\n\nA zebra note.\n",
    );
    std::fs::write(&det, edited).unwrap();
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let edited_page = site
        .path()
        .join("public/determinations/CM14-0123456/index.html");
    for (p, ino) in pages.iter().zip(&before) {
        if *p == edited_page {
            assert_ne!(inode(p), *ino, "the edited page was not rendered again");
        } else {
            assert_eq!(inode(p), *ino, "{} was rendered again", p.display());
        }
    }
    assert!(
        site.read("public/determinations/CM14-0123456/index.html")
            .contains("A zebra note.")
    );
    let plain = |site: &TempDir| {
        let o = run(site.path(), &["build", "--no-cache", "--output", "plain"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        snapshot(&site.path().join("plain"))
    };
    assert_eq!(snapshot(&site.path().join("public")), plain(&site));
    // A page changed by hand in the output is rendered again, not linked.
    let other = pages.iter().find(|p| **p != edited_page).unwrap();
    let good = std::fs::read(other).unwrap();
    std::fs::write(other, b"<p>tampered</p>").unwrap();
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(std::fs::read(other).unwrap(), good);
    assert_eq!(snapshot(&site.path().join("public")), plain(&site));
}
