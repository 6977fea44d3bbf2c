//! The leak gate: after a build, every output file is scanned for every declared
//! identifier of the whole archive and for the high-precision patterns (SSN, email,
//! phone). Keys are looked up by hashing the word n-grams of the normalised file, one
//! pass, so the cost does not grow with the archive (a regex alternation of millions
//! of literals takes seconds and hundreds of megabytes to compile). Keys are stored as
//! 64-bit FNV-1a hashes only: a few bytes each, and no identifier text in memory dumps.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::declared::{self, KeyKind};
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
fn piece_end(b: &[u8], at: usize) -> usize {
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

pub struct LeakGate {
    cases: Vec<String>,
    /// Hash of a key → its first owner; other owners of the same key in `shared`.
    keys: HashMap<u64, (Owner, KeyKind), Ids>,
    shared: HashMap<u64, Vec<Owner>, Ids>,
    /// Hashes of the first word of every words-key: most tokens stop after one lookup.
    first_words: HashSet<u64, Ids>,
    /// The distinct byte lengths of number keys.
    alnum_lengths: Vec<usize>,
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

impl LeakGate {
    /// Indexes the declared identifiers of every determination of the archive.
    pub fn new(entries: &[(String, Declared)]) -> LeakGate {
        let mut gate = LeakGate {
            cases: Vec::with_capacity(entries.len()),
            keys: HashMap::default(),
            shared: HashMap::default(),
            first_words: HashSet::default(),
            alnum_lengths: Vec::new(),
            allowed: Vec::new(),
        };
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
                        gate.first_words
                            .insert(hash(key.split(' ').next().unwrap_or("")));
                    }
                    KeyKind::Alnum => {
                        if !gate.alnum_lengths.contains(&key.len()) {
                            gate.alnum_lengths.push(key.len());
                        }
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
        gate.alnum_lengths.sort_unstable();
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

    fn scan_whole(&self, content: &str) -> Vec<Leak> {
        let norm = normalize_for_scan(content);
        let mut leaks = Vec::new();
        // Keys are folded ("José" → "jose"); fold the file the same way.
        let folded = declared::fold(&norm);
        let tokens: Vec<&str> = folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        // Words keys: "john q doe", hashed word by word.
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
                self.lookup(
                    h,
                    KeyKind::Words,
                    || tokens[i..=i + n].join(" "),
                    &mut leaks,
                );
            }
        }
        // Number keys: the groups joined without separators ("abc1234567"), tried only
        // where a key's length ends on a group boundary.
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
                        self.lookup(hash(key), KeyKind::Alnum, || key.to_string(), &mut leaks);
                    }
                }
            }
        }
        for (s, e, category) in detect::gate_patterns(&norm) {
            let found = &norm[s..e];
            if !self.allowed.iter().any(|a| a == found) {
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
