//! The de-identification stage: the only producer of `PublicDetermination`, the only
//! type that reaches rendering. Every published string passes through the redactor here;
//! `identifiers:` stays behind.

use serde::Serialize;

use crate::deid::{self, Category, DatePolicy, Policy, Redactor, Span};
use crate::diag::Diagnostic;
use crate::model::{Citation, Decision, Determination, Frequency, Status, age_band};
use crate::rules::Packs;
use crate::store::intern;

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PublicCitation {
    /// `guideline`, `outside-guidelines` or `none`.
    #[serde(deserialize_with = "crate::store::static_str")]
    pub basis: crate::store::StaticStr,
    #[serde(deserialize_with = "crate::store::static_str_opt")]
    pub guideline: Option<crate::store::StaticStr>,
    #[serde(deserialize_with = "crate::store::static_str_opt")]
    pub guideline_title: Option<crate::store::StaticStr>,
    #[serde(deserialize_with = "crate::store::static_str_opt")]
    pub section: Option<crate::store::StaticStr>,
    #[serde(deserialize_with = "crate::store::static_str_opt")]
    pub section_title: Option<crate::store::StaticStr>,
    #[serde(deserialize_with = "crate::store::static_str_opt")]
    pub pages: Option<crate::store::StaticStr>,
    pub text: Option<String>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PublicItem {
    pub request: String,
    pub original_request: Option<String>,
    pub authorized: Option<String>,
    #[serde(deserialize_with = "crate::store::static_str")]
    pub treatment: crate::store::StaticStr,
    #[serde(deserialize_with = "crate::store::static_str")]
    pub treatment_title: crate::store::StaticStr,
    #[serde(deserialize_with = "crate::store::static_str_opt")]
    pub body_region: Option<crate::store::StaticStr>,
    pub quantity: Option<u32>,
    pub frequency: Option<Frequency>,
    pub decision: Decision,
    pub claims_administrator_basis: Option<PublicCitation>,
    pub reviewer_basis: PublicCitation,
    pub exception: Option<String>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PublicReviewer {
    #[serde(deserialize_with = "crate::store::static_str")]
    pub specialty: crate::store::StaticStr,
    #[serde(deserialize_with = "crate::store::static_str")]
    pub specialty_slug: crate::store::StaticStr,
    #[serde(deserialize_with = "crate::store::static_str_vec")]
    pub licensure: Vec<crate::store::StaticStr>,
    pub board_certified: Option<bool>,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PublicPatient {
    #[serde(deserialize_with = "crate::store::static_str")]
    pub age_band: crate::store::StaticStr,
    #[serde(deserialize_with = "crate::store::static_str")]
    pub sex: crate::store::StaticStr,
}

/// A determination as it may be published: no identifiers, dates per policy.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PublicDetermination {
    pub case_number: String,
    /// Site path, e.g. `determinations/CM16-0213037/`.
    pub path: String,
    pub title: String,
    pub year: i32,
    /// The full decision date, only when the site's policy keeps dates.
    pub date: Option<String>,
    pub injury_year: Option<i32>,
    #[serde(deserialize_with = "crate::store::static_str_opt")]
    pub priority: Option<crate::store::StaticStr>,
    pub draft: bool,
    #[serde(deserialize_with = "crate::store::static_str")]
    pub jurisdiction: crate::store::StaticStr,
    #[serde(deserialize_with = "crate::store::static_str")]
    pub review_organization: crate::store::StaticStr,
    pub reviewer: PublicReviewer,
    pub patient: PublicPatient,
    pub diagnoses: Vec<String>,
    pub items: Vec<PublicItem>,
    /// `upheld`, `overturned` or `mixed`.
    #[serde(deserialize_with = "crate::store::static_str")]
    pub outcome: crate::store::StaticStr,
    /// De-identified Markdown body.
    #[serde(skip)]
    pub body_markdown: String,
    /// Plain-text excerpt for listings and feeds.
    pub summary: String,
    pub extra: serde_json::Value,
    /// What was redacted, by category label (counts only).
    pub redactions: Counts,
    /// Sort key within the archive: determination date (private) then case number; never
    /// rendered, it only orders listings.
    #[serde(skip)]
    pub sort_key: i64,
    /// The source file's cache key (for memoised rendering); never rendered.
    #[serde(skip)]
    pub key: crate::cache::Key,
}

/// Counts by label, sorted by label, serialised as a map (a vector: a determination
/// keeps it for the whole build, and a map's nodes cost several times its few entries).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts(pub Vec<(crate::store::StaticStr, usize)>);

impl Counts {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &(crate::store::StaticStr, usize)> {
        self.0.iter()
    }
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> serde::Deserialize<'de> for Counts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Keys come back sorted (a BTreeMap), as they were written.
        crate::store::static_str_map(d).map(|m| Counts(m.into_iter().collect()))
    }
}

/// Longest slug: slugs are folder names (a file system allows 255 bytes) and URL segments.
const MAX_SLUG: usize = 96;

/// A URL segment for a value: lowercase ASCII words joined by `-`. A longer one is cut at
/// a word and keeps a hash of the whole, so two long values still get two slugs.
/// The key of the rule packs `d`'s published form depends on: the packs its items cite
/// and those that govern its treatments (a rule pack change re-renders only what cites it).
pub fn pack_deps(d: &Determination, packs: &Packs) -> crate::cache::Key {
    let mut ids = std::collections::BTreeSet::new();
    for it in &d.items {
        for c in std::iter::once(&it.reviewer_basis).chain(&it.claims_administrator_basis) {
            if let Some(g) = c.guideline() {
                ids.insert(g.to_string());
            }
        }
        for (p, _) in packs.governing(&it.treatment) {
            ids.insert(p.id.clone());
        }
    }
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for id in &ids {
        parts.push(id.as_bytes().to_vec());
        parts.push(packs.key_of(id).map_or(b"missing".to_vec(), |k| k.to_vec()));
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    crate::cache::key(&refs)
}

/// The key of a published determination: its source file's and its packs'.
pub fn public_key(file: &crate::cache::Key, deps: &crate::cache::Key) -> crate::cache::Key {
    crate::cache::key(&[file, deps])
}

pub fn slug(s: &str) -> String {
    let out = slug_words(s);
    if out.len() <= MAX_SLUG {
        return out;
    }
    let hash = blake3::hash(out.as_bytes()).to_hex();
    let cut = &out[..MAX_SLUG - 9];
    let cut = cut.rsplit_once('-').map_or(cut, |(head, _)| head);
    format!("{cut}-{}", &hash[..8])
}

fn slug_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else {
            dash = true;
        }
    }
    out
}

struct Scrubber<'a> {
    r: &'a Redactor,
    spans: Vec<Span>,
}

impl Scrubber<'_> {
    fn text(&mut self, s: &str) -> String {
        let red = self.r.redact(s);
        self.spans.extend(red.spans);
        red.text
    }
    fn opt(&mut self, s: &Option<String>) -> Option<String> {
        s.as_ref().map(|x| self.text(x))
    }
    fn json(&mut self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value as J;
        match v {
            J::String(s) => J::String(self.text(s)),
            J::Array(a) => J::Array(a.iter().map(|x| self.json(x)).collect()),
            // Keys are published too (as labels), so they are scrubbed like values.
            J::Object(o) => J::Object(
                o.iter()
                    .map(|(k, x)| (self.text(k), self.json(x)))
                    .collect(),
            ),
            J::Number(n) => J::String(self.text(&n.to_string())),
            other => other.clone(),
        }
    }
    fn citation(&mut self, c: &Citation, packs: &Packs) -> PublicCitation {
        match c {
            Citation::Guideline {
                guideline,
                section,
                pages,
                text,
            } => {
                let pack = packs.get(guideline);
                PublicCitation {
                    basis: "guideline",
                    guideline_title: pack.map(|p| intern(&p.title)),
                    section_title: section
                        .as_ref()
                        .and_then(|s| pack.and_then(|p| p.section(s)).map(|x| intern(&x.title))),
                    guideline: Some(intern(guideline)),
                    section: section.as_deref().map(intern),
                    pages: pages.as_deref().map(intern),
                    text: self.opt(text),
                }
            }
            Citation::OutsideGuidelines { text } => PublicCitation {
                basis: "outside-guidelines",
                guideline: None,
                guideline_title: None,
                section: None,
                section_title: None,
                pages: None,
                text: self.opt(text),
            },
            Citation::None { text } => PublicCitation {
                basis: "none",
                guideline: None,
                guideline_title: None,
                section: None,
                section_title: None,
                pages: None,
                text: self.opt(text),
            },
        }
    }
}

/// The result of de-identifying one determination.
#[derive(Clone)]
pub struct Published {
    /// Shared: `watch` and `serve` keep it between rebuilds.
    pub public: std::sync::Arc<PublicDetermination>,
    /// Warnings about undeclared identifiers (CB070), with masked forms only.
    pub diagnostics: Vec<Diagnostic>,
}

/// De-identifies `d`. Pure.
pub fn publish(d: &Determination, packs: &Packs, policy: &Policy) -> Result<Published, String> {
    let redactor = Redactor::new(&d.identifiers, policy)?;
    let mut s = Scrubber {
        r: &redactor,
        spans: Vec::new(),
    };
    let items: Vec<PublicItem> = d
        .items
        .iter()
        .map(|it| PublicItem {
            request: s.text(&it.request),
            original_request: s.opt(&it.original_request),
            authorized: s.opt(&it.authorized),
            treatment: intern(&it.treatment),
            treatment_title: intern(
                packs
                    .treatment_title(&it.treatment)
                    .unwrap_or(&it.treatment),
            ),
            body_region: s.opt(&it.body_region).as_deref().map(intern),
            quantity: it.quantity,
            frequency: it.frequency,
            decision: it.decision,
            claims_administrator_basis: it
                .claims_administrator_basis
                .as_ref()
                .map(|c| s.citation(c, packs)),
            reviewer_basis: s.citation(&it.reviewer_basis, packs),
            exception: s.opt(&it.exception),
        })
        .collect();
    let diagnoses = d.diagnoses.iter().map(|x| s.text(x)).collect();
    let specialty = s.text(&d.reviewer.specialty);
    let licensure = d
        .reviewer
        .licensure
        .iter()
        .map(|x| intern(&s.text(x)))
        .collect();
    let extra = s.json(&d.extra);
    let jurisdiction = s.text(&d.jurisdiction);
    let review_organization = s.text(&d.review_organization);
    let body = redactor.redact_markdown(&d.body);
    let mut diagnostics = Vec::new();
    // Undeclared names in the body: ask the author to declare them (masked in the message).
    let mut seen = std::collections::BTreeSet::new();
    for sp in body
        .spans
        .iter()
        .filter(|sp| !sp.declared && sp.category == Category::Name)
    {
        let Some(found) = d.body.get(sp.start..sp.end) else {
            continue;
        };
        if !seen.insert(found.to_lowercase()) {
            continue;
        }
        let line = d.origin.body_line + d.body[..sp.start].matches('\n').count();
        let col = d.body[..sp.start]
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count() + 1)
            .unwrap_or(1);
        diagnostics.push(
            Diagnostic::warning(
                "CB070",
                d.origin.path.clone(),
                format!("undeclared name `{}` found in the text (it is redacted)", deid::mask(found)),
            )
            .at(line, col)
            .width(found.chars().count())
            .help("declare it under `identifiers: names:` so every variant of it is redacted and the leak gate checks for it"),
        );
    }
    s.spans.extend(body.spans);
    let outcome = if items.iter().all(|i| i.decision == Decision::Upheld) {
        "upheld"
    } else if items.iter().all(|i| i.decision == Decision::Overturned) {
        "overturned"
    } else {
        "mixed"
    };
    let title = match items.len() {
        1 => items[0].request.clone(),
        n => format!("{} and {} more", items[0].request, n - 1),
    };
    let summary = excerpt(&body.text, 280);
    let mut redactions: Vec<(crate::store::StaticStr, usize)> = deid::report_counts(&s.spans)
        .into_iter()
        .map(|(c, n)| (c.label(), n))
        .collect();
    redactions.sort();
    let redactions = Counts(redactions);
    let keep = matches!(policy.dates, DatePolicy::Keep);
    Ok(Published {
        public: std::sync::Arc::new(PublicDetermination {
            path: format!("determinations/{}/", d.case_number),
            case_number: d.case_number.clone(),
            title,
            year: d.determination_date.year,
            date: keep.then(|| d.determination_date.to_string()),
            injury_year: d.injury_date.map(|x| x.year),
            priority: d.priority.map(|p| p.as_str()),
            draft: d.status == Status::Draft,
            jurisdiction: intern(&jurisdiction),
            review_organization: intern(&review_organization),
            reviewer: PublicReviewer {
                specialty_slug: intern(&slug(&specialty)),
                specialty: intern(&specialty),
                licensure,
                board_certified: d.reviewer.board_certified,
            },
            patient: PublicPatient {
                age_band: age_band(d.patient.age),
                sex: d.patient.sex.as_str(),
            },
            diagnoses,
            items,
            outcome,
            body_markdown: body.text,
            summary,
            extra,
            redactions,
            sort_key: d.determination_date.days_since_epoch(),
            key: public_key(&d.origin.key, &pack_deps(d, packs)),
        }),
        diagnostics,
    })
}

/// First `max` characters of the clinical case summary as plain text, cut at a word.
fn excerpt(md: &str, max: usize) -> String {
    let text = crate::render::markdown::plain_text(
        section_after(md, "clinical case summary").unwrap_or(md),
    );
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{cut}…")
}

fn section_after<'a>(md: &'a str, heading: &str) -> Option<&'a str> {
    let mut off = 0;
    for line in md.split_inclusive('\n') {
        off += line.len();
        let l = line.trim();
        if l.starts_with("## ") && crate::rules::checks::norm(&l[3..]) == heading {
            let rest = &md[off..];
            let end = rest.find("\n## ").map(|i| i + 1).unwrap_or(rest.len());
            return Some(&rest[..end]);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs() {
        assert_eq!(
            super::slug("Occupational Medicine"),
            "occupational-medicine"
        );
        assert_eq!(
            super::slug("  Physical Medicine & Rehab. "),
            "physical-medicine-rehab"
        );
        // Regression: a 3 KB specialty made a folder name the file system refused
        // ("File name too long") and the build failed.
        let long = "word ".repeat(600);
        let s = super::slug(&long);
        assert!(s.len() <= super::MAX_SLUG, "{}", s.len());
        assert!(s.starts_with("word-word-"), "{s}");
        assert_ne!(s, super::slug(&"word ".repeat(601)));
        assert_eq!(s, super::slug(&long));
    }
}
