//! The one tokenizer and the query grammar, shared by the indexer and (re-implemented
//! line for line) by `themes/default/static/search.js`.
//!
//! The rules are deliberately small so that two implementations can agree exactly
//! (`tests/search/tokenize_vectors.json` is checked against both):
//! 1. each character is lowercased on its own (`char::to_lowercase`, JS `toLowerCase` on
//!    one code point: per character so that neither side applies context rules such as
//!    the final sigma), then folded through [`FOLD`] (accents, ligatures, `ß`) and
//!    combining marks U+0300–U+036F are dropped. We carry our own table instead of NFD
//!    because the crate has no Unicode normalisation dependency and JS's `normalize`
//!    would follow the browser's Unicode version, not ours;
//! 2. a token is a run of alphanumeric characters (Unicode `Alphabetic` or `N*`);
//! 3. joiners keep clinically meaningful forms whole: a `.` between two ASCII digits
//!    (`7.5`), a hyphen touching a digit on either side (`L4-5`, `L5-S1`, `covid-19`, dates
//!    like `10-13-16`), an apostrophe between letters is dropped (`don't` → `dont`), and
//!    a possessive `'s` is removed (`worker's` → `worker`);
//! 4. tokens longer than [`MAX_TOKEN_CHARS`] characters are truncated.
//!
//! Everything else (`/`, `,`, `%`, `#`, spaces, en dashes between letters…) separates.

use std::sync::OnceLock;

/// Longest token kept, in characters; longer runs are cut (same in JS).
pub const MAX_TOKEN_CHARS: usize = 40;

/// Folding table: space-separated entries, first character → the rest. Lowercase
/// sources only (folding runs after lowercasing). The JS client carries the very same
/// string; a test compares them.
pub const FOLD: &str = "àa áa âa ãa äa åa æae çc èe ée êe ëe ìi íi îi ïi ðd ñn òo óo ôo õo öo øo ùu úu ûu üu ýy þth ÿy ßss āa ăa ąa ćc ĉc ċc čc ďd đd ēe ĕe ėe ęe ěe ĝg ğg ġg ģg ĥh ħh ĩi īi ĭi įi ıi ĳij ĵj ķk ĸk ĺl ļl ľl ŀl łl ńn ņn ňn ŉn ŋn ōo ŏo őo œoe ŕr ŗr řr śs ŝs şs šs ţt ťt ŧt ũu ūu ŭu ůu űu ųu ŵw ŷy źz żz žz ſs ǎa ǐi ǒo ǔu șs țt ﬀff ﬁfi ﬂfl ﬃffi ﬄffl";

/// Words never indexed on their own and dropped from unquoted queries: they occur in
/// almost every determination, so they would cost a full postings list and add nothing
/// to BM25. Inside quoted phrases they still count (phrases use word pairs).
pub const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "of", "on",
    "or", "the", "to", "was", "were", "with",
];

fn fold_table() -> &'static Vec<(char, &'static str)> {
    static TABLE: OnceLock<Vec<(char, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<(char, &'static str)> = FOLD
            .split(' ')
            .filter_map(|e| {
                let c = e.chars().next()?;
                Some((c, &e[c.len_utf8()..]))
            })
            .collect();
        t.sort_unstable_by_key(|&(c, _)| c);
        t
    })
}

/// Appends the lowercased, folded form of `c` to `out`.
fn push_folded(c: char, out: &mut Vec<char>) {
    if c.is_ascii() {
        // Nearly all text: no table, no combining marks.
        out.push(c.to_ascii_lowercase());
        return;
    }
    let table = fold_table();
    for l in c.to_lowercase() {
        if ('\u{300}'..='\u{36f}').contains(&l) {
            continue;
        }
        match table.binary_search_by_key(&l, |&(k, _)| k) {
            Ok(i) => out.extend(table[i].1.chars()),
            Err(_) => out.push(l),
        }
    }
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2013}')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02bc}')
}

/// A character of folded text: bytes for ASCII text (the common case, scanned without
/// decoding), `char` otherwise. Both give the same answers on ASCII.
trait Ch: Copy {
    fn alnum(self) -> bool;
    fn alpha(self) -> bool;
    fn digit(self) -> bool;
    fn hyphen(self) -> bool;
    fn apostrophe(self) -> bool;
    fn is(self, c: char) -> bool;
    fn push(self, s: &mut String);
}

impl Ch for u8 {
    fn alnum(self) -> bool {
        self.is_ascii_alphanumeric()
    }
    fn alpha(self) -> bool {
        self.is_ascii_alphabetic()
    }
    fn digit(self) -> bool {
        self.is_ascii_digit()
    }
    fn hyphen(self) -> bool {
        self == b'-'
    }
    fn apostrophe(self) -> bool {
        self == b'\''
    }
    fn is(self, c: char) -> bool {
        u32::from(self) == c as u32
    }
    fn push(self, s: &mut String) {
        s.push(char::from(self));
    }
}

impl Ch for char {
    fn alnum(self) -> bool {
        self.is_alphanumeric()
    }
    fn alpha(self) -> bool {
        self.is_alphabetic()
    }
    fn digit(self) -> bool {
        self.is_ascii_digit()
    }
    fn hyphen(self) -> bool {
        is_hyphen(self)
    }
    fn apostrophe(self) -> bool {
        is_apostrophe(self)
    }
    fn is(self, c: char) -> bool {
        self == c
    }
    fn push(self, s: &mut String) {
        s.push(self);
    }
}

/// Calls `f` with every token of `text`, in order, reusing one buffer: the indexer
/// tokenises hundreds of millions of words at 1M documents, so no allocation per token.
pub fn for_each_token(text: &str, mut f: impl FnMut(&str)) {
    if text.is_ascii() {
        let s: Vec<u8> = text.bytes().map(|b| b.to_ascii_lowercase()).collect();
        scan(&s, &mut f);
    } else {
        let mut s: Vec<char> = Vec::with_capacity(text.len());
        for c in text.chars() {
            push_folded(c, &mut s);
        }
        scan(&s, &mut f);
    }
}

fn scan<C: Ch>(s: &[C], f: &mut impl FnMut(&str)) {
    let mut cur = String::new();
    let mut len = 0usize;
    let mut emit = |cur: &mut String, len: &mut usize| {
        if !cur.is_empty() {
            f(cur);
            cur.clear();
            *len = 0;
        }
    };
    let n = s.len();
    let mut i = 0;
    while i < n {
        let c = s[i];
        if c.alnum() {
            if len < MAX_TOKEN_CHARS {
                c.push(&mut cur);
            }
            len += 1;
            i += 1;
            continue;
        }
        if !cur.is_empty() && i + 1 < n {
            // cur is non-empty, so s[i - 1] was alphanumeric (joiners are only taken
            // when an alphanumeric follows them).
            let p = s[i - 1];
            let nx = s[i + 1];
            let joiner = if c.is('.') && p.digit() && nx.digit() {
                Some('.')
            } else if c.hyphen() && nx.alnum() && (p.digit() || nx.digit()) {
                Some('-')
            } else {
                None
            };
            if let Some(j) = joiner {
                if len < MAX_TOKEN_CHARS {
                    cur.push(j);
                }
                len += 1;
                i += 1;
                continue;
            }
            if c.apostrophe() && p.alpha() && nx.alpha() {
                if nx.is('s') && (i + 2 >= n || !s[i + 2].alnum()) {
                    // possessive: "worker's" → "worker"
                    i += 2;
                    emit(&mut cur, &mut len);
                    continue;
                }
                i += 1;
                continue;
            }
        }
        emit(&mut cur, &mut len);
        i += 1;
    }
    emit(&mut cur, &mut len);
}

/// The tokens of `text`, as the index and the JS client see them.
pub fn tokenize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_token(text, |t| out.push(t.to_string()));
    out
}

pub fn is_stopword(t: &str) -> bool {
    STOPWORDS.binary_search(&t).is_ok()
}

/// A parsed query: every word and every phrase must match (AND).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// Whole words (stopwords removed, first occurrence kept).
    pub words: Vec<String>,
    /// Quoted phrases of two or more tokens; matched as word pairs in titles and requests.
    pub phrases: Vec<Vec<String>>,
    /// The last word, still being typed: matched as a prefix.
    pub prefix: Option<String>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty() && self.prefix.is_none()
    }
}

/// The key under which the pair `a b` of adjacent title/request tokens is indexed.
/// Tokens never contain a space, so pair keys cannot collide with words.
pub fn pair_key(a: &str, b: &str) -> String {
    format!("{a} {b}")
}

/// Parses the search box: `"..."` quotes a phrase (an unclosed quote runs to the end,
/// since people type the closing quote last), other words are ANDed, and the last word
/// is a prefix when the text ends inside it and it has two characters or more (a one
/// letter prefix would expand to half the vocabulary).
pub fn parse_query(q: &str) -> Query {
    let mut out = Query::default();
    let segs: Vec<&str> = q.split('"').collect();
    let mut last_outside: Vec<String> = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        let toks = tokenize(seg);
        if i % 2 == 1 {
            if toks.len() >= 2 {
                if !out.phrases.contains(&toks) {
                    out.phrases.push(toks);
                }
            } else if let Some(t) = toks.into_iter().next() {
                push_word(&mut out.words, t);
            }
        } else {
            if i == segs.len() - 1 {
                last_outside = toks;
                continue;
            }
            for t in toks {
                push_word(&mut out.words, t);
            }
        }
    }
    let ends_in_word =
        segs.len() % 2 == 1 && q.chars().next_back().is_some_and(char::is_alphanumeric);
    let mut prefix = None;
    if ends_in_word && last_outside.last().is_some_and(|t| t.chars().count() >= 2) {
        prefix = last_outside.pop();
    }
    for t in last_outside {
        push_word(&mut out.words, t);
    }
    // A prefix already present as a whole word adds nothing (and would double-count).
    out.prefix = prefix.filter(|p| !out.words.contains(p));
    out
}

fn push_word(words: &mut Vec<String>, t: String) {
    if !is_stopword(&t) && !words.contains(&t) {
        words.push(t);
    }
}
