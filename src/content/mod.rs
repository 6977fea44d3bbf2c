//! Loading: reads determination files, splits front matter, parses YAML into the raw
//! mirror and converts it into checked `Determination`s, collecting every problem.

pub mod frontmatter;
pub mod locate;
pub mod raw;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::deid::Declared;
use crate::diag::{Diagnostic, did_you_mean};
use crate::model::*;
use crate::yaml;
use frontmatter::SplitError;
use locate::Locator;
use raw::*;

/// A source file as read from disk (bytes not yet known to be UTF-8).
pub struct SourceFile {
    /// Relative to the site root, `/`-separated.
    pub rel: PathBuf,
    pub bytes: Vec<u8>,
}

/// Largest determination file accepted: real ones are a few KB.
pub const MAX_FILE_BYTES: u64 = 8 << 20;

/// Every `*.md` under `dir` (recursively), sorted by path; unreadable entries become
/// diagnostics (rule CB007) rather than aborting the walk.
pub fn discover(root: &Path, dir: &Path) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    if !dir.exists() {
        return (files, diags);
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) => {
                let p = e.path();
                if e.file_type().is_file()
                    && p.extension().is_some_and(|x| x == "md")
                    && !is_hidden_or_temp(p)
                {
                    files.push(p.to_path_buf());
                }
            }
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| rel_path(root, p))
                    .unwrap_or_else(|| rel_path(root, dir));
                let msg = if e.loop_ancestor().is_some() {
                    "symbolic link loop".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error()
                            .map(|x| x.to_string())
                            .unwrap_or_else(|| e.to_string())
                    )
                };
                diags.push(
                    Diagnostic::error("CB007", path, msg)
                        .help("fix the file's permissions or remove it"),
                );
            }
        }
    }
    (files, diags)
}

/// Editors' temporary and backup files are never content.
pub fn is_hidden_or_temp(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with('.') || name.starts_with('#') || name.ends_with('~')
}

pub fn rel_path(root: &Path, p: &Path) -> PathBuf {
    let r = p.strip_prefix(root).unwrap_or(p);
    PathBuf::from(r.to_string_lossy().replace('\\', "/"))
}

/// Reads one file; I/O failures and non-UTF-8 become CB007 diagnostics.
pub fn read_text(root: &Path, path: &Path) -> Result<String, Diagnostic> {
    let rel = rel_path(root, path);
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error("CB007", rel.clone(), format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            "CB007",
            rel,
            format!(
                "file is {} bytes, more than the {} byte limit for a determination",
                meta.len(),
                MAX_FILE_BYTES
            ),
        )
        .help("a determination is a few kilobytes of text; check that this is the right file"));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error("CB007", rel.clone(), format!("cannot read: {e}"))
            .help("fix the file's permissions or remove it")
    })?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        Diagnostic::error("CB007", rel, "file is not valid UTF-8")
            .at(line, col)
            .help("save the file as UTF-8")
    })
}

/// The result of parsing one file: the determination when it converted, and every
/// diagnostic found on the way.
#[derive(Clone)]
pub struct Parsed {
    /// Shared: `watch` and `serve` keep it between rebuilds.
    pub determination: Option<std::sync::Arc<Determination>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads and parses one determination file (`p` under `root`), memoised in `cache`.
pub fn load_cached(
    root: &Path,
    p: &Path,
    cache: Option<&crate::cache::Cache>,
    config_key: &[u8],
    config: &Config,
) -> Parsed {
    // An unchanged file (same length, time and inode as when last read) whose parse is
    // memoised is not read again.
    let stamp = cache
        .and_then(|_| std::fs::metadata(p).ok())
        .and_then(|m| crate::cache::FileStamp::of(&m));
    if let (Some(c), Some(s)) = (cache, stamp)
        && let Some(key) = c.stamped(p, s)
        && let Some(m) = c.parsed(&key)
        && m.config_key == config_key
    {
        return m.parsed.clone();
    }
    load_one(root, p, cache, config_key, config, stamp)
}

fn load_one(
    root: &Path,
    p: &Path,
    cache: Option<&crate::cache::Cache>,
    config_key: &[u8],
    config: &Config,
    stamp: Option<crate::cache::FileStamp>,
) -> Parsed {
    match read_text(root, p) {
        Ok(text) => {
            let rel = rel_path(root, p);
            let key = crate::cache::key(&[
                rel.to_string_lossy().as_bytes(),
                text.as_bytes(),
                config_key,
            ]);
            if let (Some(c), Some(s)) = (cache, stamp) {
                c.set_stamped(p, s, key);
            }
            let memo = cache.and_then(|c| c.parsed(&key));
            match memo {
                Some(m) => m.parsed.clone(),
                None => {
                    let mut parsed = parse_determination(&rel, &text, config);
                    if let Some(d) = parsed
                        .determination
                        .as_mut()
                        .and_then(std::sync::Arc::get_mut)
                    {
                        d.origin.key = key;
                    }
                    if let Some(c) = cache.filter(|c| c.keeps_parses()) {
                        c.set_parsed(
                            &key,
                            std::sync::Arc::new(crate::cache::ParsedMemo {
                                parsed: parsed.clone(),
                                config_key: config_key.to_vec(),
                            }),
                        );
                    }
                    parsed
                }
            }
        }
        Err(d) => Parsed {
            determination: None,
            diagnostics: vec![d],
        },
    }
}

/// Context for converting one raw determination: collects diagnostics at YAML paths.
struct Ctx<'a> {
    rel: &'a Path,
    front_line: usize,
    locator: &'a Locator,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&self, path: &str) -> (usize, usize, usize) {
        match self.locator.find(path) {
            Some(p) => (
                self.front_line + p.line - 1,
                p.value_col,
                p.value_len.max(1),
            ),
            None => (self.front_line.saturating_sub(1).max(1), 1, 3),
        }
    }
    fn error(&mut self, rule: &'static str, path: &str, msg: String, help: String) {
        let (l, c, w) = self.at(path);
        self.diags.push(
            Diagnostic::error(rule, self.rel, msg)
                .at(l, c)
                .width(w)
                .help(help),
        );
    }
    fn required<T>(&mut self, v: Option<T>, path: &str, what: &str) -> Option<T> {
        if v.is_none() {
            let (parent, key) = match path.rfind('.') {
                Some(i) => (&path[..i], &path[i + 1..]),
                None => ("", path),
            };
            let (l, c, w) = if parent.is_empty() {
                self.at("")
            } else {
                self.at(parent)
            };
            let (l, c, w) = if parent.is_empty() {
                (l, 1, w)
            } else {
                (l, c, w)
            };
            self.diags.push(
                Diagnostic::error(
                    "CB004",
                    self.rel,
                    format!("missing required field `{path}`"),
                )
                .at(l, c)
                .width(w)
                .help(format!("add `{key}:` ({what})")),
            );
        }
        v
    }
    fn date(&mut self, v: Option<String>, path: &str) -> Option<Date> {
        let s = v?;
        match Date::parse(s.trim()) {
            Some(d) => Some(d),
            None => {
                self.error(
                    "CB020",
                    path,
                    format!("`{path}` is not a real calendar date in YYYY-MM-DD form"),
                    "write the date as YYYY-MM-DD, e.g. 2016-12-09".into(),
                );
                None
            }
        }
    }
    fn keyword<T>(
        &mut self,
        v: Option<String>,
        path: &str,
        parse: fn(&str) -> Option<T>,
        all: &[&str],
    ) -> Option<T> {
        let s = v?;
        match parse(s.trim()) {
            Some(x) => Some(x),
            None => {
                let hint = did_you_mean(&s.trim().to_lowercase(), all.iter().copied())
                    .map(|m| format!("did you mean `{m}`? "))
                    .unwrap_or_default();
                self.error(
                    "CB006",
                    path,
                    format!("`{path}` must be one of {}", list(all)),
                    format!("{hint}allowed values: {}", all.join(", ")),
                );
                None
            }
        }
    }
}

fn list(all: &[&str]) -> String {
    all.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

fn scalar_string(v: &yaml::Value) -> Option<String> {
    match v {
        yaml::Value::String(s) => Some(s.clone()),
        yaml::Value::Number(n) => Some(n.to_string()),
        yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Parses one determination file. Pure: takes the text, returns values.
pub fn parse_determination(rel: &Path, text: &str, config: &Config) -> Parsed {
    let mut diags = Vec::new();
    let split = match frontmatter::split(text) {
        Ok(s) => s,
        Err(SplitError::Missing) => {
            diags.push(
                Diagnostic::error("CB002", rel, "file does not start with YAML front matter")
                    .at(1, 1)
                    .help("start the file with a `---` line, the front matter, and another `---` line"),
            );
            return finish(None, diags, text);
        }
        Err(SplitError::Unclosed { line }) => {
            diags.push(
                Diagnostic::error("CB002", rel, "front matter is not closed")
                    .at(line, 1)
                    .width(3)
                    .help("add a `---` line after the front matter"),
            );
            return finish(None, diags, text);
        }
    };
    let front_line = split.front_line;
    let locator = Locator::new(split.front);
    let value = match yaml::parse_value(split.front) {
        Ok(v) => v,
        Err(e) => {
            diags.push(yaml_diag(
                "CB001",
                rel,
                front_line,
                &e,
                "fix the YAML syntax at this position",
            ));
            return finish(None, diags, text);
        }
    };
    if !matches!(value, yaml::Value::Mapping(_)) {
        diags.push(
            Diagnostic::error(
                "CB005",
                rel,
                "front matter must be a mapping of `key: value` lines",
            )
            .at(front_line, 1)
            .help("see the determination format: `case_number: CM16-0000000` and so on"),
        );
        return finish(None, diags, text);
    }
    let mut unknown = Vec::new();
    raw::unknown_keys(&value, &raw::DETERMINATION, "", &mut unknown);
    for u in &unknown {
        let pos = locator.find(&u.path);
        let (line, col) = pos
            .map(|p| (front_line + p.line - 1, p.key_col))
            .unwrap_or((front_line, 1));
        let help = match did_you_mean(&u.key, u.allowed.iter().copied()) {
            Some(m) => format!("did you mean `{m}`? site-specific fields go under `extra:`"),
            None => format!(
                "allowed here: {}; site-specific fields go under `extra:`",
                u.allowed.join(", ")
            ),
        };
        diags.push(
            Diagnostic::error("CB003", rel, format!("unknown key `{}`", u.key))
                .at(line, col)
                .width(u.key.chars().count())
                .help(help),
        );
    }
    if !unknown.is_empty() {
        return finish(None, diags, text);
    }
    let raw: RawDetermination = match yaml::from_value_or_str(value, split.front) {
        Ok(r) => r,
        Err(e) => {
            diags.push(yaml_diag(
                "CB005",
                rel,
                front_line,
                &e,
                "give this field a value of the expected type",
            ));
            return finish(None, diags, text);
        }
    };
    let mut cx = Ctx {
        rel,
        front_line,
        locator: &locator,
        diags,
    };
    let det = convert(&mut cx, raw, config, split.body);
    let mut diags = cx.diags;
    let det = det.map(|mut d| {
        d.origin = Origin {
            path: rel.to_path_buf(),
            front_line,
            body_line: split.body_line,
            locator,
            key: [0; 32],
        };
        d
    });
    if det.is_none() && diags.is_empty() {
        diags.push(
            Diagnostic::error("CB005", rel, "determination could not be read").at(front_line, 1),
        );
    }
    finish(det, diags, text)
}

fn finish(det: Option<Determination>, mut diags: Vec<Diagnostic>, text: &str) -> Parsed {
    attach_snippets(&mut diags, text, det.as_ref().map(|d| &d.identifiers));
    // A determination with errors is kept for later checks (duplicates, rules) only when
    // it converted; errors already decide the exit code.
    Parsed {
        determination: det.map(std::sync::Arc::new),
        diagnostics: diags,
    }
}

fn yaml_diag(
    rule: &'static str,
    rel: &Path,
    front_line: usize,
    e: &yaml::YamlError,
    help: &str,
) -> Diagnostic {
    let line = e.line.map(|l| front_line + l - 1).unwrap_or(front_line);
    let mut msg = e.message.clone();
    let mut help = help.to_string();
    // serde's "invalid type: string \"x\"" would echo the value, which may be an identifier.
    if let Some(i) = msg.find("invalid type: ") {
        let rest = msg[i + 14..].to_string();
        let kind = rest.split([' ', ',']).next().unwrap_or("value");
        let expected = rest
            .find("expected ")
            .map(|j| rest[j + 9..].to_string())
            .unwrap_or_else(|| "another type".into());
        let field = msg[..i].trim_end_matches(": ").to_string();
        msg = if field.is_empty() {
            format!("wrong type: found a {kind}, expected {expected}")
        } else {
            format!("`{field}` has the wrong type: found a {kind}, expected {expected}")
        };
        help = format!("write {expected} here");
    }
    if msg.contains("invalid value: string") || msg.contains("invalid length") {
        msg = msg.split(" \"").next().unwrap_or(&msg).to_string();
    }
    Diagnostic::error(rule, rel, msg)
        .at(line, e.column.unwrap_or(1))
        .help(help)
}

/// Adds the source line under each diagnostic, with identifiers masked: lines of the
/// `identifiers:` block are masked entirely, others have declared identifiers masked.
pub fn attach_snippets(diags: &mut [Diagnostic], text: &str, declared: Option<&Declared>) {
    if diags.is_empty() {
        return;
    }
    let lines: Vec<&str> = text.lines().collect();
    let ident_block = identifiers_block(&lines);
    let redactor = declared.and_then(|d| crate::deid::Redactor::new(d, &Default::default()).ok());
    for d in diags.iter_mut() {
        if d.snippet.is_some() || d.rule == "CB007" {
            continue;
        }
        let Some(line) = lines.get(d.line.wrapping_sub(1)) else {
            continue;
        };
        let line = line.trim_end_matches('\r');
        let masked = if ident_block.as_ref().is_some_and(|r| r.contains(&d.line)) {
            mask_value_part(line)
        } else {
            match &redactor {
                Some(r) => mask_spans(line, r),
                None => mask_value_part_if_ident_like(line),
            }
        };
        d.snippet = Some(masked);
    }
}

/// File lines (1-based) of the `identifiers:` block, if any.
fn identifiers_block(lines: &[&str]) -> Option<std::ops::Range<usize>> {
    let start = lines.iter().position(|l| l.starts_with("identifiers:"))?;
    let end = lines[start + 1..]
        .iter()
        .position(|l| !l.is_empty() && !l.starts_with([' ', '\t', '-', '#']))
        .map(|i| start + 1 + i)
        .unwrap_or(lines.len());
    Some(start + 1..end + 1)
}

fn mask_value_part(line: &str) -> String {
    let cut = line
        .find(':')
        .map(|i| i + 1)
        .or_else(|| line.find("- ").map(|i| i + 2))
        .unwrap_or(0);
    let (k, v) = line.split_at(cut);
    format!(
        "{k}{}",
        v.chars()
            .map(|c| if c.is_alphanumeric() { '*' } else { c })
            .collect::<String>()
    )
}

fn mask_value_part_if_ident_like(line: &str) -> String {
    // Without the declared identifiers (the file did not parse) mask the whole value of
    // any line that is not a plain key: value pair of a known key.
    let key = line
        .trim_start()
        .trim_start_matches("- ")
        .split(':')
        .next()
        .unwrap_or("");
    const SAFE: &[&str] = &[
        "case_number",
        "determination_date",
        "injury_date",
        "assigned_date",
        "ur_denial_date",
        "application_received_date",
        "priority",
        "status",
        "decision",
        "treatment",
        "guideline",
        "section",
        "pages",
        "basis",
        "quantity",
        "per_week",
        "weeks",
        "frequency",
        "age",
        "sex",
        "board_certified",
        "reviewer",
        "patient",
        "items",
        "identifiers",
        "extra",
        "diagnoses",
        "reviewer_basis",
        "claims_administrator_basis",
        "specialty",
        "licensure",
    ];
    if SAFE.contains(&key.trim()) {
        line.to_string()
    } else {
        mask_value_part(line)
    }
}

fn mask_spans(line: &str, r: &crate::deid::Redactor) -> String {
    let red = r.redact(line);
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    for s in red
        .spans
        .iter()
        .filter(|s| s.declared || !matches!(s.category, crate::deid::Category::Date))
    {
        if s.start < last
            || s.end > line.len()
            || !line.is_char_boundary(s.start)
            || !line.is_char_boundary(s.end)
        {
            continue;
        }
        out.push_str(&line[last..s.start]);
        out.push_str(&crate::deid::mask(&line[s.start..s.end]));
        last = s.end;
    }
    out.push_str(&line[last..]);
    out
}

fn convert(
    cx: &mut Ctx<'_>,
    raw: RawDetermination,
    config: &Config,
    body: &str,
) -> Option<Determination> {
    let case_number = cx.required(
        nonempty(raw.case_number),
        "case_number",
        "the case number, e.g. CM16-0213037",
    );
    let determination_date = cx.required(
        raw.determination_date,
        "determination_date",
        "the decision date, YYYY-MM-DD",
    );
    let determination_date = cx.date(determination_date, "determination_date");
    let injury_date = cx.date(raw.injury_date, "injury_date");
    let assigned_date = cx.date(raw.assigned_date, "assigned_date");
    let ur_denial_date = cx.date(raw.ur_denial_date, "ur_denial_date");
    let application_received_date =
        cx.date(raw.application_received_date, "application_received_date");
    let priority = cx.keyword(raw.priority, "priority", Priority::parse, Priority::ALL);
    let status = match raw.status {
        None => Some(Status::Published),
        s => cx.keyword(s, "status", Status::parse, Status::ALL),
    };
    let reviewer = cx.required(
        raw.reviewer,
        "reviewer",
        "the reviewer's `specialty:` and optional `licensure:`",
    );
    let reviewer = reviewer.and_then(|r| {
        let specialty = cx.required(
            nonempty(r.specialty),
            "reviewer.specialty",
            "the reviewer's certification or specialty",
        )?;
        Some(Reviewer {
            specialty,
            licensure: r.licensure.unwrap_or_default(),
            board_certified: r.board_certified,
        })
    });
    let patient = raw.patient.unwrap_or_default();
    let sex = match patient.sex {
        None => Some(Sex::Unknown),
        s => cx.keyword(s, "patient.sex", Sex::parse, Sex::ALL),
    };
    if let Some(age) = patient.age
        && age > 130
    {
        cx.error(
            "CB006",
            "patient.age",
            "`patient.age` is not a plausible age".into(),
            "write the age in years".into(),
        );
    }
    let items_raw = cx.required(raw.items, "items", "one or more disputed items");
    let mut items = Vec::new();
    let mut items_ok = true;
    if let Some(list) = items_raw {
        if list.is_empty() {
            cx.error(
                "CB004",
                "items",
                "`items` is empty".into(),
                "list at least one disputed item".into(),
            );
            items_ok = false;
        }
        for (i, it) in list.into_iter().enumerate() {
            match convert_item(cx, it, &format!("items[{i}]")) {
                Some(item) => items.push(item),
                None => items_ok = false,
            }
        }
    }
    let ids = raw.identifiers.unwrap_or_default();
    let identifiers = Declared {
        names: ids.names.unwrap_or_default(),
        numbers: ids
            .numbers
            .unwrap_or_default()
            .iter()
            .filter_map(scalar_string)
            .collect(),
        addresses: ids.addresses.unwrap_or_default(),
        other: ids
            .other
            .unwrap_or_default()
            .iter()
            .filter_map(scalar_string)
            .collect(),
    };
    let extra = raw
        .extra
        .as_ref()
        .map(yaml::to_json)
        .unwrap_or(serde_json::Value::Object(Default::default()));
    Some(Determination {
        origin: Origin::default(),
        case_number: case_number?,
        determination_date: determination_date?,
        injury_date,
        assigned_date,
        ur_denial_date,
        application_received_date,
        priority,
        status: status?,
        jurisdiction: nonempty(raw.jurisdiction).unwrap_or_else(|| config.jurisdiction.clone()),
        review_organization: nonempty(raw.review_organization)
            .unwrap_or_else(|| config.review_organization.clone()),
        reviewer: reviewer?,
        patient: Patient {
            age: patient.age,
            sex: sex?,
        },
        diagnoses: raw.diagnoses.unwrap_or_default(),
        items: if items_ok { items } else { return None },
        identifiers,
        extra,
        body: body.to_string(),
    })
}

fn convert_item(cx: &mut Ctx<'_>, it: RawItem, p: &str) -> Option<Item> {
    let request = cx.required(
        nonempty(it.request),
        &format!("{p}.request"),
        "the disputed request, as worded",
    );
    let treatment = cx.required(
        nonempty(it.treatment),
        &format!("{p}.treatment"),
        "a treatment id from a rule pack",
    );
    let decision = cx.required(
        it.decision,
        &format!("{p}.decision"),
        "`upheld` or `overturned`",
    );
    let decision = cx.keyword(
        decision,
        &format!("{p}.decision"),
        Decision::parse,
        Decision::ALL,
    );
    let frequency = match it.frequency {
        None => Some(None),
        Some(f) => {
            let per_week = cx.required(
                f.per_week,
                &format!("{p}.frequency.per_week"),
                "visits per week",
            );
            let weeks = cx.required(f.weeks, &format!("{p}.frequency.weeks"), "number of weeks");
            per_week
                .zip(weeks)
                .map(|(per_week, weeks)| Some(Frequency { per_week, weeks }))
        }
    };
    let claims = match it.claims_administrator_basis {
        None => Some(None),
        Some(c) => citation(cx, c, &format!("{p}.claims_administrator_basis")).map(Some),
    };
    let reviewer_basis = cx.required(
        it.reviewer_basis,
        &format!("{p}.reviewer_basis"),
        "the reviewer's citation",
    );
    let reviewer_basis =
        reviewer_basis.and_then(|c| citation(cx, c, &format!("{p}.reviewer_basis")));
    Some(Item {
        request: request?,
        original_request: nonempty(it.original_request),
        authorized: nonempty(it.authorized),
        treatment: treatment?,
        body_region: nonempty(it.body_region),
        quantity: it.quantity,
        frequency: frequency?,
        decision: decision?,
        claims_administrator_basis: claims?,
        reviewer_basis: reviewer_basis?,
        exception: nonempty(it.exception),
    })
}

const BASES: &[&str] = &["guideline", "outside-guidelines", "none"];

fn citation(cx: &mut Ctx<'_>, c: RawCitation, p: &str) -> Option<Citation> {
    let text = nonempty(c.text);
    let basis = c.basis.as_deref().map(str::trim);
    match basis {
        Some("outside-guidelines") | Some("none") => {
            if c.guideline.is_some() || c.section.is_some() || c.pages.is_some() {
                cx.error(
                    "CB006",
                    &format!("{p}.basis"),
                    format!("`{p}` names a guideline but says `basis: {}`", basis.unwrap_or_default()),
                    "remove `basis:` to cite the guideline, or remove `guideline:`, `section:` and `pages:`".into(),
                );
                return None;
            }
            Some(if basis == Some("none") {
                Citation::None { text }
            } else {
                Citation::OutsideGuidelines { text }
            })
        }
        Some(b) if b != "guideline" => {
            let hint = did_you_mean(b, BASES.iter().copied())
                .map(|m| format!("did you mean `{m}`? "))
                .unwrap_or_default();
            cx.error(
                "CB006",
                &format!("{p}.basis"),
                format!("`{p}.basis` must be one of {}", list(BASES)),
                format!("{hint}use `guideline:` to cite a rule pack, or `basis: outside-guidelines` / `basis: none`"),
            );
            None
        }
        _ => {
            let guideline = cx.required(
                nonempty(c.guideline),
                &format!("{p}.guideline"),
                "a rule pack id, or `basis: none`",
            );
            let pages = match c.pages {
                None => Some(None),
                Some(v) => match scalar_string(&v) {
                    Some(s) if crate::rules::pages::parse(&s).is_some() => Some(Some(s)),
                    _ => {
                        cx.error(
                            "CB006",
                            &format!("{p}.pages"),
                            format!("`{p}.pages` is not a page list"),
                            "write pages like \"98-99\" or \"46, 99\"".into(),
                        );
                        None
                    }
                },
            };
            Some(Citation::Guideline {
                guideline: guideline?,
                section: nonempty(c.section),
                pages: pages?,
                text,
            })
        }
    }
}

#[cfg(test)]
mod tests;
