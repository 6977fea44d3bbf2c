//! Diagnostics: every problem found in the archive, with a rule code, a position in the
//! file and a fix, printed like rustc (human), as JSON lines or as GitHub annotations.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem at one place. `line`/`column` are 1-based positions in the file itself
/// (front-matter offsets already added).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Diagnostic {
    #[serde(deserialize_with = "crate::store::static_str")]
    pub rule: crate::store::StaticStr,
    pub severity: Severity,
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    /// Length of the highlighted span in characters (at least 1).
    pub width: usize,
    pub message: String,
    pub help: Option<String>,
    /// The source line, already masked of identifiers; printed under the message.
    pub snippet: Option<String>,
    /// A second place that matters (e.g. the other file of a duplicate case number).
    pub note: Option<String>,
}

impl Diagnostic {
    pub fn new(rule: &'static str, severity: Severity, file: impl Into<PathBuf>) -> Self {
        Diagnostic {
            rule,
            severity,
            file: file.into(),
            line: 1,
            column: 1,
            width: 1,
            message: String::new(),
            help: None,
            snippet: None,
            note: None,
        }
    }
    pub fn error(rule: &'static str, file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        let mut d = Self::new(rule, Severity::Error, file);
        d.message = message.into();
        d
    }
    pub fn warning(
        rule: &'static str,
        file: impl Into<PathBuf>,
        message: impl Into<String>,
    ) -> Self {
        let mut d = Self::new(rule, Severity::Warning, file);
        d.message = message.into();
        d
    }
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = line.max(1);
        self.column = column.max(1);
        self
    }
    pub fn width(mut self, width: usize) -> Self {
        self.width = width.max(1);
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
    fn sort_key(&self) -> (&Path, usize, usize, &'static str, &str) {
        (&self.file, self.line, self.column, self.rule, &self.message)
    }
}

/// Output style for diagnostics (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Json,
    Github,
}

/// Sorts diagnostics into the stable order every format prints them in.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(files: usize, diags: &[Diagnostic]) -> Self {
        let errors = diags.iter().filter(|d| d.is_error()).count();
        Summary {
            files,
            errors,
            warnings: diags.len() - errors,
        }
    }
}

/// Renders diagnostics and the summary in `format`. Human output ends with a summary line;
/// JSON ends with the `{"summary": …}` object.
pub fn render(diags: &[Diagnostic], summary: Summary, format: Format, color: bool) -> String {
    let mut out = String::new();
    match format {
        Format::Human => {
            for d in diags {
                out.push_str(&human(d, color));
                out.push('\n');
            }
        }
        Format::Json => {
            for d in diags {
                let v = serde_json::json!({
                    "rule": d.rule,
                    "severity": d.severity,
                    "file": d.file.to_string_lossy().replace('\\', "/"),
                    "line": d.line,
                    "column": d.column,
                    "message": d.message,
                    "help": d.help.clone().unwrap_or_default(),
                });
                out.push_str(&v.to_string());
                out.push('\n');
            }
            let s = serde_json::json!({"summary": {"files": summary.files, "errors": summary.errors, "warnings": summary.warnings}});
            out.push_str(&s.to_string());
            out.push('\n');
        }
        Format::Github => {
            for d in diags {
                let level = if d.is_error() { "error" } else { "warning" };
                let mut msg = format!("{} [{}]", d.message, d.rule);
                if let Some(h) = &d.help {
                    msg.push_str(&format!(" — help: {h}"));
                }
                let _ = writeln!(
                    out,
                    "::{level} file={},line={},col={},title={}::{}",
                    gh_escape_prop(&d.file.to_string_lossy()),
                    d.line,
                    d.column,
                    d.rule,
                    gh_escape_data(&msg)
                );
            }
        }
    }
    out
}

/// The closing line of human output.
pub fn summary_line(summary: Summary) -> String {
    format!(
        "checked {} file{}: {} error{}, {} warning{}",
        summary.files,
        plural(summary.files),
        summary.errors,
        plural(summary.errors),
        summary.warnings,
        plural(summary.warnings)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_escape_prop(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// rustc-style rendering: header, location arrow, source line with carets, help.
pub fn human(d: &Diagnostic, color: bool) -> String {
    let (red, yellow, blue, bold, reset) = if color {
        (
            "\x1b[1;31m",
            "\x1b[1;33m",
            "\x1b[1;34m",
            "\x1b[1m",
            "\x1b[0m",
        )
    } else {
        ("", "", "", "", "")
    };
    let (label, c) = match d.severity {
        Severity::Error => ("error", red),
        Severity::Warning => ("warning", yellow),
    };
    let mut out = format!(
        "{c}{label}[{}]{reset}{bold}: {}{reset}\n",
        d.rule, d.message
    );
    let num = d.line.to_string();
    let pad = " ".repeat(num.len());
    let _ = writeln!(
        out,
        "{pad}{blue}-->{reset} {}:{}:{}",
        d.file.to_string_lossy().replace('\\', "/"),
        d.line,
        d.column
    );
    if let Some(src) = &d.snippet {
        let src = src.replace('\t', " ");
        let _ = writeln!(out, "{pad} {blue}|{reset}");
        let _ = writeln!(out, "{blue}{num} |{reset} {src}");
        let col = d.column.saturating_sub(1);
        let avail = src.chars().count().saturating_sub(col).max(1);
        let _ = writeln!(
            out,
            "{pad} {blue}|{reset} {}{c}{}{reset}",
            " ".repeat(col),
            "^".repeat(d.width.min(avail))
        );
    }
    if let Some(note) = &d.note {
        let _ = writeln!(out, "{pad} {blue}={reset} {bold}note{reset}: {note}");
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} {blue}={reset} {bold}help{reset}: {help}");
    }
    out
}

/// Edit distance, for "did you mean" hints.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j + 1] + 1).min(cur[j] + 1).min(prev[j] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if close enough to be a plausible typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos() {
        let keys = ["case_number", "determination_date", "items"];
        assert_eq!(did_you_mean("case_numbr", keys), Some("case_number"));
        assert_eq!(did_you_mean("itmes", keys), Some("items"));
        assert_eq!(did_you_mean("zebra", keys), None);
    }

    #[test]
    fn human_format_has_caret_under_span() {
        let mut d = Diagnostic::error("CB001", "content/a.md", "bad value")
            .at(3, 5)
            .width(3)
            .help("fix it");
        d.snippet = Some("foo: bar".into());
        let s = human(&d, false);
        assert!(s.starts_with("error[CB001]: bad value\n"), "{s}");
        assert!(s.contains(" --> content/a.md:3:5"), "{s}");
        assert!(s.contains("3 | foo: bar"), "{s}");
        assert!(s.contains("  |     ^^^"), "{s}");
        assert!(s.contains("= help: fix it"), "{s}");
    }

    #[test]
    fn json_format_is_one_object_per_line_plus_summary() {
        let d = Diagnostic::warning("CB030", "content/x.md", "m").at(2, 1);
        let out = render(
            std::slice::from_ref(&d),
            Summary::of(1, std::slice::from_ref(&d)),
            Format::Json,
            false,
        );
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["rule"], "CB030");
        assert_eq!(v["severity"], "warning");
        assert_eq!(v["line"], 2);
        let s: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(s["summary"]["warnings"], 1);
    }

    #[test]
    fn github_format_escapes() {
        let d = Diagnostic::error("CB001", "a,b.md", "x\ny");
        let out = render(
            std::slice::from_ref(&d),
            Summary::of(1, std::slice::from_ref(&d)),
            Format::Github,
            false,
        );
        assert!(
            out.starts_with("::error file=a%2Cb.md,line=1,col=1,title=CB001::x%0Ay [CB001]"),
            "{out}"
        );
    }
}
