//! A minimal YAML writer for the front matter: just the scalars, lists and maps the
//! determination format uses.
//!
//! Letter wording goes into YAML verbatim, so every string is checked: one that a YAML
//! reader could take for anything but that same string (a number, a date, a boolean,
//! null, or text with YAML punctuation such as ": " or " #") is written double-quoted
//! with escapes. Plain style is kept for the rest so the files stay easy to read.

use std::fmt::Write;

/// Words YAML 1.1 or 1.2 readers turn into booleans or null.
const RESERVED: &[&str] = &[
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "~",
];

fn plain_ok(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '(') {
        return false;
    }
    if s.ends_with(' ') || RESERVED.contains(&s.to_ascii_lowercase().as_str()) {
        return false;
    }
    s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(
                c,
                ' ' | '.' | '(' | ')' | '/' | '\'' | '&' | '%' | '+' | '-'
            )
            || (!in_flow && c == ',')
    })
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string scalar for block context (`key: value`, `- value`).
pub(crate) fn scalar(s: &str) -> String {
    if plain_ok(s, false) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// A string scalar inside a flow collection (`[a, b]`, `{ k: v }`).
pub(crate) fn flow_scalar(s: &str) -> String {
    if plain_ok(s, true) {
        s.to_string()
    } else {
        quoted(s)
    }
}

/// Always double-quoted: for values that must stay strings, like page ranges.
pub(crate) fn string(s: &str) -> String {
    quoted(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_what_yaml_would_misread() {
        assert_eq!(scalar("Family Practice"), "Family Practice");
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("12"), "\"12\"");
        assert_eq!(scalar("Labs to include: EKG"), "\"Labs to include: EKG\"");
        assert_eq!(scalar("Norco 10/325mg #60"), "\"Norco 10/325mg #60\"");
        assert_eq!(scalar("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
        assert_eq!(flow_scalar("California, Nevada"), "\"California, Nevada\"");
        assert_eq!(
            scalar("8 physical therapy visits"),
            "\"8 physical therapy visits\""
        );
    }
}
