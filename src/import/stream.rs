//! Letter text as one single-spaced stream, with a map back to the letter's lines.
//!
//! Extracted letter text breaks lines anywhere (the layout's line width, a PDF
//! extractor's idea of a line, page breaks, page headers and footers). Every later
//! step works on the stream built here: the letter's lines joined by single spaces,
//! page furniture dropped, and line-end hyphenation undone only where the joined word
//! is a real word. Offsets in the stream map back to 1-based letter lines so that
//! warnings and errors can name the line a reader would look at.

use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The joined text of a letter.
pub(crate) struct Stream {
    /// The letter's words, single-spaced, without page furniture.
    pub text: String,
    /// (offset in `text`, 1-based letter line) where each kept line's text starts.
    starts: Vec<(usize, usize)>,
    /// Offsets in `text` where a paragraph ends (a blank line after a sentence).
    breaks: Vec<usize>,
}

impl Stream {
    /// The 1-based letter line that holds the stream offset `off`.
    pub fn line_at(&self, off: usize) -> usize {
        let i = self.starts.partition_point(|&(o, _)| o <= off);
        if i == 0 {
            self.starts.first().map_or(1, |&(_, l)| l)
        } else {
            self.starts[i - 1].1
        }
    }

    /// The text of `start..end` split into paragraphs at the letter's paragraph breaks.
    pub fn paragraphs(&self, start: usize, end: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut from = start;
        for &b in self.breaks.iter().filter(|&&b| b > start && b < end) {
            push_trimmed(&mut out, self.text.get(from..b).unwrap_or(""));
            from = b;
        }
        push_trimmed(&mut out, self.text.get(from..end).unwrap_or(""));
        out
    }
}

fn push_trimmed(out: &mut Vec<String>, s: &str) {
    let t = s.trim();
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

static RE_PAGE_OF: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(?:-\s*)?page\s+\d+(?:\s+of\s+\d+)?(?:\s*-)?$").unwrap());
static RE_BARE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:-\s*)?\d{1,3}(?:\s*-)?$").unwrap());
static RE_CASE_NO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b[A-Z]{2}\d{2}-\d{5,8}\b").unwrap());
/// What may stand beside a case number or page number in a running page header.
static RE_FURNITURE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)case\s+number:?|page\s+\d+(?:\s+of\s+\d+)?|independent\s+medical\s+review|\bimr\b|final\s+determination(?:\s+letter)?|\bfor\b|\bdated?\b|\d{1,2}/\d{1,2}/\d{2,4}|[|:\-–—]").unwrap()
});

/// Whether a (trimmed) line is page furniture: a page number, or a running header that
/// repeats the case number. Before the case number has been read, only page numbers count,
/// since the letter's own header line "Case Number: ..." looks like a running header.
fn is_furniture(line: &str, case_seen: bool, next_to_blank: bool) -> bool {
    if RE_PAGE_OF.is_match(line) {
        return true;
    }
    if next_to_blank && RE_BARE_NUMBER.is_match(line) {
        return true;
    }
    if case_seen && RE_CASE_NO.is_match(line) {
        let rest = RE_CASE_NO.replace_all(line, "");
        let rest = RE_FURNITURE_WORDS.replace_all(&rest, "");
        return rest.trim().is_empty();
    }
    false
}

/// Words the letters use that a line-end hyphen may split, beyond those the letter
/// itself spells whole elsewhere. Kept short: the letter's own vocabulary does most
/// of the work.
const KNOWN_WORDS: &[&str] = &[
    "additional",
    "administrator",
    "authorization",
    "authorized",
    "certification",
    "chiropractic",
    "conservative",
    "considered",
    "continued",
    "degenerative",
    "determination",
    "diagnosis",
    "diagnostic",
    "documentation",
    "documented",
    "electrodiagnostic",
    "electromyography",
    "evaluation",
    "examination",
    "functional",
    "guideline",
    "guidelines",
    "improvement",
    "indicated",
    "individual",
    "industrial",
    "information",
    "intervention",
    "magnetic",
    "medically",
    "medication",
    "medications",
    "musculoskeletal",
    "necessary",
    "neurological",
    "neurologic",
    "neurosurgery",
    "occupational",
    "physical",
    "physician",
    "progress",
    "radiculopathy",
    "recommendation",
    "recommendations",
    "recommended",
    "rehabilitation",
    "request",
    "requested",
    "resonance",
    "supported",
    "symptoms",
    "tenderness",
    "therapy",
    "treatment",
    "utilization",
];

/// The letter's vocabulary, for deciding whether a line-end hyphen splits a word.
struct Vocabulary {
    /// Lowercase words spelled whole inside a line.
    words: HashSet<String>,
    /// Lowercase hyphenated compounds spelled inside a line ("non-steroidal").
    compounds: HashSet<String>,
}

impl Vocabulary {
    fn of(lines: &[&str]) -> Self {
        let mut words = HashSet::new();
        let mut compounds = HashSet::new();
        for line in lines {
            // The last token of a line ending in "-" is a fragment, not a word.
            let toks: Vec<&str> = line.split_whitespace().collect();
            for (i, tok) in toks.iter().enumerate() {
                let last_fragment = i + 1 == toks.len() && tok.ends_with('-');
                let tok = tok.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
                if tok.is_empty() {
                    continue;
                }
                // A line's last token ending in "-" may be half a word: not vocabulary.
                if last_fragment {
                    continue;
                }
                let lower = tok.to_lowercase();
                if lower.contains('-') {
                    compounds.insert(lower.clone());
                }
                words.extend(
                    lower
                        .split('-')
                        .filter(|w| !w.is_empty())
                        .map(str::to_string),
                );
            }
        }
        Vocabulary { words, compounds }
    }

    /// Whether "left-" at a line end followed by "right..." on the next line is a word
    /// split by hyphenation (so the hyphen goes) rather than a hyphenated compound or a
    /// range like "L4-5" (so it stays).
    fn joins(&self, left: &str, right: &str) -> bool {
        if left.is_empty() || right.is_empty() {
            return false;
        }
        if !left.chars().all(char::is_alphabetic) || !right.chars().all(char::is_alphabetic) {
            return false;
        }
        if !right.chars().next().is_some_and(char::is_lowercase) {
            return false;
        }
        let joined = format!("{left}{right}").to_lowercase();
        let hyphenated = format!("{left}-{right}").to_lowercase();
        if self.compounds.contains(&hyphenated) {
            return false;
        }
        self.words.contains(&joined) || KNOWN_WORDS.contains(&joined.as_str())
    }
}

/// Builds the stream of a letter's text.
pub(crate) fn build(text: &str) -> Stream {
    let normalized: String = text
        .replace("\r\n", "\n")
        .replace(['\r', '\u{c}', '\u{b}'], "\n")
        .chars()
        .map(|c| match c {
            '\u{a0}' | '\u{2007}' | '\u{202f}' | '\t' => ' ',
            c => c,
        })
        .collect();
    let raw: Vec<&str> = normalized.split('\n').collect();
    let vocab = Vocabulary::of(&raw);

    let mut s = Stream {
        text: String::with_capacity(normalized.len()),
        starts: Vec::with_capacity(raw.len()),
        breaks: Vec::new(),
    };
    let mut case_seen = false;
    // A blank line seen since the last kept text: Some(true) when it held whitespace
    // (the extractors' paragraph gap), Some(false) when empty (a page break).
    let mut pending_blank: Option<bool> = None;
    for (i, line) in raw.iter().enumerate() {
        let t = line.trim();
        if t.is_empty() {
            let ws = !line.is_empty();
            pending_blank = Some(pending_blank.unwrap_or(false) || ws);
            continue;
        }
        let prev_blank = i == 0 || raw[i - 1].trim().is_empty();
        let next_blank = raw.get(i + 1).is_none_or(|l| l.trim().is_empty());
        if is_furniture(t, case_seen, prev_blank || next_blank) {
            continue;
        }
        // Soft hyphens are invisible break hints: one at a line end splits a word.
        let t_clean: String = t.chars().filter(|&c| c != '\u{ad}').collect();
        let soft_end = t.ends_with('\u{ad}');
        if s.text.is_empty() {
            s.starts.push((0, i + 1));
            s.text.push_str(&t_clean);
        } else {
            if pending_blank == Some(true) && ends_sentence(&s.text) {
                s.breaks.push(s.text.len());
            }
            let joined_without_space = if soft_end_pending(&s.text) {
                true
            } else if s.text.ends_with('-') && !s.text.ends_with(" -") && !s.text.ends_with("--") {
                let left = trailing_word(&s.text[..s.text.len() - 1]);
                let right = leading_word(&t_clean);
                // A word split across a page break joins the same way.
                if vocab.joins(left, right) {
                    s.text.pop();
                }
                true
            } else {
                false
            };
            if !joined_without_space {
                s.text.push(' ');
            }
            s.starts.push((s.text.len(), i + 1));
            s.text.push_str(&t_clean);
        }
        if soft_end {
            s.text.push('\u{1}');
        }
        pending_blank = None;
        if !case_seen && RE_CASE_NO.is_match(&s.text) {
            case_seen = true;
        }
    }
    // Collapse internal runs of spaces ("Date of Injury:  10/13/2016") while keeping
    // the offset tables right.
    collapse_spaces(&mut s);
    s
}

/// A soft hyphen ended the previous line (marked with U+0001 while building).
fn soft_end_pending(text: &str) -> bool {
    text.ends_with('\u{1}')
}

fn ends_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(['"', '\'', ')', '”', '’', ']']);
    t.ends_with(['.', ':', '!', '?'])
}

fn trailing_word(s: &str) -> &str {
    let start = s
        .char_indices()
        .rev()
        .find(|&(_, c)| !c.is_alphanumeric())
        .map_or(0, |(i, c)| i + c.len_utf8());
    &s[start..]
}

fn leading_word(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(_, c)| !c.is_alphanumeric())
        .map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Rewrites `s.text` with every run of whitespace as one space and the soft-hyphen
/// marks removed, remapping line starts and paragraph breaks.
fn collapse_spaces(s: &mut Stream) {
    let old = std::mem::take(&mut s.text);
    let mut map = vec![0usize; old.len() + 1];
    let mut out = String::with_capacity(old.len());
    let mut prev_space = false;
    for (i, c) in old.char_indices() {
        map[i] = out.len();
        if c == '\u{1}' {
            continue;
        }
        if c.is_whitespace() {
            if !prev_space {
                out.push(' ');
            }
            prev_space = true;
        } else {
            out.push(c);
            prev_space = false;
        }
    }
    map[old.len()] = out.len();
    // Offsets inside a multibyte char never occur (all recorded offsets are char starts).
    for st in &mut s.starts {
        st.0 = map[st.0];
    }
    for b in &mut s.breaks {
        *b = map[*b];
    }
    s.text = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_lines_and_keeps_ranges() {
        let s = build("the L4-\n5 level and non-\nsteroidal drugs, non-steroidal\n");
        assert_eq!(
            s.text,
            "the L4-5 level and non-steroidal drugs, non-steroidal"
        );
    }

    #[test]
    fn undoes_hyphenation_of_real_words() {
        let s = build("electro-\nmyography was done; electromyography\n");
        assert_eq!(s.text, "electromyography was done; electromyography");
        let s = build("it is medi-\ncally necessary\n");
        assert_eq!(s.text, "it is medically necessary");
    }

    #[test]
    fn drops_page_furniture() {
        let s = build(
            "Case Number: CM16-0000001\nsome text\n\nPage 2 of 3\nCase Number: CM16-0000001\nmore text\n",
        );
        assert_eq!(s.text, "Case Number: CM16-0000001 some text more text");
        assert_eq!(s.line_at(s.text.find("more").unwrap()), 6);
    }
}
