//! Import of published California DWC Independent Medical Review final determination
//! letters into determination files (../shared/FORMAT.md).
//!
//! A letter comes in as text ([`import_dwc_text`]) or as the published PDF
//! ([`pdf_to_text`], then [`import_dwc_text`]). The text is first joined into one
//! single-spaced stream (`stream`), because extracted text breaks lines anywhere; the
//! letter's landmarks are then found on that stream (`letter`), citations are mapped to
//! rule-pack ids (`citation`), each request to a treatment id and quantity
//! (`treatment`), and the determination file is written with a small YAML writer of its
//! own (`yaml`) so that letter wording is always quoted safely.
//!
//! Nothing of the summary or the rationales is dropped: they are reflowed into
//! paragraphs, and what could not be mapped is kept as written and reported as an
//! [`ImportWarning`] with the letter's line number. The same letter always gives the same
//! file. A text that is not a determination, or is truncated, gives an [`ImportError`].

mod citation;
mod letter;
mod pdf;
mod stream;
mod treatment;
mod yaml;

#[cfg(test)]
mod tests;

use std::fmt::{self, Write};

pub use citation::slug as section_id;
pub use pdf::pdf_to_text;
pub use treatment::{parse_quantity, treatment_for};

/// One imported letter.
#[derive(Debug, Clone)]
pub struct Imported {
    pub case_number: String,
    /// The complete determination file: YAML front matter and Markdown body.
    pub markdown: String,
    pub warnings: Vec<ImportWarning>,
    /// How many disputed items the letter decides.
    pub items: usize,
}

/// Something kept as written rather than mapped, with the letter line it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    /// 1-based line in the letter text.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A letter that cannot be imported: not a determination, truncated, or unreadable.
#[derive(Debug)]
pub struct ImportError {
    /// 1-based line in the letter text, when the problem has a place.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ImportError {}

/// Imports one DWC IMR final determination letter given as text.
pub fn import_dwc_text(text: &str) -> Result<Imported, ImportError> {
    let stream = stream::build(text);
    let letter = letter::parse(&stream)?;
    let mut warnings = letter.warnings.clone();
    let items: Vec<Item> = letter
        .items
        .iter()
        .map(|raw| Item::from_raw(raw, &mut warnings))
        .collect();
    let markdown = render(&letter, &items);
    warnings.sort_by_key(|w| w.line);
    Ok(Imported {
        case_number: letter.case_number.clone(),
        markdown,
        warnings,
        items: items.len(),
    })
}

/// A disputed item with everything mapped.
struct Item<'a> {
    raw: &'a letter::RawItem,
    treatment: &'static str,
    quantity: Option<u32>,
    frequency: Option<(u32, u32)>,
    ca: Option<citation::Citation>,
    mx: Option<citation::Citation>,
}

impl<'a> Item<'a> {
    fn from_raw(raw: &'a letter::RawItem, warnings: &mut Vec<ImportWarning>) -> Self {
        let treatment = treatment_for(&raw.request)
            .or_else(|| raw.original_request.as_deref().and_then(treatment_for))
            .unwrap_or_else(|| {
                warnings.push(ImportWarning {
                    line: raw.line,
                    message: format!(
                        "no treatment recognised in \"{}\"; written as `other`",
                        raw.request
                    ),
                });
                "other"
            });
        let (quantity, frequency) = if treatment::is_medication(treatment) {
            (None, None)
        } else {
            parse_quantity(&raw.request)
        };
        let mut cite = |c: &Option<(String, usize)>| {
            c.as_ref().map(|(wording, line)| {
                let (cit, ws) = citation::parse(wording);
                warnings.extend(ws.into_iter().map(|message| ImportWarning {
                    line: *line,
                    message,
                }));
                cit
            })
        };
        let ca = cite(&raw.ca);
        let mx = cite(&raw.mx);
        if mx.is_none() {
            warnings.push(ImportWarning {
                line: raw.line,
                message: format!("no \"MAXIMUS guideline:\" citation for \"{}\"", raw.request),
            });
        }
        Item {
            raw,
            treatment,
            quantity,
            frequency,
            ca,
            mx,
        }
    }
}

fn write_citation(out: &mut String, key: &str, c: &citation::Citation) {
    let _ = writeln!(out, "    {key}:");
    if let Some(g) = c.guideline {
        let _ = writeln!(out, "      guideline: {g}");
    }
    if let Some(b) = c.basis {
        let _ = writeln!(out, "      basis: {b}");
    }
    if let Some(s) = &c.section {
        let _ = writeln!(out, "      section: {}", yaml::scalar(s));
    }
    if let Some(p) = &c.pages {
        let _ = writeln!(out, "      pages: {}", yaml::string(p));
    }
    if let Some(t) = &c.text {
        let _ = writeln!(out, "      text: {}", yaml::scalar(t));
    }
}

fn render(l: &letter::Letter, items: &[Item]) -> String {
    let mut o = String::with_capacity(4096);
    o.push_str("---\n");
    let _ = writeln!(o, "case_number: {}", yaml::scalar(&l.case_number));
    let dates = [
        ("determination_date", &l.dates.determination),
        ("injury_date", &l.dates.injury),
        ("assigned_date", &l.dates.assigned),
        ("ur_denial_date", &l.dates.ur_denial),
        ("application_received_date", &l.dates.application_received),
    ];
    for (k, v) in dates {
        if let Some(d) = v {
            let _ = writeln!(o, "{k}: {d}");
        }
    }
    if let Some(p) = &l.priority {
        let _ = writeln!(o, "priority: {p}");
    }
    o.push_str("status: published\n");
    o.push_str("jurisdiction: California DWC\n");
    o.push_str("review_organization: MAXIMUS Federal Services\n");
    o.push_str("reviewer:\n");
    if let Some(s) = &l.reviewer.specialty {
        let _ = writeln!(o, "  specialty: {}", yaml::scalar(s));
    }
    let lic: Vec<String> = l
        .reviewer
        .licensure
        .iter()
        .map(|s| yaml::flow_scalar(s))
        .collect();
    let _ = writeln!(o, "  licensure: [{}]", lic.join(", "));
    if let Some(b) = l.reviewer.board_certified {
        let _ = writeln!(o, "  board_certified: {b}");
    }
    o.push_str("patient:\n");
    if let Some(a) = l.age {
        let _ = writeln!(o, "  age: {a}");
    }
    let _ = writeln!(o, "  sex: {}", l.sex);
    if !l.diagnoses.is_empty() {
        o.push_str("diagnoses:\n");
        for d in &l.diagnoses {
            let _ = writeln!(o, "  - {}", yaml::scalar(d));
        }
    }
    o.push_str("items:\n");
    for it in items {
        let r = it.raw;
        let _ = writeln!(o, "  - request: {}", yaml::scalar(&r.request));
        if let Some(x) = &r.original_request {
            let _ = writeln!(o, "    original_request: {}", yaml::scalar(x));
        }
        if let Some(x) = &r.authorized {
            let _ = writeln!(o, "    authorized: {}", yaml::scalar(x));
        }
        let _ = writeln!(o, "    treatment: {}", it.treatment);
        if let Some(q) = it.quantity {
            let _ = writeln!(o, "    quantity: {q}");
        }
        if let Some((pw, w)) = it.frequency {
            let _ = writeln!(o, "    frequency: {{ per_week: {pw}, weeks: {w} }}");
        }
        let _ = writeln!(o, "    decision: {}", r.decision);
        if let Some(c) = &it.ca {
            write_citation(&mut o, "claims_administrator_basis", c);
        }
        if let Some(c) = &it.mx {
            write_citation(&mut o, "reviewer_basis", c);
        }
    }
    o.push_str("identifiers:\n  names: []\n  numbers: []\n  addresses: []\n  other: []\n");
    o.push_str("---\n");
    // The body as blocks separated by one blank line.
    let mut blocks: Vec<String> = vec!["## Clinical case summary".to_string()];
    blocks.extend(l.summary.iter().cloned());
    blocks.push("## Decision rationale".to_string());
    for it in items {
        blocks.push(format!("### {}", it.raw.request));
        blocks.extend(it.raw.rationale.iter().cloned());
    }
    for b in blocks {
        o.push('\n');
        o.push_str(&b);
        o.push('\n');
    }
    o
}
