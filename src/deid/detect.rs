//! The static pattern detectors for undeclared identifiers: dates, ages 90+, phone and
//! fax, email, SSN, URL, IP, ZIP, VIN, street addresses, numbers after context words.
//! Compiled once per process; each detector validates what its regex found, because
//! clinical text is full of number shapes that are not identifiers.

use std::sync::LazyLock;

use regex::Regex;

use super::Category;
use super::DatePolicy;
use super::Policy;
use super::names;
use super::resolve::{Hit, Priority, Replacement};
use super::scan::{
    ByteSet, Caps, HAS_AT, HAS_COLON, HAS_COMMA, HAS_DIGIT, HAS_DOT, Hay, NUMBERS, Scan, byte_set,
    count, digitish,
};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static de-identification pattern compiles")
}

/// The case number is the archive's key and is published (issue 4).
pub(super) fn is_case_number(s: &str) -> bool {
    static CASE: LazyLock<Regex> = LazyLock::new(|| re(r"^CM\d{2}-\d{7}$"));
    CASE.is_match(s)
}

fn byte_at(text: &str, i: usize) -> Option<u8> {
    text.as_bytes().get(i).copied()
}

fn prev(text: &str, i: usize) -> Option<u8> {
    if i == 0 { None } else { byte_at(text, i - 1) }
}

/// True when the number at `start..end` is glued to more digits, so it is part of a
/// longer token ("10/325", "9792.24.1", a range "1-2-3-4").
fn glued(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let before = match prev(text, start) {
        Some(c) if c.is_ascii_alphanumeric() => true,
        Some(b'/' | b'.' | b'-') => start >= 2 && digit_at(start - 2),
        _ => false,
    };
    let after = match byte_at(text, end) {
        Some(c) if c.is_ascii_alphanumeric() => true,
        Some(b'/') => digit_at(end + 1),
        Some(b'.' | b'-') => digit_at(end + 1),
        _ => false,
    };
    before || after
}

/// Two-digit years: 00–39 are 20xx, the rest 19xx.
fn full_year(y: &str) -> Option<u16> {
    let n: u16 = y.parse().ok()?;
    match y.len() {
        2 if n < 40 => Some(2000 + n),
        2 => Some(1900 + n),
        4 if (1900..=2099).contains(&n) => Some(n),
        _ => None,
    }
}

/// If the date at `start` is preceded by the word "on", the edit swallows it and
/// writes "in" ("on 3/6/14" → "in 2014").
fn preceding_on(text: &str, start: usize) -> Option<(usize, &'static str)> {
    let head = text[..start].trim_end_matches([' ', '\t', '\n', '\r']);
    if head.len() == start || head.len() < 2 {
        return None;
    }
    let word_start = head.len() - 2;
    let word = head.get(word_start..)?;
    let before_ok = prev(head, word_start).is_none_or(|c| !c.is_ascii_alphanumeric());
    if !before_ok {
        return None;
    }
    match word {
        "on" => Some((word_start, "in")),
        "On" => Some((word_start, "In")),
        "ON" => Some((word_start, "IN")),
        _ => None,
    }
}

/// Like [`glued`], but a dash may join two dates ("3/6/14-4/5/14"): only digits,
/// slashes and dots extend a date.
fn date_glued(text: &str, start: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let before = match prev(text, start) {
        Some(c) if c.is_ascii_alphanumeric() => true,
        Some(b'/' | b'.') => start >= 2 && digit_at(start - 2),
        _ => false,
    };
    let after = match byte_at(text, end) {
        Some(c) if c.is_ascii_alphanumeric() => true,
        Some(b'/' | b'.') => digit_at(end + 1),
        _ => false,
    };
    before || after
}

fn date_hit(text: &str, start: usize, end: usize, year: Option<u16>) -> Hit {
    match year {
        Some(year) => {
            let on = preceding_on(text, start);
            Hit {
                start,
                end,
                edit_start: on.map_or(start, |(s, _)| s),
                category: Category::Date,
                priority: Priority::Pattern,
                replacement: Replacement::Year {
                    year,
                    on: on.map(|(_, w)| w),
                },
            }
        }
        None => Hit::placeholder(start, end, Category::Date, Priority::Pattern),
    }
}

fn month_day_ok(a: u32, b: u32) -> bool {
    ((1..=12).contains(&a) && (1..=31).contains(&b))
        || ((1..=12).contains(&b) && (1..=31).contains(&a))
}

const MONTH: &str = r"(?i:january|february|march|april|may|june|july|august|september|october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)(?-u:\b)\.?";
const WEEKDAY: &str = r"(?:(?i:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues|tue|wed|thurs|thu|fri|sat|sun)(?-u:\b)\.?,?\s+)?";
const DAY: &str = r"[0-3]?\d(?i:st|nd|rd|th)?(?-u:\b)";
const YEAR: &str = r"(?:(?:19|20)\d\d(?-u:\b)|['’‘]\d\d(?-u:\b))";

/// The month word of a match must be written as a month (capitalised or upper case):
/// "may 5" is a verb and a count, "May 5" a date.
fn month_capitalised(m: &str) -> bool {
    let word = m.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn find_dates(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    // 3/6/14, 10-13-16, 03/06/2014, 3.6.2014; a line break may follow the second
    // separator (letters extracted from PDFs break "10-30-\n2016").
    static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?-u:\b)(\d{1,2})([/.\-])(\d{1,2})([/.\-])(?:[ \t]*\r?\n[ \t\r\n]*)?(\d{4}|\d{2})(?-u:\b)",
        )
    });
    static ISO: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?-u:\b)((?:19|20)\d\d)([/.\-])(\d{1,2})([/.\-])(\d{1,2})(?-u:\b)"));
    // 10/2016, 12-2016: a month and a year.
    static MONTH_YEAR_NUM: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?-u:\b)(\d{1,2})[/\-]((?:19|20)\d\d)(?-u:\b)"));
    // March 6, 2014 · Mar. 6th 2014 · Monday, March 6 · March 6-8, 2014
    static MONTH_DAY: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"(?-u:\b){WEEKDAY}(?P<m>{MONTH})[ \t]*\r?\n?[ \t]*(?P<d>{DAY})(?:\s*(?:-|–|to|through)\s*{DAY})?(?:,?\s*(?:of\s+)?(?P<y>{YEAR}))?"
        ))
    });
    // 6 Mar 2014 · 6th of March, 2014 · 6 March
    static DAY_MONTH: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"(?-u:\b){WEEKDAY}(?P<d>{DAY})[ \t]+(?:of[ \t]+)?(?P<m>{MONTH})(?:,?\s*(?P<y>{YEAR}))?"
        ))
    });
    // September 2014 · Sept. '14 · September of 2014
    static MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"(?-u:\b)(?P<m>{MONTH}),?\s*(?:of\s+)?(?P<y>{YEAR})"
        ))
    });

    {
        let hay = scan.numbers();
        for c in hay.captures(&NUMERIC) {
            let off = hay.off(c.get(0).expect("match").start());
            let m = c.get(0).expect("match");
            let (ms, me) = (off + m.start(), off + m.end());
            if c[2] != c[4] || date_glued(text, ms, me) {
                continue;
            }
            // Dotted forms need a four-digit year: "3.3.9" is a section number.
            if &c[2] == "." && c[5].len() != 4 {
                continue;
            }
            let (a, b) = (c[1].parse().unwrap_or(0), c[3].parse().unwrap_or(0));
            if !month_day_ok(a, b) {
                continue;
            }
            if let Some(year) = full_year(&c[5]) {
                hits.push(date_hit(text, ms, me, Some(year)));
            }
        }
    }
    {
        let hay = scan.numbers();
        for c in hay.captures(&ISO) {
            let off = hay.off(c.get(0).expect("match").start());
            let m = c.get(0).expect("match");
            let (ms, me) = (off + m.start(), off + m.end());
            if c[2] != c[4] || date_glued(text, ms, me) {
                continue;
            }
            let (mo, d): (u32, u32) = (c[3].parse().unwrap_or(0), c[5].parse().unwrap_or(0));
            if (1..=12).contains(&mo) && (1..=31).contains(&d) {
                hits.push(date_hit(text, ms, me, full_year(&c[1])));
            }
        }
    }
    {
        let hay = scan.numbers();
        for c in hay.captures(&MONTH_YEAR_NUM) {
            let off = hay.off(c.get(0).expect("match").start());
            let m = c.get(0).expect("match");
            let (ms, me) = (off + m.start(), off + m.end());
            let mo: u32 = c[1].parse().unwrap_or(0);
            if (1..=12).contains(&mo) && !date_glued(text, ms, me) {
                hits.push(date_hit(text, ms, me, full_year(&c[2])));
            }
        }
    }
    let months = scan.hay(&scan.month_windows());
    for rx in [&*MONTH_DAY, &*DAY_MONTH, &*MONTH_YEAR] {
        month_dates(text, rx, &months, hits);
    }
}

fn month_dates(text: &str, rx: &Regex, hay: &Hay, hits: &mut Vec<Hit>) {
    {
        for c in hay.captures(rx) {
            let m = c.get(0).expect("match");
            let off = hay.off(m.start());
            let month = c.name("m").expect("month group");
            if !month_capitalised(month.as_str()) {
                continue;
            }
            if let Some(d) = c.name("d") {
                // "#4 July" is the fourth visit, not a day.
                if prev(text, off + d.start()) == Some(b'#') {
                    continue;
                }
                let day: u32 = d
                    .as_str()
                    .trim_end_matches(|ch: char| ch.is_ascii_alphabetic())
                    .parse()
                    .unwrap_or(0);
                if !(1..=31).contains(&day) {
                    continue;
                }
            }
            let year = c.name("y").and_then(|y| {
                let digits: String = y.as_str().chars().filter(char::is_ascii_digit).collect();
                full_year(&digits)
            });
            // "May" alone before a year is still a month ("May 2014"); without a day
            // or a year a month name is not a date element we can tie to a person.
            hits.push(date_hit(text, off + m.start(), off + m.end(), year));
        }
    }
}

/// ASCII digits whose value is 90 to 125.
fn old_digits(d: &[u8]) -> bool {
    std::str::from_utf8(d)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .is_some_and(|n| (90..=125).contains(&n))
}

fn find_ages(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    // "92 year old", "92-year-old", "92 y/o", "92yo", "95 years of age": the whole
    // phrase becomes "90 or older".
    static PHRASE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)(?-u:\b)(\d{2,3})(?:[ \t]*-[ \t]*|[ \t]+)?(?:(?:years?|yrs?\.?|y\.?)(?:[ \t]*-[ \t]*|[ \t]+)(?:old|of[ \t]+age)(?-u:\b)|y/o|y\.o\.?|yo(?-u:\b))",
        )
    });
    // "age 95", "aged 95", "age: 95", "at the age of 95": the number only.
    static AGE: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)(?-u:\b)(?:age|aged)[ \t]*(?:of[ \t]+|:[ \t]*)?(\d{2,3})(?-u:\b)")
    });
    // Digits, white space, "-./:" and the letters of the age words.
    const AGES: ByteSet = byte_set(b" \t-./:yearsoldfgYEARSOLDFG", true, false);
    let old = |n: &str| n.parse::<u32>().is_ok_and(|n| (90..=125).contains(&n));
    // Only "90" to "125" (a whole run of ASCII digits) is reported: runs without one
    // are not searched.
    let hay = scan.hay(&scan.digit_windows_where(&AGES, |run| {
        run.split(|c| !c.is_ascii_digit())
            .any(|d| (2..=3).contains(&d.len()) && old_digits(d))
    }));
    {
        for c in hay.captures(&PHRASE) {
            let off = hay.off(c.get(0).expect("match").start());
            let m = c.get(0).expect("match");
            let (ms, me) = (off + m.start(), off + m.end());
            let glued_before =
                prev(text, ms).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.');
            if old(&c[1]) && !glued_before {
                hits.push(Hit::with(
                    ms,
                    me,
                    Category::Age,
                    Replacement::Literal("90 or older"),
                ));
            }
        }
    }
    {
        for c in hay.captures(&AGE) {
            let off = hay.off(c.get(0).expect("match").start());
            let n = c.get(1).expect("n");
            let (ns, ne) = (off + n.start(), off + n.end());
            if old(n.as_str()) && !glued(text, ns, ne) {
                hits.push(Hit::with(
                    ns,
                    ne,
                    Category::Age,
                    Replacement::Literal("90 or older"),
                ));
            }
        }
    }
}

/// Phone or fax: "fax" shortly before the number decides.
pub(super) fn phone_category(text: &str, start: usize) -> Category {
    let from = floor_char(text, start.saturating_sub(24));
    let before = text[from..start].to_ascii_lowercase();
    if before.contains("fax") || before.contains("facsimile") {
        Category::Fax
    } else {
        Category::Phone
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn context_before(text: &str, start: usize, len: usize) -> String {
    text[floor_char(text, start.saturating_sub(len))..start].to_ascii_lowercase()
}

fn find_phones(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    static NANP: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)(?:\+?1[ .\-]?)?(?:\([ \t]*(\d{3})[ \t]*\)[ \t]*|(\d{3})([ .\-]))(\d{3})([ .\-])(\d{4})(?:[ \t]*(?:x|ext\.?|extension)[ \t]*\d{1,6})?(?-u:\b)",
        )
    });
    static INTL: LazyLock<Regex> =
        LazyLock::new(|| re(r"\+[2-9]\d{0,2}(?:[ .\-]?\(?\d{1,4}\)?){2,5}(?-u:\b)"));
    // Bare digit runs are phones only when a phone word says so.
    static BARE: LazyLock<Regex> = LazyLock::new(|| re(r"(?-u:\b)(?:\d{10}|\d{3}-\d{4})(?-u:\b)"));
    // The bytes of phone numbers; NANP holds ten digits, INTL starts with "+" and is
    // reported with eight to fifteen.
    const PHONES: ByteSet = byte_set(b"/.-+() \t\r\nxetnsioXETNSIO", true, false);
    {
        let hay = scan.hay(&scan.digit_windows_where(&PHONES, |run| count(run, digitish) >= 10));
        for c in hay.captures(&NANP) {
            let off = hay.off(c.get(0).expect("match").start());
            nanp(text, off, &c, hits);
        }
    }
    {
        let hay = scan.hay(&scan.seed_windows_where(
            b'+',
            &PHONES,
            |_, _| true,
            |run| count(run, |c| c.is_ascii_digit()) >= 8,
        ));
        for m in hay.matches(&INTL) {
            let off = hay.off(m.start());
            let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
            if (8..=15).contains(&digits) {
                let (ms, me) = (off + m.start(), off + m.end());
                hits.push(Hit::placeholder(
                    ms,
                    me,
                    phone_category(text, ms),
                    Priority::Pattern,
                ));
            }
        }
    }
    {
        let hay = scan.long_numbers();
        for m in hay.matches(&BARE) {
            let off = hay.off(m.start());
            let (ms, me) = (off + m.start(), off + m.end());
            if glued(text, ms, me) {
                continue;
            }
            let before = context_before(text, ms, 24);
            if [
                "phone", "tel", "cell", "mobile", "fax", "call", "contact", "pager",
            ]
            .iter()
            .any(|w| before.contains(w))
            {
                hits.push(Hit::placeholder(
                    ms,
                    me,
                    phone_category(text, ms),
                    Priority::Pattern,
                ));
            }
        }
    }
}

/// One `NANP` match at `off` in the window.
fn nanp(text: &str, off: usize, c: &Caps, hits: &mut Vec<Hit>) {
    {
        let m = c.get(0).expect("match");
        let start = off + m.start();
        // A leading "1-" or "+1" belongs to the number; other glued digits do not.
        if prev(text, start)
            .is_some_and(|b| b.is_ascii_digit() || b == b'-' || b == b'/' || b == b'.')
            || byte_at(text, off + m.end()).is_some_and(|b| b == b'-' || b == b'/')
        {
            return;
        }
        let area = c.get(1).or(c.get(2)).expect("area").as_str();
        let exchange = &c[4];
        // Space-separated triples occur in lists of numbers; insist on a valid NANP
        // area code and exchange for them.
        let spaced = c.get(3).is_some_and(|s| s.as_str() == " ") || &c[5] == " ";
        if spaced && (area.starts_with(['0', '1']) || exchange.starts_with(['0', '1'])) {
            return;
        }
        let mixed = c.get(3).is_some_and(|s1| {
            let s2 = &c[5];
            s1.as_str() != s2 && s1.as_str() != " " && s2 != " "
        });
        if mixed {
            // Mixed "-" and "." is not a phone number as people write them.
            return;
        }
        hits.push(Hit::placeholder(
            start,
            off + m.end(),
            phone_category(text, start),
            Priority::Pattern,
        ));
    }
}

/// Social Security number ranges: no 000, 666 or 9xx area, no 00 group, no 0000 serial.
pub(super) fn ssn_valid(area: &str, group: &str, serial: &str) -> bool {
    area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
}

pub(super) static SSN: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u:\b)(\d{3})([ \-]?)(\d{2})([ \-]?)(\d{4})(?-u:\b)"));

fn find_ssns(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    {
        let hay = scan.long_numbers();
        for c in hay.captures(&SSN) {
            let off = hay.off(c.get(0).expect("match").start());
            ssn(text, off, &c, hits);
        }
    }
}

/// One `SSN` match at `off` in the window.
fn ssn(text: &str, off: usize, c: &Caps, hits: &mut Vec<Hit>) {
    {
        let m = c.get(0).expect("match");
        let (ms, me) = (off + m.start(), off + m.end());
        if c[2] != c[4] || glued(text, ms, me) {
            return;
        }
        let valid = ssn_valid(&c[1], &c[3], &c[5]);
        match &c[2] {
            "-" if valid => hits.push(Hit::placeholder(ms, me, Category::Ssn, Priority::Pattern)),
            // Clinical text never writes 3-2-4 dashed groups: an out-of-range one is
            // still some identifying number.
            "-" => hits.push(Hit::placeholder(
                ms,
                me,
                Category::OtherNumber,
                Priority::Generic,
            )),
            " " if valid => hits.push(Hit::placeholder(ms, me, Category::Ssn, Priority::Pattern)),
            "" if valid => {
                let before = context_before(text, ms, 32);
                if ["ssn", "social security", "ss#", "soc sec", "s.s.n", "ss no"]
                    .iter()
                    .any(|w| before.contains(w))
                {
                    hits.push(Hit::placeholder(ms, me, Category::Ssn, Priority::Pattern));
                }
            }
            _ => {}
        }
    }
}

pub(super) static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)[a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}(?-u:\b)",
    )
});

static URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)(?-u:\b)(?:(?:https?|ftp)://|www\.)[^\s<>"'\[\](){}|\\^`]+|(?-u:\b)[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:com|org|net|gov|edu|info|biz|io|us)(?-u:\b)(?:/[^\s<>"'\[\](){}|\\^`]*)?"#,
    )
});

/// A URL's comparison key for `allow_urls`: no scheme, no `www.`, lower case.
pub(super) fn url_key(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let rest = ["https://", "http://", "ftp://"]
        .iter()
        .find_map(|s| lower.strip_prefix(s))
        .unwrap_or(&lower);
    rest.strip_prefix("www.").unwrap_or(rest).to_string()
}

fn url_matches(scan: &Scan) -> Vec<(usize, usize)> {
    // NUL is a URL byte; a space is not (nor a word byte).
    let hay = Hay::new(scan.text, &scan.url_windows(), b' ');
    hay.matches(&URL)
        .map(|m| {
            let off = hay.off(m.start());
            // Sentence punctuation after a URL is not part of it.
            let trimmed = m
                .as_str()
                .trim_end_matches(['.', ',', ';', ':', '!', '?', '*', '_']);
            (off + m.start(), off + m.start() + trimmed.len())
        })
        .collect()
}

/// Ranges of URLs whose key starts with an allowed prefix.
pub(super) fn allowed_url_ranges(scan: &Scan, allow: &[String]) -> Vec<(usize, usize)> {
    if allow.is_empty() {
        return Vec::new();
    }
    let text = scan.text;
    url_matches(scan)
        .into_iter()
        .filter(|&(s, e)| {
            let key = url_key(&text[s..e]);
            allow.iter().any(|a| key.starts_with(a.as_str()))
        })
        .collect()
}

/// Email matches, from the runs of address bytes around each '@'.
fn emails(scan: &Scan, mut f: impl FnMut(usize, usize)) {
    const ALLOWED: ByteSet = byte_set(b"._%+-@", true, true);
    let windows = scan.seed_windows(b'@', &ALLOWED, |_, _| true);
    {
        let hay = scan.hay(&windows);
        for m in hay.matches(&EMAIL) {
            let off = hay.off(m.start());
            f(off + m.start(), off + m.end());
        }
    }
}

fn find_urls_ips(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    for (s, e) in url_matches(scan) {
        if e > s {
            hits.push(Hit::placeholder(s, e, Category::Url, Priority::Pattern));
        }
    }
    emails(scan, |s, e| {
        hits.push(Hit::placeholder(s, e, Category::Email, Priority::Pattern));
    });
    static V4: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?-u:\b)\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?-u:\b)"));
    static V6: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)(?:(?-u:\b)[0-9a-f]{1,4}|::)(?::{1,2}[0-9a-f]{1,4}){2,7}(?:::)?")
    });
    {
        let hay = scan.hay(&scan.digit_windows_where(&NUMBERS, |run| {
            count(run, digitish) >= 4 && count(run, |c| c == b'.') >= 3
        }));
        for m in hay.matches(&V4) {
            let off = hay.off(m.start());
            let (ms, me) = (off + m.start(), off + m.end());
            if glued(text, ms, me) {
                continue;
            }
            // "3.3.1.2" is a section of a guideline far more often than an address.
            let single_digits = m.as_str().split('.').all(|o| o.len() == 1);
            let cited = ["section", "chapter", "table", "page", "§"]
                .iter()
                .any(|w| context_before(text, ms, 24).contains(w));
            if !single_digits && !cited && m.as_str().parse::<std::net::Ipv4Addr>().is_ok() {
                hits.push(Hit::placeholder(
                    ms,
                    me,
                    Category::IpAddress,
                    Priority::Pattern,
                ));
            }
        }
    }
    // Hex digits and colons; a match holds at least two colons.
    const V6_BYTES: ByteSet = byte_set(b":abcdefABCDEF", true, false);
    let mut windows = scan.seed_windows(b':', &V6_BYTES, |_, _| true);
    windows.retain(|&(a, b)| {
        memchr::memchr_iter(b':', &text.as_bytes()[a..b])
            .nth(1)
            .is_some()
    });
    let hay = scan.hay(&windows);
    {
        for m in hay.matches(&V6) {
            let off = hay.off(m.start());
            let s = m.as_str();
            let (ms, me) = (off + m.start(), off + m.end());
            if s.matches(':').count() >= 3
                && s.parse::<std::net::Ipv6Addr>().is_ok()
                && byte_at(text, me).is_none_or(|b| !b.is_ascii_alphanumeric() && b != b':')
            {
                hits.push(Hit::placeholder(
                    ms,
                    me,
                    Category::IpAddress,
                    Priority::Pattern,
                ));
            }
        }
    }
}

const STATE_ABBR: &str = "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|GU|VI";
const STATE_NAME: &str = "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming|District of Columbia|Puerto Rico|Calif";

/// States may be published (Safe Harbor removes units smaller than a state).
pub(super) fn is_state(s: &str) -> bool {
    static STATE: LazyLock<Regex> =
        LazyLock::new(|| re(&format!(r"^(?:(?:{STATE_ABBR})\.?|(?i:{STATE_NAME}))$")));
    STATE.is_match(s.trim())
}

fn zip_hit(text: &str, start: usize, end: usize) -> Hit {
    let d = text.as_bytes();
    Hit::with(
        start,
        end,
        Category::Geographic,
        Replacement::Zip([d[start], d[start + 1], d[start + 2]]),
    )
}

/// A capitalised word sequence that could be a city: not a state, not a clinical or
/// letter word.
fn plausible_city(city: &str) -> bool {
    !is_state(city)
        && city.split([' ', '-']).all(|w| {
            let lower = w.to_lowercase();
            !names::is_vocab(&lower) && !names::is_not_name(&lower)
        })
}

fn find_geography(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    // A ZIP code counts only in an address-like context: after a state, or after the
    // word "ZIP" ("12345 steps" stays).
    static AFTER_STATE: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"(?-u:\b)(?:(?:{STATE_ABBR})|{STATE_NAME})\.?,?[ \t]+(\d{{5}})(?:-\d{{4}})?(?-u:\b)"
        ))
    });
    static AFTER_WORD: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)(?-u:\b)(?:zip|zip[ \t]*code|zipcode|postal[ \t]*code)[ \t]*[:#]?[ \t]*(\d{5})(?:-\d{4})?(?-u:\b)",
        )
    });
    // Digits, white space, ":#-" and the letters of "zip", "code", "postal".
    const ZIP_WORD: ByteSet = byte_set(b" \t:#-zipcodestalZIPCODESTAL", true, false);
    // "ZIP 93721": five digits in a row.
    let zip_word = scan.digit_windows_where(&ZIP_WORD, |run| {
        run.split(|&c| !digitish(c)).any(|d| d.len() >= 5)
    });
    let windows = [scan.state_zip_windows(), zip_word];
    for (rx, windows) in [&*AFTER_STATE, &*AFTER_WORD].into_iter().zip(&windows) {
        {
            let hay = scan.hay(windows);
            for c in hay.captures(rx) {
                let off = hay.off(c.get(0).expect("match").start());
                let m = c.get(0).expect("match");
                let zip = c.get(1).expect("zip");
                let (zs, me) = (off + zip.start(), off + m.end());
                if !glued(text, zs, me) {
                    hits.push(zip_hit(text, zs, me));
                }
            }
        }
    }
    // "Fresno, CA 93721", "Fresno, California": the city.
    static CITY_STATE: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"(?-u:\b)(?P<city>[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){{0,2}}),[ \t]*(?P<state>(?:{STATE_ABBR})|{STATE_NAME})(?-u:\b)\.?(?P<zip>[ \t]+\d{{5}}(?:-\d{{4}})?)?"
        ))
    });
    {
        let hay = scan.hay(&scan.city_state_windows());
        for c in hay.captures(&CITY_STATE) {
            let off = hay.off(c.get(0).expect("match").start());
            city_state(text, off, &c, hits);
        }
    }
    static COUNTY: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?-u:\b)([A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?)[ \t]+(?:County|Parish)(?-u:\b)")
    });
    {
        static WORDS: LazyLock<[memchr::memmem::Finder<'static>; 2]> = LazyLock::new(|| {
            [
                memchr::memmem::Finder::new("County"),
                memchr::memmem::Finder::new("Parish"),
            ]
        });
        let hay = scan.hay(&scan.literal_windows(&*WORDS, 2));
        for c in hay.captures(&COUNTY) {
            let off = hay.off(c.get(0).expect("match").start());
            let name = c.get(1).expect("county");
            if plausible_city(name.as_str()) {
                hits.push(Hit::placeholder(
                    off + name.start(),
                    off + name.end(),
                    Category::Geographic,
                    Priority::Pattern,
                ));
            }
        }
    }
}

/// One `CITY_STATE` match at `off` in the window.
fn city_state(text: &str, off: usize, c: &Caps, hits: &mut Vec<Hit>) {
    {
        let city = c.name("city").expect("city");
        if !plausible_city(city.as_str()) {
            return;
        }
        let end = off + c.get(0).expect("match").end();
        // Without a ZIP the state must end the phrase: "Fresno, CA." but not
        // "Reviewed, CA MTUS".
        let closes = c.name("zip").is_some()
            || text[..end].ends_with('.')
            || text[end..]
                .chars()
                .next()
                .is_none_or(|ch| !ch.is_alphanumeric() && ch != ' ')
            || text[end..].starts_with(' ')
                && !text[end + 1..].starts_with(|ch: char| ch.is_uppercase());
        if closes {
            hits.push(Hit::placeholder(
                off + city.start(),
                off + city.end(),
                Category::Geographic,
                Priority::Pattern,
            ));
        }
    }
}

const STREET_SUFFIX: &str = r"Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Place|Pl|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Terrace|Ter|Trail|Trl|Square|Sq|Loop|Alley|Plaza|Plz|Crossing|Expressway|Expy|Freeway|Fwy|Pike|Row|Path";

fn find_addresses(scan: &Scan, hits: &mut Vec<Hit>) {
    let text = scan.text;
    static STREET: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"(?-u:\b)\d{{1,6}}[A-Z]?(?:-\d{{1,4}})?[ \t]+(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?[ \t]+)?(?:(?:\d{{1,3}}(?:st|nd|rd|th)|[A-Z][a-z'’]+|[A-Z]{{2,}})\.?[ \t]+){{1,3}}(?:{STREET_SUFFIX})(?-u:\b)\.?(?:[ \t]+(?:N|S|E|W|NE|NW|SE|SW)(?-u:\b)\.?)?(?:,?[ \t]*(?i:apt|apartment|suite|ste|unit|bldg|building|floor|fl|room|rm)(?-u:\b)\.?[ \t]*#?[ \t]*[A-Za-z0-9\-]+|,?[ \t]*#[ \t]*[A-Za-z0-9\-]+)?"
        ))
    });
    static PO_BOX: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)(?-u:\b)(?:p\.?[ \t]*o\.?[ \t]*box|post[ \t]+office[ \t]+box)[ \t]*#?[ \t]*\d+[a-z]?(?-u:\b)",
        )
    });
    // After a street line: ", Fresno, CA 93721" or " Fresno CA".
    static TAIL: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"^,?[ \t]*(?:\r?\n[ \t]*)?(?P<city>[A-Z][a-z]+(?:[ \-][A-Z][a-z]+){{0,2}}),?[ \t]+(?:(?:{STATE_ABBR})|{STATE_NAME})(?-u:\b)\.?(?:,?[ \t]+(?P<zip>\d{{5}})(?:-\d{{4}})?(?-u:\b))?"
        ))
    });
    let windows = [scan.street_windows(), scan.whole_if_ci(b"box")];
    for (rx, windows) in [&*STREET, &*PO_BOX].into_iter().zip(&windows) {
        {
            let hay = scan.hay(windows);
            for m in hay.matches(rx) {
                let off = hay.off(m.start());
                let (ms, me) = (off + m.start(), off + m.end());
                if prev(text, ms)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
                {
                    continue;
                }
                hits.push(Hit::placeholder(
                    ms,
                    me,
                    Category::Address,
                    Priority::Pattern,
                ));
                if let Some(c) = TAIL.captures(&text[me..]) {
                    let city = c.name("city").expect("city");
                    if !is_state(city.as_str()) {
                        hits.push(Hit::placeholder(
                            me + city.start(),
                            me + city.end(),
                            Category::Geographic,
                            Priority::Pattern,
                        ));
                    }
                    if let Some(z) = c.name("zip") {
                        let end = me + c.get(0).expect("match").end();
                        hits.push(zip_hit(text, me + z.start(), end));
                    }
                }
            }
        }
    }
}

/// The category a context word gives the number after it ("MRN 123" → record number).
pub(super) fn context_category(keyword: &str) -> Category {
    let k = keyword.to_ascii_lowercase();
    // Whole words: "policy" holds "lic" but is no licence.
    let has = |w: &str| {
        k.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word.starts_with(w))
    };
    if has("vin") || has("vehicle") || has("plate") {
        Category::VehicleId
    } else if has("mrn") || has("record") || has("rec") || has("chart") || has("patient") {
        Category::RecordNumber
    } else if has("licen") || has("lic") || has("cert") || has("dea") || has("npi") {
        Category::LicenseNumber
    } else if has("serial") || k == "s/n" || has("device") || has("implant") || has("udi") {
        Category::DeviceId
    } else if has("claim")
        || has("policy")
        || has("account")
        || has("acct")
        || has("member")
        || has("subscriber")
        || has("beneficiary")
        || has("plan")
        || has("insur")
        || has("group")
    {
        Category::AccountNumber
    } else {
        Category::OtherNumber
    }
}

pub(super) static CONTEXT_ID: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?-u:\b)(?P<kw>medical[ \t]+record|med(?:ical)?[ \t]+rec|mrn|chart|patient[ \t]+id|health[ \t]+plan|member(?:ship)?|subscriber|beneficiary|insurance|insured|policy|group|account|acct|claim|licen[cs]e|lic|certificate|cert|dea|npi|serial|s/n|device|implant|udi|vin|vehicle|license[ \t]+plate|plate|badge|employee|id)(?-u:\b)(?:[ \t]*(?:(?:number|num|nos?|id|identifier|identification|code)(?-u:\b)\.?|#))*[ \t]*(?::|#|is|was)?[ \t]*(?P<id>(?:[A-Za-z]+[\-./]?)?\d(?:[A-Za-z0-9]|[\-./][A-Za-z0-9]){2,40})(?-u:\b)",
    )
});

/// True for a token that a context word may not claim: dates, years, doses, levels.
fn clinical_token(tok: &str) -> bool {
    static DATEISH: LazyLock<Regex> = LazyLock::new(|| {
        re(r"^(?:\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|\d{1,2}[/\-]\d{4}|(?:19|20)\d\d)$")
    });
    DATEISH.is_match(tok) || is_case_number(tok)
}

fn find_context_ids(scan: &Scan, hits: &mut Vec<Hit>) {
    {
        let hay = scan.hay(&scan.context_windows());
        for c in hay.captures(&CONTEXT_ID) {
            let off = hay.off(c.get(0).expect("match").start());
            let id = c.get(2).expect("id");
            let tok = id.as_str();
            let digits = tok.bytes().filter(u8::is_ascii_digit).count();
            let alnum = tok.bytes().filter(u8::is_ascii_alphanumeric).count();
            if digits < 3 || alnum < 4 || clinical_token(tok) {
                continue;
            }
            // "ID" alone is weak: insist on a longer token.
            let kw = &c["kw"];
            if kw.eq_ignore_ascii_case("id") && digits < 5 {
                continue;
            }
            hits.push(Hit::placeholder(
                off + id.start(),
                off + id.end(),
                context_category(kw),
                Priority::Pattern,
            ));
        }
    }
}

/// VIN check digit (ISO 3779, North America): position 9.
pub(super) fn vin_valid(vin: &str) -> bool {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let b = vin.as_bytes();
    if b.len() != 17 {
        return false;
    }
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A' | b'J' => 1,
            b'B' | b'K' | b'S' => 2,
            b'C' | b'L' | b'T' => 3,
            b'D' | b'M' | b'U' => 4,
            b'E' | b'N' | b'V' => 5,
            b'F' | b'W' => 6,
            b'G' | b'P' | b'X' => 7,
            b'H' | b'Y' => 8,
            b'R' | b'Z' => 9,
            _ => return None,
        })
    };
    let mut sum = 0;
    for (i, &c) in b.iter().enumerate() {
        match value(c.to_ascii_uppercase()) {
            Some(v) => sum += v * WEIGHTS[i],
            None => return false,
        }
    }
    let check = match sum % 11 {
        10 => b'X',
        n => b'0' + n as u8,
    };
    b[8].to_ascii_uppercase() == check
}

fn find_vins(scan: &Scan, hits: &mut Vec<Hit>) {
    static VIN: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(?-u:\b)[A-HJ-NPR-Z0-9]{17}(?-u:\b)"));
    let text = scan.text;
    {
        let hay = scan.hay(&scan.vin_windows());
        for m in hay.matches(&VIN) {
            let off = hay.off(m.start());
            let s = m.as_str();
            let ms = off + m.start();
            let letters = s.bytes().any(|b| b.is_ascii_alphabetic());
            let digits = s.bytes().any(|b| b.is_ascii_digit());
            let context = context_before(text, ms, 40);
            if letters
                && digits
                && (vin_valid(s)
                    || ["vin", "vehicle", "identification"]
                        .iter()
                        .any(|w| context.contains(w)))
            {
                hits.push(Hit::placeholder(
                    ms,
                    off + m.end(),
                    Category::VehicleId,
                    Priority::Pattern,
                ));
            }
        }
    }
}

/// Doses and measures ("600mg/300mg", "5x10cm") carry many digits but no identity.
fn has_unit(tok: &str) -> bool {
    const UNITS: [&str; 24] = [
        "mg", "mcg", "ml", "g", "gm", "cc", "mm", "cm", "kg", "lb", "lbs", "iu", "u", "mmhg", "hr",
        "hrs", "h", "x", "mgs", "tab", "tabs", "cap", "caps", "meq",
    ];
    tok.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .any(|w| UNITS.contains(&w.to_ascii_lowercase().as_str()))
}

/// Any other unique identifying number: long digit runs and alphanumeric tokens with
/// many digits. Weakest priority: any specific detector on the same text wins.
fn find_other_numbers(scan: &Scan, hits: &mut Vec<Hit>) {
    static TOKEN: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?-u:\b)(?:[A-Za-z0-9]+[\-./])*[A-Za-z]*\d[A-Za-z0-9]*(?:[\-./][A-Za-z0-9]+)*(?-u:\b)")
    });
    const TOKENS: ByteSet = byte_set(b"-./", true, true);
    let text = scan.text;
    {
        // Only tokens with six digits or more are reported.
        let hay = scan
            .hay(&scan.digit_windows_where(&TOKENS, |run| count(run, |c| c.is_ascii_digit()) >= 6));
        for m in hay.matches(&TOKEN) {
            let off = hay.off(m.start());
            other_number(text, off, m, hits);
        }
    }
}

/// One `TOKEN` match at `off` in the window.
fn other_number(text: &str, off: usize, m: regex::Match, hits: &mut Vec<Hit>) {
    {
        let tok = m.as_str();
        let (ms, me) = (off + m.start(), off + m.end());
        if is_case_number(tok) || prev(text, ms).is_some_and(|b| b == b'.' || b == b'/') {
            return;
        }
        let digits = tok.bytes().filter(u8::is_ascii_digit).count();
        let letters = tok.bytes().filter(u8::is_ascii_alphabetic).count();
        let longest_group = tok
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0);
        let hit = if letters == 0 {
            // Sections ("9792.24.1") and decimals are not identifiers; dates and year
            // ranges ("2014-2016") are judged by the date detector.
            !tok.contains('.') && (digits >= 9 || longest_group >= 7) && !clinical_token(tok)
        } else {
            digits >= 6 && !has_unit(tok)
        };
        if hit {
            hits.push(Hit::placeholder(
                ms,
                me,
                Category::OtherNumber,
                Priority::Generic,
            ));
        }
    }
}

/// Every static detector (names excepted: see `names::find`).
pub(super) fn find_all(scan: &Scan, policy: &Policy, hits: &mut Vec<Hit>) {
    let has = scan.has();
    if has & (HAS_DIGIT | HAS_AT | HAS_COLON | HAS_DOT | HAS_COMMA) == 0
        && !scan.text.contains("County")
        && !scan.text.contains("Parish")
    {
        // Every detector needs a digit (a VIN hit holds one too), a URL a dot or a
        // colon, an email an "@", "City, ST" a comma, a county its word.
        return;
    }
    if has & HAS_DIGIT == 0 {
        find_urls_ips(scan, hits);
        find_geography(scan, hits);
        return;
    }
    if policy.dates == DatePolicy::Year {
        find_dates(scan, hits);
    }
    find_ages(scan, hits);
    find_phones(scan, hits);
    find_ssns(scan, hits);
    find_urls_ips(scan, hits);
    find_geography(scan, hits);
    find_addresses(scan, hits);
    find_context_ids(scan, hits);
    find_vins(scan, hits);
    find_other_numbers(scan, hits);
}

/// The high-precision detectors the leak gate runs on output files: valid SSNs,
/// emails, formatted phone numbers. Not dates or URLs: pages legitimately hold years
/// and the site's own links.
///
/// The gate searches whole texts, not the redactor's windows (see `scan`): it is the
/// independent check of what the redactor wrote, so it shares none of its shortcuts, and
/// it finds exactly what it found before them (`pattern_ranges` in gate.rs relies on it).
pub(super) fn gate_patterns(text: &str) -> Vec<(usize, usize, Category)> {
    let scan = &Scan::whole(text);
    let mut hits = Vec::new();
    // Spaced SSN-like triples are table cells too (see phones below); dashed ones are kept.
    let mut ssns = Vec::new();
    find_ssns(scan, &mut ssns);
    hits.extend(
        ssns.into_iter()
            .filter(|h| text[h.start..h.end].contains('-')),
    );
    // In a normalised output file tag boundaries become spaces, so numbers of adjacent
    // table cells ("250 | 856 | 2100") read as a space-separated phone number. The gate
    // keeps only phones written with punctuation; spaced ones are redacted at the source.
    let mut phones = Vec::new();
    find_phones(scan, &mut phones);
    hits.extend(
        phones
            .into_iter()
            .filter(|h| text[h.start..h.end].contains(['-', '.', '(', '+'])),
    );
    emails(scan, |s, e| {
        hits.push(Hit::placeholder(s, e, Category::Email, Priority::Pattern));
    });
    hits.into_iter()
        .filter(|h| h.priority == Priority::Pattern)
        .map(|h| (h.start, h.end, h.category))
        .collect()
}
