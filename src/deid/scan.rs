//! Where the static detectors look. Running two dozen regexes over the whole of every
//! text cost most of the de-identification time, though nearly all the text is words
//! none of them can match. Each detector's regex therefore runs on *windows*: pieces of
//! the text that provably hold every match the regex has in the whole text, cut where
//! the regex sees the same thing as in the whole text. The results are the same matches,
//! in the same order, as one search over the whole text.
//!
//! "Every match" means every match the regex can make, whether the detector's checks
//! then report it or not: a match that is not reported still takes its text (the next
//! search starts where it ends), so "5 may '14 March" holds no date "14 March" in the
//! whole text. Windows are of two kinds:
//!
//! - *runs*: the maximal runs of the bytes a match can hold, around bytes every match
//!   holds (a digit, an `@`, a `+` ...). No match crosses from one run to another, so
//!   runs are searched independently, and a run in which no match could be reported
//!   (too few digits, no number from 90 to 125 ...) is left out: its matches, reported
//!   or not, touch no other run's;
//! - *regions around seeds*: a word or byte the regex itself requires in every match (a
//!   month word, a context keyword, a street suffix, "County", the comma of "City, ST",
//!   the ZIP after a state), with as much text on each side as the regex's shape allows
//!   a match to reach. Seeds are left out only where the regex cannot match, never for
//!   what the detector's checks would reject (one exception, argued at
//!   [`Scan::context_windows`], leaves out whole runs only).
//!
//! Overlapping or close windows are merged (a merged window is a piece of the text as
//! it is). The only look-around in these regexes is the ASCII word boundary
//! `(?-u:\b)`, which reads one byte on each side: a window starts after a byte that is
//! not an ASCII word byte (or includes that byte), and ends before one (or includes it).
//! A regex runs once over its windows joined by a separator byte it cannot match and
//! that is not a word byte (a [`Hay`]): no match can span two windows, and each window
//! edge reads as it does in the text; at each position a search tries the same paths
//! with the same outcome as in the whole text, so leftmost-first picks the same match.
//!
//! Any byte at or above 0x80 is treated as possibly part of a match (`\d`, `\s` and
//! `(?i)` are Unicode-aware: "٣", a no-break space, "ſ" for `s` and "K" for `k`), and
//! when the text holds "ſ" or "K" (the only characters that fold to ASCII letters: a
//! test pins it) the seeds found as ASCII words are not trusted: those detectors search
//! the whole text.
//!
//! The leak gate's patterns (`detect::gate_patterns`) always search whole texts.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::sync::LazyLock;

use super::fast::{Bits, FxHashMap, pack_lower, runs};

/// Bytes a match may contain. Every byte at or above 0x80 is always in.
pub(super) type ByteSet = [bool; 256];

/// A [`ByteSet`] of `chars`, ASCII digits and letters if asked, and every non-ASCII byte.
pub(super) const fn byte_set(chars: &[u8], digits: bool, letters: bool) -> ByteSet {
    let mut s = [false; 256];
    let mut i = 0;
    while i < chars.len() {
        s[chars[i] as usize] = true;
        i += 1;
    }
    let mut c = 0x80;
    while c < 256 {
        s[c] = true;
        c += 1;
    }
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        if digits && b.is_ascii_digit() || letters && b.is_ascii_alphabetic() {
            s[c] = true;
        }
        c += 1;
    }
    s
}

/// An ASCII digit, or a byte of a non-ASCII character (which may be a Unicode digit).
#[inline]
pub(super) fn digitish(c: u8) -> bool {
    c.is_ascii_digit() || c >= 0x80
}

#[inline]
fn word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

#[inline]
fn space_tab(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Keyword classes of an ASCII word (see [`Scan::words`]).
pub(super) const MONTH: u8 = 1;
/// First words of the context keywords of `CONTEXT_ID`.
pub(super) const CONTEXT: u8 = 2;
/// Street suffixes (matched case-sensitively, capitalised).
pub(super) const STREET: u8 = 4;

/// Keywords by packed form, and for each length and first letter the set of last
/// letters a keyword of that shape has (most words are rejected before hashing).
struct Keywords {
    map: FxHashMap<u128, u8>,
    shape: [[u32; 26]; 17],
}

impl Keywords {
    /// The classes of the word `w` (at most 16 bytes); `letters` says whether it is all
    /// letters, asked only of words of a keyword's shape.
    #[inline]
    fn get(&self, w: &[u8], letters: impl FnOnce() -> bool) -> Option<u8> {
        let first = (w[0] | 0x20).wrapping_sub(b'a') as usize;
        let last = (w[w.len() - 1] | 0x20).wrapping_sub(b'a') as u32;
        if first >= 26 || last >= 26 || self.shape[w.len()][first] & (1 << last) == 0 {
            return None;
        }
        if !letters() {
            return None;
        }
        self.map.get(&pack_lower(w)).copied()
    }
}

static KEYWORDS: LazyLock<Keywords> = LazyLock::new(|| {
    let mut map = FxHashMap::default();
    let mut shape = [[0u32; 26]; 17];
    let lists: [(&str, u8); 3] = [
        (
            "january february march april may june july august september october november \
             december sept jan feb mar apr jun jul aug sep oct nov dec",
            MONTH,
        ),
        (
            "medical med mrn chart patient health member membership subscriber beneficiary \
             insurance insured policy group account acct claim licence license lic \
             certificate cert dea npi serial s device implant udi vin vehicle plate badge \
             employee id",
            CONTEXT,
        ),
        (
            "street st avenue ave av road rd boulevard blvd drive dr lane ln way court ct \
             place pl circle cir parkway pkwy highway hwy terrace ter trail trl square sq \
             loop alley plaza plz crossing expressway expy freeway fwy pike row path",
            STREET,
        ),
    ];
    for (words, flag) in lists {
        for w in words.split_whitespace() {
            let b = w.as_bytes();
            *map.entry(pack_lower(b)).or_insert(0) |= flag;
            shape[b.len()][usize::from(b[0] - b'a')] |= 1 << (b[b.len() - 1] - b'a');
        }
    }
    Keywords { map, shape }
});

/// A window list under construction: sorted, overlapping or close ones merged.
#[derive(Default)]
pub(super) struct Windows {
    v: Vec<(usize, usize)>,
}

/// Windows closer than this are searched as one (a regex call costs about as much as
/// scanning this many bytes).
const GAP: usize = 48;

impl Windows {
    fn push(&mut self, a: usize, b: usize) {
        self.v.push((a, b));
    }

    fn finish(mut self) -> Vec<(usize, usize)> {
        let v = &mut self.v;
        v.sort_unstable();
        // Merge in place.
        let mut n = 0;
        for k in 0..v.len() {
            let (a, b) = v[k];
            if n > 0 && a <= v[n - 1].1 + GAP {
                v[n - 1].1 = v[n - 1].1.max(b);
            } else {
                v[n] = (a, b);
                n += 1;
            }
        }
        v.truncate(n);
        self.v
    }
}

/// Bytes whose absence rules whole detectors out ([`Scan::has`]).
pub(super) const HAS_DIGIT: u8 = 1;
pub(super) const HAS_AT: u8 = 2;
pub(super) const HAS_COLON: u8 = 4;
pub(super) const HAS_DOT: u8 = 8;
pub(super) const HAS_COMMA: u8 = 16;

/// Keyword runs (start, end, classes) and starts of 17-byte runs ([`Scan::word_runs`]).
type WordRuns = (Vec<(usize, usize, u8)>, Vec<usize>);

/// One text, and what the detectors need to know about it, computed once.
pub(super) struct Scan<'a> {
    pub text: &'a str,
    b: &'a [u8],
    /// Search whole texts (the reference behaviour: tests compare against it).
    full: bool,
    /// "ſ" or "K" in the text: `(?i)` keywords may be written with them.
    fold_hazard: bool,
    /// Class masks of the bytes ([`Scan::bits`]).
    bits: OnceCell<Bits>,
    /// Starts of runs of [`digitish`] bytes.
    digit_runs: OnceCell<Vec<usize>>,
    /// ASCII word runs that are keywords: start, end, classes; and starts of the ASCII
    /// word runs of exactly 17 bytes (VIN candidates).
    words: OnceCell<WordRuns>,
    /// [`Scan::numbers`], [`Scan::long_numbers`].
    numbers: OnceCell<Hay<'a>>,
    long_numbers: OnceCell<Hay<'a>>,
}

impl<'a> Scan<'a> {
    pub(super) fn new(text: &'a str) -> Scan<'a> {
        let fold_hazard = !text.is_ascii() && (text.contains('ſ') || text.contains('\u{212A}'));
        Scan {
            text,
            b: text.as_bytes(),
            full: false,
            fold_hazard,
            bits: OnceCell::new(),
            digit_runs: OnceCell::new(),
            words: OnceCell::new(),
            numbers: OnceCell::new(),
            long_numbers: OnceCell::new(),
        }
    }

    /// Which of the [`HAS_DIGIT`] ([`digitish`]), `@`, `:`, `.` and `,` bytes the text
    /// holds. Only short texts (published fields) are looked at; a long one is taken to
    /// hold them all.
    pub(super) fn has(&self) -> u8 {
        if self.full || self.b.len() > 256 {
            return 0xff;
        }
        let mut has = 0;
        for &c in self.b {
            has |= match c {
                b'0'..=b'9' | 0x80..=0xff => HAS_DIGIT,
                b'@' => HAS_AT,
                b':' => HAS_COLON,
                b'.' => HAS_DOT,
                b',' => HAS_COMMA,
                _ => 0,
            };
        }
        has
    }

    /// A scan that searches every text whole: the reference the windows must agree with,
    /// and what the leak gate uses.
    pub(super) fn whole(text: &'a str) -> Scan<'a> {
        Scan {
            full: true,
            ..Scan::new(text)
        }
    }

    fn all(&self) -> Vec<(usize, usize)> {
        vec![(0, self.b.len())]
    }

    /// Class masks of the text's bytes, computed once.
    pub(super) fn bits(&self) -> &Bits {
        self.bits.get_or_init(|| Bits::new(self.b))
    }

    fn digit_runs(&self) -> &[usize] {
        self.digit_runs.get_or_init(|| {
            let mut v = Vec::new();
            runs(self.bits().digitish(), |s, _| v.push(s));
            v
        })
    }

    fn word_runs(&self) -> &WordRuns {
        self.words.get_or_init(|| {
            let b = self.b;
            let bits = self.bits();
            let keywords = &*KEYWORDS;
            let (mut v, mut vins) = (Vec::new(), Vec::new());
            runs(bits.word(), |start, i| {
                let len = i - start;
                if len == 17 {
                    vins.push(start);
                }
                if len <= 16
                    && let Some(f) = keywords.get(&b[start..i], || {
                        super::fast::next_zero(bits.letter(), start) >= i
                    })
                {
                    v.push((start, i, f));
                }
            });
            (v, vins)
        })
    }

    fn words(&self) -> &[(usize, usize, u8)] {
        &self.word_runs().0
    }

    /// The maximal run of `allowed` bytes around byte `i`, with one byte of context
    /// on each side (a byte not allowed, so ASCII: the cut is a char boundary).
    fn run(&self, i: usize, allowed: &ByteSet) -> (usize, usize, usize) {
        let (l, r) = self.run_core(i, allowed);
        (l.saturating_sub(1), (r + 1).min(self.b.len()), r)
    }

    /// The maximal run of `allowed` bytes around byte `i`, without context.
    fn run_core(&self, i: usize, allowed: &ByteSet) -> (usize, usize) {
        let b = self.b;
        let mut l = i;
        while l > 0 && allowed[b[l - 1] as usize] {
            l -= 1;
        }
        let mut r = i;
        while r < b.len() && allowed[b[r] as usize] {
            r += 1;
        }
        (l, r)
    }

    /// Runs of `allowed` bytes that hold a digit, for regexes that need a `\d`.
    pub(super) fn digit_windows(&self, allowed: &ByteSet) -> Vec<(usize, usize)> {
        self.digit_windows_where(allowed, |_| true)
    }

    /// [`Scan::digit_windows`] of the runs for which `keep(run)` holds: a detector
    /// skips runs that cannot hold a match it would report (the matches of a run are the
    /// same whether or not other runs are searched).
    pub(super) fn digit_windows_where(
        &self,
        allowed: &ByteSet,
        keep: impl Fn(&[u8]) -> bool,
    ) -> Vec<(usize, usize)> {
        if self.full {
            return self.all();
        }
        let mut w = Windows::default();
        let mut covered = 0;
        for &i in self.digit_runs() {
            if i < covered {
                continue;
            }
            let (l, r) = self.run_core(i, allowed);
            covered = r;
            if keep(&self.b[l..r]) {
                w.push(l.saturating_sub(1), (r + 1).min(self.b.len()));
            }
        }
        w.finish()
    }

    /// The hay of the numeric date detectors: runs of digits, `/.-` and white space
    /// that hold a digit. Every match of `NUMERIC`, `ISO`, `MONTH_YEAR_NUM`, `BARE`,
    /// `SSN` and `V4` is made of these bytes ([`NUMBERS`]) and holds a digit.
    pub(super) fn numbers(&self) -> &Hay<'a> {
        self.numbers
            .get_or_init(|| Hay::new(self.text, &self.digit_windows(&NUMBERS), NUL))
    }

    /// The [`Scan::numbers`] runs with at least seven digits (bytes of them): every
    /// match of `BARE` (ten, or three and four) and `SSN` (nine) is in one.
    pub(super) fn long_numbers(&self) -> &Hay<'a> {
        self.long_numbers.get_or_init(|| {
            let w = self.digit_windows_where(&NUMBERS, |run| count(run, digitish) >= 7);
            Hay::new(self.text, &w, NUL)
        })
    }

    /// The hay of `windows` with the [`NUL`] separator.
    pub(super) fn hay(&self, windows: &[(usize, usize)]) -> Hay<'a> {
        Hay::new(self.text, windows, NUL)
    }

    /// Runs of `allowed` bytes around each byte `seed` for which `keep(bytes, i)` holds.
    pub(super) fn seed_windows(
        &self,
        seed: u8,
        allowed: &ByteSet,
        keep: impl Fn(&[u8], usize) -> bool,
    ) -> Vec<(usize, usize)> {
        self.seed_windows_where(seed, allowed, keep, |_| true)
    }

    /// [`Scan::seed_windows`] of the runs for which `keep_run(run)` holds (as
    /// [`Scan::digit_windows_where`]).
    pub(super) fn seed_windows_where(
        &self,
        seed: u8,
        allowed: &ByteSet,
        keep: impl Fn(&[u8], usize) -> bool,
        keep_run: impl Fn(&[u8]) -> bool,
    ) -> Vec<(usize, usize)> {
        if self.full {
            return self.all();
        }
        let mut w = Windows::default();
        let mut covered = 0;
        for i in memchr::memchr_iter(seed, self.b) {
            if i < covered || !keep(self.b, i) {
                continue;
            }
            let (l, r) = self.run_core(i, allowed);
            covered = r;
            if keep_run(&self.b[l..r]) {
                w.push(l.saturating_sub(1), (r + 1).min(self.b.len()));
            }
        }
        w.finish()
    }

    /// Start of the chunk (run of bytes other than space and tab) holding byte `i`, then
    /// `k` chunks further back. The byte before is a space or a tab: not a word byte.
    fn chunks_back(&self, i: usize, k: usize) -> usize {
        let b = self.b;
        let mut p = i;
        while p > 0 && !space_tab(b[p - 1]) {
            p -= 1;
        }
        for _ in 0..k {
            let mut q = p;
            while q > 0 && space_tab(b[q - 1]) {
                q -= 1;
            }
            if q == 0 {
                return 0;
            }
            p = q;
            while p > 0 && !space_tab(b[p - 1]) {
                p -= 1;
            }
        }
        p
    }

    /// End of the chunk holding byte `i`, then `k` chunks further on.
    fn chunks_fwd(&self, i: usize, k: usize) -> usize {
        let b = self.b;
        let n = b.len();
        let mut p = i;
        while p < n && !space_tab(b[p]) {
            p += 1;
        }
        for _ in 0..k {
            let mut q = p;
            while q < n && space_tab(b[q]) {
                q += 1;
            }
            if q == n {
                return n;
            }
            p = q;
            while p < n && !space_tab(b[p]) {
                p += 1;
            }
        }
        p
    }

    /// Month-name dates: every match holds a month word (an ASCII word of its own,
    /// `\b` on both sides). Before it at most a weekday, a day and "of" with white
    /// space and punctuation; after it days, ranges, "of" and a year.
    pub(super) fn month_windows(&self) -> Vec<(usize, usize)> {
        if self.full || self.fold_hazard {
            return self.all();
        }
        const BACK: ByteSet = byte_set(b" \t\n\r\x0B\x0C,.sStTnNdDrRhHoOfF", true, false);
        const FWD: ByteSet = byte_set(b" \t\n\r\x0B\x0C,.-'tToOhHrRuUgGsSnNdDfF", true, false);
        let b = self.b;
        let mut w = Windows::default();
        for &(s, e, f) in self.words() {
            // Every month word, even one in lower case that is never reported ("may 5"):
            // such a match still takes its text from a later one ("5 may '14 March"
            // holds no match "14 March" in the whole text), so its window must be here.
            if f & MONTH == 0 {
                continue;
            }
            // Before the month: white space, ",", ".", a day (digits, "st" "nd" "rd" "th"),
            // "of" (all in BACK), and first a weekday, a whole word that the second loop
            // takes whole once BACK stops in it. The byte before `a` is ASCII, neither in
            // BACK nor a word byte: no match holds it, and `\b` reads it as the separator.
            let mut a = s;
            while a > 0 && BACK[b[a - 1] as usize] {
                a -= 1;
            }
            while a > 0 && word_byte(b[a - 1]) {
                a -= 1;
            }
            // After it: ".", white space, days, "-", "–", "to", "through", ",", "of" and a
            // year ("'14", "’14"): all in FWD; the byte at `z` (ASCII, no match holds it)
            // is kept for the `\b` that reads it.
            let mut z = e;
            while z < b.len() && FWD[b[z] as usize] {
                z += 1;
            }
            w.push(a, (z + 1).min(b.len()));
        }
        w.finish()
    }

    /// `CONTEXT_ID`: a keyword, then connecting words and signs, then an identifier
    /// with a digit; all of it letters, digits, spaces and `.#:-/` (a run of `ALLOWED`),
    /// and every match starts at a keyword (a whole ASCII word: `\b` before it, and a
    /// space, `\b` or "/n" after it). The window of a run starts at its first keyword
    /// and holds the rest of the run, so every match in the run.
    ///
    /// The one window left out for what the detector rejects: a match is reported only
    /// if its identifier (after its keyword) has three ASCII digits. If the text after
    /// the run's first keyword has fewer, so has the text after every later keyword of
    /// the run: no match of the run can be reported, and the whole run is left out.
    pub(super) fn context_windows(&self) -> Vec<(usize, usize)> {
        if self.full || self.fold_hazard {
            return self.all();
        }
        const ALLOWED: ByteSet = byte_set(b" \t.#:-/", true, true);
        let b = self.b;
        let mut w = Windows::default();
        let mut covered = 0;
        for &(s, e, f) in self.words() {
            if f & CONTEXT == 0 || s < covered {
                continue;
            }
            // "s/n" is the only keyword "s" starts.
            if e - s == 1 && !(b.get(e) == Some(&b'/') && matches!(b.get(e + 1), Some(b'n' | b'N')))
            {
                continue;
            }
            let (_, z, r) = self.run(s, &ALLOWED);
            // An identifier is reported only with three digits or more.
            if count(&b[e..r], |c| c.is_ascii_digit()) >= 3 {
                covered = r;
                w.push(s, z);
            }
        }
        w.finish()
    }

    /// Street addresses: a capitalised suffix word after a space or tab, a number at
    /// most five chunks before it, and at most four chunks after it (direction, unit).
    /// A chunk is a run of bytes other than space and tab: the regex separates its words
    /// with `[ \t]+`, so the number, a direction and up to three name words are at most
    /// five chunks, and a direction, a unit word, "#" and the unit at most four. Every
    /// condition on the suffix is the regex's own (it is case-sensitive), none a check's.
    pub(super) fn street_windows(&self) -> Vec<(usize, usize)> {
        if self.full {
            return self.all();
        }
        let b = self.b;
        let mut w = Windows::default();
        for &(s, e, f) in self.words() {
            if f & STREET == 0
                || s == 0
                || !space_tab(b[s - 1])
                || !b[s].is_ascii_uppercase()
                || b[s + 1..e].iter().any(u8::is_ascii_uppercase)
            {
                continue;
            }
            let a = self.chunks_back(s, 5);
            if b[a..s].iter().any(|&c| digitish(c)) {
                w.push(a, self.chunks_fwd(s, 4));
            }
        }
        w.finish()
    }

    /// A ZIP code after a state: five digits starting a chunk, the state at most three
    /// chunks before ("District of Columbia").
    pub(super) fn state_zip_windows(&self) -> Vec<(usize, usize)> {
        if self.full {
            return self.all();
        }
        let b = self.b;
        let mut w = Windows::default();
        for &i in self.digit_runs() {
            if i == 0 || !space_tab(b[i - 1]) || i + 5 > b.len() {
                continue;
            }
            if b[i..i + 5].iter().all(|&c| digitish(c)) {
                w.push(self.chunks_back(i, 3), self.chunks_fwd(i, 0));
            }
        }
        w.finish()
    }

    /// "City, ST 12345": a comma, then a capital (every state starts with one); the city
    /// at most two chunks before, the state and the ZIP at most four chunks after.
    pub(super) fn city_state_windows(&self) -> Vec<(usize, usize)> {
        if self.full {
            return self.all();
        }
        let b = self.b;
        let mut w = Windows::default();
        for i in memchr::memchr_iter(b',', b) {
            let mut j = i + 1;
            while j < b.len() && space_tab(b[j]) {
                j += 1;
            }
            if j < b.len() && b[j].is_ascii_uppercase() {
                w.push(self.chunks_back(i, 2), self.chunks_fwd(i, 4));
            }
        }
        w.finish()
    }

    /// "Fresno County": the word after a space or tab, the name at most two chunks before.
    pub(super) fn literal_windows(
        &self,
        words: &[memchr::memmem::Finder<'static>],
        back: usize,
    ) -> Vec<(usize, usize)> {
        if self.full {
            return self.all();
        }
        let b = self.b;
        let mut w = Windows::default();
        for word in words {
            for i in word.find_iter(b) {
                if i > 0 && space_tab(b[i - 1]) {
                    w.push(self.chunks_back(i, back), self.chunks_fwd(i, 0));
                }
            }
        }
        w.finish()
    }

    /// The whole text if it holds `needle` ASCII case-insensitively, else nothing.
    pub(super) fn whole_if_ci(&self, needle: &[u8]) -> Vec<(usize, usize)> {
        if self.full || self.fold_hazard {
            return self.all();
        }
        let n = needle.len();
        let found = self.b.len() >= n
            && memchr::memchr2_iter(
                needle[0].to_ascii_lowercase(),
                needle[0].to_ascii_uppercase(),
                self.b,
            )
            .any(|i| self.b.len() - i >= n && self.b[i..i + n].eq_ignore_ascii_case(needle));
        if found { self.all() } else { Vec::new() }
    }

    /// VINs: exactly 17 ASCII word bytes between word boundaries.
    pub(super) fn vin_windows(&self) -> Vec<(usize, usize)> {
        if self.full || self.fold_hazard {
            return self.all();
        }
        let text = self.text;
        let mut w = Windows::default();
        for &start in &self.word_runs().1 {
            // One whole character of context on each side.
            let mut a = start.saturating_sub(1);
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            let end = start + 17;
            let z = end + text[end..].chars().next().map_or(0, char::len_utf8);
            w.push(a, z);
        }
        w.finish()
    }

    /// URLs: a run of URL bytes holding "://", "www." or a top-level domain after a dot.
    pub(super) fn url_windows(&self) -> Vec<(usize, usize)> {
        const ALLOWED: ByteSet = {
            let mut s = [true; 256];
            let no = b"\t\n\x0B\x0C\r <>\"'[](){}|\\^`";
            let mut i = 0;
            while i < no.len() {
                s[no[i] as usize] = false;
                i += 1;
            }
            s
        };
        if self.full {
            return self.all();
        }
        let hazard = self.fold_hazard;
        let mut w = Windows::default();
        let mut covered = 0;
        for i in memchr::memchr2_iter(b'.', b':', self.b) {
            if i < covered || !(hazard || url_seed(self.b, i)) {
                continue;
            }
            let (a, b, r) = self.run(i, &ALLOWED);
            covered = r;
            w.push(a, b);
        }
        w.finish()
    }
}

/// A "://", "www." or ".com"-like spot at byte `i` (a '.' or ':').
fn url_seed(b: &[u8], i: usize) -> bool {
    if b[i] == b':' {
        return b[i + 1..].starts_with(b"//");
    }
    if i >= 3 && b[i - 3..i].eq_ignore_ascii_case(b"www") {
        return true;
    }
    const TLDS: [&[u8]; 9] = [
        b"com", b"org", b"net", b"gov", b"edu", b"info", b"biz", b"io", b"us",
    ];
    let rest = &b[i + 1..];
    TLDS.iter().any(|t| {
        rest.len() >= t.len()
            && rest[..t.len()].eq_ignore_ascii_case(t)
            && rest.get(t.len()).is_none_or(|&c| !word_byte(c))
    })
}

/// Windows of a text joined by a separator, and where each came from.
pub(super) struct Hay<'t> {
    pub s: Cow<'t, str>,
    /// (start in `s`, start in the text) of each window.
    segs: Vec<(usize, usize)>,
}

/// Matches with their groups ([`Hay::captures`]).
pub(super) struct CapsIter<'h> {
    s: &'h str,
    re: &'h regex::Regex,
    locs: Option<regex::CaptureLocations>,
    at: usize,
}

/// The most groups a detector regex has (group 0 included).
const MAX_GROUPS: usize = 16;

impl<'h> Iterator for CapsIter<'h> {
    type Item = Caps<'h>;

    fn next(&mut self) -> Option<Caps<'h>> {
        let locs = self.locs.as_mut()?;
        if self.at > self.s.len() {
            return None;
        }
        let Some(m) = self.re.captures_read_at(locs, self.s, self.at) else {
            self.locs = None;
            return None;
        };
        // No detector regex matches the empty string: the next search starts where this
        // match ends, as `captures_iter` does after a non-empty match.
        assert!(m.end() > m.start(), "detector regexes never match empty");
        self.at = m.end();
        let n = locs.len();
        assert!(n <= MAX_GROUPS);
        let mut slots = [None; MAX_GROUPS];
        for (i, slot) in slots.iter_mut().enumerate().take(n) {
            *slot = locs.get(i);
        }
        Some(Caps {
            s: self.s,
            re: self.re,
            slots,
        })
    }
}

/// One match and its groups, read like `regex::Captures`.
pub(super) struct Caps<'h> {
    s: &'h str,
    re: &'h regex::Regex,
    slots: [Option<(usize, usize)>; MAX_GROUPS],
}

/// A group of a [`Caps`], read like `regex::Match`.
#[derive(Clone, Copy)]
pub(super) struct Group<'h> {
    s: &'h str,
    start: usize,
    end: usize,
}

impl<'h> Group<'h> {
    pub(super) fn start(&self) -> usize {
        self.start
    }
    pub(super) fn end(&self) -> usize {
        self.end
    }
    pub(super) fn as_str(&self) -> &'h str {
        &self.s[self.start..self.end]
    }
}

impl<'h> Caps<'h> {
    pub(super) fn get(&self, i: usize) -> Option<Group<'h>> {
        let (start, end) = (*self.slots.get(i)?)?;
        Some(Group {
            s: self.s,
            start,
            end,
        })
    }
    pub(super) fn name(&self, name: &str) -> Option<Group<'h>> {
        let i = self.re.capture_names().position(|n| n == Some(name))?;
        self.get(i)
    }
}

impl std::ops::Index<usize> for Caps<'_> {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i)
            .unwrap_or_else(|| panic!("no group at index '{i}'"))
            .as_str()
    }
}

impl std::ops::Index<&str> for Caps<'_> {
    type Output = str;
    fn index(&self, name: &str) -> &str {
        self.name(name)
            .unwrap_or_else(|| panic!("no group named '{name}'"))
            .as_str()
    }
}

/// An iterator, or nothing.
pub(super) struct Each<I>(Option<I>);

impl<I: Iterator> Iterator for Each<I> {
    type Item = I::Item;
    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        self.0.as_mut()?.next()
    }
}

/// Digits, `/.-` and white space: the bytes of numeric dates, phone numbers without
/// parentheses, SSNs and IPv4 addresses.
pub(super) const NUMBERS: ByteSet = byte_set(b"/.- \t\r\n", true, false);

/// How many bytes of `run` satisfy `f`.
pub(super) fn count(run: &[u8], f: impl Fn(u8) -> bool) -> usize {
    run.iter().filter(|&&c| f(c)).count()
}

/// The separator for regexes whose classes do not hold NUL (all but `URL`).
pub(super) const NUL: u8 = 0;

impl<'t> Hay<'t> {
    /// `windows` (sorted, disjoint, more than one byte apart) of `text`, joined by `sep`:
    /// a byte every regex searching the hay cannot match, and not a word byte.
    pub(super) fn new(text: &'t str, windows: &[(usize, usize)], sep: u8) -> Hay<'t> {
        debug_assert!(sep.is_ascii() && !word_byte(sep));
        match windows {
            [] => Hay {
                s: Cow::Borrowed(""),
                segs: Vec::new(),
            },
            [(a, b)] => Hay {
                s: Cow::Borrowed(&text[*a..*b]),
                segs: vec![(0, *a)],
            },
            _ => {
                let len = windows.iter().map(|&(a, b)| b - a + 1).sum();
                let mut s = String::with_capacity(len);
                let mut segs = Vec::with_capacity(windows.len());
                for &(a, b) in windows {
                    if !s.is_empty() {
                        s.push(char::from(sep));
                    }
                    segs.push((s.len(), a));
                    s.push_str(&text[a..b]);
                }
                Hay {
                    s: Cow::Owned(s),
                    segs,
                }
            }
        }
    }

    /// The matches of `re` over the hay with their groups, as `re.captures_iter` finds
    /// them, reusing one set of group slots (no allocation per match); nothing at all
    /// when the hay is empty (no detector regex matches the empty string).
    pub(super) fn captures<'h>(&'h self, re: &'h regex::Regex) -> CapsIter<'h> {
        CapsIter {
            s: &self.s,
            re,
            locs: (!self.s.is_empty()).then(|| re.capture_locations()),
            at: 0,
        }
    }

    /// `re.find_iter` over the hay, as [`Hay::captures`].
    pub(super) fn matches<'h>(&'h self, re: &'h regex::Regex) -> Each<regex::Matches<'h, 'h>> {
        Each((!self.s.is_empty()).then(|| re.find_iter(&self.s)))
    }

    /// What to add to a position of a match starting at `p` in the hay to get its
    /// position in the text (a window never starts before its place in the text).
    pub(super) fn off(&self, p: usize) -> usize {
        let i = self.segs.partition_point(|&(h, _)| h <= p) - 1;
        let (h, t) = self.segs[i];
        t - h
    }
}
