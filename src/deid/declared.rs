//! The matcher for what an author declared: every variant a person writes of a name,
//! number or address (case, line breaks, possessive, reversed, partial, initials, other
//! separators, address parts), and the normalised keys the leak gate looks for.
//!
//! It matches word tokens (case- and accent-folded) against small variant patterns
//! rather than compiling a regex: a regex of a few dozen variants took ~10 ms to build,
//! once per determination, where this index takes microseconds.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use regex::Regex;

use super::fast::{pack_exact, pack16, runs};
use super::resolve::{Hit, Priority, Replacement};
use super::scan::Scan;
use super::{Category, Declared, detect, names};

/// What a variant finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cat(Category),
    /// A ZIP code: replaced under the ZIP3 policy.
    Zip,
}

/// One element of a variant.
#[derive(Debug, Clone)]
enum Elem {
    /// One of several spellings, each a run of folded tokens ("o brien" / "obrien").
    /// Shared: the variants of one name reuse its words.
    Part(Arc<Vec<Vec<String>>>),
    /// A one-letter token, upper case in the text ("J." of "J. Doe").
    Initial(String),
    /// An optional initial of any letter ("John Q. Doe" declared as "John Doe").
    AnyInitial,
    /// Up to this many middle names.
    Skip(u8),
}

#[derive(Debug, Clone)]
struct Variant {
    elems: Vec<Elem>,
    kind: Kind,
    /// Everyday or short words alone ("May", "Lee") count only when not in lower case.
    cased: bool,
}

/// A word token of the text.
struct Tok<'a> {
    start: usize,
    end: usize,
    /// Folded: a piece of the ASCII-lower-cased text, or (non-ASCII words) their fold.
    fold: Cow<'a, str>,
    lower_case: bool,
    upper_initial: bool,
}

/// Lower case without diacritics: "José" and "JOSE" fold alike.
pub(super) fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if ch.is_ascii() {
            out.push(ch.to_ascii_lowercase());
            continue;
        }
        for c in ch.to_lowercase() {
            out.push(fold_char(c));
        }
    }
    out
}

fn fold_char(c: char) -> char {
    {
        match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ā' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'ī' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' | 'ő' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ñ' | 'ń' | 'ň' => 'n',
            'ç' | 'ć' | 'č' => 'c',
            'ś' | 'š' | 'ș' | 'ş' => 's',
            'ź' | 'ż' | 'ž' => 'z',
            'ł' => 'l',
            'ý' | 'ÿ' => 'y',
            'ř' => 'r',
            'ğ' => 'g',
            'đ' | 'ď' => 'd',
            'ť' | 'ț' => 't',
            c => c,
        }
    }
}

/// ASCII letters and digits.
static ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 128 {
        t[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    t
};

/// The maximal runs of alphanumeric characters of `text`, folded. `lower` is `text`
/// with ASCII letters in lower case (the fold of an ASCII word is its piece of it).
fn tokenize<'a>(scan: &Scan<'_>, lower: &'a str) -> Vec<Tok<'a>> {
    let text = scan.text;
    let mut toks = Vec::with_capacity(text.len() / 5 + 1);
    let b = text.as_bytes();
    if text.is_ascii() {
        // Runs of ASCII letters and digits.
        runs(scan.bits().alnum(), |start, end| {
            let upper = b[start].is_ascii_uppercase();
            toks.push(Tok {
                start,
                end,
                fold: Cow::Borrowed(&lower[start..end]),
                lower_case: !upper,
                upper_initial: upper && end - start == 1,
            });
        });
        return toks;
    }
    let alnum_at = |i: usize| -> (bool, usize) {
        if b[i] < 0x80 {
            (ALNUM[b[i] as usize], 1)
        } else {
            let c = text[i..].chars().next().expect("char boundary");
            (c.is_alphanumeric(), c.len_utf8())
        }
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] < 0x80 && !ALNUM[b[i] as usize] {
            i += 1;
            continue;
        }
        let (alnum, len) = alnum_at(i);
        if !alnum {
            i += len;
            continue;
        }
        let start = i;
        let mut ascii = len == 1;
        i += len;
        loop {
            while i < b.len() && ALNUM[b[i] as usize] {
                i += 1;
            }
            if i < b.len() && b[i] >= 0x80 {
                let (alnum, len) = alnum_at(i);
                if alnum {
                    ascii = false;
                    i += len;
                    continue;
                }
            }
            break;
        }
        let w = &text[start..i];
        let (fold, lower_case, upper_initial) = if ascii {
            let upper = b[start].is_ascii_uppercase();
            (
                Cow::Borrowed(&lower[start..i]),
                !upper,
                upper && i - start == 1,
            )
        } else {
            let first = w.chars().next().expect("non-empty token");
            (
                Cow::Owned(fold(w)),
                !first.is_uppercase(),
                w.chars().count() == 1 && first.is_uppercase(),
            )
        };
        toks.push(Tok {
            start,
            end: i,
            fold,
            lower_case,
            upper_initial,
        });
    }
    toks
}

/// The bloom filter position of a key of at most 16 bytes (non-empty).
#[inline]
fn shape_hash(k: &[u8]) -> usize {
    (usize::from(k[0]) * 31 + usize::from(k[k.len() - 1]) * 7 + k.len() * 131) & 1023
}

/// Between two words of one name: white space, a comma, the period of an initial, an
/// apostrophe or hyphen ("Doe, John", "J. Doe", "O'Brien", "Gonzalez-\nRivera").
fn name_gap(text: &str, a: &Tok, b: &Tok) -> bool {
    let gap = &text[a.end..b.start];
    // A period only closes an initial: "grace. Young" is two sentences.
    let initial = a.end - a.start == 1 || a.fold.chars().count() == 1;
    !gap.is_empty()
        && gap.chars().count() <= 8
        && gap.chars().all(|c| {
            c.is_whitespace()
                || matches!(c, ',' | '\'' | '’' | '‘' | '`' | '-' | '‐' | '–')
                || c == '.' && initial
        })
}

/// Between two groups of one number: up to three separators ("ABC 123-4567", "(559) 555").
fn number_gap(text: &str, a: &Tok, b: &Tok) -> bool {
    let gap = &text[a.end..b.start];
    gap.chars().count() <= 3
        && gap.chars().all(|c| {
            c.is_whitespace() || matches!(c, '-' | '.' | '/' | '(' | ')' | '#' | '_' | '‐' | '–')
        })
}

pub(super) struct DeclaredMatcher {
    variants: Vec<Variant>,
    /// Folded first token (packed, see `pack_exact`) → variants starting with it, sorted
    /// by key then variant; first tokens that do not pack are in `index_long`.
    index: Vec<(u128, usize)>,
    index_long: Vec<(String, usize)>,
    /// First bytes of the keys of `index`, and of `numbers`: other tokens are not looked up.
    index_first: [bool; 256],
    /// A bloom filter of the keys of `index` by length, first and last byte.
    index_shape: [u64; 16],
    numbers_first: [bool; 256],
    /// Numbers as folded alphanumerics, and their category.
    numbers: Vec<(String, Category)>,
    /// Emails and URLs: ASCII case-insensitive literals.
    literals: Vec<(String, Category)>,
}

impl DeclaredMatcher {
    pub(super) fn new(d: &Declared) -> Result<DeclaredMatcher, String> {
        let mut m = DeclaredMatcher {
            variants: Vec::new(),
            index: Vec::new(),
            index_long: Vec::new(),
            index_first: [false; 256],
            index_shape: [0; 16],
            numbers_first: [false; 256],
            numbers: Vec::new(),
            literals: Vec::new(),
        };
        for n in &d.names {
            m.name(n);
        }
        for n in &d.numbers {
            m.number(n, None);
        }
        for a in &d.addresses {
            m.address(a);
        }
        for o in &d.other {
            m.other(o);
        }
        for (i, v) in m.variants.iter().enumerate() {
            let mut key = |f: &str| {
                // An empty key ("" is the initial of "123") matches no token: no entry.
                let Some(&c) = f.as_bytes().first() else {
                    return;
                };
                m.index_first[c as usize] = true;
                match pack_exact(f.as_bytes()) {
                    Some(k) => {
                        let h = shape_hash(f.as_bytes());
                        m.index_shape[h / 64] |= 1 << (h % 64);
                        m.index.push((k, i));
                    }
                    None => m.index_long.push((f.to_string(), i)),
                }
            };
            match &v.elems[0] {
                Elem::Part(alts) => alts.iter().for_each(|a| key(&a[0])),
                Elem::Initial(c) => key(c),
                Elem::AnyInitial | Elem::Skip(_) => {}
            }
        }
        // By key, each key's variants in order, once.
        m.index.sort_unstable();
        m.index.dedup();
        m.index_long.sort();
        m.index_long.dedup();
        for (key, _) in &m.numbers {
            if let Some(&c) = key.as_bytes().first() {
                m.numbers_first[c as usize] = true;
            }
        }
        Ok(m)
    }

    /// How many variants the matcher holds (for `Debug`).
    pub(super) fn len(&self) -> usize {
        self.variants.len() + self.numbers.len() + self.literals.len()
    }

    fn add(&mut self, elems: Vec<Elem>, kind: Kind, cased: bool) {
        let empty = elems
            .iter()
            .any(|e| matches!(e, Elem::Part(a) if a.is_empty() || a.iter().any(Vec::is_empty)));
        if !elems.is_empty() && !empty && matches!(elems[0], Elem::Part(_) | Elem::Initial(_)) {
            self.variants.push(Variant { elems, kind, cased });
        }
    }

    pub(super) fn find(&self, scan: &Scan, hits: &mut Vec<Hit>) {
        if self.variants.is_empty() && self.numbers.is_empty() && self.literals.is_empty() {
            return;
        }
        let text = scan.text;
        let lower = text.to_ascii_lowercase();
        let toks = tokenize(scan, &lower);
        for i in 0..toks.len() {
            let fold = toks[i].fold.as_bytes();
            let first = fold[0] as usize;
            // A fold (letters and digits) holds no NUL: it packs if it is short, and then
            // the bloom filter rules most out.
            let short = fold.len() <= 16;
            let listed = self.index_first[first]
                && (!short || {
                    let h = shape_hash(fold);
                    self.index_shape[h / 64] >> (h % 64) & 1 == 1
                });
            if listed {
                let mut best: Option<(usize, Kind)> = None;
                let mut consider = |vi: usize| {
                    let v = &self.variants[vi];
                    if let Some(end) = self.match_from(text, &toks, &v.elems, 0, i, None) {
                        let single = end == i;
                        if v.cased && single && toks[i].lower_case {
                            return;
                        }
                        if best.is_none_or(|(e, _)| end > e) {
                            best = Some((end, v.kind));
                        }
                    }
                };
                match short.then(|| pack16(fold)) {
                    Some(k) => {
                        let from = self.index.partition_point(|&(x, _)| x < k);
                        for &(x, vi) in &self.index[from..] {
                            if x != k {
                                break;
                            }
                            consider(vi);
                        }
                    }
                    None => {
                        for (key, vi) in &self.index_long {
                            if key.as_bytes() == fold {
                                consider(*vi);
                            }
                        }
                    }
                }
                if let Some((end, kind)) = best {
                    hits.push(self.hit(
                        text,
                        toks[i].start,
                        abbreviation_end(text, &toks[end]),
                        kind,
                    ));
                }
            }
            if !self.numbers_first[first] {
                continue;
            }
            for (key, cat) in &self.numbers {
                let key = key.as_bytes();
                if !key.starts_with(toks[i].fold.as_bytes()) {
                    continue;
                }
                // The folds of the tokens joined by number gaps, while shorter than the
                // key, must spell it.
                let mut joined = toks[i].fold.len();
                let mut spells = true;
                let mut j = i;
                while joined < key.len()
                    && j + 1 < toks.len()
                    && number_gap(text, &toks[j], &toks[j + 1])
                {
                    j += 1;
                    let f = toks[j].fold.as_bytes();
                    if !key[joined..].starts_with(f) {
                        spells = false;
                        break;
                    }
                    joined += f.len();
                }
                if spells && joined == key.len() {
                    // "(559) 555-0142": the parenthesis goes with the number.
                    let mut start = toks[i].start;
                    if text[..start].ends_with('(') && text[toks[i].end..].starts_with(')') {
                        start -= 1;
                    }
                    hits.push(self.hit(text, start, toks[j].end, Kind::Cat(*cat)));
                }
            }
        }
        for (lit, cat) in &self.literals {
            let (hay, needle) = (text.as_bytes(), lit.as_bytes());
            let Some(&c) = needle.first() else {
                continue;
            };
            let mut at = 0;
            // Only where the first byte matches (either case).
            while let Some(k) =
                memchr::memchr2(c.to_ascii_lowercase(), c.to_ascii_uppercase(), &hay[at..])
            {
                at += k;
                if at + needle.len() > hay.len() {
                    break;
                }
                if hay[at..at + needle.len()].eq_ignore_ascii_case(needle) {
                    hits.push(self.hit(text, at, at + needle.len(), Kind::Cat(*cat)));
                    at += needle.len();
                } else {
                    at += 1;
                }
            }
        }
    }

    fn hit(&self, text: &str, start: usize, end: usize, kind: Kind) -> Hit {
        let hit = match kind {
            Kind::Zip => {
                let b = text.as_bytes();
                Hit::with(
                    start,
                    end,
                    Category::Geographic,
                    Replacement::Zip([b[start], b[start + 1], b[start + 2]]),
                )
            }
            Kind::Cat(cat) => {
                Hit::placeholder(start, end, refine(text, start, cat), Priority::Declared)
            }
        };
        Hit {
            priority: Priority::Declared,
            ..hit
        }
    }

    /// Matches `elems[k..]` from token `ti` (`prev` the last token taken); returns the
    /// index of the last token of the longest match.
    fn match_from(
        &self,
        text: &str,
        toks: &[Tok],
        elems: &[Elem],
        k: usize,
        ti: usize,
        prev: Option<usize>,
    ) -> Option<usize> {
        if k == elems.len() {
            return prev;
        }
        let joins = |t: usize| prev.is_none_or(|p| name_gap(text, &toks[p], &toks[t]));
        match &elems[k] {
            Elem::Part(alts) => {
                let mut best = None;
                for alt in alts.iter() {
                    let mut t = ti;
                    let mut ok = t < toks.len() && joins(t);
                    for (n, word) in alt.iter().enumerate() {
                        if !ok || t >= toks.len() || toks[t].fold != *word {
                            ok = false;
                            break;
                        }
                        if n > 0 && !name_gap(text, &toks[t - 1], &toks[t]) {
                            ok = false;
                            break;
                        }
                        t += 1;
                    }
                    if ok {
                        best = best.max(self.match_from(text, toks, elems, k + 1, t, Some(t - 1)));
                    }
                }
                best
            }
            Elem::Initial(c) => {
                if ti < toks.len() && toks[ti].upper_initial && toks[ti].fold == *c && joins(ti) {
                    self.match_from(text, toks, elems, k + 1, ti + 1, Some(ti))
                } else {
                    None
                }
            }
            Elem::AnyInitial => {
                let with = if ti < toks.len() && toks[ti].upper_initial && joins(ti) {
                    self.match_from(text, toks, elems, k + 1, ti + 1, Some(ti))
                } else {
                    None
                };
                with.max(self.match_from(text, toks, elems, k + 1, ti, prev))
            }
            Elem::Skip(n) => {
                let mut best = self.match_from(text, toks, elems, k + 1, ti, prev);
                let mut p = prev;
                for s in 0..*n as usize {
                    let t = ti + s;
                    let word = t < toks.len()
                        && p.is_some_and(|p| name_gap(text, &toks[p], &toks[t]))
                        && toks[t].fold.chars().all(char::is_alphabetic);
                    if !word {
                        break;
                    }
                    p = Some(t);
                    best = best.max(self.match_from(text, toks, elems, k + 1, t + 1, p));
                }
                best
            }
        }
    }
}

/// Where a match ending in `last` ends: after the period of an initial or an
/// abbreviation ("Q.", "Inc."), unless that period ends the sentence.
fn abbreviation_end(text: &str, last: &Tok) -> usize {
    const ABBREVIATIONS: [&str; 16] = [
        "inc", "co", "corp", "ltd", "jr", "sr", "st", "ave", "rd", "blvd", "dr", "ln", "ct", "apt",
        "ste", "no",
    ];
    let rest = &text[last.end..];
    let abbreviated = last.fold.chars().count() == 1 || ABBREVIATIONS.contains(&last.fold.as_ref());
    let Some(after) = rest.strip_prefix('.') else {
        return last.end;
    };
    let sentence_ends = after
        .trim_start()
        .chars()
        .next()
        .is_none_or(char::is_uppercase);
    if abbreviated && !sentence_ends {
        last.end + 1
    } else {
        last.end
    }
}

/// Folded tokens of a word as written, and joined without its apostrophes and hyphens:
/// "O'Brien" → "o brien" or "obrien".
fn spellings(word: &str) -> Vec<Vec<String>> {
    let split: Vec<String> = word
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
        .collect();
    if split.len() > 1 {
        let joined = split.concat();
        vec![split, vec![joined]]
    } else {
        vec![split]
    }
}

fn part(word: &str) -> Elem {
    Elem::Part(Arc::new(spellings(word)))
}

/// A word alone may be matched lower-case only when it is distinctive.
fn needs_case(word: &str) -> bool {
    let f = fold(word);
    let bare: String = f.chars().filter(|c| c.is_alphanumeric()).collect();
    bare.chars().count() < 4 || names::is_common(&bare)
}

impl DeclaredMatcher {
    fn name(&mut self, raw: &str) {
        let (words, org) = parse_name(raw);
        if words.is_empty() {
            return;
        }
        let kind = Kind::Cat(Category::Name);
        // Each word's spellings, computed once and shared by the variants.
        let parts: Vec<Elem> = words.iter().map(|w| part(w)).collect();
        self.add(parts.clone(), kind, false);
        if org {
            let core: Vec<&String> = words
                .iter()
                .filter(|w| !bare_in(w, &ORG_SUFFIXES))
                .collect();
            if !core.is_empty() && core.len() < words.len() {
                self.add(core.iter().map(|w| part(w)).collect(), kind, false);
            }
            for w in core {
                let l = bare_lower(w);
                if l.chars().count() >= 4
                    && !names::is_common(&l)
                    && !ORG_WORDS.contains(&l.as_str())
                {
                    self.add(vec![part(w)], kind, false);
                }
            }
            return;
        }
        let (first, last) = (&words[0], &words[words.len() - 1]);
        if words.len() >= 2 {
            let fi = Elem::Initial(fold(&initial_of(first)));
            let li = Elem::Initial(fold(&initial_of(last)));
            let (pf, pl) = (&parts[0], &parts[parts.len() - 1]);
            // John [middle names] Doe · Doe, John [Q.] · J. [Q.] Doe · Doe, J. · John D.
            self.add(vec![pf.clone(), Elem::Skip(2), pl.clone()], kind, false);
            self.add(vec![pl.clone(), pf.clone(), Elem::AnyInitial], kind, false);
            self.add(vec![fi.clone(), Elem::AnyInitial, pl.clone()], kind, false);
            self.add(vec![pl.clone(), fi], kind, false);
            self.add(vec![pf.clone(), li], kind, false);
        }
        // Each name alone: "Doe", "Mr. Doe", "Doe's", "John"; the parts of
        // "Mary-Jane" and "Garcia-Lopez" too.
        for (w, p) in words.iter().zip(&parts) {
            if is_initial(w) {
                continue;
            }
            self.add(vec![p.clone()], kind, needs_case(w));
            let pieces: Vec<&str> = w
                .split(['-', '‐', '–'])
                .filter(|p| p.chars().count() >= 2)
                .collect();
            if pieces.len() > 1 {
                for p in pieces {
                    self.add(vec![part(p)], kind, needs_case(p));
                }
            }
        }
    }

    /// A number, with any separators (or none) between its groups.
    fn number(&mut self, raw: &str, category: Option<Category>) {
        let s = raw.trim();
        let cat = category.unwrap_or_else(|| number_category(s));
        if cat == Category::Email || cat == Category::Url {
            if !s.is_empty() {
                self.literals.push((s.to_string(), cat));
            }
            return;
        }
        let key: String = fold(s).chars().filter(|c| c.is_alphanumeric()).collect();
        if !key.is_empty() {
            self.numbers.push((key, cat));
        }
    }

    fn address(&mut self, raw: &str) {
        static ZIP: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"^(\d{5})(?:-(\d{4}))?$").expect("zip"));
        static STATE_ZIP: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"^(.+?)\.?\s+(\d{5}(?:-\d{4})?)$").expect("state zip"));
        let address = Kind::Cat(Category::Address);
        for p in raw
            .split([',', '\n', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            if detect::is_state(p)
                || ["usa", "us", "u s a", "united states"].contains(&word_key(p).as_str())
            {
                continue;
            }
            let zip = match STATE_ZIP.captures(p) {
                Some(c) if detect::is_state(&c[1]) => Some(c[2].to_string()),
                _ => ZIP.is_match(p).then(|| p.to_string()),
            };
            if let Some(z) = zip {
                let c = ZIP.captures(&z).expect("zip shape");
                // The five digits alone, or with the four ("93721-1234", "937211234").
                self.add(
                    vec![Elem::Part(Arc::new(vec![vec![c[1].to_string()]]))],
                    Kind::Zip,
                    false,
                );
                if let Some(four) = c.get(2) {
                    self.numbers
                        .push((format!("{}{}", &c[1], four.as_str()), Category::Geographic));
                }
                continue;
            }
            let words: Vec<&str> = p.split_whitespace().collect();
            let key = word_key(p);
            if key.starts_with("po box")
                || key.starts_with("p o box")
                || key.starts_with("post office box")
            {
                let n = words.last().expect("non-empty").trim_start_matches('#');
                let boxes = vec![
                    vec!["po".into()],
                    vec!["p".into(), "o".into()],
                    vec!["post".into(), "office".into()],
                ];
                self.add(
                    vec![Elem::Part(Arc::new(boxes)), part("box"), part(n)],
                    address,
                    false,
                );
                continue;
            }
            let numbered = p.starts_with(|c: char| c.is_ascii_digit());
            let unit = bare_in(words[0], &UNIT_WORDS) || p.starts_with('#');
            if numbered || unit {
                let elems: Vec<Elem> = words
                    .iter()
                    .map(|w| street_word(w))
                    .filter(|e| !matches!(e, Elem::Part(a) if a[0].is_empty()))
                    .collect();
                if p.starts_with('#') {
                    let mut e = vec![Elem::Part(Arc::new(
                        UNIT_WORDS.iter().map(|u| vec![u.to_string()]).collect(),
                    ))];
                    e.extend(elems.clone());
                    self.add(e, address, false);
                }
                self.add(elems.clone(), address, false);
                if numbered && elems.len() >= 3 {
                    // "Elm Street" without its number (and "Oak Avenue" without "West");
                    // "1234 Elm" without its suffix.
                    self.add(elems[1..].to_vec(), address, false);
                    if elems.len() >= 4 && bare_in(words[1], &DIRECTIONS) {
                        self.add(elems[2..].to_vec(), address, false);
                        self.add(elems[..3].to_vec(), address, false);
                    } else {
                        self.add(elems[..2].to_vec(), address, false);
                    }
                }
                continue;
            }
            if p.chars()
                .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '.' || c == '\'')
            {
                // A city or county.
                let geo = Kind::Cat(Category::Geographic);
                let cased = words.len() == 1 && needs_case(words[0]);
                self.add(words.iter().map(|w| part(w)).collect(), geo, cased);
                if words.len() > 1 && bare_lower(words[words.len() - 1]) == "county" {
                    self.add(
                        words[..words.len() - 1].iter().map(|w| part(w)).collect(),
                        geo,
                        false,
                    );
                }
                continue;
            }
            self.add(words.iter().map(|w| part(w)).collect(), address, false);
        }
    }

    fn other(&mut self, raw: &str) {
        let s = raw.trim();
        let digits = s.chars().filter(char::is_ascii_digit).count();
        if s.contains('@') {
            self.number(s, Some(Category::Email));
        } else if s.contains("://") || s.to_ascii_lowercase().starts_with("www.") {
            self.number(s, Some(Category::Url));
        } else if digits >= 4 {
            self.number(s, None);
        } else {
            let words: Vec<&str> = s.split_whitespace().collect();
            let cased = words.len() == 1 && needs_case(words[0]);
            self.add(
                words.iter().map(|w| part(w)).collect(),
                Kind::Cat(Category::Name),
                cased,
            );
        }
    }
}

const UNIT_WORDS: [&str; 12] = [
    "apt",
    "apartment",
    "suite",
    "ste",
    "unit",
    "room",
    "rm",
    "floor",
    "fl",
    "bldg",
    "building",
    "no",
];
const DIRECTIONS: [&str; 12] = [
    "n", "s", "e", "w", "north", "south", "east", "west", "ne", "nw", "se", "sw",
];

/// Street-word abbreviations, both ways.
const STREET_WORDS: [&[&str]; 28] = [
    &["street", "st"],
    &["avenue", "ave", "av"],
    &["road", "rd"],
    &["boulevard", "blvd"],
    &["drive", "dr"],
    &["lane", "ln"],
    &["court", "ct"],
    &["place", "pl"],
    &["circle", "cir"],
    &["parkway", "pkwy"],
    &["highway", "hwy"],
    &["terrace", "ter"],
    &["trail", "trl"],
    &["square", "sq"],
    &["north", "n"],
    &["south", "s"],
    &["east", "e"],
    &["west", "w"],
    &["apartment", "apt", "unit", "no"],
    &["suite", "ste"],
    &["building", "bldg"],
    &["floor", "fl"],
    &["room", "rm"],
    &["mount", "mt"],
    &["fort", "ft"],
    &["saint", "st"],
    &["expressway", "expy"],
    &["number", "no"],
];

/// Spellings of a word, shared by the variants that hold it.
type Spellings = Arc<Vec<Vec<String>>>;

fn street_word(w: &str) -> Elem {
    // The spellings of each street word, built once and shared.
    static PARTS: LazyLock<Vec<(&'static str, Spellings)>> = LazyLock::new(|| {
        let mut words: Vec<&str> = STREET_WORDS
            .iter()
            .flat_map(|g| g.iter().copied())
            .collect();
        words.sort_unstable();
        words.dedup();
        words
            .into_iter()
            .map(|l| {
                let mut alts: Vec<Vec<String>> = Vec::new();
                for group in STREET_WORDS {
                    if group.contains(&l) {
                        alts.extend(group.iter().map(|g| vec![g.to_string()]));
                    }
                }
                alts.sort();
                alts.dedup();
                (l, Arc::new(alts))
            })
            .collect()
    });
    let t = w.trim_matches(|c: char| !c.is_alphanumeric());
    let found = if t.is_ascii() {
        PARTS.iter().find(|(l, _)| l.eq_ignore_ascii_case(t))
    } else {
        let l = t.to_lowercase();
        PARTS.iter().find(|(x, _)| *x == l)
    };
    match found {
        Some((_, alts)) => Elem::Part(Arc::clone(alts)),
        None => part(w.trim_start_matches('#')),
    }
}

const TITLES: [&str; 11] = [
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "doctor",
    "professor",
    "sir",
    "dame",
];
const SUFFIXES: [&str; 26] = [
    "jr", "sr", "ii", "iii", "iv", "md", "m.d", "do", "d.o", "phd", "ph.d", "dc", "d.c", "rn",
    "np", "pa", "pa-c", "esq", "mba", "mph", "dds", "dpm", "psyd", "lcsw", "mft", "facs",
];
const ORG_WORDS: [&str; 34] = [
    "inc",
    "llc",
    "l.l.c",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "llp",
    "lp",
    "group",
    "hospital",
    "clinic",
    "center",
    "centre",
    "services",
    "associates",
    "partners",
    "foundation",
    "university",
    "insurance",
    "bank",
    "medical",
    "health",
    "systems",
    "industries",
    "enterprises",
    "international",
    "holdings",
    "district",
    "county",
    "city",
    "school",
    "department",
];
/// Words an organisation name may drop ("Acme Warehousing Inc." → "Acme Warehousing").
const ORG_SUFFIXES: [&str; 11] = [
    "inc",
    "llc",
    "l.l.c",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "llp",
    "lp",
    "the",
];

fn bare_lower(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

/// `list.contains(&bare_lower(w).as_str())` for a list of lower-case words, without the
/// allocation when `w` is ASCII.
fn bare_in(w: &str, list: &[&str]) -> bool {
    let t = w.trim_matches(|c: char| !c.is_alphanumeric());
    if t.is_ascii() {
        list.iter().any(|x| x.eq_ignore_ascii_case(t))
    } else {
        list.contains(&t.to_lowercase().as_str())
    }
}

/// A declared name as tokens, titles and degrees dropped, "Doe, John" turned round.
/// Returns the tokens and whether it is an organisation.
pub(super) fn parse_name(raw: &str) -> (Vec<String>, bool) {
    let parts: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .filter(|p| !p.split_whitespace().all(|w| bare_in(w, &SUFFIXES)))
        .collect();
    let all: Vec<&str> = parts.iter().flat_map(|p| p.split_whitespace()).collect();
    let org = all.len() > 4 || all.iter().any(|w| bare_in(w, &ORG_WORDS)) || raw.contains('&');
    let mut toks = if !org && parts.len() == 2 {
        parts[1]
            .split_whitespace()
            .chain(parts[0].split_whitespace())
            .collect()
    } else {
        all
    };
    if !org {
        while toks.len() > 1 && bare_in(toks[0], &TITLES) {
            toks.remove(0);
        }
        while toks.len() > 1 && bare_in(toks.last().expect("non-empty"), &SUFFIXES) {
            toks.pop();
        }
    }
    let toks = toks
        .into_iter()
        .map(|t| t.trim_matches(|c: char| c == ',' || c == ';' || c == '"'))
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .map(str::to_string)
        .collect();
    (toks, org)
}

fn is_initial(w: &str) -> bool {
    w.chars().filter(|c| c.is_alphabetic()).count() == 1
}

fn initial_of(w: &str) -> String {
    w.chars()
        .find(|c| c.is_alphabetic())
        .map(|c| c.to_string())
        .unwrap_or_default()
}

/// The category a declared number's shape implies.
fn number_category(raw: &str) -> Category {
    static SSN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\d{3}[ \-]?\d{2}[ \-]?\d{4}$").expect("ssn"));
    static PHONE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(?:\+?1[ .\-]?)?\(?\d{3}\)?[ .\-]?\d{3}[ .\-]?\d{4}$").expect("phone")
    });
    let s = raw.trim();
    if s.contains('@') {
        Category::Email
    } else if SSN.is_match(s) {
        Category::Ssn
    } else if PHONE.is_match(s) {
        Category::Phone
    } else if detect::vin_valid(s) {
        Category::VehicleId
    } else {
        Category::OtherNumber
    }
}

/// A declared number's category from the words before it ("MRN ...", "fax ...").
fn refine(text: &str, start: usize, cat: Category) -> Category {
    static KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(medical\s+record|mrn|chart|claim|policy|account|acct|member|subscriber|beneficiary|health\s+plan|group|licen[cs]e|certificate|dea|npi|serial|device|implant|vin|vehicle|plate)\W*(?:(?:number|num|no|id|#)\W*)?$")
            .expect("keyword pattern")
    });
    match cat {
        Category::OtherNumber => {
            let mut from = start.saturating_sub(40);
            while !text.is_char_boundary(from) {
                from -= 1;
            }
            KEYWORD
                .captures(&text[from..start])
                .map_or(cat, |c| detect::context_category(&c[1]))
        }
        Category::Phone => detect::phone_category(text, start),
        _ => cat,
    }
}

/// What the leak gate looks for, per declared identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// Lower-case alphanumeric words separated by single spaces ("john q doe").
    Words,
    /// Lower-case alphanumerics with every separator removed ("abc1234567").
    Alnum,
}

/// Lower-case words separated by single spaces: the form the gate compares.
pub(super) fn word_key(s: &str) -> String {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn alnum_key(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The gate's keys for one determination. Single everyday words are left out (the gate
/// scans every page of the archive case-folded: "brown" or "mark" would stop every
/// build); the redactor still removes them from this determination's own pages.
pub(super) fn gate_keys(d: &Declared) -> Vec<(String, Category, KeyKind)> {
    let mut keys = Vec::new();
    let words = |s: &str, cat: Category, keys: &mut Vec<(String, Category, KeyKind)>| {
        let k = word_key(s);
        if k.contains(' ')
            || k.chars().count() >= 5
                && !names::is_common(&k)
                && !names::is_first(&k)
                && !names::is_last(&k)
        {
            keys.push((k, cat, KeyKind::Words));
        }
    };
    for n in &d.names {
        let (toks, org) = parse_name(n);
        if toks.is_empty() {
            continue;
        }
        words(&toks.join(" "), Category::Name, &mut keys);
        if !org && toks.len() >= 2 {
            let (f, l) = (&toks[0], &toks[toks.len() - 1]);
            words(&format!("{f} {l}"), Category::Name, &mut keys);
            words(&format!("{l} {f}"), Category::Name, &mut keys);
            // A rare surname alone identifies.
            words(l, Category::Name, &mut keys);
        }
        if org {
            let core: Vec<&str> = toks
                .iter()
                .map(String::as_str)
                .filter(|w| !bare_in(w, &ORG_SUFFIXES))
                .collect();
            words(&core.join(" "), Category::Name, &mut keys);
        }
    }
    for n in d.numbers.iter().chain(
        d.other
            .iter()
            .filter(|o| o.chars().filter(char::is_ascii_digit).count() >= 4),
    ) {
        let k = alnum_key(n);
        if k.chars().count() >= 5 {
            keys.push((k, number_category(n), KeyKind::Alnum));
        }
    }
    for o in d
        .other
        .iter()
        .filter(|o| o.chars().filter(char::is_ascii_digit).count() < 4)
    {
        words(o, Category::Name, &mut keys);
    }
    for a in &d.addresses {
        for part in a.split([',', '\n', ';']).map(str::trim) {
            if part.starts_with(|c: char| c.is_ascii_digit())
                && part.split_whitespace().count() >= 2
            {
                let k = word_key(part);
                // "1234 Elm Street" and "1234 Elm St": the number and the street name.
                let stem: Vec<&str> = k.split(' ').take(2).collect();
                keys.push((stem.join(" "), Category::Address, KeyKind::Words));
            }
        }
    }
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    keys.dedup_by(|a, b| a.0 == b.0);
    keys
}
