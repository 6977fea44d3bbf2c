//! Redaction of Markdown source. The source is projected to the text a reader sees
//! (emphasis markers, backslash escapes, blockquote markers dropped; entities decoded)
//! with a byte map back to the source, so "*John* **Doe**" or "J&#111;hn" are found like
//! plain text; each edit is then written back in the syntax of where it lands: escaped
//! in text (`\[name\]`), raw in code and HTML, URL-safe in a link destination.

use std::sync::LazyLock;

use regex::Regex;

use super::fast::NextOf;
use super::resolve;
use super::scan;
use super::{Redaction, Redactor, Span};

/// Where a replacement is written, which decides how it must be spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    /// Plain text (`Redactor::redact`).
    Plain,
    /// Markdown inline text: placeholders escaped so they render literally.
    Text,
    /// Code spans and blocks, HTML blocks, tags and comments: no Markdown escapes there.
    Raw,
    /// A link destination: no spaces or brackets.
    Dest,
}

/// Block-level pass: fenced and indented code, HTML blocks and comments are raw;
/// link reference definitions have a destination.
fn classify_blocks(md: &str, ctx: &mut [Ctx], marks: &mut Vec<(usize, usize)>) {
    static FENCE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^ {0,3}(`{3,}|~{3,})").expect("fence"));
    static HTML_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^ {0,3}</?(?:address|article|aside|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|nav|ol|p|param|section|summary|table|tbody|td|tfoot|th|thead|title|tr|ul)(?:\s|/?>|$)").expect("html block")
    });
    static HTML_RAW: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^ {0,3}<(script|pre|style|textarea)(?:\s|>|$)").expect("html raw")
    });
    static HTML_LONE_TAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^ {0,3}</?[A-Za-z][A-Za-z0-9\-]*(?:\s[^<>]*)?/?>\s*$").expect("lone tag")
    });
    static REF_DEF: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^ {0,3}\[[^\]^][^\]]*\]:[ \t]*<?([^\s>]+)>?").expect("ref def")
    });
    static LIST_ITEM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^ {0,3}(?:[\-*+]|\d{1,9}[.)])(?:[ \t]|$)").expect("list item")
    });

    enum State {
        Normal,
        Fence(u8, usize),
        /// An HTML block ended by a blank line.
        Html,
        /// An HTML block ended by a closing marker ("-->", "</pre>").
        HtmlUntil(&'static str),
        IndentedCode,
    }
    let mut state = State::Normal;
    let mut prev_blank = true;
    let mut in_list = false;
    let mut at = 0;
    for line in md.split_inclusive('\n') {
        let (start, end) = (at, at + line.len());
        at = end;
        let blank = line.trim().is_empty();
        let mut raw = false;
        match state {
            State::Fence(ch, len) => {
                raw = true;
                let t = line.trim_start_matches(' ');
                let run = t.bytes().take_while(|&b| b == ch).count();
                if run >= len && t[run..].trim().is_empty() {
                    state = State::Normal;
                }
            }
            State::Html => {
                if blank {
                    state = State::Normal;
                } else {
                    raw = true;
                }
            }
            State::HtmlUntil(marker) => {
                raw = true;
                if line.to_ascii_lowercase().contains(marker) {
                    state = State::Normal;
                }
            }
            State::IndentedCode => {
                let indented = line.starts_with("    ") || line.starts_with('\t');
                if indented || blank {
                    raw = !blank;
                } else {
                    state = State::Normal;
                }
            }
            State::Normal => {}
        }
        // Every pattern here starts with ` {0,3}` and a character that is not a space:
        // a line whose first such character cannot start it is not asked.
        let spaces = line.bytes().take_while(|&c| c == b' ').count();
        let lead = if spaces <= 3 {
            line.as_bytes().get(spaces).copied()
        } else {
            None
        };
        let tag = lead == Some(b'<');
        if matches!(state, State::Normal) && !raw {
            if let Some(c) = matches!(lead, Some(b'`' | b'~'))
                .then(|| FENCE.captures(line))
                .flatten()
            {
                let run = c.get(1).expect("run");
                state = State::Fence(line.as_bytes()[run.start()], run.len());
                raw = true;
            } else if line.trim_start().starts_with("<!--") {
                raw = true;
                if !line[line.find("<!--").unwrap_or(0) + 4..].contains("-->") {
                    state = State::HtmlUntil("-->");
                }
            } else if let Some(c) = tag.then(|| HTML_RAW.captures(line)).flatten() {
                raw = true;
                let close: &'static str = match c[1].to_ascii_lowercase().as_str() {
                    "script" => "</script>",
                    "pre" => "</pre>",
                    "style" => "</style>",
                    _ => "</textarea>",
                };
                if !line.to_ascii_lowercase().contains(close) {
                    state = State::HtmlUntil(close);
                }
            } else if tag
                && (HTML_BLOCK.is_match(line) || prev_blank && HTML_LONE_TAG.is_match(line))
            {
                raw = true;
                state = State::Html;
            } else if prev_blank
                && !in_list
                && (line.starts_with("    ") || line.starts_with('\t'))
                && !blank
            {
                raw = true;
                state = State::IndentedCode;
            } else if let Some(c) = (lead == Some(b'['))
                .then(|| REF_DEF.captures(line))
                .flatten()
            {
                let d = c.get(1).expect("dest");
                for x in &mut ctx[start + d.start()..start + d.end()] {
                    *x = Ctx::Dest;
                }
                marks.push((start + d.start(), start + d.end()));
            }
        }
        if raw {
            for x in &mut ctx[start..end] {
                *x = Ctx::Raw;
            }
            marks.push((start, end));
        }
        if !blank && !line.starts_with(' ') && !line.starts_with('\t') {
            in_list = lead.is_some_and(|c| matches!(c, b'-' | b'*' | b'+') || scan::digitish(c))
                && LIST_ITEM.is_match(line);
        }
        prev_blank = blank;
    }
}

/// Inline pass over a run of text: code spans, inline HTML and comments, autolinks,
/// link destinations.
/// `specials` finds the bytes the pass stops at (`\\`, `` ` ``, `<`, `]`); others are
/// skipped. Every range marked is added to `marks`.
fn classify_inline(
    md: &str,
    from: usize,
    to: usize,
    ctx: &mut [Ctx],
    marks: &mut Vec<(usize, usize)>,
    specials: &mut [NextOf; 2],
) {
    static TAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(?:<!--(?s:.*?)-->|</?[A-Za-z][A-Za-z0-9\-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:\-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>|<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*>|<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*>)"#).expect("inline tag")
    });
    let b = md.as_bytes();
    let mut i = from;
    let mut mark = |ctx: &mut [Ctx], s: usize, e: usize, c: Ctx| {
        for x in &mut ctx[s..e] {
            *x = c;
        }
        if s < e {
            marks.push((s, e));
        }
    };
    while i < to {
        match b[i] {
            b'\\' => i += 2,
            b'`' => {
                let n = b[i..to].iter().take_while(|&&c| c == b'`').count();
                let mut j = i + n;
                let mut close = None;
                while j < to {
                    if b[j] == b'`' {
                        let m = b[j..to].iter().take_while(|&&c| c == b'`').count();
                        if m == n {
                            close = Some(j);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                match close {
                    Some(j) => {
                        mark(ctx, i, j + n, Ctx::Raw);
                        i = j + n;
                    }
                    None => i += n,
                }
            }
            b'<' => match TAG.find(&md[i..to]) {
                Some(m) => {
                    mark(ctx, i, i + m.end(), Ctx::Raw);
                    i += m.end();
                }
                None => i += 1,
            },
            b']' if b.get(i + 1) == Some(&b'(') => {
                // [text](dest "title"): the destination, with balanced parentheses.
                let mut j = i + 2;
                while j < to && (b[j] == b' ' || b[j] == b'\t' || b[j] == b'\n') {
                    j += 1;
                }
                let dest_start = j;
                if j < to && b[j] == b'<' {
                    while j < to && b[j] != b'>' && b[j] != b'\n' {
                        j += 1;
                    }
                    j = (j + 1).min(to);
                } else {
                    let mut depth = 0usize;
                    while j < to && !b[j].is_ascii_whitespace() {
                        match b[j] {
                            b'(' => depth += 1,
                            b')' if depth == 0 => break,
                            b')' => depth -= 1,
                            b'\\' => j += 1,
                            _ => {}
                        }
                        j += 1;
                    }
                }
                let j = j.min(to);
                mark(ctx, dest_start, j, Ctx::Dest);
                i = j;
            }
            // Nothing to do until the next special byte.
            _ => {
                let b = md.as_bytes();
                i = specials[0]
                    .at(b, i + 1)
                    .min(specials[1].at(b, i + 1))
                    .min(to);
            }
        }
    }
}

/// Inline formatting tags without attributes disappear from the projection, so
/// "Jo<b>hn</b>" reads "John"; other tags stay as written (their attributes are text
/// that can leak too).
fn invisible_tag(s: &str) -> Option<usize> {
    static INLINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^</?(?:b|i|em|strong|u|s|span|mark|small|sup|sub|del|ins|wbr|abbr|cite|q|font)\s*/?>").expect("inline")
    });
    INLINE.find(s).map(|m| m.end())
}

/// Decodes an HTML entity at the start of `s`: (text, length in source).
pub(super) fn entity(s: &str) -> Option<(String, usize)> {
    static ENTITY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
            .expect("entity")
    });
    let m = ENTITY.find(s)?;
    let body = &m.as_str()[1..m.end() - 1];
    let text = if let Some(hex) = body.strip_prefix("#x").or_else(|| body.strip_prefix("#X")) {
        char::from_u32(u32::from_str_radix(hex, 16).ok()?)?.to_string()
    } else if let Some(dec) = body.strip_prefix('#') {
        char::from_u32(dec.parse().ok()?)?.to_string()
    } else {
        match body {
            "amp" => "&",
            "lt" => "<",
            "gt" => ">",
            "quot" => "\"",
            "apos" | "rsquo" | "lsquo" => "'",
            "nbsp" | "ensp" | "emsp" | "thinsp" => " ",
            "ndash" | "mdash" | "minus" => "-",
            "ldquo" | "rdquo" => "\"",
            "hellip" => "...",
            "shy" | "zwj" | "zwnj" | "ZeroWidthSpace" => "",
            "eacute" => "é",
            "aacute" => "á",
            "iacute" => "í",
            "oacute" => "ó",
            "uacute" => "ú",
            "ntilde" => "ñ",
            _ => return None,
        }
        .to_string()
    };
    Some((text, m.end()))
}

/// The reader's view of the source, with a source range for every byte of it.
struct Projection {
    text: String,
    /// Pieces of `text` in order: where each starts in `text`, and where it comes from.
    /// A byte of a copied piece comes from its own character in the source; every byte
    /// of a decoded piece (entity, escape) from the whole source range.
    pieces: Vec<Piece>,
    /// Source bytes dropped as emphasis markers.
    marker: Vec<bool>,
    /// Source ranges of inline tags dropped from the projection.
    hidden: Vec<(usize, usize)>,
}

#[derive(Clone, Copy)]
struct Piece {
    at: usize,
    src: usize,
    /// A decoded piece: the length of its source range. `None`: copied as is.
    decoded: Option<usize>,
}

impl Projection {
    /// Appends `s`, every byte of it standing for the source range `src`.
    fn emit(&mut self, s: &str, src: (usize, usize)) {
        self.pieces.push(Piece {
            at: self.text.len(),
            src: src.0,
            decoded: Some(src.1 - src.0),
        });
        self.text.push_str(s);
    }

    /// Appends the source `md[a..b]` as is (whole characters).
    fn copy(&mut self, md: &str, a: usize, b: usize) {
        let at = self.text.len();
        let contiguous = self
            .pieces
            .last()
            .is_some_and(|p| p.decoded.is_none() && p.src + (at - p.at) == a);
        if !contiguous {
            self.pieces.push(Piece {
                at,
                src: a,
                decoded: None,
            });
        }
        self.text.push_str(&md[a..b]);
    }

    /// The source range byte `k` of the projection stands for.
    fn map(&self, k: usize) -> (usize, usize) {
        let i = self.pieces.partition_point(|p| p.at <= k) - 1;
        let p = self.pieces[i];
        match p.decoded {
            Some(n) => (p.src, p.src + n),
            None => {
                let mut c = k;
                while !self.text.is_char_boundary(c) {
                    c -= 1;
                }
                let len = self.text[c..].chars().next().map_or(1, char::len_utf8);
                let s = p.src + (c - p.at);
                (s, s + len)
            }
        }
    }
}

/// `marks` are the ranges (sorted, disjoint) where the context is not text; it is the
/// same throughout each.
fn project(md: &str, ctx: &[Ctx], marks: &[(usize, usize)]) -> Projection {
    let mut text_specials = [
        NextOf::new(b"\\*_"),
        NextOf::new(b"~`&"),
        NextOf::new(b"\n"),
    ];
    let mut mk = 0;
    let mut p = Projection {
        text: String::with_capacity(md.len()),
        pieces: Vec::new(),
        marker: vec![false; md.len()],
        hidden: Vec::new(),
    };
    let b = md.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    while i < md.len() {
        let c = ctx[i];
        if !line_start {
            // A run of ordinary bytes in one context is copied at once.
            while mk < marks.len() && marks[mk].1 <= i {
                mk += 1;
            }
            let seg_end = match marks.get(mk) {
                Some(&(s, e)) if s <= i => e,
                Some(&(s, _)) => s,
                None => md.len(),
            };
            let mut j = match c {
                Ctx::Text => text_specials
                    .iter_mut()
                    .map(|f| f.at(b, i))
                    .min()
                    .expect("three")
                    .min(seg_end),
                Ctx::Raw => {
                    memchr::memchr3(b'<', b'&', b'\n', &b[i..seg_end]).map_or(seg_end, |k| i + k)
                }
                Ctx::Dest | Ctx::Plain => {
                    memchr::memchr(b'\n', &b[i..seg_end]).map_or(seg_end, |k| i + k)
                }
            };
            // Whole characters only (a context change inside one never happens, but
            // the copy must not split a character).
            while !md.is_char_boundary(j) {
                j -= 1;
            }
            if j > i {
                p.copy(md, i, j);
                i = j;
                continue;
            }
        }
        if c == Ctx::Text && line_start {
            // Blockquote markers: "> John\n> Doe" reads "John Doe".
            let mut j = i;
            loop {
                let k = j + b[j..].iter().take_while(|&&x| x == b' ').count().min(3);
                if k < md.len() && b[k] == b'>' && ctx[k] == Ctx::Text {
                    j = k + 1;
                    if j < md.len() && b[j] == b' ' {
                        j += 1;
                    }
                } else {
                    break;
                }
            }
            if j > i {
                i = j;
                line_start = false;
                continue;
            }
        }
        line_start = false;
        let ch = md[i..].chars().next().expect("char boundary");
        let len = ch.len_utf8();
        if ch == '\n' {
            line_start = true;
        }
        match c {
            Ctx::Text => match ch {
                '\\' if b
                    .get(i + 1)
                    .is_some_and(|x| x.is_ascii_punctuation() || *x == b'\n') =>
                {
                    p.emit(&md[i + 1..i + 2], (i, i + 2));
                    if b[i + 1] == b'\n' {
                        line_start = true;
                    }
                    i += 2;
                    continue;
                }
                '*' | '_' | '~' | '`' => {
                    p.marker[i] = true;
                }
                '&' => match entity(&md[i..]) {
                    Some((t, n)) => {
                        p.emit(&t, (i, i + n));
                        i += n;
                        continue;
                    }
                    None => p.copy(md, i, i + 1),
                },
                _ => p.copy(md, i, i + len),
            },
            Ctx::Raw => {
                let tag = if ch == '<' {
                    invisible_tag(&md[i..])
                } else {
                    None
                };
                if let Some(n) = tag {
                    p.hidden.push((i, i + n));
                    i += n;
                    continue;
                }
                let decoded = if ch == '&' { entity(&md[i..]) } else { None };
                if let Some((t, n)) = decoded {
                    p.emit(&t, (i, i + n));
                    i += n;
                    continue;
                }
                p.copy(md, i, i + len);
            }
            Ctx::Dest | Ctx::Plain => p.copy(md, i, i + len),
        }
        i += len;
    }
    p
}

/// Emphasis markers inside a replaced range. Pairs opened and closed inside go with
/// the identifier; a closer of an outer pair is kept after the placeholder and an opener
/// of a later pair before it, unless the matching markers hug the range, when they go
/// too: "*John* **Doe**" → "\[name\]", "*Dr. John* Doe" → "*Dr. \[name\]*".
/// Returns the range to replace, and what to write before and after the placeholder.
fn adjust_markers(md: &str, marker: &[bool], s: usize, e: usize) -> (usize, usize, String, String) {
    let b = md.as_bytes();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut k = s;
    while k < e {
        if marker[k] {
            let start = k;
            while k < e && marker[k] && b[k] == b[start] {
                k += 1;
            }
            runs.push((start, k));
        } else {
            k += 1;
        }
    }
    if runs.is_empty() {
        return (s, e, String::new(), String::new());
    }
    let space = |i: Option<&u8>| i.is_none_or(|c| c.is_ascii_whitespace());
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut closers = String::new();
    for (rs, re) in runs {
        let before_space = rs == 0 || space(b.get(rs - 1));
        let after_space = space(b.get(re));
        let run = &md[rs..re];
        // A closer: after text, and before space or after a matching opener.
        if !before_space && (after_space || open.last().is_some_and(|&(os, oe)| md[os..oe] == *run))
        {
            match open.last() {
                Some(&(os, oe)) if md[os..oe] == *run => {
                    open.pop();
                }
                _ => closers.push_str(run),
            }
        } else {
            open.push((rs, re));
        }
    }
    let openers: String = open.iter().map(|&(os, oe)| &md[os..oe]).collect();
    let mut l = s;
    while l > 0 && marker[l - 1] {
        l -= 1;
    }
    let mut r = e;
    while r < md.len() && marker[r] {
        r += 1;
    }
    let (mut start, mut end) = (s, e);
    let (mut before, mut after) = (openers, closers);
    if !after.is_empty() && md[l..s] == *after.chars().rev().collect::<String>() {
        start = l;
        after.clear();
    }
    if !before.is_empty() && md[e..r] == *before.chars().rev().collect::<String>() {
        end = r;
        before.clear();
    }
    (start, end, before, after)
}

pub(super) fn redact(r: &Redactor, md: &str) -> Redaction {
    let mut ctx = vec![Ctx::Text; md.len()];
    let mut marks = Vec::new();
    classify_blocks(md, &mut ctx, &mut marks);
    // The text runs: what the block pass left unmarked.
    let blocks = marks.clone();
    let mut specials = [NextOf::new(b"`<]"), NextOf::new(b"\\")];
    let mut at = 0;
    for (s, e) in blocks.into_iter().chain([(md.len(), md.len())]) {
        if at < s {
            classify_inline(md, at, s, &mut ctx, &mut marks, &mut specials);
        }
        at = at.max(e);
    }
    marks.sort_unstable();
    let proj = project(md, &ctx, &marks);
    let hits = r.find(&proj.text);
    let edits = resolve::resolve(&proj.text, hits);
    let mut out = String::with_capacity(md.len());
    let mut spans = Vec::with_capacity(edits.len());
    let mut at = 0;
    let src = |a: usize, b: usize| (proj.map(a).0, proj.map(b - 1).1);
    for e in &edits {
        let (s, end) = src(e.edit.0, e.edit.1);
        let (is, ie) = src(e.ident.0, e.ident.1);
        let where_ = ctx[is.min(md.len() - 1)];
        let (s, end, before, mut keep) = if where_ == Ctx::Text {
            adjust_markers(md, &proj.marker, s, end)
        } else {
            (s, end, String::new(), String::new())
        };
        // "Ma<b>ria</b> Lo<em>pez</em>": the tags stay (empty), so the HTML stays balanced.
        for &(hs, he) in &proj.hidden {
            if hs >= s && he <= end {
                keep.push_str(&md[hs..he]);
            }
        }
        let s = s.max(at);
        if end <= s {
            continue;
        }
        out.push_str(&md[at..s]);
        out.push_str(&before);
        out.push_str(&e.replacement.render(where_, r.policy.zip3));
        out.push_str(&keep);
        at = end;
        spans.push(Span {
            start: is,
            end: ie,
            category: e.category,
            declared: e.declared,
        });
    }
    out.push_str(&md[at..]);
    Redaction { text: out, spans }
}
