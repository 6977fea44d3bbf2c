//! The normal form the leak gate compares: case-folded, HTML entities and JSON and
//! percent escapes decoded, tags stripped (their attribute values kept apart, since an
//! `alt` or `href` can leak too), Markdown emphasis dropped, white space collapsed.

use std::sync::LazyLock;

use regex::Regex;

use super::markdown::entity;

/// Tags that format a run of text: stripped to nothing, so "Jo<b>hn</b>" reads "john".
/// Any other tag separates words.
fn inline_tag(name: &str) -> bool {
    matches!(
        name,
        "b" | "i"
            | "em"
            | "strong"
            | "u"
            | "s"
            | "span"
            | "mark"
            | "small"
            | "sup"
            | "sub"
            | "del"
            | "ins"
            | "a"
            | "abbr"
            | "cite"
            | "q"
            | "font"
            | "wbr"
            | "code"
            | "kbd"
    )
}

/// Normalises HTML, XML, JSON, CSV, JavaScript or text for scanning.
pub fn normalize_for_scan(html_or_text: &str) -> String {
    static TAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^</?([A-Za-z][A-Za-z0-9\-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*/?>"#)
            .expect("tag pattern")
    });
    static ATTR_VALUE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"#).expect("attribute pattern")
    });
    let s = html_or_text;
    let mut text = String::with_capacity(s.len());
    let mut attrs = String::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let ch = rest.chars().next().expect("char boundary");
        if ch == '<' {
            if rest.starts_with("<!--") {
                // A comment's content is in the file: scan it as text.
                text.push(' ');
                i += 4;
                continue;
            }
            if let Some(c) = TAG.captures(rest) {
                let name = c[1].to_ascii_lowercase();
                for v in ATTR_VALUE.captures_iter(&c[2]) {
                    let value = v
                        .get(1)
                        .or(v.get(2))
                        .or(v.get(3))
                        .map_or("", |m| m.as_str());
                    attrs.push(' ');
                    attrs.push_str(value);
                }
                if !inline_tag(&name) {
                    text.push(' ');
                }
                i += c[0].len();
                continue;
            }
        }
        if rest.starts_with("-->") {
            text.push(' ');
            i += 3;
            continue;
        }
        text.push(ch);
        i += ch.len_utf8();
    }
    text.push(' ');
    text.push_str(&attrs);
    // Entities may be double-encoded in attributes and JSON ("&amp;#39;"): decode twice.
    let text = decode_escapes(&decode_escapes(&text));
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for ch in text.chars().flat_map(char::to_lowercase) {
        match ch {
            '*' | '_' | '~' | '`' | '\\' | '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' => {}
            c if c.is_whitespace() => {
                if !space {
                    out.push(' ');
                    space = true;
                }
            }
            c => {
                out.push(c);
                space = false;
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// HTML entities, JSON `\uXXXX`/`\n`/`\/` escapes and `%XX` percent escapes.
fn decode_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        match b[i] {
            b'&' => {
                if let Some((t, n)) = entity(&s[i..]) {
                    out.push_str(&t);
                    i += n;
                    continue;
                }
            }
            b'\\' if i + 1 < s.len() => match b[i + 1] {
                b'u' if i + 6 <= s.len() => {
                    if let Some(c) = s
                        .get(i + 2..i + 6)
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .and_then(char::from_u32)
                    {
                        out.push(c);
                        i += 6;
                        continue;
                    }
                }
                b'n' | b't' | b'r' => {
                    out.push(' ');
                    i += 2;
                    continue;
                }
                b'/' | b'"' | b'\'' => {
                    out.push(b[i + 1] as char);
                    i += 2;
                    continue;
                }
                _ => {}
            },
            b'%' if i + 3 <= s.len() => {
                let value = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = value.filter(|v| v.is_ascii_graphic() || *v == b' ') {
                    out.push(v as char);
                    i += 3;
                    continue;
                }
            }
            _ => {}
        }
        let ch = s[i..].chars().next().expect("char boundary");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}
