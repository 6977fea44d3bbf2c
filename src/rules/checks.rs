//! The rules of `catalog` applied to determinations: identity, dates, citations, limits
//! and rationale. Every check reports at the file line of the field it concerns.

use std::collections::BTreeMap;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use regex::Regex;

use super::pack::Packs;
use super::pages;
use crate::diag::{Diagnostic, did_you_mean};
use crate::model::{Citation, Date, Decision, Determination, Item};

/// The checks of one determination on its own (everything but the archive-wide
/// [`duplicate_cases`]), memoised in `cache` under the file and `deps` (the rule packs).
pub fn check_file(
    d: &Determination,
    packs: &Packs,
    case_pattern: &Regex,
    today: Date,
    cache: Option<(&crate::cache::Cache, &crate::cache::Key)>,
) -> Vec<Diagnostic> {
    if let Some((c, deps)) = cache
        && let Some(v) = c.checks(&d.origin.key, deps)
    {
        return v.as_ref().clone();
    }
    let mut v = check_one(d, packs, case_pattern, today);
    if !v.is_empty() {
        let text = reconstruct_lines(d);
        crate::content::attach_snippets(&mut v, &text, Some(&d.identifiers));
    }
    if let Some((c, deps)) = cache {
        c.set_checks(&d.origin.key, *deps, std::sync::Arc::new(v.clone()));
    }
    v
}

/// Where a determination's case number is: what [`duplicate_cases`] needs of it.
pub struct CaseAt {
    pub path: std::path::PathBuf,
    pub case_number: String,
    /// Line, column and width of the `case_number` value.
    pub at: (usize, usize, usize),
}

impl CaseAt {
    pub fn of(d: &Determination) -> CaseAt {
        CaseAt {
            path: d.origin.path.clone(),
            case_number: d.case_number.clone(),
            at: d.origin.pos("case_number"),
        }
    }
}

/// Duplicate case numbers: reported on each later file (by path), naming the first.
pub fn duplicate_cases(cases: &mut [CaseAt]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    cases.sort_by(|a, b| a.path.cmp(&b.path));
    let mut seen: BTreeMap<&str, &CaseAt> = BTreeMap::new();
    for d in cases.iter() {
        match seen.get(d.case_number.as_str()) {
            Some(first) => {
                let (l, c, w) = d.at;
                diags.push(
                    Diagnostic::error("CB011", d.path.clone(), format!("case number {} is used twice", d.case_number))
                        .at(l, c)
                        .width(w)
                        .note(format!("also used in {}:{}", first.path.display(), first.at.0))
                        .help("each determination needs its own case number; correct this one or remove the copy"),
                );
            }
            None => {
                seen.insert(&d.case_number, d);
            }
        }
    }
    diags
}

/// The file text is not kept after parsing; snippets come from the front matter lines
/// the locator kept plus the body.
fn reconstruct_lines(d: &Determination) -> String {
    let mut s = String::new();
    for _ in 1..d.origin.front_line {
        s.push('\n');
    }
    let mut i = 1;
    while let Some(l) = d.origin.locator.line_text(i) {
        s.push_str(l);
        s.push('\n');
        i += 1;
    }
    while s.lines().count() + 1 < d.origin.body_line {
        s.push('\n');
    }
    s.push_str(&d.body);
    s
}

pub(crate) fn check_one(
    d: &Determination,
    packs: &Packs,
    case_pattern: &Regex,
    today: Date,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let file = &d.origin.path;
    let err = |rule, path: &str, msg: String, help: String| {
        let (l, c, w) = d.origin.pos(path);
        Diagnostic::error(rule, file.clone(), msg)
            .at(l, c)
            .width(w)
            .help(help)
    };
    let warn = |rule, path: &str, msg: String, help: String| {
        let (l, c, w) = d.origin.pos(path);
        Diagnostic::warning(rule, file.clone(), msg)
            .at(l, c)
            .width(w)
            .help(help)
    };

    if !case_pattern.is_match(&d.case_number) {
        out.push(err(
            "CB010",
            "case_number",
            format!(
                "case number `{}` does not match the site's pattern",
                d.case_number
            ),
            format!(
                "case numbers look like CM16-0213037 (pattern {})",
                case_pattern.as_str()
            ),
        ));
    }

    // Dates in review order; each pair reported once, at the later field.
    let order: [(&str, Option<Date>); 5] = [
        ("injury_date", d.injury_date),
        ("ur_denial_date", d.ur_denial_date),
        ("application_received_date", d.application_received_date),
        ("assigned_date", d.assigned_date),
        ("determination_date", Some(d.determination_date)),
    ];
    let mut latest: Option<(&str, Date)> = None;
    for (name, date) in order {
        let Some(date) = date else { continue };
        if date > today {
            out.push(err(
                "CB022",
                name,
                format!("`{name}` {date} is in the future"),
                "check the year; published determinations were decided in the past".into(),
            ));
        }
        if let Some((prev, pd)) = latest
            && date < pd
        {
            out.push(err(
                "CB021",
                name,
                format!("`{name}` {date} is before `{prev}` {pd}"),
                "dates follow the review: injury ≤ UR denial ≤ application received ≤ assigned ≤ determination".into(),
            ));
        }
        if latest.is_none_or(|(_, pd)| date >= pd) {
            latest = Some((name, date));
        }
    }

    for (i, item) in d.items.iter().enumerate() {
        let p = format!("items[{i}]");
        let tpath = format!("{p}.treatment");
        let known = packs.governing(&item.treatment).next().is_some();
        if !known {
            let all = packs.all_treatment_ids();
            let hint = did_you_mean(&item.treatment, all.iter().copied())
                .map(|m| format!("did you mean `{m}`?"))
                .unwrap_or_else(|| {
                    "use a treatment id listed in a rule pack under content/guidelines/".into()
                });
            out.push(err(
                "CB034",
                &tpath,
                format!("unknown treatment `{}`", item.treatment),
                hint,
            ));
        }
        if let Some(c) = &item.claims_administrator_basis {
            check_citation(
                c,
                item,
                &format!("{p}.claims_administrator_basis"),
                packs,
                &err,
                &warn,
                &mut out,
            );
        }
        check_citation(
            &item.reviewer_basis,
            item,
            &format!("{p}.reviewer_basis"),
            packs,
            &err,
            &warn,
            &mut out,
        );
        if known {
            check_limits(item, &p, packs, &err, &warn, &mut out);
        }
    }

    check_body(d, &mut out);
    out
}

type Mk<'a> = dyn Fn(&'static str, &str, String, String) -> Diagnostic + 'a;

fn check_citation(
    c: &Citation,
    item: &Item,
    p: &str,
    packs: &Packs,
    err: &Mk<'_>,
    warn: &Mk<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Citation::Guideline {
        guideline,
        section,
        pages: page_text,
        ..
    } = c
    else {
        return;
    };
    let Some(pack) = packs.get(guideline) else {
        let hint = did_you_mean(guideline, packs.by_id.keys().map(String::as_str))
            .map(|m| format!("did you mean `{m}`?"))
            .unwrap_or_else(|| {
                "add a rule pack under content/guidelines/ or use `basis: outside-guidelines`"
                    .into()
            });
        out.push(err(
            "CB030",
            &format!("{p}.guideline"),
            format!("unknown guideline `{guideline}`"),
            hint,
        ));
        return;
    };
    let mut sec = None;
    if let Some(s) = section {
        match pack.section(s) {
            Some(x) => sec = Some(x),
            None => {
                let hint = did_you_mean(s, pack.sections.iter().map(|x| x.id.as_str()))
                    .map(|m| format!("did you mean `{m}`?"))
                    .unwrap_or_else(|| {
                        let ids: Vec<_> = pack
                            .sections
                            .iter()
                            .take(8)
                            .map(|x| x.id.as_str())
                            .collect();
                        format!("sections of {}: {}", pack.id, ids.join(", "))
                    });
                out.push(err(
                    "CB031",
                    &format!("{p}.section"),
                    format!("`{}` has no section `{s}`", pack.id),
                    hint,
                ));
            }
        }
    }
    if let Some(t) = page_text
        && let Some(cited) = pages::parse(t)
    {
        if let Some(all) = &pack.page_set
            && !pages::within(&cited, all)
        {
            let bad = pages::outside(&cited, all);
            out.push(err(
                "CB032",
                &format!("{p}.pages"),
                format!(
                    "page {} is not in `{}` (pages {})",
                    join(&bad),
                    pack.id,
                    pack.pages.as_deref().unwrap_or("?")
                ),
                "check the page number and the guideline edition".into(),
            ));
        } else if let Some(s) = sec
            && let Some(sp) = &s.page_set
            && !pages::within(&cited, sp)
        {
            out.push(warn(
                "CB033",
                &format!("{p}.pages"),
                format!(
                    "pages {t} are outside section `{}` (pages {})",
                    s.id,
                    s.pages.as_deref().unwrap_or("?")
                ),
                "check the section or the pages cited".into(),
            ));
        }
    }
    if let (Some(s), Some(t)) = (sec, pack.treatment(&item.treatment))
        && !t.sections.is_empty()
        && !t.sections.iter().any(|x| x == &s.id)
    {
        out.push(warn(
            "CB035",
            &format!("{p}.section"),
            format!(
                "section `{}` of `{}` does not govern treatment `{}`",
                s.id, pack.id, item.treatment
            ),
            format!("sections governing it: {}", t.sections.join(", ")),
        ));
    }
}

fn join(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// Total visits and weeks a request asks for, when it says.
pub fn requested(item: &Item) -> (Option<u32>, Option<u32>) {
    let visits = item
        .quantity
        .or(item.frequency.map(|f| f.per_week * f.weeks));
    (visits, item.frequency.map(|f| f.weeks))
}

fn check_limits(
    item: &Item,
    p: &str,
    packs: &Packs,
    err: &Mk<'_>,
    warn: &Mk<'_>,
    out: &mut Vec<Diagnostic>,
) {
    // The limits of the cited pack when it governs the treatment, else of every pack that does.
    let cited = item
        .reviewer_basis
        .guideline()
        .and_then(|g| packs.get(g))
        .and_then(|pk| pk.treatment(&item.treatment));
    let limits: Vec<_> = match cited {
        Some(t) if !t.limits.is_empty() => t.limits.iter().collect(),
        _ => packs
            .governing(&item.treatment)
            .flat_map(|(_, t)| t.limits.iter())
            .collect(),
    };
    let limits: Vec<_> = limits
        .into_iter()
        .filter(|l| l.max_visits.is_some() || l.over_weeks.is_some())
        .collect();
    let (visits, weeks) = requested(item);
    if limits.is_empty() || (visits.is_none() && weeks.is_none()) {
        if item.exception.is_some() && !limits.is_empty() {
            out.push(warn(
                "CB041",
                &format!("{p}.exception"),
                "exception given but the request states no quantity to compare with the limits"
                    .into(),
                "add `quantity:` or `frequency:`, or remove `exception:`".into(),
            ));
        }
        return;
    }
    let exceeds = |l: &&crate::rules::pack::Limit| {
        l.max_visits.zip(visits).is_some_and(|(m, v)| v > m)
            || l.over_weeks.zip(weeks).is_some_and(|(m, w)| w > m)
    };
    let departs = limits.iter().all(exceeds);
    if departs && item.decision == Decision::Overturned && item.exception.is_none() {
        let most = limits.iter().filter_map(|l| l.max_visits).max();
        out.push(err(
            "CB040",
            &format!("{p}.decision"),
            format!(
                "overturned request for {} exceeds every limit for `{}`{}",
                visits.map(|v| format!("{v} visits")).unwrap_or_else(|| format!("{} weeks", weeks.unwrap_or(0))),
                item.treatment,
                most.map(|m| format!(" (at most {m} visits)")).unwrap_or_default()
            ),
            "add `exception:` with the sentence of the rationale that justifies departing from the guideline".into(),
        ));
    }
    if !departs && item.exception.is_some() {
        out.push(warn(
            "CB041",
            &format!("{p}.exception"),
            "exception given for a request within the guideline's limits".into(),
            "remove `exception:`; it is only for decisions that depart from the limits".into(),
        ));
    }
}

/// Headings of a body: (level, text, file line).
pub fn headings(body: &str, body_line: usize) -> Vec<(u8, String, usize)> {
    let mut out = Vec::new();
    let mut cur: Option<(u8, String, usize)> = None;
    let line_of = |off: usize| body_line + body[..off.min(body.len())].matches('\n').count();
    for (ev, range) in Parser::new(body).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                let lvl = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                cur = Some((lvl, String::new(), line_of(range.start)));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = cur.as_mut() {
                    c.1.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => out.extend(cur.take()),
            _ => {}
        }
    }
    out
}

/// Normalises headings and requests for comparison.
pub fn norm(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches([':', '.'])
        .to_lowercase()
}

/// The rationale sections: for each `###` under `## Decision rationale`, its normalised
/// heading, line, and text.
pub fn rationale_sections(body: &str, body_line: usize) -> Vec<(String, usize, String)> {
    let mut out: Vec<(String, usize, String)> = Vec::new();
    let mut in_rationale = false;
    let mut cur: Option<usize> = None;
    let mut heading: Option<(u8, String)> = None;
    let line_of = |off: usize| body_line + body[..off.min(body.len())].matches('\n').count();
    for (ev, range) in Parser::new(body).into_offset_iter() {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some((level as u8, String::new()));
                if level as u8 <= 2 {
                    cur = None;
                }
                let _ = range;
            }
            Event::End(TagEnd::Heading(level)) => {
                let (_, text) = heading.take().unwrap_or_default();
                let lvl = level as u8;
                if lvl == 2 {
                    in_rationale = norm(&text) == "decision rationale";
                } else if lvl == 3 && in_rationale {
                    out.push((norm(&text), line_of(range.start), String::new()));
                    cur = Some(out.len() - 1);
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, h)) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some(i) = cur {
                    out[i].2.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(i) = cur {
                    out[i].2.push(' ');
                }
            }
            Event::End(TagEnd::Paragraph) | Event::End(TagEnd::Item) => {
                if let Some(i) = cur {
                    out[i].2.push(' ');
                }
            }
            _ => {}
        }
    }
    out
}

/// What the last outcome sentence of a rationale says: Some(true) "medically necessary",
/// Some(false) "not medically necessary", None when it says neither. Letters word it many
/// ways ("is not medically necessary", "to not be medically necessary", "is not a medical
/// necessity", "medical necessity ... is not established"), so the sentence is judged as a
/// whole: it mentions medical necessity, and it is negative when it carries a negation.
pub fn outcome(text: &str) -> Option<bool> {
    static MENTION: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"(?i)\bmedical(?:ly)?\s+(?:necess|reasonable)").unwrap()
    });
    static NEGATION: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
        Regex::new(r"(?i)\b(?:not|cannot|no longer|unnecessary|non-certified|neither|nor)\b|n't\b")
            .unwrap()
    });
    let sentence = split_sentences(text)
        .into_iter()
        .rev()
        .find(|s| MENTION.is_match(s))?;
    Some(!NEGATION.is_match(sentence))
}

/// Splits at sentence ends (". ", "! ", "? ", end of text), keeping abbreviations like
/// "Dr." or "i.e." from splitting too eagerly is not needed here: only the last mention
/// of medical necessity matters.
fn split_sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len() {
        if matches!(b[i], b'.' | b'!' | b'?')
            && (i + 1 == b.len() || b[i + 1].is_ascii_whitespace())
        {
            out.push(&text[start..=i]);
            start = i + 1;
        }
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

fn check_body(d: &Determination, out: &mut Vec<Diagnostic>) {
    let file = &d.origin.path;
    let hs = headings(&d.body, d.origin.body_line);
    let has = |t: &str| hs.iter().any(|(l, h, _)| *l == 2 && norm(h) == t);
    let body_start = d.origin.body_line;
    for (want, title) in [
        ("clinical case summary", "Clinical case summary"),
        ("decision rationale", "Decision rationale"),
    ] {
        if !has(want) {
            let key = want.rsplit(' ').next().unwrap_or(want);
            let near = hs.iter().find(|(l, h, _)| {
                *l <= 2 && (did_you_mean(&norm(h), [want]).is_some() || norm(h).contains(key))
            });
            let (line, help) = match near {
                Some((_, h, line)) => (*line, format!("rename `## {h}` to `## {title}`")),
                None => (body_start, format!("add a `## {title}` section")),
            };
            out.push(
                Diagnostic::error(
                    "CB050",
                    file.clone(),
                    format!("missing `## {title}` section"),
                )
                .at(line, 1)
                .help(help),
            );
        }
    }
    let sections = rationale_sections(&d.body, d.origin.body_line);
    for (i, item) in d.items.iter().enumerate() {
        let want = norm(&item.request);
        let (l, c, w) = d.origin.pos(&format!("items[{i}].request"));
        let Some((_, line, text)) = sections.iter().find(|(h, _, _)| *h == want) else {
            let near = sections
                .iter()
                .map(|(h, _, _)| h.as_str())
                .find(|h| did_you_mean(&want, [*h]).is_some());
            let help = match near {
                Some(h) => format!(
                    "the heading `### {h}` differs from the request; word it exactly as the request"
                ),
                None => format!(
                    "add `### {}` under `## Decision rationale` with the rationale for this item",
                    item.request
                ),
            };
            out.push(
                Diagnostic::error(
                    "CB051",
                    file.clone(),
                    format!("item {} has no rationale section", i + 1),
                )
                .at(l, c)
                .width(w)
                .help(help),
            );
            continue;
        };
        match outcome(text) {
            None => out.push(
                Diagnostic::warning(
                    "CB053",
                    file.clone(),
                    format!("rationale for item {} has no outcome sentence", i + 1),
                )
                .at(*line, 1)
                .help(format!(
                    "end the rationale with \"The request ... is {}medically necessary.\"",
                    if item.decision == Decision::Upheld {
                        "not "
                    } else {
                        ""
                    }
                )),
            ),
            Some(necessary) => {
                let agrees = necessary == (item.decision == Decision::Overturned);
                if !agrees {
                    let (dl, dc, dw) = d.origin.pos(&format!("items[{i}].decision"));
                    out.push(
                        Diagnostic::error(
                            "CB052",
                            file.clone(),
                            format!(
                                "decision `{}` disagrees with the rationale, which concludes \"{}medically necessary\"",
                                item.decision,
                                if necessary { "" } else { "not " }
                            ),
                        )
                        .at(dl, dc)
                        .width(dw)
                        .note(format!("the outcome sentence is in the section starting at line {line}"))
                        .help(format!(
                            "set `decision: {}` or correct the outcome sentence",
                            if necessary { "overturned" } else { "upheld" }
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_sentences() {
        assert_eq!(
            outcome("The request for PT is not medically necessary."),
            Some(false)
        );
        assert_eq!(
            outcome("Therefore, the request is medically necessary."),
            Some(true)
        );
        assert_eq!(
            outcome("It was denied before. Now it is medically necessary."),
            Some(true)
        );
        assert_eq!(
            outcome("The request is determined to not be medically necessary."),
            Some(false)
        );
        assert_eq!(
            outcome("This request is not a medical necessity"),
            Some(false)
        );
        assert_eq!(
            outcome("The medical necessity of this request is not established."),
            Some(false)
        );
        assert_eq!(
            outcome("The MRI cannot be considered medically necessary."),
            Some(false)
        );
        assert_eq!(
            outcome("The request for Dr. visits is medically necessary."),
            Some(true)
        );
        assert_eq!(outcome("The guideline supports it."), None);
    }

    #[test]
    fn rationale_sections_found() {
        let body = "## Clinical case summary\n\ntext\n\n## Decision rationale\n\n### MRI of the spine\n\nIt is not medically necessary.\n\n### PT x 8\n\nIs medically\nnecessary.\n";
        let s = rationale_sections(body, 10);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].0, "mri of the spine");
        assert_eq!(s[0].1, 16);
        assert_eq!(outcome(&s[1].2), Some(true));
    }
}
