//! The speed-ups must not change what is found: each fast path is compared here with
//! the plain way (whole-text regex searches, the word regex) on adversarial text made of
//! identifier shapes, Unicode look-alikes and separators, and on the published letters.

use std::path::Path;

use super::detect;
use super::names;
use super::resolve::Hit;
use super::scan::Scan;
use super::{DatePolicy, Policy};

/// xorshift64*: deterministic, no dependency.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(super) fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

/// Identifier shapes, near misses, keywords and Unicode look-alikes.
pub(super) const FRAGMENTS: &[&str] = &[
    // dates
    "3/6/14",
    "10-13-16",
    "03/06/2014",
    "3.6.2014",
    "3.3.9",
    "2014-03-06",
    "2014/3/6",
    "10/2016",
    "12-2016",
    "March 6, 2014",
    "Mar. 6th 2014",
    "Monday, March 6",
    "March 6-8, 2014",
    "6 Mar 2014",
    "6th of March, 2014",
    "6 March",
    "September 2014",
    "Sept. '14",
    "Sept. ’14",
    "September of 2014",
    "May",
    "may",
    "MAY 5",
    "May 2014",
    "Thu.",
    "Tuesday",
    "through",
    "to",
    "of",
    "10-30-\n2016",
    "#4 July",
    "jan",
    "Dec.",
    "on",
    "On",
    "ON",
    "March\n6",
    "March 6 to 9",
    "Wed., Jan. 3rd, '99",
    "Auguſt 6, 2014",
    "3rd",
    "31st",
    "1900",
    "2099",
    "’14",
    "‘14",
    // Unicode digits, spaces, folds
    "٣",
    "١٢/٣/٢٠١٤",
    "٢٠١٤",
    "\u{a0}",
    "\u{2028}",
    "\u{85}",
    "ſ",
    "\u{212A}",
    "’",
    "‘",
    "–",
    "é",
    "°",
    "×",
    "İ",
    "ß",
    "Ω",
    "日本",
    "𝟙𝟚𝟛",
    "\u{ff11}\u{ff12}",
    // ages
    "92 year old",
    "92-year-old",
    "92 y/o",
    "92yo",
    "95 years of age",
    "age 95",
    "aged 95",
    "age: 95",
    "at the age of 95",
    "AGE 101",
    "89 yrs. old",
    "100 Y.O.",
    // phones
    "(559) 555-0142",
    "559-555-0142",
    "559.555.0142",
    "+1 559 555 0142",
    "1-800-555-0199",
    "555-0142",
    "5595550142",
    "ext. 12",
    "x123",
    "fax",
    "Fax:",
    "phone",
    "tel:",
    "call",
    "+44 20 7946 0958",
    "+33 (1) 23 45 67 89",
    "559 555 0142",
    "159 055 0142",
    "559-555.0142",
    // SSN
    "123-45-6789",
    "078 05 1120",
    "078051120",
    "SSN",
    "ss#",
    "social security",
    "999-45-6789",
    // email, URL
    "a.b@example.com",
    "john_doe+x@mail.co.uk",
    "http://example.com/x?y=1",
    "www.Example.org.",
    "dir.ca.gov/dwc",
    "foo.US",
    "x.io,",
    "e.g.",
    "i.e.",
    "www.uſ",
    "HTTPS://A.B",
    "ftp://x",
    "x.com",
    "x.comb",
    "a@b",
    "@",
    "mtus.info/page",
    "uſ",
    // IP
    "192.168.1.20",
    "3.3.1.2",
    "section 1.2.3.4",
    "fe80::1ff:fe23:4567:890a",
    "::1",
    "2001:db8::8a2e:370:7334",
    "10:30",
    "a:b:c",
    "300.1.1.1",
    // geography
    "Fresno, CA 93721",
    "Fresno, California",
    "CA 93721-1234",
    "zip 93721",
    "ZIP code: 93721",
    "Postal Code 93721",
    "zip93721",
    "New York, NY 10001",
    "District of Columbia 20001",
    "Fresno County",
    "Orleans Parish",
    "Reviewed, CA MTUS",
    "Oxnard,CA",
    "San Luis Obispo, CA.",
    "Calif",
    "Washington",
    "Georgia",
    "IN",
    "OR",
    "ME",
    "Ca",
    "12345",
    "93721-1234",
    // addresses
    "1234 Elm Street",
    "1234 N. Elm St., Apt 5",
    "56 West Oak Ave #12",
    "9647 Amberglen Court",
    "P.O. Box 123",
    "PO BOX 45a",
    "post office box 9",
    "12 3rd St",
    "1600 Pennsylvania Avenue NW",
    "12B-34 Main St. suite 4",
    "Dr",
    "St",
    "Ave",
    "Court",
    "Way",
    "Path",
    "Loop",
    // context numbers
    "MRN 1234567",
    "medical record number: A12-345",
    "claim #WC99-0420658",
    "policy no. 987654",
    "ID 12345",
    "id: 1234",
    "s/n 12345X",
    "S/N: AB-1234",
    "license plate 7ABC123",
    "group 12345",
    "member id is 12345678",
    "plan 123",
    "patient id 998877",
    "Claim Number Number 12-345",
    "med rec # 55-123",
    "DEA AB1234567",
    "NPI 1234567890",
    "acct. 1234-5678",
    // VIN and other numbers
    "1HGCM82633A004352",
    "VIN 1M8GDM9AXKP042788",
    "JH4KA7560MC012345",
    "ADJ31314624",
    "WC99-0420658",
    "CM14-6621405",
    "600mg/300mg",
    "9792.24.1",
    "2014-2016",
    "1234567",
    "123456789",
    "AB1234CD56",
    // names and words
    "Dr.",
    "Smith",
    "John",
    "Doe",
    "Mrs.",
    "patient",
    "named",
    "Jane Roe",
    "the",
    "was",
    "seen",
    "plan",
    "box",
    "Box",
    "County",
    "O'Brien",
    "Garcia-Lopez",
    "MS Contin",
    "Will",
    // Markdown-ish
    "*",
    "**",
    "_",
    "`",
    "&amp;",
    "&#111;",
    "<b>",
    "</b>",
    "\\",
    "[",
    "]",
    "(",
    ")",
];

pub(super) const SEPARATORS: &[&str] = &[
    " ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", ", ", ". ", "; ", ": ", "(", ")", "#", "-",
    "/", ".", "'", "\"", "<", ">", "_", "|", "", "", "\u{a0}", "’",
];

pub(super) fn generate(rng: &mut Rng, parts: usize) -> String {
    let mut s = String::new();
    for _ in 0..parts {
        s.push_str(rng.pick(FRAGMENTS));
        s.push_str(rng.pick(SEPARATORS));
    }
    s
}

fn letters() -> Vec<String> {
    let dir = Path::new(file!())
        .parent()
        .expect("src/deid")
        .join("../../tests/data/dwc-imr/txt");
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&dir) {
        let mut paths: Vec<_> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if let Ok(t) = std::fs::read_to_string(&p) {
                out.push(t);
            }
        }
    }
    out
}

fn hits(scan: &Scan, policy: &Policy) -> String {
    let mut h: Vec<Hit> = Vec::new();
    detect::find_all(scan, policy, &mut h);
    let allow = vec!["example.com".to_string(), "dir.ca.gov".to_string()];
    format!("{h:?} {:?}", detect::allowed_url_ranges(scan, &allow))
}

fn same_detections(text: &str) {
    let policy = Policy::default();
    let fast = hits(&Scan::new(text), &policy);
    let whole = hits(&Scan::whole(text), &policy);
    assert_eq!(
        fast, whole,
        "windows differ from whole-text search on {text:?}"
    );
}

#[test]
fn windows_find_what_whole_texts_find() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..4000 {
        let parts = 1 + rng.below(40);
        same_detections(&generate(&mut rng, parts));
    }
    let keep = Policy {
        dates: DatePolicy::Keep,
        ..Policy::default()
    };
    let t = generate(&mut rng, 200);
    assert_eq!(hits(&Scan::new(&t), &keep), hits(&Scan::whole(&t), &keep));
}

#[test]
fn windows_find_what_whole_texts_find_in_letters() {
    let mut rng = Rng(7);
    for text in letters() {
        same_detections(&text);
        // Pieces cut anywhere (at character boundaries).
        for _ in 0..3 {
            let mut a = rng.below(text.len() + 1);
            let mut b = rng.below(text.len() + 1);
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            while !text.is_char_boundary(a) {
                a -= 1;
            }
            while !text.is_char_boundary(b) {
                b -= 1;
            }
            same_detections(&text[a..b]);
        }
    }
}

/// The word regex the name detector used.
fn regex_words(text: &str) -> Vec<(usize, usize)> {
    static RE: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"\p{L}[\p{L}'’\-]*").expect("word pattern"));
    RE.find_iter(text).map(|m| (m.start(), m.end())).collect()
}

#[test]
fn name_words_are_the_word_regex() {
    let mut rng = Rng(11);
    let chars: Vec<char> = "aZ'’-  .,1é\u{2019}ßΩ日ǅ\u{1F600}\u{0301}ſ\u{212A}ⅷ\u{a0}_"
        .chars()
        .collect();
    for _ in 0..3000 {
        let n = rng.below(30);
        let s: String = (0..n).map(|_| chars[rng.below(chars.len())]).collect();
        assert_eq!(names::word_spans(&s), regex_words(&s), "{s:?}");
    }
    for text in letters() {
        assert_eq!(names::word_spans(&text), regex_words(&text));
    }
    let mut all = String::new();
    for c in (0u32..0x3_0000).filter_map(char::from_u32) {
        all.push(c);
        all.push(' ');
    }
    assert_eq!(names::word_spans(&all), regex_words(&all));
}

/// The token rules as the name detector applied them to each regex word.
#[allow(clippy::type_complexity)]
fn reference_tokens(text: &str) -> Vec<(usize, usize, String, String, String, bool, u8)> {
    // The word lists are the detector's own: what is compared is how they are applied.
    use super::names::{CONTEXT, LINKS, STRONG};
    let one_of = |word: &str, list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(word));
    regex_words(text)
        .into_iter()
        .filter_map(|(start, end)| {
            let mut s = &text[start..end];
            for suffix in ["'s", "’s", "'S", "’S"] {
                if let Some(stem) = s.strip_suffix(suffix) {
                    s = stem;
                }
            }
            let s = s.trim_end_matches(['\'', '’', '-']);
            if s.is_empty() {
                return None;
            }
            let mut chars = s.chars();
            let first_upper = chars.next().is_some_and(char::is_uppercase);
            let (mut rest, mut lower_rest) = (false, false);
            for c in chars {
                rest = true;
                lower_rest |= c.is_lowercase();
            }
            let case = match (first_upper, rest && !lower_rest) {
                (false, _) => "Lower",
                (true, true) => "Upper",
                (true, false) => "Capitalised",
            };
            let lower = if case == "Lower" {
                String::new()
            } else {
                s.to_lowercase()
            };
            let bits = u8::from(one_of(s, &CONTEXT))
                | u8::from(one_of(s, &STRONG)) << 1
                | u8::from(one_of(s, &LINKS)) << 2;
            Some((
                start,
                start + s.len(),
                s.to_string(),
                lower,
                case.to_string(),
                !rest,
                bits,
            ))
        })
        .collect()
}

#[test]
fn name_tokens_follow_the_token_rules() {
    let mut rng = Rng(13);
    let chars: Vec<char> = "aZsS'’-  .1é\u{2019}ßΣΩǅ\u{0301}İ".chars().collect();
    for _ in 0..3000 {
        let n = rng.below(24);
        let s: String = (0..n).map(|_| chars[rng.below(chars.len())]).collect();
        assert_eq!(names::token_view(&s), reference_tokens(&s), "{s:?}");
    }
    for _ in 0..2000 {
        let parts = 1 + rng.below(30);
        let s = generate(&mut rng, parts);
        assert_eq!(names::token_view(&s), reference_tokens(&s), "{s:?}");
    }
    let words = "Patient PATIENT named NAME Called aka AKA iw IW Is was WAS as As wife Wife's \
                 Husband's brother-in-law o'brien O'BRIEN x's's X'S's Name: Nameless patients";
    assert_eq!(names::token_view(words), reference_tokens(words));
    for text in letters() {
        assert_eq!(names::token_view(&text), reference_tokens(&text));
    }
}

/// The runs of set bits of `m` (the scalar way).
fn scalar_runs(m: &[u64]) -> Vec<(usize, usize)> {
    let bit = |i: usize| m[i / 64] >> (i % 64) & 1 == 1;
    let n = m.len() * 64;
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if bit(i) {
            let s = i;
            while i < n && bit(i) {
                i += 1;
            }
            out.push((s, i));
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn byte_masks_and_packing_match_the_plain_way() {
    use super::fast::{Bits, NextOf, pack_exact, pack_lower, pack16, runs};
    let mut rng = Rng(17);
    // Every byte value in every lane of a block, among random neighbours.
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for len in [0, 1, 7, 8, 9, 63, 64, 65, 127, 128, 200] {
        for _ in 0..40 {
            inputs.push((0..len).map(|_| rng.next() as u8).collect());
        }
    }
    for v in 0..=255u8 {
        let pool = b"aZ09_'- \n\x80";
        let mut b: Vec<u8> = (0..70).map(|_| pool[rng.below(pool.len())]).collect();
        let at = rng.below(70);
        b[at] = v;
        inputs.push(b);
    }
    let to_mask = |b: &[u8], f: &dyn Fn(u8) -> bool| -> Vec<u64> {
        let mut m = vec![0u64; b.len().div_ceil(64)];
        for (i, &c) in b.iter().enumerate() {
            if f(c) {
                m[i / 64] |= 1 << (i % 64);
            }
        }
        m
    };
    for b in &inputs {
        let bits = Bits::new(b);
        assert_eq!(
            bits.letter(),
            to_mask(b, &|c| c.is_ascii_alphabetic()),
            "{b:?}"
        );
        assert_eq!(
            bits.alnum(),
            to_mask(b, &|c| c.is_ascii_alphanumeric()),
            "{b:?}"
        );
        assert_eq!(
            bits.word(),
            to_mask(b, &|c| c.is_ascii_alphanumeric() || c == b'_'),
            "{b:?}"
        );
        assert_eq!(
            bits.join(),
            to_mask(b, &|c| c.is_ascii_alphabetic() || c == b'\'' || c == b'-'),
            "{b:?}"
        );
        assert_eq!(
            bits.digitish(),
            to_mask(b, &|c| c.is_ascii_digit() || c >= 0x80),
            "{b:?}"
        );
        for needles in [&b"`<]"[..], b"\\", b"\xff\n", b"a"] {
            let mut next = NextOf::new(needles);
            let mut i = 0;
            while i <= b.len() {
                let want = (i..b.len())
                    .find(|&k| needles.contains(&b[k]))
                    .unwrap_or(b.len());
                assert_eq!(next.at(b, i), want, "{b:?} {i}");
                i += 1 + rng.below(3);
            }
        }
        for m in [bits.word(), bits.join(), bits.digitish()] {
            let mut got = Vec::new();
            runs(m, |s, e| got.push((s, e)));
            assert_eq!(got, scalar_runs(m), "{b:?}");
        }
        for len in 0..=b.len().min(16) {
            let w = &b[..len];
            let mut a = [0u8; 16];
            a[..len].copy_from_slice(w);
            assert_eq!(pack16(w), u128::from_le_bytes(a), "{w:?}");
            let lower: Vec<u8> = a.iter().map(u8::to_ascii_lowercase).collect();
            assert_eq!(
                pack_lower(w),
                u128::from_le_bytes(lower.try_into().expect("16")),
                "{w:?}"
            );
            assert_eq!(
                pack_exact(w),
                (!w.contains(&0)).then(|| u128::from_le_bytes(a)),
                "{w:?}"
            );
        }
    }
    // Full words: the run at the very end of a 64-byte block, and at the end of the text.
    for n in [63usize, 64, 65, 128] {
        let b = vec![b'a'; n];
        let mut got = Vec::new();
        runs(Bits::new(&b).word(), |s, e| got.push((s, e)));
        assert_eq!(got, vec![(0, n)]);
    }
}

/// Matches the detectors do not report still take their text from later ones: a window
/// must hold them too ("5 may '14 March": "5 may '14" is a match, lower case and so not
/// reported, and "14 March" after it is no match of the whole text).
#[test]
fn unreported_matches_still_shadow_later_ones() {
    for t in [
        "5 may '14 March",
        "5 may '14 March 2014",
        "12 dec '14 Jan 2015",
        "Monday, may 5 to Monday, March 6",
        "may 2014 March 5",
        "6 of mar 2014, 7 March",
        "aged 8 92 year old",
        "id 12 MRN 1234567",
        "mrn 12 id 1234567",
    ] {
        same_detections(t);
    }
}

/// The longest matches the regions around seeds must reach (see `scan`): five chunks
/// before a street suffix and four after it, three before a ZIP, a city of three words
/// and "District of Columbia" with its ZIP after a comma, two words before "County",
/// a weekday and a day before a month, a range and a year after it.
#[test]
fn windows_reach_the_longest_matches() {
    for t in [
        "x 1234B-12 N. 3rd Oak Elm Street N., Apt. # 5B y",
        "x 12 West Oak Elm Pine Ave S. apartment #\t4-C z",
        "x (1234 Oak   Elm\tPine Way, #  12 z",
        "to District of Columbia, 20001-1234 x",
        "in San Luis Obispo, District of Columbia 20001-1234 x",
        "(San Luis-Obispo,\tNew Hampshire. 03301 x",
        "x San Luis Obispo,CA. y",
        "(Los Angeles\tCounty) and St Tammany Parish,",
        "Thursday, 31st of March, 2014 y",
        "Tues., March\n  6th through 9th, of '14 y",
        "x Mon. 6 to 8 Dec ’14 y",
        "ZIP code:\t93721-1234 y",
        "postal   code # 93721 y",
    ] {
        same_detections(t);
        // Each is found (so the extremes are really searched).
        assert!(
            hits(&Scan::new(t), &Policy::default()).starts_with("[Hit"),
            "{t:?}"
        );
    }
}

/// The windows found by ASCII keyword (months, context words, VINs, "box") trust that a
/// `(?i)` ASCII letter matches no other character than its two cases, except "ſ" (s)
/// and "K" (Kelvin, k), which make `Scan` search those detectors' texts whole.
#[test]
fn only_long_s_and_kelvin_fold_to_ascii_letters() {
    let re = regex::Regex::new(r"(?i)^[a-z]$").expect("class");
    let others: Vec<char> = (0x80u32..=0x10_FFFF)
        .filter_map(char::from_u32)
        .filter(|c| re.is_match(c.encode_utf8(&mut [0; 4])))
        .collect();
    assert_eq!(others, vec!['ſ', '\u{212A}']);
}
