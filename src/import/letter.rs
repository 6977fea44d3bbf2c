//! The structure of a DWC IMR final determination letter, read from its stream.
//!
//! Every layout seen (2013–15 with `Page(s):`, 2016–17 with `Section(s):`, and text
//! reflowed by PDF extraction) shares the same landmarks in the same order: the header
//! fields, the "HOW THE IMR FINAL DETERMINATION WAS MADE" boilerplate, the reviewer's
//! credentials, "CLINICAL CASE SUMMARY", and "IMR ISSUES, DECISIONS AND RATIONALES"
//! with, per disputed item, `<item>: Upheld|Overturned`, the two guideline citations
//! and "Decision rationale:". Line breaks carry no meaning here (they fall anywhere in
//! reflowed text), so everything is found on the single-spaced stream: an item's
//! decision is a colon and Upheld/Overturned right before a citation label, and its
//! wording is the last sentence before that (or the last three, for a partial
//! authorisation), after the previous item's rationale.

use super::stream::Stream;
use super::{ImportError, ImportWarning};
use regex::Regex;
use std::sync::LazyLock;

/// Header dates as written in the letter, converted to YYYY-MM-DD.
#[derive(Debug, Default)]
pub(crate) struct Dates {
    pub determination: Option<String>,
    pub injury: Option<String>,
    pub assigned: Option<String>,
    pub ur_denial: Option<String>,
    pub application_received: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Reviewer {
    pub specialty: Option<String>,
    pub licensure: Vec<String>,
    pub board_certified: Option<bool>,
}

/// One disputed item as the letter words it.
#[derive(Debug)]
pub(crate) struct RawItem {
    pub line: usize,
    /// The request: for a partial authorisation, the remaining IMR-eligible portion.
    pub request: String,
    pub original_request: Option<String>,
    pub authorized: Option<String>,
    pub decision: &'static str,
    /// Claims Administrator citation wording and its line.
    pub ca: Option<(String, usize)>,
    /// MAXIMUS (expert reviewer) citation wording and its line.
    pub mx: Option<(String, usize)>,
    pub rationale: Vec<String>,
}

#[derive(Debug)]
pub(crate) struct Letter {
    pub case_number: String,
    pub dates: Dates,
    pub priority: Option<String>,
    pub reviewer: Reviewer,
    pub age: Option<u32>,
    pub sex: &'static str,
    pub diagnoses: Vec<String>,
    pub summary: Vec<String>,
    pub items: Vec<RawItem>,
    pub warnings: Vec<ImportWarning>,
}

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap()
}

static RE_CASE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)Case\s*Number\s*:\s*([A-Z]{2}\d{2}-\d{4,8})\b"));
static RE_CASE_LABEL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)Case\s*Number\s*:"));
const DATE: &str = r"\s*:\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4}|\d{2})\b";
static RE_ASSIGNED: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)Date\s+Assigned{DATE}")));
static RE_INJURY: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)Date\s+of\s+Injury{DATE}")));
static RE_DECISION: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)Decision\s+Date{DATE}")));
static RE_UR: LazyLock<Regex> = LazyLock::new(|| re(&format!(r"(?i)UR\s+Denial\s+Date{DATE}")));
static RE_RECEIVED: LazyLock<Regex> =
    LazyLock::new(|| re(&format!(r"(?i)Application\s+Received{DATE}")));
static RE_PRIORITY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)Priority\s*:\s*(Standard|Expedited|Regular|Urgent)\b"));
static RE_HOW: LazyLock<Regex> =
    LazyLock::new(|| re(r"HOW\s+THE\s+IMR\s+FINAL\s+DETERMINATION\s+WAS\s+MADE"));
static RE_LICENSURE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)State\s*\(s\)\s*of\s+Licensure\s*:"));
static RE_SPECIALTY: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)Certification\s*\(s\)\s*/\s*Specialty\s*:"));
static RE_CRED_STOP: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)State\s*\(s\)\s*of\s+Licensure\s*:|Certification\s*\(s\)\s*/\s*Specialty\s*:|CLINICAL\s+CASE\s+SUMMARY|HOW\s+THE\s+IMR|IMR\s+ISSUES",
    )
});
static RE_BOARD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bBoard\s+Certified\s+in\s+([^,.;]+?)(?:\s*,|\s+and\s|\.)"));
static RE_LICENSED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\blicensed\s+to\s+practice\s+in\s+([^.]+?)\s*\."));
static RE_SUMMARY: LazyLock<Regex> = LazyLock::new(|| re(r"CLINICAL\s+CASE\s+SUMMARY\s*:?"));
static RE_SUMMARY_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*The\s+expert\s+reviewer\s+developed\s+the\s+following\s+clinical\s+case\s+summary\s+based\s+on\s+a\s+review\s+of\s+the\s+case\s+file,?\s+including\s+all\s+medical\s+records\s*:\s*",
    )
});
static RE_ISSUES: LazyLock<Regex> =
    LazyLock::new(|| re(r"IMR\s+ISSUES\s*,?\s+DECISIONS\s*,?\s+AND\s+RATIONALES?\s*:?"));
static RE_ISSUES_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*The\s+Final\s+Determination\s+was\s+based\s+on\s+decisions?\s+for\s+the\s+disputed\s+items?\s*/\s*services?\s+set\s+forth\s+below\s*:\s*",
    )
});
static RE_ANCHOR: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i):\s*(Upheld|Overturned)\b\s*(?:(Claims\s+Administrator\s+guideline|MAXIMUS\s+guideline|Decision\s+rationale)\s*:|$)",
    )
});
static RE_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)(Claims\s+Administrator\s+guideline|MAXIMUS\s+guideline|Decision\s+rationale)\s*:")
});
static RE_SENTENCE_END: LazyLock<Regex> = LazyLock::new(|| re(r#"[.!?]["'”’)\]]*\s+"#));
static RE_PARTIAL_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)^(?:The\s+remaining\s+IMR\s+eligible\s+portion|The\s+original\s+request\s*,)")
});
static RE_ORIGINAL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\bwas\s+the\s+original\s+request\b"));
static RE_PARTIAL_A: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)^(?P<orig>.+?),?\s+was\s+the\s+original\s+request\.\s*(?P<auth>.+?),?\s+(?:was|were)\s+authorized\s+by\s+the\s+Claims\s+Administrator\.\s*The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request\s*,?\s*(?P<req>.+?)(?:,?\s+(?:is|are))?\s*$",
    )
});
static RE_PARTIAL_B: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)^(?P<orig>.+?),?\s+was\s+the\s+original\s+request\.\s*The\s+Claims\s+Administrator\s+authorized\s+(?P<auth>.+?),?\s+leaving\s+the\s+original\s+request\s+IMR\s+eligible\.\s*The\s+original\s+request\s*,?\s*(?P<req>.+?)(?:,?\s+(?:is|are))?\s*$",
    )
});
static RE_PARTIAL_REST: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?is)^(?:The\s+remaining\s+IMR\s+eligible\s+portion\s+of\s+the\s+original\s+request|The\s+original\s+request)\s*,?\s*(?P<req>.+?)(?:,?\s+(?:is|are))?\s*$",
    )
});
static RE_AGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(\d{1,3})\s*-?\s*(?:years?|yrs?|y)\s*-?\s*(?:/\s*)?(?:old|o)\b"));
static RE_SEX: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b(male|female|man|woman|gentleman|lady|boy|girl)\b"));
static RE_DIAGNOSES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"(?i)\btreated\s+for\s+(?:the\s+)?diagnos[ie]s\s+of\s*:?\s*(.+?)\.(?:\s|$)"),
        re(r"(?i)\bdiagnos[ie]s\s+(?:include[sd]?|are|were|was)\s*:?\s+(.+?)\.(?:\s|$)"),
        re(r"(?i)\bdiagnosed\s+(?:as\s+having|with)\s+(.+?)\.(?:\s|$)"),
    ]
});

/// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "st", "vs", "no", "nos", "approx", "e.g", "i.e", "fig", "jr", "sr",
    "inc", "ltd", "co", "u.s", "a.m", "p.m", "ca", "cf", "al",
];

fn iso_date(c: &regex::Captures) -> Option<String> {
    let m: u32 = c.get(1)?.as_str().parse().ok()?;
    let d: u32 = c.get(2)?.as_str().parse().ok()?;
    let y = c.get(3)?.as_str();
    let y: u32 = if y.len() == 2 {
        2000 + y.parse::<u32>().ok()?
    } else {
        y.parse().ok()?
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1900..=2200).contains(&y) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// Offsets where a new sentence may start inside `s`.
fn sentence_starts(s: &str) -> Vec<usize> {
    RE_SENTENCE_END
        .find_iter(s)
        .filter(|m| {
            let before = &s[..m.start()];
            let word_start = before
                .char_indices()
                .rev()
                .find(|&(_, c)| !(c.is_alphanumeric() || c == '.'))
                .map_or(0, |(i, c)| i + c.len_utf8());
            let word = before[word_start..].to_lowercase();
            !ABBREVIATIONS.contains(&word.as_str()) && m.end() < s.len()
        })
        .map(|m| m.end())
        .collect()
}

static RE_OUTCOME_END: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:necessary|appropriate|indicated|recommended|supported|warranted|certified|substantiated|established|approved|upheld|overturned)$",
    )
});

/// Whether a rationale ends as a complete letter does: with a full stop, or (some
/// letters omit the last full stop) with its outcome ("... is not medically necessary").
fn ends_complete(p: &str) -> bool {
    let t = p.trim_end_matches(['"', '\'', ')', ']', '”', '’', ' ']);
    t.ends_with(['.', '!', '?']) || RE_OUTCOME_END.is_match(t)
}

/// Where the next item's wording starts inside `region` (the previous rationale
/// followed by the item's wording, up to its ": Upheld").
fn item_start(region: &str) -> usize {
    let starts = sentence_starts(region);
    let mut start = starts.last().copied().unwrap_or(0);
    if RE_PARTIAL_TAIL.is_match(&region[start..])
        && let Some(q) = RE_ORIGINAL.find_iter(&region[..start]).last()
    {
        let from = starts
            .iter()
            .rev()
            .find(|&&b| b <= q.start())
            .copied()
            .unwrap_or(0);
        // "X was the original request. Y was authorized ... . The remaining ...": at most
        // one sentence lies between; an earlier mention belongs to the rationale.
        if starts.iter().filter(|&&b| b > from && b < start).count() <= 1 {
            start = from;
        }
    }
    start
}

fn clean(s: &str) -> String {
    s.trim().trim_end_matches([',', ';']).trim().to_string()
}

/// Splits a partial authorisation into (request, original request, authorized).
fn split_partial(wording: &str) -> (String, Option<String>, Option<String>) {
    for re in [&*RE_PARTIAL_A, &*RE_PARTIAL_B] {
        if let Some(c) = re.captures(wording) {
            let get = |n: &str| c.name(n).map(|m| clean(m.as_str()));
            if let Some(req) = get("req").filter(|r| !r.is_empty()) {
                return (req, get("orig"), get("auth"));
            }
        }
    }
    if let Some(c) = RE_PARTIAL_REST.captures(wording)
        && let Some(req) = c
            .name("req")
            .map(|m| clean(m.as_str()))
            .filter(|r| !r.is_empty())
    {
        return (req, None, None);
    }
    (clean(wording), None, None)
}

fn split_list(s: &str) -> Vec<String> {
    let mut parts: Vec<String> = s
        .split([';', ','])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() >= 2
        && let Some(last) = parts.pop()
    {
        let last = last.strip_prefix("and ").unwrap_or(&last).to_string();
        match last.rsplit_once(" and ") {
            Some((a, b)) if parts.len() >= 2 || !a.contains(' ') || !b.contains(' ') => {
                parts.push(a.trim().to_string());
                parts.push(b.trim().to_string());
            }
            _ => parts.push(last),
        }
    }
    parts
        .into_iter()
        .map(|p| {
            let p = p
                .trim()
                .strip_prefix("and ")
                .or_else(|| p.trim().strip_prefix("or "))
                .unwrap_or(p.trim());
            p.trim_matches(['"', '“', '”', '\'', ' ']).to_string()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

fn licensure_list(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .flat_map(|p| p.split(" and "))
        .map(|p| p.trim().trim_end_matches('.').trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Text after `label` up to the next credentials landmark.
fn field_after(text: &str, label: &Regex) -> Option<String> {
    let m = label.find(text)?;
    let rest = &text[m.end()..];
    let end = RE_CRED_STOP
        .find(rest)
        .map_or(rest.len().min(200), |s| s.start());
    let v = rest[..end].trim();
    (!v.is_empty()).then(|| v.to_string())
}

fn patient(summary: &str) -> (Option<u32>, &'static str) {
    let age_m = RE_AGE.captures(summary);
    let age = age_m
        .as_ref()
        .and_then(|c| c.get(1)?.as_str().parse::<u32>().ok())
        .filter(|&a| a <= 120);
    // The sex named right after the age ("a 48 year old male"), else the first "a ... male".
    let near = age_m
        .as_ref()
        .and_then(|c| c.get(0))
        .and_then(|m| {
            let tail = &summary[m.end()..];
            let window = tail.get(..tail.len().min(40)).unwrap_or(tail);
            RE_SEX.captures(window)
        })
        .or_else(|| RE_SEX.captures(summary));
    let sex = near.and_then(|c| c.get(1)).map_or("unknown", |m| {
        match m.as_str().to_lowercase().as_str() {
            "male" | "man" | "gentleman" | "boy" => "male",
            _ => "female",
        }
    });
    (age, sex)
}

fn diagnoses(summary: &str) -> Vec<String> {
    RE_DIAGNOSES
        .iter()
        .find_map(|re| re.captures(summary))
        .and_then(|c| c.get(1))
        .map(|m| split_list(m.as_str()))
        .unwrap_or_default()
}

/// Reads a letter's structure.
pub(crate) fn parse(s: &Stream) -> Result<Letter, ImportError> {
    let text = s.text.as_str();
    let mut warnings = Vec::new();
    let case_number = match RE_CASE.captures(text) {
        Some(c) => c[1].to_string(),
        None => {
            let line = RE_CASE_LABEL.find(text).map(|m| s.line_at(m.start()));
            return Err(ImportError {
                line,
                message: if line.is_some() {
                    "\"Case Number:\" is not followed by a case number".to_string()
                } else {
                    "not a determination letter: no \"Case Number:\" header".to_string()
                },
            });
        }
    };
    let issues = RE_ISSUES.find(text).ok_or_else(|| ImportError {
        line: None,
        message: "not a determination letter (or truncated): no \"IMR ISSUES, DECISIONS AND RATIONALES\" section".to_string(),
    })?;

    // The header ends where the boilerplate or the summary begins.
    let summary_m = RE_SUMMARY.find(&text[..issues.start()]);
    let header_end = RE_HOW
        .find(text)
        .map(|m| m.start())
        .or(summary_m.map(|m| m.start()))
        .unwrap_or(issues.start());
    let header = &text[..header_end];
    let date = |re: &Regex, what: &str, warnings: &mut Vec<ImportWarning>| -> Option<String> {
        let c = re.captures(header)?;
        let d = iso_date(&c);
        if d.is_none() {
            warnings.push(ImportWarning {
                line: s.line_at(c.get(0).map_or(0, |m| m.start())),
                message: format!("{what} is not a valid MM/DD/YYYY date: \"{}\"", &c[0]),
            });
        }
        d
    };
    let dates = Dates {
        determination: date(&RE_DECISION, "Decision Date", &mut warnings),
        injury: date(&RE_INJURY, "Date of Injury", &mut warnings),
        assigned: date(&RE_ASSIGNED, "Date Assigned", &mut warnings),
        ur_denial: date(&RE_UR, "UR Denial Date", &mut warnings),
        application_received: date(&RE_RECEIVED, "Application Received", &mut warnings),
    };
    if dates.determination.is_none() {
        warnings.push(ImportWarning {
            line: s.line_at(0),
            message: "no Decision Date in the header (determination_date is required)".to_string(),
        });
    }
    let priority = RE_PRIORITY.captures(header).map(|c| {
        match c[1].to_lowercase().as_str() {
            "expedited" | "urgent" => "expedited",
            _ => "standard",
        }
        .to_string()
    });

    // Reviewer: the 2016-17 credentials block, else the older boilerplate sentence.
    let before_summary = &text[..summary_m.map_or(issues.start(), |m| m.start())];
    let mut reviewer = Reviewer {
        specialty: field_after(before_summary, &RE_SPECIALTY),
        licensure: field_after(before_summary, &RE_LICENSURE)
            .map(|l| licensure_list(&l))
            .unwrap_or_default(),
        board_certified: None,
    };
    if reviewer.specialty.is_none()
        && let Some(c) = RE_BOARD.captures(before_summary)
    {
        reviewer.specialty = Some(c[1].trim().to_string());
        reviewer.board_certified = Some(true);
    }
    if reviewer.licensure.is_empty()
        && let Some(c) = RE_LICENSED.captures(before_summary)
    {
        reviewer.licensure = licensure_list(&c[1]);
    }
    if reviewer.specialty.is_none() {
        warnings.push(ImportWarning {
            line: s.line_at(summary_m.map_or(0, |m| m.start())),
            message: "no reviewer specialty (Certification(s)/Specialty) found".to_string(),
        });
    }

    // Clinical case summary.
    let summary = match summary_m {
        Some(m) => {
            let mut start = m.end();
            if let Some(i) = RE_SUMMARY_INTRO.find(&text[start..issues.start()]) {
                start += i.end();
            }
            s.paragraphs(start, issues.start())
        }
        None => {
            warnings.push(ImportWarning {
                line: s.line_at(issues.start()),
                message: "no CLINICAL CASE SUMMARY section".to_string(),
            });
            Vec::new()
        }
    };
    let summary_text = summary.join(" ");
    let (age, sex) = patient(&summary_text);
    let diagnoses = diagnoses(&summary_text);

    // Disputed items.
    let mut items_start = issues.end();
    if let Some(m) = RE_ISSUES_INTRO.find(&text[items_start..]) {
        items_start += m.end();
    }
    let anchors: Vec<regex::Captures> = RE_ANCHOR.captures_iter(&text[items_start..]).collect();
    if anchors.is_empty() {
        return Err(ImportError {
            line: Some(s.line_at(issues.start())),
            message: "no disputed item with a decision (\"<item>: Upheld\" or \"<item>: Overturned\") under IMR ISSUES, DECISIONS AND RATIONALES".to_string(),
        });
    }
    let mut items = Vec::with_capacity(anchors.len());
    let mut wording_start = items_start;
    for (k, c) in anchors.iter().enumerate() {
        let (Some(whole), Some(dec)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let colon = items_start + whole.start();
        let wording = text[wording_start..colon].trim();
        let line = s.line_at(
            wording_start
                + (text[wording_start..colon].len()
                    - text[wording_start..colon].trim_start().len()),
        );
        if wording.is_empty() {
            return Err(ImportError {
                line: Some(s.line_at(colon)),
                message: format!("a decision ({}) with no item before it", dec.as_str()),
            });
        }
        let Some(label) = c.get(2) else {
            return Err(ImportError {
                line: Some(s.line_at(colon)),
                message: format!(
                    "truncated: the text ends right after the decision on \"{wording}\""
                ),
            });
        };
        let body_start = items_start + label.start();
        let body_end = anchors
            .get(k + 1)
            .and_then(|n| n.get(0))
            .map_or(text.len(), |m| items_start + m.start());
        let body = &text[body_start..body_end];
        // First occurrence of each label, in the order they appear.
        let mut labels: Vec<(usize, usize, char)> = Vec::new();
        for m in RE_LABEL.find_iter(body) {
            let kind = match m.as_str().chars().next().map(|c| c.to_ascii_lowercase()) {
                Some('c') => 'c',
                Some('m') => 'm',
                _ => 'd',
            };
            if !labels.iter().any(|l| l.2 == kind) {
                labels.push((m.start(), m.end(), kind));
            }
            if kind == 'd' {
                break;
            }
        }
        let Some(&(_, dr_end, _)) = labels.iter().find(|l| l.2 == 'd') else {
            return Err(ImportError {
                line: Some(line),
                message: format!("truncated: item \"{wording}\" has no \"Decision rationale:\""),
            });
        };
        let span = |kind: char| -> Option<(String, usize)> {
            let i = labels.iter().position(|l| l.2 == kind)?;
            let (_, end, _) = labels[i];
            let stop = labels.get(i + 1).map_or(body.len(), |l| l.0);
            Some((
                body[end..stop].trim().to_string(),
                s.line_at(body_start + labels[i].0),
            ))
        };
        let ca = span('c');
        let mx = span('m');
        let region = &body[dr_end..];
        let (rationale_end, next_start) = if k + 1 < anchors.len() {
            let p = item_start(region);
            (body_start + dr_end + p, body_start + dr_end + p)
        } else {
            (body_end, body_end)
        };
        let rationale = s.paragraphs(body_start + dr_end, rationale_end);
        let last_ok = rationale.last().is_some_and(|p| ends_complete(p));
        if rationale.is_empty() || (k + 1 == anchors.len() && !last_ok) {
            return Err(ImportError {
                line: Some(s.line_at(rationale_end.saturating_sub(1).max(body_start + dr_end))),
                message: format!(
                    "truncated: the rationale for \"{wording}\" {}",
                    if rationale.is_empty() {
                        "is empty"
                    } else {
                        "ends mid-sentence"
                    }
                ),
            });
        }
        let (request, original_request, authorized) = split_partial(wording);
        if original_request.is_none()
            && (RE_ORIGINAL.is_match(wording) || RE_PARTIAL_TAIL.is_match(wording))
        {
            warnings.push(ImportWarning {
                line,
                message:
                    "partial authorisation wording not recognised; the item is kept as written"
                        .to_string(),
            });
        }
        items.push(RawItem {
            line,
            request,
            original_request,
            authorized,
            decision: if dec.as_str().eq_ignore_ascii_case("upheld") {
                "upheld"
            } else {
                "overturned"
            },
            ca,
            mx,
            rationale,
        });
        wording_start = next_start;
    }
    Ok(Letter {
        case_number,
        dates,
        priority,
        reviewer,
        age,
        sex,
        diagnoses,
        summary,
        items,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_item_starts() {
        let r = "The request is not medically necessary. MRI of the knee";
        assert_eq!(&r[item_start(r)..], "MRI of the knee");
        let r = "Not necessary. Dr. Who said so. PT eight sessions was the original request. PT six sessions was authorized by the Claims Administrator. The remaining IMR eligible portion of the original request, PT two sessions is";
        assert!(r[item_start(r)..].starts_with("PT eight sessions"));
    }

    #[test]
    fn partials() {
        let (r, o, a) = split_partial(
            "Norco 10/325mg #60 was the original request. Norco 10/325mg #25 was authorized by the Claims Administrator. The remaining IMR eligible portion of the original request, Norco 10/325mg #35 is",
        );
        assert_eq!(r, "Norco 10/325mg #35");
        assert_eq!(o.as_deref(), Some("Norco 10/325mg #60"));
        assert_eq!(a.as_deref(), Some("Norco 10/325mg #25"));
        let (r, o, a) = split_partial(
            "Purchase of a bath/shower chair was the original request. The Claims Administrator authorized a bath/shower chair for 1 month, leaving the original request IMR eligible. The original request, purchase of a bath/shower chair is",
        );
        assert_eq!(r, "purchase of a bath/shower chair");
        assert_eq!(o.as_deref(), Some("Purchase of a bath/shower chair"));
        assert_eq!(a.as_deref(), Some("a bath/shower chair for 1 month"));
    }

    #[test]
    fn patients_and_diagnoses() {
        assert_eq!(
            patient("This individual is a 45 y/o male who"),
            (Some(45), "male")
        );
        assert_eq!(
            patient("a now 34-year-old female with"),
            (Some(34), "female")
        );
        assert_eq!(
            patient("The injured worker is a female who"),
            (None, "female")
        );
        assert_eq!(patient("The worker was injured."), (None, "unknown"));
        assert_eq!(
            diagnoses(
                "was being treated for the diagnoses of right shoulder contusion, neck strain, scapulothoracic syndrome and right arm paresthesias. The"
            ),
            vec![
                "right shoulder contusion",
                "neck strain",
                "scapulothoracic syndrome",
                "right arm paresthesias"
            ]
        );
    }
}
