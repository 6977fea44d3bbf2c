//! Markdown → safe HTML. pulldown-cmark renders (tables, footnotes, strikethrough,
//! heading anchors); ammonia then sanitises the result, so raw HTML in a body can add
//! harmless markup but never scripts, event handlers or `javascript:`/`data:` URLs.
//! We sanitise rather than escape because real letters and editors use `<sup>`, `<br>`
//! and simple tables, and escaping would print them as tags.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.add_generic_attributes(["id", "class"])
        .add_tags(["section", "sup", "sub"])
        .add_tag_attributes("a", ["href", "title"])
        .url_schemes(std::collections::HashSet::from(["http", "https", "mailto"]))
        .link_rel(Some("noopener noreferrer nofollow"))
        .id_prefix(None);
    b
});

/// Renders a de-identified Markdown body to sanitised HTML. Headings get stable ids
/// (`clinical-case-summary`); footnotes get `fn-` prefixed ids and back-links, so they
/// never collide with headings.
pub fn to_html(md: &str) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(md, options()).collect();
    // Footnote numbering in order of first reference.
    let mut fn_numbers: BTreeMap<String, usize> = BTreeMap::new();
    for e in &events {
        if let Event::FootnoteReference(l) = e {
            let n = fn_numbers.len() + 1;
            fn_numbers.entry(l.to_string()).or_insert(n);
        }
    }
    let mut used_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut out_events: Vec<Event<'_>> = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::Heading { level, .. }) => {
                // Collect the heading's inner events to build its id from its text.
                let level = *level;
                let mut j = i + 1;
                let mut text = String::new();
                while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                    if let Event::Text(t) | Event::Code(t) = &events[j] {
                        text.push_str(t);
                    }
                    j += 1;
                }
                let mut id = crate::publish::slug(&text);
                if id.is_empty() {
                    id = "section".into();
                }
                let n = used_ids.entry(id.clone()).or_insert(0);
                *n += 1;
                if *n > 1 {
                    id = format!("{id}-{n}");
                }
                let tag = heading_tag(level);
                out_events.push(Event::Html(CowStr::from(format!("<{tag} id=\"{id}\">"))));
                out_events.extend(events[i + 1..j].iter().cloned());
                out_events.push(Event::Html(CowStr::from(format!("</{tag}>\n"))));
                i = j + 1;
                continue;
            }
            Event::FootnoteReference(l) => {
                let n = fn_numbers.get(l.as_ref()).copied().unwrap_or(0);
                let id = crate::publish::slug(l);
                out_events.push(Event::Html(CowStr::from(format!(
                    "<sup class=\"footnote-ref\"><a href=\"#fn-{id}\" id=\"fnref-{id}\">{n}</a></sup>"
                ))));
            }
            Event::Start(Tag::FootnoteDefinition(l)) => {
                let id = crate::publish::slug(l);
                let n = fn_numbers.get(l.as_ref()).copied().unwrap_or(0);
                out_events.push(Event::Html(CowStr::from(format!(
                    "<div class=\"footnote\" id=\"fn-{id}\"><span class=\"footnote-label\">{n}.</span> "
                ))));
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                // Back-link to the first reference.
                let label = events[..i].iter().rev().find_map(|e| match e {
                    Event::Start(Tag::FootnoteDefinition(l)) => Some(l.clone()),
                    _ => None,
                });
                let id = label.map(|l| crate::publish::slug(&l)).unwrap_or_default();
                out_events.push(Event::Html(CowStr::from(format!(
                    " <a href=\"#fnref-{id}\" class=\"footnote-back\" aria-label=\"back to reference\">↩</a></div>\n"
                ))));
            }
            e => out_events.push(e.clone()),
        }
        i += 1;
    }
    let mut raw = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut raw, out_events.into_iter());
    SANITIZER.clean(&raw).to_string()
}

fn heading_tag(l: HeadingLevel) -> &'static str {
    match l {
        HeadingLevel::H1 => "h2", // the page's h1 is the determination title
        HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    }
}

/// Markdown → plain text (for excerpts, feeds and the search index). Raw HTML is dropped.
pub fn plain_text(md: &str) -> String {
    let mut s = String::with_capacity(md.len());
    for e in Parser::new_ext(md, options()) {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(&t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell,
            ) => s.push('\n'),
            _ => {}
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_ids_and_unique_suffixes() {
        let h = to_html("## Clinical case summary\n\ntext\n\n### MRI\n\n### MRI\n");
        assert!(
            h.contains("<h2 id=\"clinical-case-summary\">Clinical case summary</h2>"),
            "{h}"
        );
        assert!(h.contains("<h3 id=\"mri\">MRI</h3>"), "{h}");
        assert!(h.contains("<h3 id=\"mri-2\">MRI</h3>"), "{h}");
    }

    #[test]
    fn scripts_handlers_and_js_urls_are_removed() {
        let h = to_html(
            "hi <script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) <a href=\"data:text/html,<script>alert(4)</script>\">d</a> <svg><script>alert(5)</script></svg> <iframe src=\"https://e.org\"></iframe>\n",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "data:",
            "<svg",
            "<iframe",
            "alert(",
        ] {
            assert!(!h.contains(bad), "{bad} survived in {h}");
        }
    }

    #[test]
    fn tables_footnotes_strikethrough() {
        let h = to_html(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ text[^1]\n\n[^1]: A note.\n\n## 1\n",
        );
        assert!(h.contains("<table>"), "{h}");
        assert!(h.contains("<del>old</del>"), "{h}");
        assert!(h.contains("id=\"fn-1\""), "{h}");
        assert!(h.contains("href=\"#fn-1\""), "{h}");
        assert!(h.contains("<h2 id=\"1\">"), "{h}");
        assert_eq!(
            h.matches("id=\"1\"").count(),
            1,
            "footnote ids must not collide with headings: {h}"
        );
    }

    #[test]
    fn plain_text_drops_markup() {
        assert_eq!(plain_text("## A\n\n*b* `c` <b>x</b>\n").trim(), "A\nb c x");
    }
}
