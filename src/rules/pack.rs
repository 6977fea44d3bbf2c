//! Guideline rule packs: one YAML file per guideline edition under `content/guidelines/`.
//! A pack is both validation rules and the guideline's page in the archive.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::pages::{self, Pages};
use crate::content::locate::Locator;
use crate::content::raw::{Keys, unknown_keys};
use crate::diag::{Diagnostic, did_you_mean};
use crate::yaml;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    id: Option<String>,
    title: Option<String>,
    publisher: Option<String>,
    edition: Option<yaml::Value>,
    pages: Option<yaml::Value>,
    #[serde(default)]
    sections: Vec<RawSection>,
    #[serde(default)]
    treatments: Vec<RawTreatment>,
    source: Option<yaml::Value>,
    unconfirmed: Option<bool>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // `source` and `notes` are accepted for authors, not used
struct RawSection {
    id: Option<String>,
    title: Option<String>,
    pages: Option<yaml::Value>,
    unconfirmed: Option<bool>,
    source: Option<yaml::Value>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawTreatment {
    id: Option<String>,
    title: Option<String>,
    #[serde(default)]
    sections: Vec<String>,
    #[serde(default)]
    limits: Vec<RawLimit>,
    unconfirmed: Option<bool>,
    source: Option<yaml::Value>,
    notes: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawLimit {
    condition: Option<String>,
    max_visits: Option<u32>,
    over_weeks: Option<u32>,
    unconfirmed: Option<bool>,
    source: Option<yaml::Value>,
    notes: Option<String>,
}

const META: [(&str, Option<&Keys>); 3] = [("unconfirmed", None), ("source", None), ("notes", None)];
const LIMIT_KEYS: Keys = Keys::Map(&[
    ("condition", None),
    ("max_visits", None),
    ("over_weeks", None),
    META[0],
    META[1],
    META[2],
]);
const LIMITS: Keys = Keys::List(&LIMIT_KEYS);
const TREATMENT_KEYS: Keys = Keys::Map(&[
    ("id", None),
    ("title", None),
    ("sections", None),
    ("limits", Some(&LIMITS)),
    META[0],
    META[1],
    META[2],
]);
const TREATMENTS: Keys = Keys::List(&TREATMENT_KEYS);
const SECTION_KEYS: Keys = Keys::Map(&[
    ("id", None),
    ("title", None),
    ("pages", None),
    META[0],
    META[1],
    META[2],
]);
const SECTIONS: Keys = Keys::List(&SECTION_KEYS);
const PACK_KEYS: Keys = Keys::Map(&[
    ("id", None),
    ("title", None),
    ("publisher", None),
    ("edition", None),
    ("pages", None),
    ("sections", Some(&SECTIONS)),
    ("treatments", Some(&TREATMENTS)),
    META[0],
    META[1],
    META[2],
]);

#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub pages: Option<String>,
    #[serde(skip)]
    pub page_set: Option<Pages>,
    pub unconfirmed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Limit {
    pub condition: String,
    pub max_visits: Option<u32>,
    pub over_weeks: Option<u32>,
    pub unconfirmed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Treatment {
    pub id: String,
    pub title: String,
    pub sections: Vec<String>,
    pub limits: Vec<Limit>,
    pub unconfirmed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct RulePack {
    pub id: String,
    pub title: String,
    pub publisher: String,
    pub edition: String,
    pub pages: Option<String>,
    #[serde(skip)]
    pub page_set: Option<Pages>,
    pub sections: Vec<Section>,
    pub treatments: Vec<Treatment>,
    pub sources: Vec<String>,
    #[serde(skip)]
    pub file: PathBuf,
}

impl RulePack {
    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
    pub fn treatment(&self, id: &str) -> Option<&Treatment> {
        self.treatments.iter().find(|t| t.id == id)
    }
}

/// All rule packs of a site, by id.
#[derive(Clone, Debug, Default)]
pub struct Packs {
    pub by_id: BTreeMap<String, RulePack>,
    /// A key of each pack's content (for the build caches), computed on first use.
    keys: std::sync::OnceLock<BTreeMap<String, crate::cache::Key>>,
}

impl Packs {
    pub fn new(by_id: BTreeMap<String, RulePack>) -> Packs {
        Packs {
            by_id,
            keys: Default::default(),
        }
    }

    /// A key of everything pack `id` says; `None` when there is no such pack.
    pub fn key_of(&self, id: &str) -> Option<&crate::cache::Key> {
        self.keys
            .get_or_init(|| {
                self.by_id
                    .iter()
                    .map(|(id, p)| {
                        let json = serde_json::to_vec(p).unwrap_or_default();
                        (id.clone(), crate::cache::key(&[id.as_bytes(), &json]))
                    })
                    .collect()
            })
            .get(id)
    }

    pub fn get(&self, id: &str) -> Option<&RulePack> {
        self.by_id.get(id)
    }
    /// Every pack that governs treatment `id`, in id order.
    pub fn governing(&self, treatment: &str) -> impl Iterator<Item = (&RulePack, &Treatment)> {
        self.by_id
            .values()
            .filter_map(move |p| p.treatment(treatment).map(|t| (p, t)))
    }
    pub fn treatment_title(&self, id: &str) -> Option<&str> {
        self.governing(id).next().map(|(_, t)| t.title.as_str())
    }
    pub fn all_treatment_ids(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .by_id
            .values()
            .flat_map(|p| p.treatments.iter().map(|t| t.id.as_str()))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

fn scalar(v: &yaml::Value) -> Option<String> {
    match v {
        yaml::Value::String(s) => Some(s.clone()),
        yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn sources(v: Option<yaml::Value>) -> Vec<String> {
    match v {
        Some(yaml::Value::Sequence(s)) => s.iter().filter_map(scalar).collect(),
        Some(v) => scalar(&v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Loads every `*.yaml`/`*.yml` under `content/guidelines/`, sorted; problems become
/// diagnostics with file positions, like a determination's.
pub fn load_packs(root: &Path) -> (Packs, Vec<Diagnostic>, usize) {
    let dir = root.join("content").join("guidelines");
    let mut packs = Packs::default();
    let mut diags = Vec::new();
    let mut files = Vec::new();
    if dir.exists() {
        for e in walkdir::WalkDir::new(&dir)
            .follow_links(true)
            .sort_by_file_name()
        {
            match e {
                Ok(e) if e.file_type().is_file() => {
                    let p = e.path();
                    if p.extension().is_some_and(|x| x == "yaml" || x == "yml")
                        && !crate::content::is_hidden_or_temp(p)
                    {
                        files.push(p.to_path_buf());
                    }
                }
                Ok(_) => {}
                Err(e) => diags.push(Diagnostic::error(
                    "CB007",
                    crate::content::rel_path(root, e.path().unwrap_or(&dir)),
                    format!("cannot read: {e}"),
                )),
            }
        }
    }
    let n = files.len();
    let mut where_defined: BTreeMap<String, PathBuf> = BTreeMap::new();
    for f in files {
        let rel = crate::content::rel_path(root, &f);
        let text = match crate::content::read_text(root, &f) {
            Ok(t) => t,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let (pack, mut ds) = parse_pack(&rel, &text);
        crate::content::attach_snippets(&mut ds, &text, None);
        diags.extend(ds);
        if let Some(p) = pack {
            if let Some(prev) = where_defined.get(&p.id) {
                diags.push(
                    Diagnostic::error(
                        "CB060",
                        rel.clone(),
                        format!("rule pack id `{}` is defined twice", p.id),
                    )
                    .at(1, 1)
                    .note(format!("first defined in {}", prev.display()))
                    .help("give each guideline edition its own id"),
                );
                continue;
            }
            where_defined.insert(p.id.clone(), rel.clone());
            packs.by_id.insert(p.id.clone(), p);
        }
    }
    (packs, diags, n)
}

/// Parses one rule pack. Pure.
pub fn parse_pack(rel: &Path, text: &str) -> (Option<RulePack>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let loc = Locator::new(text);
    let at = |path: &str| {
        loc.find(path)
            .map(|p| (p.line, p.value_col, p.value_len.max(1)))
            .unwrap_or((1, 1, 1))
    };
    let value = match yaml::parse_value(text) {
        Ok(v) => v,
        Err(e) => {
            diags.push(
                Diagnostic::error("CB001", rel, e.message)
                    .at(e.line.unwrap_or(1), e.column.unwrap_or(1))
                    .help("fix the YAML syntax at this position"),
            );
            return (None, diags);
        }
    };
    let mut unknown = Vec::new();
    unknown_keys(&value, &PACK_KEYS, "", &mut unknown);
    for u in &unknown {
        let (l, c) = loc
            .find(&u.path)
            .map(|p| (p.line, p.key_col))
            .unwrap_or((1, 1));
        let help = match did_you_mean(&u.key, u.allowed.iter().copied()) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("allowed here: {}", u.allowed.join(", ")),
        };
        diags.push(
            Diagnostic::error("CB003", rel, format!("unknown key `{}`", u.key))
                .at(l, c)
                .width(u.key.len())
                .help(help),
        );
    }
    if !unknown.is_empty() {
        return (None, diags);
    }
    let raw: RawPack = match yaml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            diags.push(
                Diagnostic::error("CB005", rel, e.message)
                    .at(e.line.unwrap_or(1), e.column.unwrap_or(1))
                    .help("give this field a value of the expected type"),
            );
            return (None, diags);
        }
    };
    let missing = |v: &Option<String>, path: &str, what: &str, diags: &mut Vec<Diagnostic>| {
        if v.as_deref().is_none_or(|s| s.trim().is_empty()) {
            let (l, c, w) = at(path.rsplit_once('.').map(|x| x.0).unwrap_or(""));
            diags.push(
                Diagnostic::error("CB004", rel, format!("missing required field `{path}`"))
                    .at(l, c)
                    .width(w)
                    .help(format!(
                        "add `{}:` ({what})",
                        path.rsplit('.').next().unwrap_or(path)
                    )),
            );
        }
    };
    missing(
        &raw.id,
        "id",
        "the guideline id, including its edition",
        &mut diags,
    );
    missing(&raw.title, "title", "the guideline's title", &mut diags);
    let page_text = raw.pages.as_ref().and_then(scalar);
    let mut page_set = None;
    let bad_pages =
        |t: &Option<String>, path: &str, diags: &mut Vec<Diagnostic>| -> Option<Pages> {
            let t = t.as_ref()?;
            match pages::parse(t) {
                Some(p) => Some(p),
                None => {
                    let (l, c, w) = at(path);
                    diags.push(
                        Diagnostic::error("CB006", rel, format!("`{path}` is not a page list"))
                            .at(l, c)
                            .width(w)
                            .help("write pages like \"1-127\" or \"98-99\""),
                    );
                    None
                }
            }
        };
    if page_text.is_some() {
        page_set = bad_pages(&page_text, "pages", &mut diags);
    }
    let mut sections = Vec::new();
    for (i, s) in raw.sections.into_iter().enumerate() {
        let p = format!("sections[{i}]");
        missing(&s.id, &format!("{p}.id"), "a section id", &mut diags);
        let pages_text = s.pages.as_ref().and_then(scalar);
        let set = bad_pages(&pages_text, &format!("{p}.pages"), &mut diags);
        if let (Some(set), Some(pack)) = (&set, &page_set)
            && !pages::within(set, pack)
        {
            let (l, c, w) = at(&format!("{p}.pages"));
            diags.push(
                Diagnostic::error(
                    "CB062",
                    rel,
                    "section pages fall outside the guideline's pages",
                )
                .at(l, c)
                .width(w)
                .help("correct the section's pages or the pack's `pages:`"),
            );
        }
        let id = s.id.unwrap_or_default();
        if sections.iter().any(|x: &Section| x.id == id) {
            let (l, c, w) = at(&format!("{p}.id"));
            diags.push(
                Diagnostic::error("CB060", rel, format!("section id `{id}` is defined twice"))
                    .at(l, c)
                    .width(w)
                    .help("section ids are unique within a pack"),
            );
        }
        sections.push(Section {
            title: s.title.unwrap_or_else(|| id.clone()),
            id,
            pages: pages_text,
            page_set: set,
            unconfirmed: s.unconfirmed.unwrap_or(false),
        });
    }
    let mut treatments = Vec::new();
    for (i, t) in raw.treatments.into_iter().enumerate() {
        let p = format!("treatments[{i}]");
        missing(&t.id, &format!("{p}.id"), "a treatment id", &mut diags);
        for (j, s) in t.sections.iter().enumerate() {
            if !sections.iter().any(|x| &x.id == s) {
                let (l, c, w) = at(&format!("{p}.sections[{j}]"));
                let hint = did_you_mean(s, sections.iter().map(|x| x.id.as_str()))
                    .map(|m| format!("did you mean `{m}`?"))
                    .unwrap_or_else(|| "add the section under `sections:` or fix the id".into());
                diags.push(
                    Diagnostic::error(
                        "CB061",
                        rel,
                        format!("treatment refers to unknown section `{s}`"),
                    )
                    .at(l, c)
                    .width(w)
                    .help(hint),
                );
            }
        }
        let id = t.id.unwrap_or_default();
        treatments.push(Treatment {
            title: t.title.unwrap_or_else(|| id.clone()),
            id,
            sections: t.sections,
            limits: t
                .limits
                .into_iter()
                .map(|l| Limit {
                    condition: l.condition.unwrap_or_else(|| "any".into()),
                    max_visits: l.max_visits,
                    over_weeks: l.over_weeks,
                    unconfirmed: l.unconfirmed.unwrap_or(false),
                })
                .collect(),
            unconfirmed: t.unconfirmed.unwrap_or(false),
        });
    }
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    let pack = RulePack {
        id: raw.id.unwrap_or_default(),
        title: raw.title.unwrap_or_default(),
        publisher: raw.publisher.unwrap_or_default(),
        edition: raw.edition.as_ref().and_then(scalar).unwrap_or_default(),
        pages: page_text,
        page_set,
        sections,
        treatments,
        sources: sources(raw.source),
        file: rel.to_path_buf(),
    };
    let _ = (raw.unconfirmed, raw.notes);
    (Some(pack), diags)
}
