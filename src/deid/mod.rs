//! De-identification: removes the HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2))
//! from every published string, and the leak gate that proves none reached the output.
//!
//! Two sources of identifiers are combined (issue 4):
//! - *declared* ones (`identifiers:` in the front matter), matched in every variant a
//!   person writes (case, line breaks, emphasis, possessive, reversed, partial, other
//!   separators) by a matcher compiled once per determination ([`Redactor::new`]);
//! - *undeclared* ones, found by static detectors compiled once per process (dates,
//!   ages 90+, phone, fax, email, SSN, URL, IP, ZIP, VIN, street addresses, context-word
//!   numbers, names after titles or from the census name lists).
//!
//! Precision matters as much as recall: guideline pages, visit counts, scales, spine
//! levels, doses, ICD codes and the case number (`CM\d{2}-\d{7}`, the archive's key)
//! must survive byte for byte; `tests/deid/clinical.txt` pins that.
//!
//! Identifier text never appears in an error, a panic or a `Debug` output: use [`mask`].

mod declared;
mod detect;
pub mod eval;
mod fast;
mod gate;
mod markdown;
mod names;
mod normalize;
mod resolve;
mod scan;

#[cfg(test)]
mod equivalence;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

pub use gate::{Leak, LeakGate, OVERLAP, PIECE, piece_end};
pub use normalize::normalize_for_scan;

/// The kind of identifier a span holds; its [`label`](Category::label) is the
/// placeholder text (`[name]`) and the key in reports and JSON.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Name,
    Address,
    Geographic,
    Date,
    Age,
    Phone,
    Fax,
    Email,
    Ssn,
    RecordNumber,
    AccountNumber,
    LicenseNumber,
    VehicleId,
    DeviceId,
    Url,
    IpAddress,
    OtherNumber,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 17] = [
        Category::Name,
        Category::Address,
        Category::Geographic,
        Category::Date,
        Category::Age,
        Category::Phone,
        Category::Fax,
        Category::Email,
        Category::Ssn,
        Category::RecordNumber,
        Category::AccountNumber,
        Category::LicenseNumber,
        Category::VehicleId,
        Category::DeviceId,
        Category::Url,
        Category::IpAddress,
        Category::OtherNumber,
    ];

    /// The placeholder word and report key (same spelling as the serde form).
    pub fn label(self) -> &'static str {
        match self {
            Category::Name => "name",
            Category::Address => "address",
            Category::Geographic => "geographic",
            Category::Date => "date",
            Category::Age => "age",
            Category::Phone => "phone",
            Category::Fax => "fax",
            Category::Email => "email",
            Category::Ssn => "ssn",
            Category::RecordNumber => "record-number",
            Category::AccountNumber => "account-number",
            Category::LicenseNumber => "license-number",
            Category::VehicleId => "vehicle-id",
            Category::DeviceId => "device-id",
            Category::Url => "url",
            Category::IpAddress => "ip-address",
            Category::OtherNumber => "other-number",
        }
    }

    /// Parses a [`label`](Category::label) (for `deidentify:` extra patterns in config).
    pub fn from_label(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.label() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The identifiers an author declared in `identifiers:`. Never published; its `Debug`
/// output is masked so it can sit inside any struct that derives `Debug`.
#[derive(Default, Clone)]
pub struct Declared {
    pub names: Vec<String>,
    pub numbers: Vec<String>,
    pub addresses: Vec<String>,
    pub other: Vec<String>,
}

impl Declared {
    /// True when nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.numbers.is_empty()
            && self.addresses.is_empty()
            && self.other.is_empty()
    }
}

impl fmt::Debug for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let masked = |v: &[String]| v.iter().map(|s| mask(s)).collect::<Vec<_>>();
        f.debug_struct("Declared")
            .field("names", &masked(&self.names))
            .field("numbers", &masked(&self.numbers))
            .field("addresses", &masked(&self.addresses))
            .field("other", &masked(&self.other))
            .finish()
    }
}

/// What becomes of a date: its year only (Safe Harbor), or kept as written for
/// jurisdictions that publish dates (an explicit relaxation in `casebook.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DatePolicy {
    #[default]
    Year,
    Keep,
}

/// The `deidentify:` block of the site configuration. `Default` is the strict policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub dates: DatePolicy,
    /// Keep the first three digits of a ZIP code (`93721` → `937xx`), as Safe Harbor
    /// allows for three-digit areas of more than 20,000 people; the restricted ones
    /// (036, 059, 063, 102, 203, 556, 692, 790, 821, 823, 830, 831, 878, 879, 884, 890,
    /// 893) become `000xx`. Off by default: the whole ZIP becomes `[geographic]`.
    pub zip3: bool,
    /// Site-specific detectors: a regex and the category of what it finds.
    pub extra_patterns: Vec<(String, Category)>,
    /// URL prefixes that are not identifiers (guideline sites). Compared without the
    /// scheme and a leading `www.`, case-insensitively.
    pub allow_urls: Vec<String>,
}

/// One redacted identifier: byte offsets into the input given to `redact*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub category: Category,
    /// True when a declared identifier (rather than a detector alone) matched here.
    pub declared: bool,
}

/// The de-identified text and what was removed from the input.
#[derive(Debug, Clone)]
pub struct Redaction {
    pub text: String,
    pub spans: Vec<Span>,
}

/// A de-identifier for one determination: the shared static detectors plus the
/// matcher for what this determination declared.
pub struct Redactor {
    declared: declared::DeclaredMatcher,
    extra: Vec<(regex::Regex, Category)>,
    policy: Policy,
    allow_urls: Vec<String>,
}

impl fmt::Debug for Redactor {
    // The declared matcher's regex holds identifiers: never print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("declared_variants", &self.declared.len())
            .field("extra_patterns", &self.extra.len())
            .field("dates", &self.policy.dates)
            .field("zip3", &self.policy.zip3)
            .finish()
    }
}

impl Redactor {
    /// Compiles the declared matcher. Errors name the failing pattern only for
    /// `extra_patterns` (configuration, not PHI).
    pub fn new(declared: &Declared, policy: &Policy) -> Result<Redactor, String> {
        let declared = declared::DeclaredMatcher::new(declared)?;
        let mut extra = Vec::with_capacity(policy.extra_patterns.len());
        for (pattern, category) in &policy.extra_patterns {
            let re = regex::Regex::new(pattern)
                .map_err(|e| format!("deidentify extra pattern {pattern:?}: {e}"))?;
            extra.push((re, *category));
        }
        let allow_urls = policy
            .allow_urls
            .iter()
            .map(|u| detect::url_key(u))
            .filter(|u| !u.is_empty())
            .collect();
        Ok(Redactor {
            declared,
            extra,
            policy: policy.clone(),
            allow_urls,
        })
    }

    /// De-identifies plain text: placeholders like `[name]`, dates to their year
    /// (`on 3/6/14` → `in 2014`), ages over 89 to `90 or older`.
    pub fn redact(&self, text: &str) -> Redaction {
        let hits = self.find(text);
        let edits = resolve::resolve(text, hits);
        let mut out = String::with_capacity(text.len());
        let mut spans = Vec::with_capacity(edits.len());
        let mut at = 0;
        for e in &edits {
            out.push_str(&text[at..e.edit.0]);
            out.push_str(&e.replacement.render(markdown::Ctx::Plain, self.policy.zip3));
            at = e.edit.1;
            spans.push(e.span());
        }
        out.push_str(&text[at..]);
        Redaction { text: out, spans }
    }

    /// De-identifies Markdown source. Identifiers split by emphasis, line breaks or
    /// entities are found; placeholders are escaped (`\[name\]`) in text, written raw in
    /// code and HTML, and structure (headings, tables, links, footnotes) is kept.
    pub fn redact_markdown(&self, md: &str) -> Redaction {
        markdown::redact(self, md)
    }

    /// All candidate hits in `text`, unresolved (overlaps allowed).
    fn find(&self, text: &str) -> Vec<resolve::Hit> {
        let mut hits = Vec::with_capacity(text.len() / 64);
        let scan = scan::Scan::new(text);
        self.declared.find(&scan, &mut hits);
        detect::find_all(&scan, &self.policy, &mut hits);
        names::find(&scan, &mut hits);
        for (re, category) in &self.extra {
            for m in re.find_iter(text) {
                if !m.is_empty() {
                    hits.push(resolve::Hit::placeholder(
                        m.start(),
                        m.end(),
                        *category,
                        resolve::Priority::Extra,
                    ));
                }
            }
        }
        // Undeclared hits inside an allowed URL (a guideline page) are not identifiers:
        // a date in its path is the page's, not the patient's.
        let allowed = detect::allowed_url_ranges(&scan, &self.allow_urls);
        if !allowed.is_empty() {
            hits.retain(|h| {
                h.priority == resolve::Priority::Declared
                    || !allowed.iter().any(|&(s, e)| h.start >= s && h.end <= e)
            });
        }
        hits
    }
}

/// A form of `s` that is safe to print: the first character of each word, the rest
/// starred (`John Doe` → `J*** D**`), separators kept.
pub fn mask(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.push(if in_word { '*' } else { c });
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// How many spans of each category (the `casebook check` report: counts only).
pub fn report_counts(spans: &[Span]) -> BTreeMap<Category, usize> {
    let mut counts = BTreeMap::new();
    for s in spans {
        *counts.entry(s.category).or_insert(0) += 1;
    }
    counts
}
