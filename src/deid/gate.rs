//! The leak gate: after a build, every output file is scanned for every declared
//! identifier of the whole archive and for the high-precision patterns (SSN, email,
//! phone). Keys are looked up by hashing the word n-grams of the normalised file, one
//! pass, so the cost does not grow with the archive (a regex alternation of millions
//! of literals takes seconds and hundreds of megabytes to compile). Keys are stored as
//! 64-bit FNV-1a hashes only: a few bytes each, and no identifier text in memory dumps.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::declared::{self, KeyKind};
use super::normalize::normalize_to_bytes;
use super::{Category, Declared, detect, mask, normalize_for_scan};

/// One identifier found in an output file. Never holds the identifier itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Leak {
    /// The determination whose declared identifier this is; `None` for a pattern hit.
    pub case_number: Option<String>,
    pub category: Category,
    /// A masked form, safe to print (`J*** D**`).
    pub masked: String,
}

#[derive(Clone, Copy)]
struct Owner {
    case: u32,
    category: Category,
}

/// Size of the pieces a large file is scanned in, and how far each is read past its end.
pub const PIECE: usize = 1 << 20;
pub const OVERLAP: usize = 16 << 10;

/// The first position at or after `at` where a piece may end: an ASCII byte that is
/// neither a letter nor a digit (never inside a word or a UTF-8 sequence), or the end.
pub fn piece_end(b: &[u8], at: usize) -> usize {
    if at >= b.len() {
        return b.len();
    }
    b[at..]
        .iter()
        .position(|c| c.is_ascii() && !c.is_ascii_alphanumeric())
        .map_or(b.len(), |k| at + k)
}

/// Words longer than this many tokens are not keys (a long declared address line is
/// matched by its stem).
const MAX_WORDS: usize = 8;
/// Numbers are matched across at most this many separated groups ("abc 123 4567").
const MAX_GROUPS: usize = 8;

/// The keys are already hashes: use them as they are.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Ids = BuildHasherDefault<Identity>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, fed incrementally so "john", "john doe", "john doe jr" hash in one pass.
fn feed(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn hash(s: &str) -> u64 {
    feed(FNV_OFFSET, s.as_bytes())
}

/// A bit set over (first eight bytes, length) of strings: a quick "certainly not" before a
/// string is hashed and looked up. About one bit in sixteen is set.
struct Prefilter {
    bits: Vec<u64>,
    shift: u32,
}

impl Prefilter {
    fn new(n: usize) -> Prefilter {
        let bits = (n * 16).next_power_of_two().max(1 << 12);
        Prefilter {
            bits: vec![0; bits / 64],
            shift: 64 - bits.trailing_zeros(),
        }
    }

    fn slot(&self, prefix: u64, len: usize) -> usize {
        let h = (prefix ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .wrapping_mul(0xd6e8_feb8_6659_fd93);
        (h >> self.shift) as usize
    }

    fn insert(&mut self, s: &[u8]) {
        let k = self.slot(prefix(s), s.len());
        self.bits[k / 64] |= 1 << (k % 64);
    }

    fn may_hold(&self, prefix: u64, len: usize) -> bool {
        let k = self.slot(prefix, len);
        self.bits[k / 64] & (1 << (k % 64)) != 0
    }
}

/// The first two bytes of strings (one bit each of 65,536).
struct StartSet(Vec<u64>);

impl Default for StartSet {
    fn default() -> StartSet {
        StartSet(vec![0; 1 << 10])
    }
}

impl StartSet {
    fn insert(&mut self, prefix: u64) {
        let k = (prefix & 0xffff) as usize;
        self.0[k / 64] |= 1 << (k % 64);
    }

    fn may_start(&self, prefix: u64) -> bool {
        let k = (prefix & 0xffff) as usize;
        self.0[k / 64] & (1 << (k % 64)) != 0
    }
}

/// The first eight bytes of `s` (fewer, zero-padded, if it is shorter), little-endian.
fn prefix(s: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s[..n]);
    u64::from_le_bytes(b)
}

pub struct LeakGate {
    cases: Vec<String>,
    /// Hash of a key → its first owner; other owners of the same key in `shared`.
    keys: HashMap<u64, (Owner, KeyKind), Ids>,
    shared: HashMap<u64, Vec<Owner>, Ids>,
    /// Hash of the first word of every words-key → the most words of a key that starts
    /// with it: most tokens stop after one lookup, the others after a few.
    first_words: HashMap<u64, u8, Ids>,
    /// The same first words as (prefix, length) bits: most tokens are not even hashed.
    first_word_filter: Prefilter,
    /// Number keys as (prefix, length) bits.
    alnum_filter: Prefilter,
    /// The first two bytes of number keys.
    alnum_start: StartSet,
    /// `alnum_length[n]`: some number key is `n` bytes long.
    alnum_length: Vec<bool>,
    allowed: Vec<String>,
}

impl std::fmt::Debug for LeakGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeakGate")
            .field("determinations", &self.cases.len())
            .field("keys", &self.keys.len())
            .finish()
    }
}

/// A token of the folded text: a byte range of the normalised text, or (`SIDE` set in
/// `start`) of the side buffer that holds the folded form of words with non-ASCII
/// letters; with its first eight bytes (see [`prefix`]).
#[derive(Clone, Copy)]
struct Tok {
    start: u32,
    end: u32,
    prefix: u64,
}

impl Tok {
    fn len(self) -> usize {
        (self.end - (self.start & !SIDE)) as usize
    }
}

const SIDE: u32 = 1 << 31;

/// A byte range of the normalised text where the pattern detectors could match: a token
/// holding a digit, or an `@`. `forced` when no cheaper test rules the patterns out (an
/// `@`, a non-ASCII digit).
#[derive(Clone, Copy)]
struct Seed {
    start: u32,
    end: u32,
    forced: bool,
}

// ---- bytes eight at a time ---------------------------------------------------------------

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `y` (bytes below 0x80) that lies in `lo..=hi`.
fn in_range(y: u64, lo: u8, hi: u8) -> u64 {
    let at_least_lo = y + ONES * u64::from(0x80 - lo);
    let above_hi = y + ONES * u64::from(0x7f - hi);
    at_least_lo & !above_hi & HIGH
}

/// The high bits of the bytes of `x`, as the eight low bits (byte `k` → bit `k`).
fn byte_mask(x: u64) -> u64 {
    ((x & HIGH) >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Bit sets over the bytes of the normalised text: letters, digits or non-ASCII (word
/// bytes), ASCII digits, non-ASCII.
struct ByteSets {
    word: Vec<u64>,
    digit: Vec<u64>,
    wide: Vec<u64>,
}

impl ByteSets {
    fn new(b: &[u8]) -> ByteSets {
        let n = b.len().div_ceil(64);
        let mut sets = ByteSets {
            word: Vec::with_capacity(n),
            digit: Vec::with_capacity(n),
            wide: Vec::with_capacity(n),
        };
        let mut blocks = b.chunks_exact(64);
        for block in &mut blocks {
            sets.push(block.try_into().expect("64 bytes"));
        }
        if !blocks.remainder().is_empty() {
            let mut last = [0u8; 64];
            last[..blocks.remainder().len()].copy_from_slice(blocks.remainder());
            sets.push(&last);
        }
        sets
    }

    /// Bits of 64 bytes (zero bytes, separators, pad the last block).
    fn push(&mut self, block: &[u8; 64]) {
        let (mut word, mut digit, mut wide) = (0, 0, 0);
        for (k, eight) in block.chunks_exact(8).enumerate() {
            let x = u64::from_le_bytes(eight.try_into().expect("eight bytes"));
            let high = x & HIGH;
            let y = x & !HIGH;
            let d = in_range(y, b'0', b'9') & !high;
            let letter = (in_range(y, b'a', b'z') | in_range(y, b'A', b'Z')) & !high;
            word |= byte_mask(d | letter | high) << (8 * k);
            digit |= byte_mask(d) << (8 * k);
            wide |= byte_mask(high) << (8 * k);
        }
        self.word.push(word);
        self.digit.push(digit);
        self.wide.push(wide);
    }
}

/// True when a bit of `start..end` is set.
#[inline]
fn any_set(words: &[u64], start: usize, end: usize) -> bool {
    if start >= end {
        return false;
    }
    let (first, last) = (start / 64, (end - 1) / 64);
    let low = !0u64 << (start % 64);
    let high = !0u64 >> (63 - (end - 1) % 64);
    if first == last {
        return words[first] & low & high != 0;
    }
    words[first] & low != 0
        || words[first + 1..last].iter().any(|&w| w != 0)
        || words[last] & high != 0
}

/// The normalised text cut into tokens the way `fold(text).split(non-alphanumeric)` cuts
/// it, and the seeds of the pattern detectors.
struct Tokens<'a> {
    norm: &'a [u8],
    side: String,
    /// The last non-ASCII character folded: its folded characters (alphanumeric or
    /// not), whether it is numeric.
    folded: (char, Vec<(char, bool)>, bool),
    toks: Vec<Tok>,
    seeds: Vec<Seed>,
}

impl<'a> Tokens<'a> {
    fn new(norm: &'a [u8]) -> Tokens<'a> {
        assert!(
            norm.len() < SIDE as usize,
            "scanned in pieces far smaller than 2 GiB"
        );
        let b = norm;
        let sets = ByteSets::new(b);
        let mut t = Tokens {
            norm,
            side: String::new(),
            folded: ('\0', Vec::new(), false),
            toks: Vec::with_capacity(b.len() / 6),
            seeds: Vec::new(),
        };
        // Every run of word bytes: ASCII ones are folded already (the normal form is lower
        // case); ones with non-ASCII characters are folded and split again. Runs start
        // and end where the word bits change.
        let mut run_start = None;
        let mut carry = 0u64;
        for (k, &w) in sets.word.iter().enumerate() {
            let shifted = (w << 1) | carry;
            carry = w >> 63;
            let mut changes = w ^ shifted;
            while changes != 0 {
                let at = k * 64 + changes.trailing_zeros() as usize;
                changes &= changes - 1;
                match run_start.take() {
                    None => run_start = Some(at),
                    Some(start) => t.run(&sets, start, at),
                }
            }
        }
        if let Some(start) = run_start {
            t.run(&sets, start, b.len());
        }
        // An `@` (outside words) seeds the email pattern.
        let at = memchr::memchr_iter(b'@', b).map(|p| Seed {
            start: p as u32,
            end: p as u32 + 1,
            forced: true,
        });
        let before = t.seeds.len();
        t.seeds.extend(at);
        if t.seeds.len() > before {
            t.seeds.sort_unstable_by_key(|s| s.start);
        }
        t
    }

    /// One run of word bytes, `start..end`: its tokens, and a seed if it holds digits.
    #[inline]
    fn run(&mut self, sets: &ByteSets, start: usize, end: usize) {
        let (first, last) = (start / 64, (end - 1) / 64);
        let (wide, digit) = if first == last {
            let mask = (!0u64 << (start % 64)) & (!0u64 >> (63 - (end - 1) % 64));
            (sets.wide[first] & mask != 0, sets.digit[first] & mask != 0)
        } else {
            (
                any_set(&sets.wide, start, end),
                any_set(&sets.digit, start, end),
            )
        };
        let forced = wide && self.fold_wide(start, end);
        if !wide {
            self.toks.push(Tok {
                start: start as u32,
                end: end as u32,
                prefix: word_prefix(self.norm, start, end),
            });
        }
        if forced || digit {
            self.seeds.push(Seed {
                start: start as u32,
                end: end as u32,
                forced,
            });
        }
    }

    /// A run with non-ASCII characters: folded, then split where the folded text is not
    /// alphanumeric. True when it holds a non-ASCII digit (the patterns' `\d` is Unicode).
    #[cold]
    #[inline(never)]
    fn fold_wide(&mut self, start: usize, end: usize) -> bool {
        let run = utf8(&self.norm[start..end]);
        let mut forced = false;
        let mut word: Option<usize> = None;
        // `fold` works character by character: fold(run).split(non-alphanumeric) is
        // the same as splitting the folded characters one by one.
        for c in run.chars() {
            if c.is_ascii() {
                // A letter or digit (the run is of those and non-ASCII characters).
                word.get_or_insert(self.side.len());
                self.side.push(c.to_ascii_lowercase());
                continue;
            }
            // Non-ASCII characters come in runs of the same few (a binary file read as
            // text is mostly U+FFFD): the last one's folded form is kept.
            if self.folded.0 != c {
                let mut f = [0; 4];
                self.folded = (
                    c,
                    declared::fold(c.encode_utf8(&mut f))
                        .chars()
                        .map(|c| (c, c.is_alphanumeric()))
                        .collect(),
                    c.is_numeric(),
                );
            }
            forced |= self.folded.2;
            for k in 0..self.folded.1.len() {
                let (f, alphanumeric) = self.folded.1[k];
                if alphanumeric {
                    word.get_or_insert(self.side.len());
                    self.side.push(f);
                } else if let Some(at) = word.take() {
                    self.push_side(at);
                }
            }
        }
        if let Some(at) = word {
            self.push_side(at);
        }
        forced
    }

    /// The token `side[at..]`.
    fn push_side(&mut self, at: usize) {
        self.toks.push(Tok {
            start: at as u32 | SIDE,
            end: self.side.len() as u32,
            prefix: prefix(&self.side.as_bytes()[at..]),
        });
    }

    fn get(&self, k: usize) -> &[u8] {
        let t = self.toks[k];
        if t.start & SIDE == 0 {
            &self.norm[t.start as usize..t.end as usize]
        } else {
            &self.side.as_bytes()[(t.start & !SIDE) as usize..t.end as usize]
        }
    }

    fn len(&self) -> usize {
        self.toks.len()
    }

    /// The first eight bytes of tokens `k..` joined without separators.
    fn joined_prefix(&self, k: usize) -> u64 {
        let mut p = 0;
        let mut n = 0;
        for t in &self.toks[k..self.len().min(k + 8)] {
            p |= t.prefix << (8 * n);
            n += t.len();
            if n >= 8 {
                break;
            }
        }
        p
    }

    fn text(&self, k: usize) -> &str {
        utf8(self.get(k))
    }
}

/// A stretch of the normalised text between two ASCII bytes (or its ends), as text.
fn utf8(b: &[u8]) -> &str {
    std::str::from_utf8(b).expect("the normal form is UTF-8, cut between characters")
}

/// [`prefix`] of `b[start..end]`, read as one word where it can be.
fn word_prefix(b: &[u8], start: usize, end: usize) -> u64 {
    let Some(w) = b.get(start..start + 8) else {
        return prefix(&b[start..end]);
    };
    let w = u64::from_le_bytes(w.try_into().expect("eight bytes"));
    let len = end - start;
    if len >= 8 {
        w
    } else {
        w & ((1 << (8 * len)) - 1)
    }
}

// ---- where the patterns are looked for ----------------------------------------------------
//
// The gate's patterns (`detect::gate_patterns`: dashed SSNs, phone numbers, emails) are
// regexes over the normalised text, and most of the text cannot hold a match. Their
// shapes bound where one can be:
// - every match of the SSN and phone regexes holds ASCII or Unicode digits, with at most
//   12 bytes between two of them (" extension "), starting at most 3 bytes before its
//   first digit ("+1", "( ") and ending at most 2 after its last (")"); the checks after
//   the regex read at most 35 bytes before a match ("fax", "ssn", `floor_char`) and 2
//   after it;
// - an email match holds an `@` and no space.
// So digits at most `MATCH_GAP` bytes apart form a group that holds every match it is
// part of whole, and a space `EDGE` bytes away from every group is inside no match: the
// regexes find the same matches in a stretch between two such spaces as in the whole text
// (a space on each side keeps `\b` the same), and checks them the same way when the
// stretch starts `CONTEXT` bytes before them.
//
// A match the gate reports also holds more than digits (of those the regexes accept, the
// checks keep only these): a dashed SSN `ddd-dd-dddd`, a phone number `ddd ddd dddd` /
// `(ddd) ddd-dddd` / `ddd-dddd` (a run of exactly four ASCII digits one byte after a run of
// two or three), ten digits in a row, an international number (`+` and a digit), an email
// (`@`), or anything with non-ASCII digits. A group without any of these is not scanned.

/// Digits at most this many bytes apart can be in one match.
const MATCH_GAP: usize = 13;
/// A cut is a space at least this far from every group.
const EDGE: usize = 16;
/// A group is scanned from a cut at least this far before it.
const CONTEXT: usize = 40;
/// Stretches closer than this are scanned as one (fewer calls).
const MERGE_GAP: usize = 256;

/// Digits, a run of four one byte after a run of two or three, ten in a row, or a `+` just
/// before a digit: what the patterns the gate reports need (see above).
fn may_hold_pattern(b: &[u8], start: usize, end: usize) -> bool {
    let mut prev: Option<(usize, usize)> = None;
    let mut i = start;
    while i < end {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let run = i;
        while i < end && b[i].is_ascii_digit() {
            i += 1;
        }
        let len = i - run;
        if len == 10 || run > 0 && b[run - 1] == b'+' {
            return true;
        }
        if len == 4 && prev.is_some_and(|(s, e)| run == e + 1 && matches!(e - s, 2 | 3)) {
            return true;
        }
        prev = Some((run, i));
    }
    false
}

/// The byte ranges of `norm` to run the pattern detectors on: every stretch that could
/// hold an SSN, phone number or email address the gate reports, cut where no match can
/// cross (see above).
fn pattern_ranges(b: &[u8], seeds: &[Seed]) -> Vec<(usize, usize)> {
    // Groups: start, end, whether they may hold a reported pattern.
    let mut groups: Vec<(usize, usize, bool)> = Vec::new();
    for s in seeds {
        let (start, end) = (s.start as usize, s.end as usize);
        match groups.last_mut() {
            Some(g) if start <= g.1 + MATCH_GAP => {
                g.1 = g.1.max(end);
                g.2 |= s.forced;
            }
            _ => groups.push((start, end, s.forced)),
        }
    }
    let mut out: Vec<(usize, usize)> = Vec::new();
    for j in 0..groups.len() {
        let (start, end, forced) = groups[j];
        if !forced && !may_hold_pattern(b, start, end) {
            continue;
        }
        let from = cut_before(b, &groups[..j], start.saturating_sub(CONTEXT));
        let to = cut_after(b, &groups[j + 1..], end + EDGE);
        match out.last_mut() {
            Some(prev) if from <= prev.1 + MERGE_GAP => prev.1 = prev.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

/// The last space at or before `limit` that is at least [`EDGE`] bytes from every group
/// of `before` (the groups before the one it starts a stretch for), or 0. Groups are in
/// order and apart, so a zone ends after the zones of the groups before it.
fn cut_before(b: &[u8], before: &[(usize, usize, bool)], limit: usize) -> usize {
    let zone_start = |g: (usize, usize, bool)| g.0.saturating_sub(EDGE);
    let mut hi = limit.min(b.len().saturating_sub(1));
    let mut k = before.len();
    loop {
        // The groups whose zone starts after `hi` do not matter any more.
        while k > 0 && zone_start(before[k - 1]) > hi {
            k -= 1;
        }
        let lo = match k.checked_sub(1) {
            Some(h) if hi < before[h].1 + EDGE => {
                // Inside that group's zone: go on before it.
                match zone_start(before[h]).checked_sub(1) {
                    Some(below) => hi = below,
                    None => return 0,
                }
                continue;
            }
            Some(h) => before[h].1 + EDGE,
            None => 0,
        };
        if let Some(p) = memchr::memrchr(b' ', &b[lo..=hi]) {
            return lo + p;
        }
        match k
            .checked_sub(1)
            .and_then(|h| zone_start(before[h]).checked_sub(1))
        {
            Some(below) => hi = below,
            None => return 0,
        }
    }
}

/// The first space at or after `limit` that is at least [`EDGE`] bytes from every group
/// of `after` (the groups after the one it ends a stretch for), or the end.
fn cut_after(b: &[u8], after: &[(usize, usize, bool)], limit: usize) -> usize {
    let mut lo = limit;
    let mut k = 0;
    loop {
        if lo >= b.len() {
            return b.len();
        }
        let hi = match after.get(k) {
            Some(&(start, end, _)) if lo >= start.saturating_sub(EDGE) => {
                // Inside that group's zone: go on after it.
                lo = end + EDGE;
                k += 1;
                continue;
            }
            Some(&(start, _, _)) => (start - EDGE).min(b.len()),
            None => b.len(),
        };
        if let Some(p) = memchr::memchr(b' ', &b[lo..hi]) {
            return lo + p;
        }
        match after.get(k) {
            Some(&(_, end, _)) => {
                lo = end + EDGE;
                k += 1;
            }
            None => return b.len(),
        }
    }
}

impl LeakGate {
    /// Indexes the declared identifiers of every determination of the archive.
    pub fn new(entries: &[(String, Declared)]) -> LeakGate {
        let mut gate = LeakGate {
            cases: Vec::with_capacity(entries.len()),
            keys: HashMap::default(),
            shared: HashMap::default(),
            first_words: HashMap::default(),
            first_word_filter: Prefilter::new(0),
            alnum_filter: Prefilter::new(0),
            alnum_start: StartSet::default(),
            alnum_length: Vec::new(),
            allowed: Vec::new(),
        };
        let mut first_words = Vec::new();
        let mut alnum = Vec::new();
        for (case, declared) in entries {
            let idx = u32::try_from(gate.cases.len()).expect("fewer than 4 billion determinations");
            gate.cases.push(case.clone());
            for (key, category, kind) in declared::gate_keys(declared) {
                let owner = Owner {
                    case: idx,
                    category,
                };
                let h = hash(&key);
                match kind {
                    KeyKind::Words => {
                        let first = key.split(' ').next().unwrap_or("");
                        let words = u8::try_from(key.split(' ').count())
                            .unwrap_or(u8::MAX)
                            .min(MAX_WORDS as u8);
                        let most = gate.first_words.entry(hash(first)).or_insert_with(|| {
                            first_words.push(first.to_string());
                            0
                        });
                        *most = (*most).max(words);
                    }
                    KeyKind::Alnum => {
                        if gate.alnum_length.len() <= key.len() {
                            gate.alnum_length.resize(key.len() + 1, false);
                        }
                        gate.alnum_length[key.len()] = true;
                        gate.alnum_start.insert(prefix(key.as_bytes()));
                        alnum.push(key.clone());
                    }
                }
                match gate.keys.get(&h) {
                    Some((o, _)) if o.case != idx => gate.shared.entry(h).or_default().push(owner),
                    Some(_) => {}
                    None => {
                        gate.keys.insert(h, (owner, kind));
                    }
                }
            }
        }
        gate.first_word_filter = Prefilter::new(first_words.len());
        for w in &first_words {
            gate.first_word_filter.insert(w.as_bytes());
        }
        gate.alnum_filter = Prefilter::new(alnum.len());
        for k in &alnum {
            gate.alnum_filter.insert(k.as_bytes());
        }
        gate
    }

    /// Pattern hits equal to `literal` (case-insensitive) are not leaks: the site's own
    /// contact address, a published phone number of the review organisation.
    pub fn allow(mut self, literal: impl Into<String>) -> LeakGate {
        self.allowed.push(normalize_for_scan(&literal.into()));
        self
    }

    /// The leaks in one output file, sorted and without repeats. A large file (the open
    /// data exports) is scanned in pieces of about [`PIECE`] bytes, each read on past its
    /// end by [`OVERLAP`] bytes, so memory stays bounded whatever the archive's size: an
    /// identifier that starts in a piece ends within its overlap (keys are at most eight
    /// words or groups), so every one is seen whole by the piece it starts in.
    pub fn scan(&self, content: &str) -> Vec<Leak> {
        if content.len() <= 2 * PIECE {
            return self.scan_whole(content);
        }
        let b = content.as_bytes();
        let mut leaks = Vec::new();
        let mut start = 0;
        while start < b.len() {
            let end = piece_end(b, start + PIECE);
            let read_to = piece_end(b, end + OVERLAP);
            leaks.extend(self.scan_whole(&content[start..read_to]));
            start = end;
        }
        leaks.sort();
        leaks.dedup();
        leaks
    }

    /// The scan of `content` in one piece (tests compare it with [`LeakGate::scan`]).
    #[cfg(test)]
    pub fn scan_whole_for_tests(&self, content: &str) -> Vec<Leak> {
        self.scan_whole(content)
    }

    /// Keys are folded ("José" → "jose"); the file is normalised and folded the same
    /// way, cut into words at every character that is not alphanumeric, and every run of
    /// up to eight words is a candidate key, hashed only when its first word (words
    /// keys) or its first bytes and length (number keys) are those of some key.
    fn scan_whole(&self, content: &str) -> Vec<Leak> {
        let norm = normalize_to_bytes(content);
        let toks = Tokens::new(&norm);
        let mut leaks = Vec::new();
        for i in 0..toks.len() {
            let first = toks.toks[i];
            // Words keys: "john q doe", hashed word by word, as many words as the longest
            // key with that first word.
            if self.first_word_filter.may_hold(first.prefix, first.len())
                && let Some(&words) = self.first_words.get(&feed(FNV_OFFSET, toks.get(i)))
            {
                let mut h = FNV_OFFSET;
                for n in 0..usize::from(words).min(toks.len() - i) {
                    if n > 0 {
                        h = feed(h, b" ");
                    }
                    h = feed(h, toks.get(i + n));
                    self.lookup(
                        h,
                        KeyKind::Words,
                        || {
                            (i..=i + n)
                                .map(|k| toks.text(k))
                                .collect::<Vec<_>>()
                                .join(" ")
                        },
                        &mut leaks,
                    );
                }
            }
            // Number keys: the groups joined without separators ("abc1234567"), tried
            // where a key's length ends on a group boundary, if the joined groups start
            // as some key does.
            let mut joined_prefix = first.prefix;
            if first.len() < 2 && i + 1 < toks.len() {
                joined_prefix = toks.joined_prefix(i);
            }
            if !self.alnum_start.may_start(joined_prefix) {
                continue;
            }
            let joined_prefix = toks.joined_prefix(i);
            let mut len = 0;
            for n in 0..MAX_GROUPS.min(toks.len() - i) {
                len += toks.toks[i + n].len();
                if len >= self.alnum_length.len() {
                    break;
                }
                if !self.alnum_length[len] {
                    continue;
                }
                // The key's own first bytes only, as `prefix` takes them.
                let p = if len >= 8 {
                    joined_prefix
                } else {
                    joined_prefix & ((1 << (8 * len)) - 1)
                };
                if !self.alnum_filter.may_hold(p, len) {
                    continue;
                }
                let h = (i..=i + n).fold(FNV_OFFSET, |h, k| feed(h, toks.get(k)));
                self.lookup(
                    h,
                    KeyKind::Alnum,
                    || (i..=i + n).map(|k| toks.text(k)).collect(),
                    &mut leaks,
                );
            }
        }
        // The patterns, on the stretches that could hold one (see `pattern_ranges`).
        for (from, to) in pattern_ranges(&norm, &toks.seeds) {
            let piece = utf8(&norm[from..to]);
            for (s, e, category) in detect::gate_patterns(piece) {
                let found = &piece[s..e];
                if !self.allowed.iter().any(|a| a == found) {
                    leaks.push(Leak {
                        case_number: None,
                        category,
                        masked: mask(found),
                    });
                }
            }
        }
        leaks.sort();
        leaks.dedup();
        leaks
    }

    fn lookup(&self, h: u64, kind: KeyKind, text: impl Fn() -> String, leaks: &mut Vec<Leak>) {
        let Some((owner, k)) = self.keys.get(&h) else {
            return;
        };
        if *k != kind {
            return;
        }
        let masked = mask(&text());
        for o in std::iter::once(owner).chain(self.shared.get(&h).into_iter().flatten()) {
            leaks.push(Leak {
                case_number: Some(self.cases[o.case as usize].clone()),
                category: o.category,
                masked: masked.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    //! The scan above replaced a simpler one (kept here as the reference): a normalised
    //! and folded copy of the file, a vector of its words, every word's hash looked up,
    //! the patterns run over the whole text. They must agree on planted pages and on
    //! random text.
    use super::*;
    use std::collections::HashSet;

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
            v[self.below(v.len())]
        }
    }

    /// The reference: `scan_whole` as it was, over the same keys.
    struct Reference<'g> {
        gate: &'g LeakGate,
        first_words: HashSet<u64, Ids>,
        alnum_lengths: Vec<usize>,
    }

    impl Reference<'_> {
        fn new<'g>(gate: &'g LeakGate, entries: &[(String, Declared)]) -> Reference<'g> {
            let mut first_words = HashSet::default();
            let mut alnum_lengths = Vec::new();
            for (_, declared) in entries {
                for (key, _, kind) in declared::gate_keys(declared) {
                    match kind {
                        KeyKind::Words => {
                            first_words.insert(hash(key.split(' ').next().unwrap_or("")));
                        }
                        KeyKind::Alnum => {
                            if !alnum_lengths.contains(&key.len()) {
                                alnum_lengths.push(key.len());
                            }
                        }
                    }
                }
            }
            alnum_lengths.sort_unstable();
            Reference {
                gate,
                first_words,
                alnum_lengths,
            }
        }

        fn scan_whole(&self, content: &str) -> Vec<Leak> {
            let norm = normalize_for_scan(content);
            let mut leaks = Vec::new();
            let folded = declared::fold(&norm);
            let tokens: Vec<&str> = folded
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .collect();
            for i in 0..tokens.len() {
                if !self.first_words.contains(&hash(tokens[i])) {
                    continue;
                }
                let mut h = FNV_OFFSET;
                for (n, t) in tokens[i..].iter().take(MAX_WORDS).enumerate() {
                    if n > 0 {
                        h = feed(h, b" ");
                    }
                    h = feed(h, t.as_bytes());
                    self.gate.lookup(
                        h,
                        KeyKind::Words,
                        || tokens[i..=i + n].join(" "),
                        &mut leaks,
                    );
                }
            }
            if !self.alnum_lengths.is_empty() {
                let stream: String = tokens.concat();
                let mut group_end = vec![false; stream.len() + 1];
                let mut starts = Vec::with_capacity(tokens.len());
                let mut at = 0;
                for t in &tokens {
                    starts.push(at);
                    at += t.len();
                    group_end[at] = true;
                }
                for (gi, &p) in starts.iter().enumerate() {
                    let limit = starts.get(gi + MAX_GROUPS).copied().unwrap_or(stream.len());
                    for &len in &self.alnum_lengths {
                        let q = p + len;
                        if q > limit {
                            break;
                        }
                        if group_end[q] {
                            let key = &stream[p..q];
                            self.gate.lookup(
                                hash(key),
                                KeyKind::Alnum,
                                || key.to_string(),
                                &mut leaks,
                            );
                        }
                    }
                }
            }
            for (s, e, category) in detect::gate_patterns(&norm) {
                let found = &norm[s..e];
                if !self.gate.allowed.iter().any(|a| a == found) {
                    leaks.push(Leak {
                        case_number: None,
                        category,
                        masked: mask(found),
                    });
                }
            }
            leaks.sort();
            leaks.dedup();
            leaks
        }
    }

    const FIRSTS: [&str; 12] = [
        "John",
        "Mary",
        "José",
        "Zoë",
        "Łukasz",
        "Siobhan",
        "Ngozi",
        "Ana",
        "Mark",
        "Brown",
        "İpek",
        "Σοφία",
    ];
    const LASTS: [&str; 12] = [
        "Doe",
        "Wojciechowski",
        "Núñez",
        "Brackenridge",
        "O'Malley",
        "Smith-Jones",
        "Underhill",
        "Haverbrook",
        "Quixotebury",
        "Lee",
        "Straße",
        "Ölçer",
    ];

    fn entries(rng: &mut Rng) -> Vec<(String, Declared)> {
        (0..40)
            .map(|i| {
                let (f, l) = (rng.pick(&FIRSTS), rng.pick(&LASTS));
                let mut d = Declared {
                    names: vec![format!("{f} {} {l}", rng.pick(&["Q.", "", "Ann"]))],
                    numbers: vec![
                        format!("WC{:02}-{:07}", i % 100, rng.next() % 10_000_000),
                        format!("ADJ{:08}", rng.next() % 100_000_000),
                    ],
                    addresses: vec![format!("{} Elm Street, Fresno, CA 93721", 100 + i)],
                    other: vec![],
                };
                if i % 3 == 0 {
                    d.names.push(format!("{} Packing Corp.", rng.pick(&LASTS)));
                    d.other.push(format!("MRN {}", rng.next() % 1_000_000));
                    d.other.push("Ward Seven".into());
                }
                if i % 5 == 0 {
                    d.numbers.push(format!("ṄX-{}", rng.next() % 100_000));
                }
                (format!("CM16-{i:07}"), d)
            })
            .collect()
    }

    /// `s` written some way a page could hold it.
    fn variant(s: &str, rng: &mut Rng) -> String {
        let words: Vec<&str> = s.split_whitespace().collect();
        match rng.below(14) {
            0 => s.to_uppercase(),
            1 => {
                let cut = s.char_indices().nth(2).map_or(s.len(), |(i, _)| i);
                format!("{}<b>{}</b>", &s[..cut], &s[cut..])
            }
            2 => words.join("\n<br/> "),
            3 => s
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 1 {
                        format!("&#{};", c as u32)
                    } else {
                        c.to_string()
                    }
                })
                .collect(),
            4 => s
                .chars()
                .map(|c| {
                    if c == ' ' {
                        "\\n".to_string()
                    } else if c.is_ascii_alphanumeric() {
                        format!("%{:02X}", c as u32)
                    } else {
                        format!("\\u{:04x}", c as u32)
                    }
                })
                .collect(),
            5 => format!("<img alt=\"{s}\" src=x>"),
            6 => format!("<!--{s}-->"),
            7 => words.join(", "),
            8 => s.replace('e', "é").replace('a', "å"),
            9 => s.replace(' ', "").replace('-', " - "),
            10 => format!("**{s}**"),
            11 => words.iter().rev().copied().collect::<Vec<_>>().join(" "),
            12 => format!("x{s}y"),
            _ => s.to_string(),
        }
    }

    const NOISE: [&str; 24] = [
        "<p>",
        "</p>\n  ",
        " the applicant ",
        "<td>250</td><td>856</td>",
        " 2016 ",
        "&amp; ",
        "&#39;",
        " İ ",
        " ſ ",
        "\u{212a}",
        " ３１４ ",
        "\u{fffd}\u{fffd}",
        "😀",
        " CM14-6621405 ",
        " 10-25-2016 ",
        " call 559-555-1234 ",
        " fax (559) 555-1234 ext. 12 ",
        " SSN 123-45-6789 ",
        " a.b@example.com ",
        " +44 20 7946 0958 ",
        " ssn 123456789 ",
        " phone 5595551234 ",
        "<a href=\"/p?q=1%202\" title='x'>",
        " ***bold*** _x_ ",
    ];

    fn page(rng: &mut Rng, entries: &[(String, Declared)]) -> String {
        let mut p = String::new();
        for _ in 0..rng.below(60) {
            if rng.below(4) == 0 {
                let (_, d) = &entries[rng.below(entries.len())];
                let all: Vec<&String> = d
                    .names
                    .iter()
                    .chain(&d.numbers)
                    .chain(&d.addresses)
                    .chain(&d.other)
                    .collect();
                p.push_str(&variant(all[rng.below(all.len())], rng));
            } else {
                p.push_str(rng.pick(&NOISE));
            }
            if rng.below(3) == 0 {
                p.push(' ');
            }
        }
        p
    }

    #[test]
    fn agrees_with_the_reference_on_planted_pages() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for round in 0..20 {
            let entries = entries(&mut rng);
            let gate = LeakGate::new(&entries).allow("a.b@example.com");
            let reference = Reference::new(&gate, &entries);
            let mut found = 0;
            for _ in 0..100 {
                let page = page(&mut rng, &entries);
                let leaks = gate.scan_whole_for_tests(&page);
                assert_eq!(
                    leaks,
                    reference.scan_whole(&page),
                    "round {round}: {}",
                    mask(&page)
                );
                found += leaks.len();
            }
            assert!(found > 100, "round {round}: {found} leaks planted");
        }
    }

    /// Random text dense with digits, separators, phone words, `@` and non-ASCII digits:
    /// the patterns found in the stretches `pattern_ranges` picks are those of the whole
    /// text, at the same places.
    #[test]
    fn pattern_ranges_find_every_pattern_of_the_whole_text() {
        let parts = [
            " ",
            " ",
            " ",
            "-",
            ".",
            "(",
            ")",
            "+",
            "/",
            "@",
            "x",
            " ext. ",
            " extension ",
            "fax ",
            "ssn ",
            "phone: ",
            "call ",
            "the applicant was seen on ",
            "ab",
            "k",
            "ſ",
            "٣",
            "３",
            "\u{fffd}",
            "a.b",
            ".org",
            "mail.example.com",
            "1",
            "-1 ",
            "+1 ",
        ];
        let same = |raw: &str| -> usize {
            let norm = normalize_for_scan(raw);
            let mut whole = detect::gate_patterns(&norm);
            whole.sort_unstable_by_key(|&(s, e, c)| (s, e, c.label()));
            let toks = Tokens::new(norm.as_bytes());
            let mut pieces = Vec::new();
            for (from, to) in pattern_ranges(norm.as_bytes(), &toks.seeds) {
                for (s, e, c) in detect::gate_patterns(&norm[from..to]) {
                    pieces.push((from + s, from + e, c));
                }
            }
            pieces.sort_unstable_by_key(|&(s, e, c)| (s, e, c.label()));
            assert_eq!(pieces, whole, "{norm:?}");
            whole.len()
        };
        // Every distance from a context word to the number, every kind of number.
        let prose = " the treatment is medically necessary".repeat(10);
        for word in ["fax", "facsimile", "phone", "call", "tel", "ssn", "mail"] {
            for gap in 0..48 {
                for number in [
                    "(559) 555-1234",
                    "+1 559.555.1234 ext. 12",
                    "555-1234",
                    "123-45-6789",
                    "+44 20 7946 0958",
                    "a.b@example.com",
                ] {
                    let filler: String = (0..gap)
                        .map(|k| if k % 4 == 3 { ' ' } else { 'z' })
                        .collect();
                    same(&format!(
                        "{prose} {word} {filler}{number} {prose} 12 {word}{number}"
                    ));
                }
            }
        }
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut hits = 0;
        for _ in 0..8_000 {
            let mut raw = String::new();
            let digits = |n: usize, rng: &mut Rng| -> String {
                (0..n)
                    .map(|_| char::from(b'0' + rng.below(10) as u8))
                    .collect()
            };
            let sparse = rng.below(2) == 0;
            for _ in 0..rng.below(120) {
                if rng.below(3) == 0 {
                    let n = 1 + rng.below(11);
                    raw.push_str(&digits(n, &mut rng));
                } else if rng.below(2) == 0 {
                    // Shaped like a phone number or an SSN, with any separators.
                    let seps = [" ", "-", "-", ".", ") ", "(", "", "/"];
                    let sep = rng.pick(&seps);
                    let groups: &[usize] = match rng.below(5) {
                        0 => &[3, 3, 4],
                        1 => &[3, 2, 4],
                        2 => &[2, 4, 4],
                        3 => &[10],
                        _ => &[3, 4],
                    };
                    if rng.below(2) == 0 {
                        // A context word some way before the number.
                        raw.push_str(rng.pick(&["phone ", "call ", "fax: ", "facsimile ", "ssn "]));
                        raw.push_str(&"to b "[..rng.below(6)].repeat(rng.below(7)));
                    }
                    for (k, &n) in groups.iter().enumerate() {
                        if k > 0 {
                            raw.push_str(if rng.below(4) == 0 {
                                rng.pick(&seps)
                            } else {
                                sep
                            });
                        }
                        raw.push_str(&digits(n, &mut rng));
                    }
                } else {
                    raw.push_str(rng.pick(&parts));
                }
                // Prose between numbers, in some texts long enough that the stretches
                // around them are scanned apart.
                if rng.below(if sparse { 2 } else { 8 }) == 0 {
                    let n = rng.below(if sparse { 12 } else { 3 });
                    raw.push_str(&" the treatment is medically necessary".repeat(n));
                }
            }
            hits += same(&raw);
        }
        assert!(hits > 2_000, "patterns found: {hits}");
    }

    /// `pattern_ranges` relies on the shapes of the gate's patterns (see there). A change
    /// to them must be checked against it: then update this pin.
    #[test]
    fn gate_patterns_are_the_ones_pattern_ranges_was_written_for() {
        let source = include_str!("detect.rs");
        let mut pinned = String::new();
        for item in [
            "fn re(",
            "fn byte_at(",
            "fn prev(",
            "fn glued(",
            "pub(super) fn phone_category(",
            "fn floor_char(",
            "fn context_before(",
            "fn find_phones(",
            "fn nanp(",
            "pub(super) fn ssn_valid(",
            "pub(super) static SSN:",
            "fn find_ssns(",
            "fn ssn(",
            "pub(super) static EMAIL:",
            "fn emails(",
            "pub(super) fn gate_patterns(",
        ] {
            let at = source
                .find(&format!("\n{item}"))
                .unwrap_or_else(|| panic!("{item} not in detect.rs"));
            // The item runs to the next line that starts another one.
            let rest = &source[at + 1..];
            let mut len = 0;
            for (n, line) in rest.split_inclusive('\n').enumerate() {
                let starts_item =
                    !line.starts_with([' ', '\n', '}', ')']) && !line.trim().is_empty();
                if n > 0 && starts_item {
                    break;
                }
                len += line.len();
            }
            pinned.push_str(&rest[..len].split_whitespace().collect::<Vec<_>>().join(" "));
            pinned.push('\n');
        }
        assert_eq!(
            blake3::hash(pinned.as_bytes()).to_hex().as_str(),
            "411a1a9da9c538c0014c518295aba59c568b5db90be58e2490d24a9d95a5f169",
            "detect.rs's gate patterns changed: check that `pattern_ranges` (gate.rs) still \
             covers every match they report, then update this hash"
        );
    }
}
