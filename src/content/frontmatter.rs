//! Splits a determination file into its YAML front matter and Markdown body, keeping the
//! file line where each starts so that every later diagnostic points into the file.

/// A file split at its `---` fences. Lines are 1-based lines of the file.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    pub front: &'a str,
    /// File line of the first front-matter line (the one after the opening `---`).
    pub front_line: usize,
    pub body: &'a str,
    /// File line of the first body line.
    pub body_line: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SplitError {
    /// The file does not start with a `---` line.
    Missing,
    /// No closing `---` line; `line` is the opening fence's line.
    Unclosed { line: usize },
}

/// Splits `text` (a BOM, if any, already stripped or not: it is tolerated; CRLF tolerated).
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = LineIter { text, pos: 0 };
    // Leading blank lines before the fence are tolerated.
    let mut line_no = 0;
    let open = loop {
        let Some((start, end, next)) = lines.next() else {
            return Err(SplitError::Missing);
        };
        line_no += 1;
        let l = text[start..end].trim_end();
        if l.is_empty() {
            continue;
        }
        if l == "---" {
            break next;
        }
        return Err(SplitError::Missing);
    };
    let open_line = line_no;
    let front_start = open;
    loop {
        let Some((start, end, next)) = lines.next() else {
            return Err(SplitError::Unclosed { line: open_line });
        };
        line_no += 1;
        let l = text[start..end].trim_end();
        if l == "---" || l == "..." {
            return Ok(Split {
                front: &text[front_start..start],
                front_line: open_line + 1,
                body: &text[next..],
                body_line: line_no + 1,
            });
        }
    }
}

/// Yields (start, end-without-newline, start-of-next-line) for each line.
struct LineIter<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for LineIter<'_> {
    type Item = (usize, usize, usize);
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (end, next) = match rest.find('\n') {
            Some(i) => {
                let end = if i > 0 && rest.as_bytes()[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                (start + end, start + i + 1)
            }
            None => (self.text.len(), self.text.len()),
        };
        self.pos = next;
        Some((start, end, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_line_offsets() {
        let s = split("---\na: 1\nb: 2\n---\n# Body\n").unwrap();
        assert_eq!(s.front, "a: 1\nb: 2\n");
        assert_eq!(s.front_line, 2);
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn tolerates_bom_and_crlf() {
        let s = split("\u{feff}---\r\na: 1\r\n---\r\nbody\r\n").unwrap();
        assert_eq!(s.front, "a: 1\r\n");
        assert_eq!(s.front_line, 2);
        assert_eq!(s.body, "body\r\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn dashes_inside_body_stay_in_body() {
        let s = split("---\na: 1\n---\ntext\n---\nmore\n").unwrap();
        assert_eq!(s.body, "text\n---\nmore\n");
    }

    #[test]
    fn missing_and_unclosed() {
        assert_eq!(split("# no front matter\n"), Err(SplitError::Missing));
        assert_eq!(split(""), Err(SplitError::Missing));
        assert_eq!(
            split("\n---\na: 1\n"),
            Err(SplitError::Unclosed { line: 2 })
        );
    }

    #[test]
    fn empty_front_matter_and_no_trailing_newline() {
        let s = split("---\n---").unwrap();
        assert_eq!(s.front, "");
        assert_eq!(s.body, "");
        assert_eq!(s.body_line, 3);
    }

    #[test]
    fn fence_with_trailing_spaces() {
        let s = split("---  \nx: y\n---\t\nb").unwrap();
        assert_eq!(s.front, "x: y\n");
        assert_eq!(s.body, "b");
    }
}
