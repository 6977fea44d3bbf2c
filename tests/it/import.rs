//! `casebook import dwc`: the published letters in, a checked archive out.

use crate::util::*;

fn letters() -> Vec<String> {
    walk(&repo().join("tests/data/dwc-imr/txt"))
        .into_iter()
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn all_letters_import_and_check() {
    let t = TempDir::new("import");
    copy_tree(
        &repo().join("content/guidelines"),
        &t.path().join("content/guidelines"),
    );
    let files = letters();
    assert_eq!(files.len(), 150);
    let mut args = vec!["import", "dwc"];
    args.extend(files.iter().map(String::as_str));
    let o = run(t.path(), &args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("imported 150 letters (150 written, 0 unchanged, 350 items), 0 failed"),
        "{}",
        stderr(&o)
    );
    // Importing again changes nothing.
    let o = run(t.path(), &args);
    assert!(
        stderr(&o).contains("(0 written, 150 unchanged"),
        "{}",
        stderr(&o)
    );
    // The imported archive passes check, but for the one documented inconsistency of a
    // letter (CM17-0010885 overturns 8 acupuncture visits above the 6-visit trial without
    // stating an exception the importer could copy).
    let o = run(t.path(), &["check", "--format", "json"]);
    let errors: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| l.contains("\"severity\":\"error\""))
        .map(str::to_string)
        .collect();
    assert!(
        errors.len() <= 1
            && errors
                .iter()
                .all(|e| e.contains("CM17-0010885") && e.contains("CB040")),
        "{errors:#?}"
    );
    // And it builds into the archive (with the error fixed by hand as an editor would).
    let p = t.path().join("content/determinations/CM17-0010885.md");
    let text = std::fs::read_to_string(&p).unwrap();
    let fixed = text.replacen("    decision: overturned\n", "    decision: overturned\n    exception: Documented functional improvement supports further sessions.\n", 1);
    std::fs::write(&p, fixed).unwrap();
    let o = run(t.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        t.path()
            .join("public/determinations/CM16-0213037/index.html")
            .is_file()
    );
}

#[test]
fn existing_different_file_needs_force_and_bad_letters_do_not_stop_others() {
    let t = TempDir::new("import-force");
    let one = repo()
        .join("tests/data/dwc-imr/txt/CM16-0213037.txt")
        .display()
        .to_string();
    assert_eq!(code(&run(t.path(), &["import", "dwc", &one])), 0);
    let dest = t.path().join("content/determinations/CM16-0213037.md");
    std::fs::write(&dest, "edited by hand").unwrap();
    t.write("not-a-letter.txt", "Dear reader, this is a newsletter.\n");
    let bad = t.path().join("not-a-letter.txt").display().to_string();
    let two = repo()
        .join("tests/data/dwc-imr/txt/CM16-0219557.txt")
        .display()
        .to_string();
    let o = run(t.path(), &["import", "dwc", &one, &bad, &two]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("exists and differs; pass --force"), "{e}");
    assert!(e.contains("not-a-letter.txt"), "{e}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), "edited by hand");
    assert!(
        t.path()
            .join("content/determinations/CM16-0219557.md")
            .is_file()
    );
    assert_eq!(code(&run(t.path(), &["import", "dwc", "--force", &one])), 0);
    assert_ne!(std::fs::read_to_string(&dest).unwrap(), "edited by hand");
}

#[test]
fn pdf_and_text_give_the_same_file() {
    let t = TempDir::new("import-pdf");
    let pdfs = walk(&repo().join("tests/data/dwc-imr/pdf"));
    assert!(pdfs.len() >= 5);
    for pdf in pdfs {
        let case = pdf.file_stem().unwrap().to_string_lossy().to_string();
        let txt = repo().join(format!("tests/data/dwc-imr/txt/{case}.txt"));
        let a = run(
            t.path(),
            &[
                "import",
                "dwc",
                "--out",
                "from-txt",
                &txt.display().to_string(),
            ],
        );
        let b = run(
            t.path(),
            &[
                "import",
                "dwc",
                "--out",
                "from-pdf",
                &pdf.display().to_string(),
            ],
        );
        assert_eq!(code(&a), 0, "{}", stderr(&a));
        assert_eq!(code(&b), 0, "{}", stderr(&b));
        assert_eq!(
            t.read(&format!("from-txt/{case}.md")),
            t.read(&format!("from-pdf/{case}.md")),
            "{case}"
        );
    }
}
