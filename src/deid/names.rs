//! Person names nobody declared: after a title ("Dr. Smith"), after a context word
//! ("patient named Jane Roe"), or as a capitalised first–last pair from the US Census
//! name lists. The lists alone are never enough: "Will", "May", "Brown" and "Young" are
//! words too, so a pair of such words, drug names and eponyms do not count.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::Category;
use super::resolve::{Hit, Priority};

fn word_set(data: &'static str) -> HashSet<&'static str> {
    data.lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(str::split_whitespace)
        .collect()
}

static FIRST: LazyLock<HashSet<&str>> = LazyLock::new(|| word_set(include_str!("data/first.txt")));
static LAST: LazyLock<HashSet<&str>> = LazyLock::new(|| word_set(include_str!("data/last.txt")));
static AMBIGUOUS: LazyLock<HashSet<&str>> =
    LazyLock::new(|| word_set(include_str!("data/ambiguous.txt")));
static NOT_NAMES: LazyLock<HashSet<&str>> =
    LazyLock::new(|| word_set(include_str!("data/not_names.txt")));
static VOCAB: LazyLock<HashSet<&str>> = LazyLock::new(|| word_set(include_str!("data/vocab.txt")));

pub(super) fn is_first(lower: &str) -> bool {
    FIRST.contains(lower)
}
pub(super) fn is_last(lower: &str) -> bool {
    LAST.contains(lower)
        || lower.split('-').count() > 1 && lower.split('-').any(|p| LAST.contains(p))
}
/// A census name that is also an everyday word ("will", "brown").
pub(super) fn is_ambiguous(lower: &str) -> bool {
    AMBIGUOUS.contains(lower)
}
/// Drug names, eponyms, guideline words, months: never a name by themselves.
pub(super) fn is_not_name(lower: &str) -> bool {
    NOT_NAMES.contains(lower)
}
/// A lower-case word of the published letters: the domain's common vocabulary.
pub(super) fn is_vocab(lower: &str) -> bool {
    VOCAB.contains(lower)
}
/// A token whose bare occurrence says little: a common word of either kind.
pub(super) fn is_common(lower: &str) -> bool {
    is_ambiguous(lower) || is_vocab(lower) || is_not_name(lower)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Lower,
    Capitalised,
    Upper,
}

struct Tok<'a> {
    start: usize,
    /// End without a possessive "'s".
    end: usize,
    text: &'a str,
    lower: String,
    case: Case,
}

impl Tok<'_> {
    fn initial(&self) -> bool {
        self.text.chars().count() == 1 && self.case != Case::Lower
    }
    fn proper(&self) -> bool {
        self.case != Case::Lower
    }
    fn name_word(&self) -> bool {
        is_first(&self.lower) || is_last(&self.lower)
    }
    /// Could be part of a name once context says a name is here.
    fn namelike(&self) -> bool {
        self.proper()
            && !is_not_name(&self.lower)
            && (self.name_word() || !is_vocab(&self.lower) && !is_ambiguous(&self.lower))
    }
}

fn tokens(text: &str) -> Vec<Tok<'_>> {
    static WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\p{L}[\p{L}'’\-]*").expect("word pattern"));
    WORD.find_iter(text)
        .map(|m| {
            let mut s = m.as_str();
            for suffix in ["'s", "’s", "'S", "’S"] {
                if let Some(stem) = s.strip_suffix(suffix) {
                    s = stem;
                }
            }
            let s = s.trim_end_matches(['\'', '’', '-']);
            let mut chars = s.chars();
            let first_upper = chars.next().is_some_and(char::is_uppercase);
            let (mut rest, mut lower_rest) = (false, false);
            for c in chars {
                rest = true;
                lower_rest |= c.is_lowercase();
            }
            let case = match (first_upper, rest && !lower_rest) {
                (false, _) => Case::Lower,
                (true, true) => Case::Upper,
                (true, false) => Case::Capitalised,
            };
            Tok {
                start: m.start(),
                end: m.start() + s.len(),
                text: s,
                lower: if case == Case::Lower {
                    String::new()
                } else {
                    s.to_lowercase()
                },
                case,
            }
        })
        .filter(|t| !t.text.is_empty())
        .collect()
}

/// The text between two tokens keeps them in one name: spaces, at most one line break,
/// the period of an initial.
fn joins(text: &str, a: &Tok, b: &Tok) -> bool {
    let gap = &text[a.end..b.start];
    let gap = if a.initial() {
        gap.strip_prefix('.').unwrap_or(gap)
    } else {
        gap
    };
    !gap.is_empty()
        && gap.len() <= 4
        && gap
            .chars()
            .all(|c| c == ' ' || c == '\t' || c == '\n' || c == '\r')
        && gap.matches('\n').count() <= 1
        || a.initial() && gap.is_empty() && text[a.end..].starts_with('.')
}

const TITLES: [&str; 10] = [
    "dr",
    "drs",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "doctor",
    "professor",
];

fn is_title(text: &str, t: &Tok) -> bool {
    if !TITLES.contains(&t.lower.as_str()) {
        return false;
    }
    let dotted = text[t.end..].starts_with('.');
    // "MS Contin" is a drug: upper-case titles need their period.
    match t.case {
        Case::Capitalised => true,
        Case::Upper => dotted,
        Case::Lower => false,
    }
}

const CONTEXT: [&str; 26] = [
    "patient",
    "claimant",
    "employee",
    "worker",
    "applicant",
    "client",
    "insured",
    "husband",
    "wife",
    "spouse",
    "son",
    "daughter",
    "mother",
    "father",
    "brother",
    "sister",
    "employer",
    "supervisor",
    "attorney",
    "adjuster",
    "manager",
    "named",
    "called",
    "aka",
    "name",
    "iw",
];
const STRONG: [&str; 4] = ["named", "called", "aka", "name"];
const LINKS: [&str; 6] = ["is", "was", "named", "name", "called", "as"];

fn one_of(word: &str, list: &[&str]) -> bool {
    list.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Extends a name that starts at `toks[i]` over following initials and name-like
/// tokens; returns the index of its last token.
fn extend(text: &str, toks: &[Tok], i: usize, max: usize) -> usize {
    let mut last = i;
    let mut j = i + 1;
    while j < toks.len() && j - i < max && joins(text, &toks[j - 1], &toks[j]) {
        let t = &toks[j];
        if t.initial() || t.namelike() && t.case == toks[i].case {
            j += 1;
            if !t.initial() {
                last = j - 1;
            }
        } else {
            break;
        }
    }
    last
}

fn push(hits: &mut Vec<Hit>, found: &mut Vec<String>, toks: &[Tok], from: usize, to: usize) {
    hits.push(Hit::placeholder(
        toks[from].start,
        toks[to].end,
        Category::Name,
        Priority::Name,
    ));
    for t in &toks[from..=to] {
        if !t.initial() && t.text.chars().count() >= 3 {
            found.push(t.lower.clone());
        }
    }
}

/// Finds undeclared person names in `text`.
pub(super) fn find(text: &str, hits: &mut Vec<Hit>) {
    let toks = tokens(text);
    let mut found: Vec<String> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        // Title + name: "Dr. Smith", "Mrs. J. Q. Public".
        if t.proper() && is_title(text, t) && i + 1 < toks.len() {
            let mut j = i + 1;
            let gap = &text[t.end..toks[j].start];
            if gap.trim_start_matches('.').chars().all(char::is_whitespace)
                && !gap.trim_start_matches('.').is_empty()
            {
                while toks[j].initial() && j + 1 < toks.len() && joins(text, &toks[j], &toks[j + 1])
                {
                    j += 1;
                }
                let n = &toks[j];
                let ok = n.proper()
                    && !n.initial()
                    && !is_not_name(&n.lower)
                    && (n.name_word() || !is_vocab(&n.lower));
                if ok {
                    let last = extend(text, &toks, j, 3);
                    push(hits, &mut found, &toks, i + 1, last);
                    i = last + 1;
                    continue;
                }
            }
        }
        // Context word + name: "patient John Doe", "named Jane Roe", "Name: J. Roe".
        if one_of(t.text, &CONTEXT) {
            let mut strong = one_of(t.text, &STRONG);
            let mut j = i + 1;
            while j < toks.len() && one_of(toks[j].text, &LINKS) && toks[j].case != Case::Upper {
                strong |= one_of(toks[j].text, &STRONG);
                j += 1;
            }
            if j < toks.len() {
                let gap = &text[toks[j - 1].end..toks[j].start];
                let gap_ok = gap.len() <= 4
                    && gap
                        .chars()
                        .all(|c| c == ' ' || c == ',' || c == ':' || c == '\t' || c == '\n')
                    && gap.matches('\n').count() <= 1
                    && gap.contains([' ', '\t', '\n', ':']);
                let n = &toks[j];
                // "called Dr. Roe": the title rule takes it from there.
                let accept = gap_ok
                    && !is_title(text, n)
                    && n.proper()
                    && !n.initial()
                    && if strong {
                        n.namelike()
                    } else {
                        n.name_word()
                            && !is_not_name(&n.lower)
                            && (!is_ambiguous(&n.lower)
                                || toks.get(j + 1).is_some_and(|m| {
                                    joins(text, n, m)
                                        && m.name_word()
                                        && !is_ambiguous(&m.lower)
                                        && !is_not_name(&m.lower)
                                }))
                    };
                if accept {
                    let last = extend(text, &toks, j, 3);
                    push(hits, &mut found, &toks, j, last);
                    i = last + 1;
                    continue;
                }
            }
        }
        // Census pair: "John Smith", "JOHN Q SMITH", "Smith, John".
        if t.proper() && !t.initial() && i + 1 < toks.len() {
            let mut j = i + 1;
            if toks[j].initial() && joins(text, t, &toks[j]) && j + 1 < toks.len() {
                j += 1;
            }
            let u = &toks[j];
            let adjacent =
                joins(text, &toks[j - 1], u) && (j == i + 1 || joins(text, t, &toks[i + 1]));
            if adjacent
                && u.case == t.case
                && pair_is_name(&t.lower, &u.lower, t.case == Case::Upper)
            {
                let last = extend(text, &toks, j, 2);
                push(hits, &mut found, &toks, i, last);
                i = last + 1;
                continue;
            }
            let gap = &text[t.end..u.start];
            if j == i + 1
                && (gap == ", " || gap == ",")
                && u.case == t.case
                && is_last(&t.lower)
                && is_first(&u.lower)
                && !is_common(&t.lower)
                && !is_common(&u.lower)
            {
                push(hits, &mut found, &toks, i, j);
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    // A surname found once is redacted wherever else it stands alone ("Mr. Smith ...
    // Smith reported").
    if !found.is_empty() {
        found.sort();
        found.dedup();
        for t in &toks {
            if t.proper() && found.binary_search(&t.lower).is_ok() {
                hits.push(Hit::placeholder(
                    t.start,
                    t.end,
                    Category::Name,
                    Priority::Name,
                ));
            }
        }
    }
}

/// A capitalised pair from the census lists that is not a pair of everyday words.
fn pair_is_name(first: &str, last: &str, upper: bool) -> bool {
    if !is_first(first) || !is_last(last) || is_not_name(first) || is_not_name(last) {
        return false;
    }
    let (a, b) = (
        is_ambiguous(first) || is_vocab(first),
        is_ambiguous(last) || is_vocab(last),
    );
    // Upper-case headings are full of words: both must be unambiguous there.
    if upper { !a && !b } else { !(a && b) }
}
