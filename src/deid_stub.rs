//! TEMPORARY stand-in for the de-identification module while it is written elsewhere.
#![allow(dead_code)]
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
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
    pub fn label(self) -> &'static str {
        match self {
            Category::Name => "name",
            Category::Date => "date",
            _ => "number",
        }
    }
    pub fn from_label(s: &str) -> Option<Category> {
        match s {
            "name" => Some(Category::Name),
            "date" => Some(Category::Date),
            "other-number" => Some(Category::OtherNumber),
            _ => None,
        }
    }
}
#[derive(Default, Clone)]
pub struct Declared {
    pub names: Vec<String>,
    pub numbers: Vec<String>,
    pub addresses: Vec<String>,
    pub other: Vec<String>,
}
impl std::fmt::Debug for Declared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Declared {{ .. }}")
    }
}
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DatePolicy {
    #[default]
    Year,
    Keep,
}
#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub dates: DatePolicy,
    pub zip3: bool,
    pub extra_patterns: Vec<(String, Category)>,
    pub allow_urls: Vec<String>,
}
#[derive(Clone, Debug)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub category: Category,
    pub declared: bool,
}
#[derive(Clone, Debug)]
pub struct Redaction {
    pub text: String,
    pub spans: Vec<Span>,
}
pub struct Redactor {
    all: Vec<String>,
}
impl Redactor {
    pub fn new(d: &Declared, _p: &Policy) -> Result<Redactor, String> {
        let mut all: Vec<String> = d
            .names
            .iter()
            .chain(&d.numbers)
            .chain(&d.addresses)
            .chain(&d.other)
            .filter(|s| !s.is_empty())
            .cloned()
            .collect();
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Ok(Redactor { all })
    }
    pub fn redact(&self, text: &str) -> Redaction {
        let mut t = text.to_string();
        for a in &self.all {
            t = t.replace(a.as_str(), "[name]");
        }
        Redaction {
            text: t,
            spans: vec![],
        }
    }
    pub fn redact_markdown(&self, md: &str) -> Redaction {
        let mut r = self.redact(md);
        r.text = r.text.replace("[name]", "\\[name\\]");
        r
    }
}
pub fn mask(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => format!("{f}{}", "*".repeat(c.count())),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
pub fn normalize_for_scan(s: &str) -> String {
    s.to_lowercase()
}
pub struct Leak {
    pub case_number: Option<String>,
    pub category: Category,
    pub masked: String,
}
pub struct LeakGate {
    /// Declared identifiers (lower-cased), by their first alphanumeric word: a scan looks
    /// up each word of a page once instead of searching the page for every identifier of
    /// the archive (which made the gate quadratic: 25 s at 1,000 determinations).
    by_first: std::collections::HashMap<String, Vec<(String, String)>>,
    /// Identifiers that do not start with an alphanumeric word: searched as substrings.
    odd: Vec<(String, String)>,
}
fn first_word(s: &str) -> Option<(usize, &str)> {
    let start = s.find(|c: char| c.is_alphanumeric())?;
    let rest = &s[start..];
    let end = rest
        .find(|c: char| !c.is_alphanumeric())
        .unwrap_or(rest.len());
    Some((start, &rest[..end]))
}
impl LeakGate {
    pub fn new(entries: &[(String, Declared)]) -> LeakGate {
        let mut by_first: std::collections::HashMap<String, Vec<(String, String)>> =
            Default::default();
        let mut odd = Vec::new();
        for (c, d) in entries {
            for s in d
                .names
                .iter()
                .chain(&d.numbers)
                .chain(&d.addresses)
                .chain(&d.other)
            {
                let s = s.to_lowercase();
                match first_word(&s) {
                    Some((0, w)) => by_first
                        .entry(w.to_string())
                        .or_default()
                        .push((c.clone(), s.clone())),
                    Some(_) => odd.push((c.clone(), s)),
                    None => {}
                }
            }
        }
        LeakGate { by_first, odd }
    }
    pub fn scan(&self, content: &str) -> Vec<Leak> {
        let n = normalize_for_scan(content);
        let mut hits: Vec<&(String, String)> = Vec::new();
        let mut i = 0;
        while let Some((off, w)) = first_word(&n[i..]) {
            let at = i + off;
            if let Some(list) = self.by_first.get(w) {
                hits.extend(list.iter().filter(|(_, s)| n[at..].starts_with(s.as_str())));
            }
            i = at + w.len();
        }
        hits.extend(self.odd.iter().filter(|(_, s)| n.contains(s.as_str())));
        hits.sort();
        hits.dedup();
        hits.into_iter()
            .map(|(c, s)| Leak {
                case_number: Some(c.clone()),
                category: Category::Name,
                masked: mask(s),
            })
            .collect()
    }
}
pub fn report_counts(spans: &[Span]) -> BTreeMap<Category, usize> {
    let mut m = BTreeMap::new();
    for s in spans {
        *m.entry(s.category).or_insert(0) += 1;
    }
    m
}
