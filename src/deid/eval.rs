//! Measures the de-identifier: recall and precision per category on the labelled
//! corpus (`tests/deid/corpus`), false redactions on the clinical list
//! (`tests/deid/clinical.txt`), and a run over the published DWC letters.
//!
//! Corpus files hold header lines `%% names: A | B`, `%% numbers: ...`,
//! `%% addresses: ...`, `%% other: ...` (the declared identifiers, `|`-separated) and a
//! body where every identifier is labelled inline: `⟦date:3/6/14⟧`, or `⟦!name:Doe⟧` for a
//! declared one. Files ending in `.md` go through `redact_markdown`, others `redact`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;
use std::time::Instant;

use regex::Regex;

use super::{Category, Declared, Policy, Redactor, Span, mask};

/// Counts for one category.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Labelled identifiers.
    pub gold: usize,
    /// Labelled identifiers entirely removed.
    pub removed: usize,
    /// Spans the redactor reported.
    pub predicted: usize,
    /// Reported spans that overlap a labelled identifier.
    pub correct: usize,
}

impl Counts {
    pub fn recall(&self) -> f64 {
        if self.gold == 0 {
            1.0
        } else {
            self.removed as f64 / self.gold as f64
        }
    }
    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            1.0
        } else {
            self.correct as f64 / self.predicted as f64
        }
    }
}

/// The corpus figures. Misses and false positives are listed masked.
#[derive(Debug, Default, Clone)]
pub struct EvalReport {
    pub documents: usize,
    /// Undeclared and declared identifiers together, per category.
    pub categories: BTreeMap<Category, Counts>,
    /// Declared identifiers only (the target is 100%).
    pub declared: Counts,
    /// `file: category masked` of every labelled identifier left (partly) in place.
    pub missed: Vec<String>,
    /// `file: category masked` of every span that overlaps no label.
    pub false_positives: Vec<String>,
    pub clinical_lines: usize,
    /// Clinical phrases changed by `redact` or `redact_markdown`, as `line: text`.
    pub clinical_changed: Vec<String>,
    /// Redaction time per kilobyte over the corpus, in microseconds.
    pub micros_per_kb: f64,
}

impl EvalReport {
    /// Recall of the worst category with labels.
    pub fn min_recall(&self) -> f64 {
        self.categories
            .values()
            .filter(|c| c.gold > 0)
            .map(Counts::recall)
            .fold(1.0, f64::min)
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "corpus: {} documents", self.documents)?;
        writeln!(
            f,
            "{:<16} {:>6} {:>8} {:>6} {:>10}",
            "category", "gold", "recall", "spans", "precision"
        )?;
        for (c, n) in &self.categories {
            writeln!(
                f,
                "{:<16} {:>6} {:>7.1}% {:>6} {:>9.1}%",
                c.label(),
                n.gold,
                100.0 * n.recall(),
                n.predicted,
                100.0 * n.precision()
            )?;
        }
        writeln!(
            f,
            "declared identifiers: {}/{} removed ({:.1}%)",
            self.declared.removed,
            self.declared.gold,
            100.0 * self.declared.recall()
        )?;
        for m in &self.missed {
            writeln!(f, "  missed: {m}")?;
        }
        for m in &self.false_positives {
            writeln!(f, "  false positive: {m}")?;
        }
        writeln!(
            f,
            "clinical list: {} phrases, {} changed",
            self.clinical_lines,
            self.clinical_changed.len()
        )?;
        for c in &self.clinical_changed {
            writeln!(f, "  changed: {c}")?;
        }
        writeln!(f, "speed: {:.1} µs per KB", self.micros_per_kb)
    }
}

/// A corpus document with its labels stripped.
pub struct Labelled {
    pub declared: Declared,
    pub markdown: bool,
    pub input: String,
    /// (start, end, category, declared) in `input`.
    pub gold: Vec<(usize, usize, Category, bool)>,
}

/// Parses a corpus document (see the module docs).
pub fn parse_labelled(source: &str, markdown: bool) -> Result<Labelled, String> {
    static LABEL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"⟦(!?)([a-z\-]+):((?s:.*?))⟧").expect("label pattern"));
    let mut declared = Declared::default();
    let mut body = String::new();
    for line in source.split_inclusive('\n') {
        if let Some(h) = line.strip_prefix("%% ") {
            let (key, value) = h.split_once(':').ok_or("header line without ':'")?;
            let values = value
                .split('|')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty());
            match key.trim() {
                "names" => declared.names.extend(values),
                "numbers" => declared.numbers.extend(values),
                "addresses" => declared.addresses.extend(values),
                "other" => declared.other.extend(values),
                k => return Err(format!("unknown header {k:?}")),
            }
        } else {
            body.push_str(line);
        }
    }
    let mut input = String::with_capacity(body.len());
    let mut gold = Vec::new();
    let mut at = 0;
    for c in LABEL.captures_iter(&body) {
        let m = c.get(0).expect("match");
        input.push_str(&body[at..m.start()]);
        let category =
            Category::from_label(&c[2]).ok_or_else(|| format!("unknown category {:?}", &c[2]))?;
        let start = input.len();
        input.push_str(&c[3]);
        gold.push((start, input.len(), category, &c[1] == "!"));
        at = m.end();
    }
    input.push_str(&body[at..]);
    Ok(Labelled {
        declared,
        markdown,
        input,
        gold,
    })
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// True when every alphanumeric byte of `input[s..e]` lies inside some span.
fn removed(input: &str, s: usize, e: usize, spans: &[Span]) -> bool {
    input[s..e]
        .char_indices()
        .filter(|(_, c)| c.is_alphanumeric())
        .all(|(i, _)| spans.iter().any(|sp| sp.start <= s + i && s + i < sp.end))
}

/// Runs the corpus in `dir` and the clinical list beside it (`dir/../clinical.txt`).
pub fn run_corpus(dir: &Path) -> EvalReport {
    let mut report = EvalReport::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut bytes = 0usize;
    let mut micros = 0f64;
    // Compile the shared detectors before timing: the figure is per document.
    if let Ok(r) = Redactor::new(&Declared::default(), &Policy::default()) {
        r.redact_markdown("Dr. Smith on 3/6/14, phone 559-555-0100.");
    }
    for path in files {
        let markdown = path.extension().is_some_and(|e| e == "md");
        if !markdown && path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Ok(source) = std::fs::read_to_string(&path) else {
            report.missed.push(format!("{name}: unreadable"));
            continue;
        };
        let doc = match parse_labelled(&source, markdown) {
            Ok(d) => d,
            Err(e) => {
                report.missed.push(format!("{name}: {e}"));
                continue;
            }
        };
        report.documents += 1;
        let redactor = match Redactor::new(&doc.declared, &Policy::default()) {
            Ok(r) => r,
            Err(e) => {
                report.missed.push(format!("{name}: {e}"));
                continue;
            }
        };
        // Best of three: the first run of a detector compiles its regex.
        let mut best = f64::MAX;
        let mut out = None;
        for _ in 0..3 {
            let t = Instant::now();
            let o = if doc.markdown {
                redactor.redact_markdown(&doc.input)
            } else {
                redactor.redact(&doc.input)
            };
            best = best.min(t.elapsed().as_secs_f64() * 1e6);
            out = Some(o);
        }
        let out = out.expect("ran");
        micros += best;
        bytes += doc.input.len();
        for &(s, e, cat, declared) in &doc.gold {
            let counts = report.categories.entry(cat).or_default();
            counts.gold += 1;
            let ok = removed(&doc.input, s, e, &out.spans);
            if ok {
                counts.removed += 1;
            } else {
                report.missed.push(format!(
                    "{name}: {} {}",
                    cat.label(),
                    mask(&doc.input[s..e])
                ));
            }
            if declared {
                report.declared.gold += 1;
                report.declared.removed += usize::from(ok);
            }
        }
        for sp in &out.spans {
            let counts = report.categories.entry(sp.category).or_default();
            counts.predicted += 1;
            if doc
                .gold
                .iter()
                .any(|&(s, e, _, _)| overlaps((s, e), (sp.start, sp.end)))
            {
                counts.correct += 1;
            } else {
                report.false_positives.push(format!(
                    "{name}: {} {}",
                    sp.category.label(),
                    mask(&doc.input[sp.start..sp.end])
                ));
            }
        }
    }
    report.micros_per_kb = if bytes > 0 {
        micros / (bytes as f64 / 1024.0)
    } else {
        0.0
    };
    let clinical = dir.parent().map(|p| p.join("clinical.txt"));
    if let Some(text) = clinical.and_then(|p| std::fs::read_to_string(p).ok()) {
        let r = Redactor::new(&Declared::default(), &Policy::default())
            .expect("empty declaration compiles");
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            report.clinical_lines += 1;
            let plain = r.redact(line).text;
            let md = r.redact_markdown(line).text;
            if plain != line || md != line {
                report
                    .clinical_changed
                    .push(format!("{}: {line} → {plain}", n + 1));
            }
        }
    }
    report
}

/// Dates of any common form, to check none is left after redaction.
fn date_like() -> &'static Regex {
    static DATE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?x)
            \b\d{1,2}[/.\-]\d{1,2}[/.\-]\s*\d{2,4}\b
          | \b(?:19|20)\d\d[/.\-]\d{1,2}[/.\-]\d{1,2}\b
          | \b\d{1,2}/(?:19|20)\d\d\b
          | \b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b
          | \b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?:19|20)\d\d\b
          | \b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+(?:of\s+)?(?:(?:19|20)\d\d|'\d\d)\b
        ").expect("date-like pattern")
    });
    &DATE
}

/// A numeric date-like match uses one separator twice and is not a dose ("10.5/325").
fn date_like_ok(text: &str, start: usize, end: usize) -> bool {
    let m = &text[start..end];
    let seps: Vec<char> = m.chars().filter(|c| matches!(c, '/' | '.' | '-')).collect();
    let glued = text[..start].ends_with(|c: char| c.is_ascii_digit() || c == '.' || c == '/')
        || text[end..].starts_with(|c: char| c.is_ascii_digit() || c == '/');
    !glued && (seps.len() != 2 || seps[0] == seps[1])
}

/// Clinical content that must survive: spine levels, ranges, scales, doses, pages.
fn clinical_like() -> &'static Regex {
    static CLINICAL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?x)
            \b[CTLS]\d{1,2}(?:\s*-\s*[CTLS]?\d{1,2})?\b
          | \b\d{1,3}\s*-\s*\d{1,3}\s+(?:sessions|visits|weeks|days|months|treatments|times|hours)\b
          | \b\d{1,2}\s*/\s*10\b
          | \b\d+(?:\.\d+)?\s*mg\b
          | \#\d+\b
          | Page\(s\):\s*[\d,&\s\-]+
          | \b\d{4}\.\d+(?:\.\d+)*\b
          | \b[A-Z]\d{2}\.\d{1,4}\b
          | \b\d{1,2}\s*(?:year|yr)s?[\s-]*old\b
          | \b\d+\s*(?:x|X)\s*\d+\b
          | \bCM\d{2}-\d{7}\b
        ",
        )
        .expect("clinical pattern")
    });
    &CLINICAL
}

/// The figures of a run over the published letters.
#[derive(Debug, Default, Clone)]
pub struct LettersReport {
    pub letters: usize,
    pub bytes: usize,
    /// Date spans found, and how many became their year (the rest `[date]`).
    pub dates: usize,
    pub dates_to_year: usize,
    /// Date-like strings left in the output (target 0), with their shapes (digits as #).
    pub dates_left: usize,
    pub dates_left_examples: Vec<String>,
    /// Clinical expressions (levels, ranges, scores, doses, pages) in the input, and how
    /// many a redaction touched (target 0).
    pub clinical: usize,
    pub clinical_touched: usize,
    pub clinical_touched_examples: Vec<String>,
    /// Other spans per category, masked (the letters carry no names: candidates for
    /// false positives, or policy, like URLs of cited guidelines).
    pub others: BTreeMap<Category, Vec<String>>,
    /// Best-of-three redaction time summed over the letters.
    pub micros: f64,
}

impl fmt::Display for LettersReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "letters: {} ({} KB)", self.letters, self.bytes / 1024)?;
        writeln!(
            f,
            "dates found: {}, generalised to their year: {}, to [date]: {}",
            self.dates,
            self.dates_to_year,
            self.dates - self.dates_to_year
        )?;
        writeln!(f, "date-like strings left: {}", self.dates_left)?;
        for e in &self.dates_left_examples {
            writeln!(f, "  left: {e}")?;
        }
        writeln!(
            f,
            "clinical expressions: {}, touched by a redaction: {}",
            self.clinical, self.clinical_touched
        )?;
        for e in &self.clinical_touched_examples {
            writeln!(f, "  touched: {e}")?;
        }
        for (c, v) in &self.others {
            writeln!(f, "other spans: {} {}", c.label(), v.len())?;
            for e in v.iter().take(10) {
                writeln!(f, "  {e}")?;
            }
        }
        let kb = (self.bytes as f64 / 1024.0).max(1.0);
        writeln!(
            f,
            "speed: {:.0} µs per letter on average, {:.1} µs per KB ({:.0} µs for 5 KB)",
            self.micros / self.letters.max(1) as f64,
            self.micros / kb,
            5.0 * self.micros / kb
        )
    }
}

/// Redacts every letter in `dir` (the published DWC IMR letters) and reports dates
/// generalised, date-like strings left, clinical content kept, other spans, speed.
pub fn run_letters(dir: &Path) -> String {
    letters(dir).to_string()
}

/// The figures behind [`run_letters`].
pub fn letters(dir: &Path) -> LettersReport {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "txt"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let r = Redactor::new(&Declared::default(), &Policy::default())
        .expect("empty declaration compiles");
    r.redact("Dr. Smith on 3/6/14, phone 559-555-0100.");
    let mut rep = LettersReport::default();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        rep.letters += 1;
        rep.bytes += text.len();
        // Best of three runs: the figure is the redactor's, not the machine's noise.
        let mut best = f64::MAX;
        let mut out = None;
        for _ in 0..3 {
            let t = Instant::now();
            let o = r.redact(&text);
            best = best.min(t.elapsed().as_secs_f64() * 1e6);
            out = Some(o);
        }
        let out = out.expect("ran");
        rep.micros += best;
        for sp in &out.spans {
            if sp.category == Category::Date {
                rep.dates += 1;
            } else {
                rep.others
                    .entry(sp.category)
                    .or_default()
                    .push(format!("{name}: {}", mask(&text[sp.start..sp.end])));
            }
        }
        let placeholders = out.text.matches("[date]").count();
        rep.dates_to_year += out
            .spans
            .iter()
            .filter(|s| s.category == Category::Date)
            .count()
            .saturating_sub(placeholders);
        for m in date_like().find_iter(&out.text) {
            if !date_like_ok(&out.text, m.start(), m.end()) {
                continue;
            }
            rep.dates_left += 1;
            if rep.dates_left_examples.len() < 20 {
                let shape: String = m
                    .as_str()
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c })
                    .collect();
                rep.dates_left_examples.push(format!("{name}: {shape}"));
            }
        }
        for m in clinical_like().find_iter(&text) {
            // "10/10" inside "10/10/2016" is a date, not a pain score.
            let b = text.as_bytes();
            if b.get(m.end()) == Some(&b'/') || m.start() > 0 && b[m.start() - 1] == b'/' {
                continue;
            }
            rep.clinical += 1;
            if out
                .spans
                .iter()
                .any(|s| overlaps((s.start, s.end), (m.start(), m.end())))
            {
                rep.clinical_touched += 1;
                if rep.clinical_touched_examples.len() < 20 {
                    rep.clinical_touched_examples
                        .push(format!("{name}: {}", m.as_str()));
                }
            }
        }
    }
    rep
}
