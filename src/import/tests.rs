//! Tests over whole letters: golden fixtures (tests/import/), reflowed text, and the
//! published corpus (tests/data/dwc-imr, copied from ../shared/data).
//!
//! The fixture and corpus folders are looked up from the crate root both as the main
//! crate lays them out and as the scratch crate used to develop this module does.
//! Set CASEBOOK_BLESS=1 to rewrite the golden outputs after a deliberate change.

use super::*;
use std::path::{Path, PathBuf};

fn find_dir(candidates: &[&str]) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    candidates.iter().map(|c| root.join(c)).find(|p| p.is_dir())
}

fn fixtures() -> PathBuf {
    find_dir(&["tests/import", "../../main/tests/import"]).expect("tests/import fixtures")
}

/// The published letters, kept in the repository (tests/data/dwc-imr: all 150 texts and a
/// sample of the PDFs) so that these tests run everywhere.
fn corpus() -> Option<PathBuf> {
    Some(
        find_dir(&["tests/data/dwc-imr", "../../main/tests/data/dwc-imr"])
            .expect("tests/data/dwc-imr corpus"),
    )
}

fn front(md: &str) -> &str {
    md.split("\n---\n").next().unwrap_or("")
}

fn body(md: &str) -> &str {
    md.split_once("\n---\n").map_or("", |(_, b)| b)
}

/// A small deterministic PRNG (xorshift64*), so reflowed letters are the same each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Re-wraps a letter at random widths, as a PDF extractor might give it: lines broken
/// anywhere between words, a running header and a page footer every so many lines,
/// and some long words hyphenated at line ends (only words the letter spells whole
/// elsewhere, so a reader can tell they are words).
pub(crate) fn reflow(text: &str, seed: u64) -> String {
    let mut rng = Rng(seed
        .wrapping_mul(2_862_933_555_777_941_757)
        .wrapping_add(3_037_000_493)
        | 1);
    let case = text
        .split_whitespace()
        .find(|w| w.starts_with("CM") && w.len() == 12)
        .unwrap_or("CM00-0000000")
        .to_string();
    // A word that ends a letter line with "-" keeps its line break: whether that
    // hyphen splits a word is the letter's own ambiguity, not the reflow's.
    let mut words: Vec<(&str, bool)> = Vec::new();
    for l in text.lines() {
        let toks: Vec<&str> = l.split_whitespace().collect();
        for (i, t) in toks.iter().enumerate() {
            words.push((t, i + 1 == toks.len() && t.ends_with('-')));
        }
    }
    let mut counts = std::collections::HashMap::new();
    for (w, _) in &words {
        *counts.entry(*w).or_insert(0usize) += 1;
    }
    let mut hyphenated = std::collections::HashSet::new();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut width = 25 + rng.below(85) as usize;
    for (w, keep_break) in words {
        if !line.is_empty() && line.len() + 1 + w.len() > width {
            let hyphenable = w.len() >= 9
                && w.chars().all(|c| c.is_ascii_lowercase())
                && counts.get(w).copied().unwrap_or(0) >= 3
                && !hyphenated.contains(w);
            if hyphenable && rng.below(3) == 0 {
                let cut = 3 + rng.below(w.len() as u64 - 5) as usize;
                line.push(' ');
                line.push_str(&w[..cut]);
                line.push('-');
                lines.push(std::mem::take(&mut line));
                line.push_str(&w[cut..]);
                hyphenated.insert(w);
                continue;
            }
            lines.push(std::mem::take(&mut line));
            width = 25 + rng.below(85) as usize;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
        if keep_break {
            lines.push(std::mem::take(&mut line));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    let per_page = 30 + rng.below(20) as usize;
    let pages = lines.len().div_ceil(per_page);
    let mut out = String::new();
    for (p, chunk) in lines.chunks(per_page).enumerate() {
        if p > 0 {
            out.push_str(&format!("\nCase Number: {case}\n\n"));
        }
        for l in chunk {
            out.push_str(l);
            out.push('\n');
        }
        out.push_str(&format!("\nPage {} of {}\n\u{c}", p + 1, pages));
    }
    out
}

#[test]
fn golden_fixtures() {
    let dir = fixtures();
    let bless = std::env::var_os("CASEBOOK_BLESS").is_some();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 3, "fixtures missing in {}", dir.display());
    for input in inputs {
        let text = std::fs::read_to_string(&input).expect("read fixture");
        let md = input.with_extension("md");
        let err = input.with_extension("err");
        match import_dwc_text(&text) {
            Ok(imp) => {
                let mut got = imp.markdown.clone();
                for w in &imp.warnings {
                    got.push_str(&format!("<!-- warning: {w} -->\n"));
                }
                if bless {
                    std::fs::write(&md, &got).expect("write golden");
                    continue;
                }
                let want = std::fs::read_to_string(&md)
                    .unwrap_or_else(|_| panic!("{} imported but has no .md", input.display()));
                assert_eq!(got, want, "golden output differs for {}", input.display());
                // Importing the same letter twice gives the same file.
                assert_eq!(
                    import_dwc_text(&text).map(|i| i.markdown).ok(),
                    Some(imp.markdown)
                );
            }
            Err(e) => {
                let got = format!("{e}\n");
                if bless {
                    std::fs::write(&err, &got).expect("write golden");
                    continue;
                }
                let want = std::fs::read_to_string(&err)
                    .unwrap_or_else(|_| panic!("{} failed ({e}) but has no .err", input.display()));
                assert_eq!(got, want, "error differs for {}", input.display());
            }
        }
    }
}

#[test]
fn reflowed_letters_give_the_same_determination() {
    let dir = fixtures();
    let mut letters = vec![
        std::fs::read_to_string(dir.join("dwc-2016-layout.txt")).expect("fixture"),
        std::fs::read_to_string(dir.join("dwc-2014-layout.txt")).expect("fixture"),
    ];
    if let Some(c) = corpus() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(c.join("txt"))
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        letters.extend(files.iter().filter_map(|f| std::fs::read_to_string(f).ok()));
    }
    let mut failures = Vec::new();
    for (i, text) in letters.iter().enumerate() {
        let base = import_dwc_text(text).expect("letter imports");
        let seeds: u64 = std::env::var("CASEBOOK_REFLOW_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3);
        for seed in 0..seeds {
            let re = reflow(text, i as u64 * 31 + seed);
            // A letter's own "Back- Lumbar" (hyphen, space) reflowed to a line end reads
            // as "Back-Lumbar": an ambiguity of the text, so it is not counted.
            let same = |a: &str, b: &str| a.replace("- ", "-") == b.replace("- ", "-");
            match import_dwc_text(&re) {
                Ok(imp) if same(front(&imp.markdown), front(&base.markdown)) => {}
                Ok(imp) => {
                    let a: Vec<&str> = front(&base.markdown).lines().collect();
                    let b: Vec<&str> = front(&imp.markdown).lines().collect();
                    let first = a.iter().zip(&b).find(|(x, y)| x != y);
                    failures.push(format!("{} seed {seed}: {first:?}", base.case_number));
                }
                Err(e) => failures.push(format!("{} seed {seed}: {e}", base.case_number)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} reflowed letters differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Whitespace and hyphens removed, so line-end hyphenation choices do not count.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '\u{ad}')
        .collect()
}

/// Sentences of the summary and rationales, read from the letter text by its own
/// layout (not by the importer): the summary lies between the summary's intro line and
/// "IMR ISSUES"; a rationale runs from "Decision rationale:" to the paragraph gap (a
/// line of spaces; page breaks are empty lines) that ends it.
fn letter_sentences(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut regions: Vec<String> = Vec::new();
    let start = lines
        .iter()
        .position(|l| l.contains("including all medical records:"));
    let end = lines
        .iter()
        .position(|l| l.contains("IMR ISSUES, DECISIONS AND RATIONALES"));
    if let (Some(s), Some(e)) = (start, end) {
        regions.push(lines[s + 1..e].join("\n"));
    }
    let mut i = 0;
    while i < lines.len() {
        if let Some(pos) = lines[i].find("Decision rationale:") {
            let mut r = vec![&lines[i][pos + "Decision rationale:".len()..]];
            let mut j = i + 1;
            while j < lines.len() && (lines[j].is_empty() || !lines[j].trim().is_empty()) {
                r.push(lines[j]);
                j += 1;
            }
            regions.push(r.join("\n"));
            i = j;
        } else {
            i += 1;
        }
    }
    let mut out = Vec::new();
    for r in regions {
        let flat = r.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut cur = String::new();
        for w in flat.split(' ') {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(w);
            if w.ends_with(['.', '?', '!']) && cur.len() > 20 {
                out.push(std::mem::take(&mut cur));
            }
        }
        if !cur.trim().is_empty() {
            out.push(cur);
        }
    }
    out
}

#[test]
fn corpus_nothing_is_lost() {
    let Some(c) = corpus() else {
        eprintln!("corpus not found: skipped");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(c.join("txt"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut missing = Vec::new();
    let mut total = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read letter");
        let imp = import_dwc_text(&text).expect("letter imports");
        let out = squash(body(&imp.markdown));
        for s in letter_sentences(&text) {
            total += 1;
            if !out.contains(&squash(&s)) {
                missing.push(format!("{}: {s}", imp.case_number));
            }
        }
    }
    assert!(total > 3000, "too few sentences read: {total}");
    assert!(
        missing.is_empty(),
        "{} of {total} sentences lost:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn corpus_text_and_pdf_agree() {
    let Some(c) = corpus() else {
        eprintln!("corpus not found: skipped");
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(c.join("pdf"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut differ = Vec::new();
    for f in &files {
        let txt = f.with_extension("txt");
        let txt = c.join("txt").join(txt.file_name().unwrap_or_default());
        let Ok(text) = std::fs::read_to_string(&txt) else {
            continue;
        };
        let bytes = std::fs::read(f).expect("read pdf");
        let from_pdf = pdf_to_text(&bytes).and_then(|t| import_dwc_text(&t));
        let from_txt = import_dwc_text(&text);
        match (from_txt, from_pdf) {
            (Ok(a), Ok(b)) if a.markdown == b.markdown => {}
            (Ok(a), Ok(b)) if front(&a.markdown) == front(&b.markdown) => {
                differ.push(format!("{}: body differs", a.case_number))
            }
            (a, b) => differ.push(format!(
                "{}: {:?} / {:?}",
                f.display(),
                a.map(|i| i.items),
                b.map(|i| i.items)
            )),
        }
    }
    assert!(
        differ.is_empty(),
        "text and PDF imports differ:\n{}",
        differ.join("\n")
    );
}

#[test]
fn no_panics_on_odd_input() {
    let long = "Case Number: CM16-0000001 IMR ISSUES, DECISIONS AND RATIONALES ".repeat(50);
    let cases = [
        "",
        "\n\n\n",
        "Case Number:",
        "Case Number: CM16-0000001",
        "Case Number: CM16-0000001\nIMR ISSUES, DECISIONS AND RATIONALES\n",
        "Case Number: CM16-0000001\nIMR ISSUES, DECISIONS AND RATIONALES\nX: Upheld",
        "Case Number: CM16-0000001\nIMR ISSUES, DECISIONS AND RATIONALES\nX: Upheld\nMAXIMUS guideline:\nDecision rationale:",
        ": Upheld Decision rationale: : Overturned Decision rationale: é",
        "Case Number: CM16-0000001 IMR ISSUES, DECISIONS AND RATIONALES ü: Upheld Decision rationale: ü. ß: Overturned Decision rationale: ñ",
        long.as_str(),
    ];
    for c in cases {
        let _ = import_dwc_text(c);
    }
    for seed in 0..200u64 {
        let mut rng = Rng(seed * 7919 + 1);
        let alphabet: Vec<char> = "ab .:-\n\u{ad}\u{c}é#\"UpheldOverturned".chars().collect();
        let s: String = (0..400)
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect();
        let _ = import_dwc_text(&format!(
            "Case Number: CM16-0000001\nIMR ISSUES, DECISIONS AND RATIONALES\n{s}"
        ));
    }
    assert!(pdf_to_text(b"not a pdf").is_err());
    assert!(pdf_to_text(b"%PDF-1.4\n%garbage").is_err());
}
