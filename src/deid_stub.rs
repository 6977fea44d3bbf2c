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
    /// Declared identifiers as lower-case words joined by one space, indexed by their
    /// first two words (or their only word): a scan makes two lookups per word of a page,
    /// whatever the number of identifiers in the archive. (Searching each page for every
    /// identifier made the gate quadratic: 25 s at 1,000 determinations.)
    index: std::collections::HashMap<String, Vec<(String, String)>>,
}
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}
fn head(words: &[&str]) -> String {
    words[..words.len().min(2)].join(" ")
}
impl LeakGate {
    pub fn new(entries: &[(String, Declared)]) -> LeakGate {
        let mut index: std::collections::HashMap<String, Vec<(String, String)>> =
            Default::default();
        for (c, d) in entries {
            for s in d
                .names
                .iter()
                .chain(&d.numbers)
                .chain(&d.addresses)
                .chain(&d.other)
            {
                let s = s.to_lowercase();
                let w: Vec<&str> = words(&s).collect();
                if w.is_empty() {
                    continue;
                }
                index
                    .entry(head(&w))
                    .or_default()
                    .push((c.clone(), w.join(" ")));
            }
        }
        LeakGate { index }
    }
    pub fn scan(&self, content: &str) -> Vec<Leak> {
        let n = normalize_for_scan(content);
        let toks: Vec<&str> = words(&n).collect();
        let mut hits: Vec<&(String, String)> = Vec::new();
        let mut key = String::new();
        for i in 0..toks.len() {
            for len in 1..=2.min(toks.len() - i) {
                key.clear();
                key.push_str(toks[i]);
                if len == 2 {
                    key.push(' ');
                    key.push_str(toks[i + 1]);
                }
                let Some(list) = self.index.get(key.as_str()) else {
                    continue;
                };
                for e in list {
                    let want = e.1.split(' ');
                    if want.clone().count() <= toks.len() - i
                        && want.zip(&toks[i..]).all(|(a, b)| a == *b)
                    {
                        hits.push(e);
                    }
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_finds_declared_identifiers_by_words() {
        let d = Declared {
            names: vec!["Dr. Jane Q. Roe".into(), "Vantreese".into()],
            numbers: vec!["WC-123-4567".into()],
            ..Default::default()
        };
        let gate = LeakGate::new(&[("CM16-0000001".into(), d)]);
        let found = |t: &str| gate.scan(t).len();
        assert_eq!(found("<p>seen by DR. JANE Q ROE today</p>"), 1);
        assert_eq!(found("claim wc 123 4567 and vantreese."), 2);
        assert_eq!(found("Dr. Jane Roe; Jane Q.; WC-123-456; vantreeses"), 0);
    }
}
