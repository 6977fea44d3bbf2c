//! Person names nobody declared: after a title ("Dr. Smith"), after a context word
//! ("patient named Jane Roe"), or as a capitalised first–last pair from the US Census
//! name lists. The lists alone are never enough: "Will", "May", "Brown" and "Young" are
//! words too, so a pair of such words, drug names and eponyms do not count.

use std::sync::LazyLock;

use super::Category;
use super::fast::{FxHashMap, is_letter, next_one, pack_exact, pack_lower, pack16, runs};
use super::resolve::{Hit, Priority};
use super::scan::Scan;

const FIRST: u8 = 1;
const LAST: u8 = 2;
const AMBIGUOUS: u8 = 4;
const NOT_NAME: u8 = 8;
const VOCAB: u8 = 16;
/// Token flags computed from the above: `is_last` (a hyphenated surname counts), a title.
const LAST_ANY: u8 = 32;
const TITLE: u8 = 64;

/// Every listed word and the lists it is on: one lookup answers every question. Words
/// of at most 16 bytes are keyed by their bytes packed in a `u128` (no string to follow).
struct Words {
    short: FxHashMap<u128, u8>,
    long: FxHashMap<&'static str, u8>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| {
    // Ordered: the tables below are filled in a fixed order.
    let mut map: std::collections::BTreeMap<&'static str, u8> = Default::default();
    for (data, flag) in [
        (include_str!("data/first.txt"), FIRST),
        (include_str!("data/last.txt"), LAST),
        (include_str!("data/ambiguous.txt"), AMBIGUOUS),
        (include_str!("data/not_names.txt"), NOT_NAME),
        (include_str!("data/vocab.txt"), VOCAB),
    ] {
        for w in data
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(str::split_whitespace)
        {
            *map.entry(w).or_insert(0) |= flag;
        }
    }
    let mut words = Words {
        short: FxHashMap::default(),
        long: FxHashMap::default(),
    };
    for (w, f) in map {
        match pack_exact(w.as_bytes()) {
            Some(k) => words.short.insert(k, f),
            None => words.long.insert(w, f),
        };
    }
    words
});

#[inline]
fn flags(lower: &str) -> u8 {
    let b = lower.as_bytes();
    let words = &*WORDS;
    let found = if b.len() <= 16 {
        // A word with a zero byte is on no list.
        pack_exact(b).and_then(|k| words.short.get(&k))
    } else {
        words.long.get(lower)
    };
    found.copied().unwrap_or(0)
}

pub(super) fn is_first(lower: &str) -> bool {
    flags(lower) & FIRST != 0
}
pub(super) fn is_last(lower: &str) -> bool {
    last_flags(lower, flags(lower))
}
fn last_flags(lower: &str, f: u8) -> bool {
    f & LAST != 0 || lower.contains('-') && lower.split('-').any(|p| flags(p) & LAST != 0)
}
/// Drug names, eponyms, guideline words, months: never a name by themselves.
pub(super) fn is_not_name(lower: &str) -> bool {
    flags(lower) & NOT_NAME != 0
}
/// A lower-case word of the published letters: the domain's common vocabulary.
pub(super) fn is_vocab(lower: &str) -> bool {
    flags(lower) & VOCAB != 0
}
/// A token whose bare occurrence says little: a common word of either kind.
pub(super) fn is_common(lower: &str) -> bool {
    flags(lower) & (AMBIGUOUS | VOCAB | NOT_NAME) != 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Lower,
    Capitalised,
    Upper,
}

struct Tok {
    start: usize,
    /// End without a possessive "'s".
    end: usize,
    /// Where its lower case is in the tokens' buffer (empty for a lower-case token: only
    /// proper tokens are looked up).
    lo: usize,
    hi: usize,
    case: Case,
    /// One character.
    single: bool,
    /// The word lists its lower case is on, `LAST_ANY`, `TITLE`.
    flags: u8,
    /// `CONTEXT`, `STRONG`, `LINK` bits of the word as written.
    context: u8,
}

impl Tok {
    fn initial(&self) -> bool {
        self.single && self.case != Case::Lower
    }
    fn proper(&self) -> bool {
        self.case != Case::Lower
    }
    fn is_first(&self) -> bool {
        self.flags & FIRST != 0
    }
    fn is_last(&self) -> bool {
        self.flags & LAST_ANY != 0
    }
    fn is_ambiguous(&self) -> bool {
        self.flags & AMBIGUOUS != 0
    }
    fn is_not_name(&self) -> bool {
        self.flags & NOT_NAME != 0
    }
    fn is_vocab(&self) -> bool {
        self.flags & VOCAB != 0
    }
    fn is_common(&self) -> bool {
        self.flags & (AMBIGUOUS | VOCAB | NOT_NAME) != 0
    }
    fn name_word(&self) -> bool {
        self.is_first() || self.is_last()
    }
    /// Could be part of a name once context says a name is here.
    fn namelike(&self) -> bool {
        self.proper()
            && !self.is_not_name()
            && (self.name_word() || !self.is_vocab() && !self.is_ambiguous())
    }
}

/// The next character at `i` (a char boundary) and its length.
#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
    let c = text[i..].chars().next().expect("char boundary");
    (c, c.len_utf8())
}

/// The words of `text` as `\p{L}[\p{L}'’\-]*` finds them (leftmost, greedy), and
/// whether each is all ASCII.
fn word_ranges(scan: &Scan, mut f: impl FnMut(usize, usize, bool)) {
    let text = scan.text;
    let b = text.as_bytes();
    if text.is_ascii() {
        // A word is a run of letters, apostrophes and hyphens from its first letter.
        let bits = scan.bits();
        runs(bits.join(), |s, e| {
            // Most words start with their letter.
            let l = if bits.letter()[s / 64] >> (s % 64) & 1 == 1 {
                Some(s)
            } else {
                next_one(bits.letter(), s)
            };
            if let Some(l) = l
                && l < e
            {
                f(l, e, true);
            }
        });
        return;
    }
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let letter = if c < 0x80 {
            i += 1;
            c.is_ascii_alphabetic()
        } else {
            let (ch, len) = char_at(text, i);
            i += len;
            is_letter(ch)
        };
        if !letter {
            continue;
        }
        let mut ascii = c < 0x80;
        loop {
            while i < b.len() && ASCII_WORD[b[i] as usize] {
                i += 1;
            }
            if i < b.len() && b[i] >= 0x80 {
                let (ch, len) = char_at(text, i);
                if ch == '’' || is_letter(ch) {
                    ascii = false;
                    i += len;
                    continue;
                }
            }
            break;
        }
        f(start, i, ascii);
    }
}

/// ASCII bytes that continue a word: letters, apostrophe, hyphen.
static ASCII_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphabetic() || b == b'\'' || b == b'-';
        c += 1;
    }
    t
};

const CONTEXT_BIT: u8 = 1;
const STRONG_BIT: u8 = 2;
const LINK_BIT: u8 = 4;

/// The lower-case ASCII word packed in a `u128` (at most 16 bytes, no NUL).
const fn pack(w: &[u8]) -> u128 {
    let mut x = 0u128;
    let mut i = 0;
    while i < w.len() {
        x |= (w[i].to_ascii_lowercase() as u128) << (8 * i);
        i += 1;
    }
    x
}

/// `CONTEXT`, `STRONG` and `LINKS` packed and sorted, with their bits.
static CONTEXT_KEYS: LazyLock<Vec<(u128, u8)>> = LazyLock::new(|| {
    let mut v: Vec<(u128, u8)> = Vec::new();
    for (list, bit) in [
        (&CONTEXT[..], CONTEXT_BIT),
        (&STRONG[..], STRONG_BIT),
        (&LINKS[..], LINK_BIT),
    ] {
        for w in list {
            let k = pack(w.as_bytes());
            match v.iter_mut().find(|(x, _)| *x == k) {
                Some((_, b)) => *b |= bit,
                None => v.push((k, bit)),
            }
        }
    }
    v.sort_unstable();
    v
});

/// Which of `CONTEXT`, `STRONG` and `LINKS` the word is (ASCII case-insensitively).
#[inline]
fn context_bits(word: &str) -> u8 {
    let b = word.as_bytes();
    // Lengths 2 to 10; first letters a b c d e f h i m n p s w.
    const FIRST: u32 = 1 << 0
        | 1 << 1
        | 1 << 2
        | 1 << 3
        | 1 << 4
        | 1 << 5
        | 1 << 7
        | 1 << 8
        | 1 << 12
        | 1 << 13
        | 1 << 15
        | 1 << 18
        | 1 << 22;
    if b.len() < 2 || b.len() > 10 {
        return 0;
    }
    let first = (b[0] | 0x20).wrapping_sub(b'a');
    if first >= 26 || FIRST & (1 << first) == 0 {
        return 0;
    }
    // For each length and first letter, the last letters a listed word has.
    static SHAPES: LazyLock<[[u32; 26]; 11]> = LazyLock::new(|| {
        let mut t = [[0u32; 26]; 11];
        for w in CONTEXT.iter().chain(&STRONG).chain(&LINKS) {
            let b = w.as_bytes();
            t[b.len()][usize::from(b[0] - b'a')] |= 1 << (b[b.len() - 1] - b'a');
        }
        t
    });
    let last = (b[b.len() - 1] | 0x20).wrapping_sub(b'a');
    if last >= 26 || SHAPES[b.len()][first as usize] & (1 << last) == 0 {
        return 0;
    }
    let key = pack_lower(b);
    let keys = &*CONTEXT_KEYS;
    keys.binary_search_by_key(&key, |&(k, _)| k)
        .map_or(0, |i| keys[i].1)
}

/// Flags of a proper token from its lower case (letters, apostrophes, hyphens: no NUL).
fn token_flags(lower: &str) -> u8 {
    let b = lower.as_bytes();
    let f = if b.len() <= 16 {
        WORDS.short.get(&pack16(b)).copied().unwrap_or(0)
    } else {
        flags(lower)
    };
    let mut out = f;
    if last_flags(lower, f) {
        out |= LAST_ANY;
    }
    if TITLES.contains(&lower) {
        out |= TITLE;
    }
    out
}

/// The tokens of `text`; lower-case forms of proper tokens are written into `buf`.
fn tokens(scan: &Scan, buf: &mut String) -> Vec<Tok> {
    let text = scan.text;
    let mut toks: Vec<Tok> = Vec::with_capacity(text.len() / 6 + 1);
    buf.reserve(text.len() / 4);
    word_ranges(scan, |ws, we, ascii| {
        let lo = buf.len();
        let (end, case, single) = if ascii {
            let mut w = &text.as_bytes()[ws..we];
            // Most words end in a letter other than "s": nothing to strip.
            if matches!(w[w.len() - 1], b'\'' | b'-' | b's' | b'S') {
                // The suffixes "'s" then "'S" (their ’ forms are not ASCII).
                for last in [b's', b'S'] {
                    if let [stem @ .., b'\'', c] = w
                        && *c == last
                    {
                        w = stem;
                    }
                }
                while let [rest @ .., b'\'' | b'-'] = w {
                    w = rest;
                }
            }
            if w.is_empty() {
                return;
            }
            let first_upper = w[0].is_ascii_uppercase();
            let rest = &w[1..];
            let upper = !rest.is_empty() && !rest.iter().any(u8::is_ascii_lowercase);
            let case = match (first_upper, upper) {
                (false, _) => Case::Lower,
                (true, true) => Case::Upper,
                (true, false) => Case::Capitalised,
            };
            if case != Case::Lower {
                let lo = buf.len();
                buf.push_str(&text[ws..ws + w.len()]);
                buf[lo..].make_ascii_lowercase();
            }
            (ws + w.len(), case, rest.is_empty())
        } else {
            let mut s = &text[ws..we];
            for suffix in ["'s", "’s", "'S", "’S"] {
                if let Some(stem) = s.strip_suffix(suffix) {
                    s = stem;
                }
            }
            let s = s.trim_end_matches(['\'', '’', '-']);
            if s.is_empty() {
                return;
            }
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
            if case != Case::Lower {
                buf.push_str(&s.to_lowercase());
            }
            (ws + s.len(), case, !rest)
        };
        let hi = buf.len();
        toks.push(Tok {
            start: ws,
            end,
            lo,
            hi,
            case,
            single,
            flags: if case == Case::Lower {
                0
            } else {
                token_flags(&buf[lo..hi])
            },
            context: context_bits(&text[ws..end]),
        });
    });
    toks
}

/// The word spans `tokens` starts from (tests compare them with the word regex).
#[cfg(test)]
pub(super) fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    word_ranges(&Scan::new(text), |s, e, _| v.push((s, e)));
    v
}

/// Every token as (start, end, text, lower, case, initial, context bits).
#[cfg(test)]
pub(super) fn token_view(text: &str) -> Vec<(usize, usize, String, String, String, bool, u8)> {
    let mut buf = String::new();
    let toks = tokens(&Scan::new(text), &mut buf);
    toks.iter()
        .map(|t| {
            (
                t.start,
                t.end,
                text[t.start..t.end].to_string(),
                buf[t.lo..t.hi].to_string(),
                format!("{:?}", t.case),
                t.single,
                t.context,
            )
        })
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
    if t.flags & TITLE == 0 {
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

pub(super) const CONTEXT: [&str; 26] = [
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
pub(super) const STRONG: [&str; 4] = ["named", "called", "aka", "name"];
pub(super) const LINKS: [&str; 6] = ["is", "was", "named", "name", "called", "as"];

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

fn push<'a>(
    hits: &mut Vec<Hit>,
    found: &mut Vec<&'a str>,
    (text, buf): (&str, &'a str),
    toks: &[Tok],
    from: usize,
    to: usize,
) {
    hits.push(Hit::placeholder(
        toks[from].start,
        toks[to].end,
        Category::Name,
        Priority::Name,
    ));
    for t in &toks[from..=to] {
        if !t.initial() && text[t.start..t.end].chars().count() >= 3 {
            found.push(&buf[t.lo..t.hi]);
        }
    }
}

/// Finds undeclared person names in `text`.
pub(super) fn find(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    let mut buf = String::new();
    let toks = tokens(scan, &mut buf);
    let buf = buf.as_str();
    let mut found: Vec<&str> = Vec::new();
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
                    && !n.is_not_name()
                    && (n.name_word() || !n.is_vocab());
                if ok {
                    let last = extend(text, &toks, j, 3);
                    push(hits, &mut found, (text, buf), &toks, i + 1, last);
                    i = last + 1;
                    continue;
                }
            }
        }
        // Context word + name: "patient John Doe", "named Jane Roe", "Name: J. Roe".
        if t.context & CONTEXT_BIT != 0 {
            let mut strong = t.context & STRONG_BIT != 0;
            let mut j = i + 1;
            while j < toks.len() && toks[j].context & LINK_BIT != 0 && toks[j].case != Case::Upper {
                strong |= toks[j].context & STRONG_BIT != 0;
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
                            && !n.is_not_name()
                            && (!n.is_ambiguous()
                                || toks.get(j + 1).is_some_and(|m| {
                                    joins(text, n, m)
                                        && m.name_word()
                                        && !m.is_ambiguous()
                                        && !m.is_not_name()
                                }))
                    };
                if accept {
                    let last = extend(text, &toks, j, 3);
                    push(hits, &mut found, (text, buf), &toks, j, last);
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
            if adjacent && u.case == t.case && pair_is_name(t, u, t.case == Case::Upper) {
                let last = extend(text, &toks, j, 2);
                push(hits, &mut found, (text, buf), &toks, i, last);
                i = last + 1;
                continue;
            }
            let gap = &text[t.end..u.start];
            if j == i + 1
                && (gap == ", " || gap == ",")
                && u.case == t.case
                && t.is_last()
                && u.is_first()
                && !t.is_common()
                && !u.is_common()
            {
                push(hits, &mut found, (text, buf), &toks, i, j);
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
            if t.proper() && found.binary_search(&&buf[t.lo..t.hi]).is_ok() {
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
fn pair_is_name(first: &Tok, last: &Tok, upper: bool) -> bool {
    if !first.is_first() || !last.is_last() || first.is_not_name() || last.is_not_name() {
        return false;
    }
    let (a, b) = (
        first.is_ambiguous() || first.is_vocab(),
        last.is_ambiguous() || last.is_vocab(),
    );
    // Upper-case headings are full of words: both must be unambiguous there.
    if upper { !a && !b } else { !(a && b) }
}
