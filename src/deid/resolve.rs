//! Turns overlapping detector hits into non-overlapping edits: the strongest hit of a
//! cluster decides the category, the cluster's union decides what is removed (so a
//! weaker, longer hit never lets a tail of an identifier through).

use super::markdown::Ctx;
use super::{Category, Span};

/// How much a hit is trusted when hits overlap (later variants win).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Priority {
    /// Shape-only guesses (long digit runs, alphanumeric tokens).
    Generic,
    /// Names from titles, context words and the census lists.
    Name,
    /// Validated patterns: dates, SSN, phone, email, URL, addresses ...
    Pattern,
    /// Site-configured `extra_patterns`.
    Extra,
    /// What the author declared.
    Declared,
}

/// What replaces an identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Replacement {
    /// `[label]`, escaped or not depending on where it lands.
    Placeholder(Category),
    /// A date generalised to its year; `on` rewrites a preceding "on" to "in".
    Year { year: u16, on: Option<&'static str> },
    /// Fixed text, e.g. "90 or older".
    Literal(&'static str),
    /// A ZIP code: its first three digits under `Policy::zip3`, else a placeholder.
    Zip([u8; 3]),
}

/// ZIP3 areas of 20,000 people or fewer (Safe Harbor, 2000 census): published as 000.
const RESTRICTED_ZIP3: [&[u8; 3]; 17] = [
    b"036", b"059", b"063", b"102", b"203", b"556", b"692", b"790", b"821", b"823", b"830", b"831",
    b"878", b"879", b"884", b"890", b"893",
];

impl Replacement {
    pub(super) fn render(&self, ctx: Ctx, zip3: bool) -> String {
        let placeholder = |c: Category| match ctx {
            Ctx::Plain | Ctx::Raw => format!("[{}]", c.label()),
            Ctx::Text => format!("\\[{}\\]", c.label()),
            // Inside a link destination brackets and spaces would end or break the link.
            Ctx::Dest => format!("redacted-{}", c.label()),
        };
        match self {
            Replacement::Placeholder(c) => placeholder(*c),
            Replacement::Year { year, on } => match (on, ctx) {
                (Some(word), Ctx::Plain | Ctx::Text | Ctx::Raw) => format!("{word} {year}"),
                _ => year.to_string(),
            },
            Replacement::Literal(s) => (*s).to_string(),
            Replacement::Zip(d) => {
                if zip3 {
                    if RESTRICTED_ZIP3.contains(&d) {
                        "000xx".to_string()
                    } else {
                        format!("{}xx", String::from_utf8_lossy(d))
                    }
                } else {
                    placeholder(Category::Geographic)
                }
            }
        }
    }
}

/// One detector's finding, in the coordinates of the text it scanned.
#[derive(Debug, Clone)]
pub(super) struct Hit {
    /// The identifier itself.
    pub start: usize,
    pub end: usize,
    /// Where the edit starts (before `start` when a preceding "on" is rewritten).
    pub edit_start: usize,
    pub category: Category,
    pub priority: Priority,
    pub replacement: Replacement,
}

impl Hit {
    pub(super) fn placeholder(
        start: usize,
        end: usize,
        category: Category,
        priority: Priority,
    ) -> Hit {
        Hit {
            start,
            end,
            edit_start: start,
            category,
            priority,
            replacement: Replacement::Placeholder(category),
        }
    }

    pub(super) fn with(
        start: usize,
        end: usize,
        category: Category,
        replacement: Replacement,
    ) -> Hit {
        Hit {
            start,
            end,
            edit_start: start,
            category,
            priority: Priority::Pattern,
            replacement,
        }
    }
}

/// A resolved, non-overlapping edit.
#[derive(Debug, Clone)]
pub(super) struct Edit {
    /// The range of text replaced.
    pub edit: (usize, usize),
    /// The identifier's range (reported as a [`Span`]).
    pub ident: (usize, usize),
    pub category: Category,
    pub declared: bool,
    pub replacement: Replacement,
}

impl Edit {
    pub(super) fn span(&self) -> Span {
        Span {
            start: self.ident.0,
            end: self.ident.1,
            category: self.category,
            declared: self.declared,
        }
    }
}

/// Clusters overlapping hits and picks one edit per cluster, sorted by position.
pub(super) fn resolve(text: &str, mut hits: Vec<Hit>) -> Vec<Edit> {
    hits.retain(|h| h.start < h.end && h.end <= text.len());
    hits.sort_by_key(|h| (h.edit_start, std::cmp::Reverse(h.end)));
    let mut edits: Vec<Edit> = Vec::new();
    let mut i = 0;
    while i < hits.len() {
        let mut j = i + 1;
        let mut end = hits[i].end;
        while j < hits.len() && hits[j].edit_start < end {
            end = end.max(hits[j].end);
            j += 1;
        }
        let cluster = &hits[i..j];
        let edit_start = cluster
            .iter()
            .map(|h| h.edit_start)
            .min()
            .unwrap_or(hits[i].edit_start);
        // A hit that contains the whole cluster names it (a URL or an email holding a
        // declared name is a URL or an email); otherwise the most trusted hit does.
        let key = |h: &&Hit| (h.priority, h.end - h.start, std::cmp::Reverse(h.start));
        let winner = cluster
            .iter()
            .filter(|h| h.edit_start == edit_start && h.end == end)
            .max_by_key(key)
            .or_else(|| cluster.iter().max_by_key(key))
            .expect("a cluster is never empty");
        let ident_start = cluster
            .iter()
            .map(|h| h.start)
            .min()
            .unwrap_or(winner.start);
        let covers = winner.edit_start == edit_start && winner.end == end;
        let replacement = if covers {
            winner.replacement.clone()
        } else {
            Replacement::Placeholder(winner.category)
        };
        edits.push(Edit {
            edit: (edit_start, end),
            ident: (ident_start, end),
            category: winner.category,
            declared: cluster.iter().any(|h| h.priority == Priority::Declared),
            replacement,
        });
        i = j;
    }
    merge_adjacent(text, edits)
}

/// "[name] [name]" for "John Doe" found as two tokens reads as two people: merge
/// same-category placeholders separated only by spaces.
fn merge_adjacent(text: &str, edits: Vec<Edit>) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        if let Some(last) = out.last_mut() {
            let gap = &text[last.edit.1..e.edit.0];
            let same = matches!(
                (&last.replacement, &e.replacement),
                (Replacement::Placeholder(a), Replacement::Placeholder(b)) if a == b
            );
            if same && gap.bytes().all(|b| b == b' ' || b == b'\t') {
                last.edit.1 = e.edit.1;
                last.ident.1 = e.ident.1;
                last.declared |= e.declared;
                continue;
            }
        }
        out.push(e);
    }
    out
}
