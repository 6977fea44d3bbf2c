//! Maps YAML key paths (`items[1].reviewer_basis.pages`) to their line and column in the
//! front matter, so that checks made after deserialising still point at the right place.
//! It reads only the block structure (indentation, `key:` and `- ` items); keys inside
//! flow collections (`{ a: 1 }`) resolve to the line of their parent.

use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line in the front matter.
    pub line: usize,
    /// 1-based column of the key.
    pub key_col: usize,
    /// 1-based column of the value (after `key: `), or the key column when none.
    pub value_col: usize,
    /// Characters in the value on that line (for carets).
    pub value_len: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Locator {
    map: BTreeMap<String, Pos>,
    /// Lines of the front matter (for snippets).
    lines: Vec<String>,
}

impl Locator {
    pub fn new(front: &str) -> Self {
        let mut map = BTreeMap::new();
        // Open containers: (indent, path, is_list_item).
        let mut stack: Vec<(usize, String, bool)> = Vec::new();
        // Next list index per list path.
        let mut list_next: BTreeMap<String, usize> = BTreeMap::new();
        let lines: Vec<String> = front
            .lines()
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect();
        for (i, raw) in lines.iter().enumerate() {
            let line_no = i + 1;
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut indent = raw.len() - trimmed.len();
            let mut rest = trimmed;
            // Any number of leading "- " list markers ("- - a" is rare but legal).
            while rest.starts_with("- ") || rest == "-" {
                while stack
                    .last()
                    .is_some_and(|(ind, _, item)| *ind > indent || (*ind == indent && *item))
                {
                    stack.pop();
                }
                let parent = stack.last().map(|(_, p, _)| p.clone()).unwrap_or_default();
                let idx = list_next.entry(parent.clone()).or_insert(0);
                let path = format!("{parent}[{idx}]");
                *idx += 1;
                let after = if rest == "-" { "" } else { &rest[2..] };
                let spaces = after.len() - after.trim_start().len();
                let value = strip_comment(after.trim());
                map.entry(path.clone()).or_insert(Pos {
                    line: line_no,
                    key_col: indent + 1,
                    value_col: indent + 2 + spaces + 1,
                    value_len: value.chars().count(),
                });
                stack.push((indent, path, true));
                indent += 2 + spaces;
                rest = after.trim_start();
            }
            if rest.is_empty() {
                continue;
            }
            let Some(key) = key_of(rest) else { continue };
            // A key closes every container at its indent or deeper (siblings, finished lists).
            while stack.last().is_some_and(|(ind, _, _)| *ind >= indent) {
                stack.pop();
            }
            let parent = stack.last().map(|(_, p, _)| p.clone()).unwrap_or_default();
            let path = if parent.is_empty() {
                key.to_string()
            } else {
                format!("{parent}.{key}")
            };
            let klen = key_len(rest);
            let value = rest[klen..].trim_start_matches(':');
            let spaces = value.len() - value.trim_start().len();
            let value_text = strip_comment(value.trim());
            map.entry(path.clone()).or_insert(Pos {
                line: line_no,
                key_col: indent + 1,
                value_col: if value_text.is_empty() {
                    indent + 1
                } else {
                    indent + klen + 1 + spaces + 1
                },
                value_len: if value_text.is_empty() {
                    key.chars().count()
                } else {
                    value_text.chars().count()
                },
            });
            stack.push((indent, path, false));
        }
        Locator { map, lines }
    }

    /// Position of `path`, or of its nearest located ancestor.
    pub fn find(&self, path: &str) -> Option<Pos> {
        let mut p = path;
        loop {
            if let Some(pos) = self.map.get(p) {
                return Some(*pos);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
        }
    }

    /// Whether `path` itself (not an ancestor) is present.
    pub fn has(&self, path: &str) -> bool {
        self.map.contains_key(path)
    }

    pub fn line_text(&self, line: usize) -> Option<&str> {
        self.lines.get(line.checked_sub(1)?).map(String::as_str)
    }

    /// All located paths at the top level and below, in order (for tests and debugging).
    pub fn paths(&self) -> impl Iterator<Item = (&str, &Pos)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }
}

fn key_len(s: &str) -> usize {
    key_of(s)
        .map(|k| {
            if s.starts_with('"') || s.starts_with('\'') {
                k.len() + 2
            } else {
                k.len()
            }
        })
        .unwrap_or(0)
}

/// The mapping key at the start of `s` (`key:` followed by space or end).
fn key_of(s: &str) -> Option<&str> {
    if let Some(q) = s.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = s[1..].find(q)? + 1;
        let after = &s[end + 1..];
        if after.starts_with(':') && (after.len() == 1 || after[1..].starts_with([' ', '\t'])) {
            return Some(&s[1..end]);
        }
        return None;
    }
    let bytes = s.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b':' if i > 0
                && (i + 1 == bytes.len() || bytes[i + 1] == b' ' || bytes[i + 1] == b'\t') =>
            {
                return Some(&s[..i]);
            }
            b'{' | b'[' | b'"' | b'\'' | b'#' if i == 0 => return None,
            b' ' if s[i..].trim_start().starts_with('#') => return None,
            _ => {}
        }
    }
    None
}

fn strip_comment(v: &str) -> &str {
    if v.starts_with('"') || v.starts_with('\'') {
        return v;
    }
    match v.find(" #") {
        Some(i) => v[..i].trim_end(),
        None => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FM: &str = "case_number: CM14-0123456   # comment\nreviewer:\n  specialty: Occupational Medicine\n  licensure: [California]\nitems:\n  - request: 8 visits\n    treatment: physical-therapy\n    frequency: { per_week: 2, weeks: 4 }\n    reviewer_basis:\n      guideline: mtus\n      pages: \"98-99\"\n  - request: MRI\n    decision: upheld\ndiagnoses:\n- a\n- b\n";

    #[test]
    fn locates_nested_paths() {
        let l = Locator::new(FM);
        assert_eq!(l.find("case_number").unwrap().line, 1);
        assert_eq!(l.find("case_number").unwrap().value_col, 14);
        assert_eq!(l.find("case_number").unwrap().value_len, 12);
        assert_eq!(l.find("reviewer.specialty").unwrap().line, 3);
        assert_eq!(l.find("items[0]").unwrap().line, 6);
        assert_eq!(l.find("items[0].request").unwrap().line, 6);
        assert_eq!(l.find("items[0].request").unwrap().key_col, 5);
        assert_eq!(l.find("items[0].treatment").unwrap().line, 7);
        assert_eq!(l.find("items[0].frequency.weeks").unwrap().line, 8);
        assert_eq!(l.find("items[0].reviewer_basis.pages").unwrap().line, 11);
        assert_eq!(
            l.find("items[0].reviewer_basis.pages").unwrap().value_col,
            14
        );
        assert_eq!(l.find("items[1].request").unwrap().line, 12);
        assert_eq!(l.find("items[1].decision").unwrap().line, 13);
        assert_eq!(l.find("diagnoses[1]").unwrap().line, 16);
        assert!(!l.has("items[1].treatment"));
    }
}
