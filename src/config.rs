//! Site configuration: `casebook.yaml` at the site root; every key optional.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::diag::did_you_mean;
use crate::yaml;

#[derive(Clone, Debug)]
pub struct Config {
    pub title: String,
    pub description: String,
    pub base_url: String,
    pub theme: String,
    pub jurisdiction: String,
    pub review_organization: String,
    pub case_number_pattern: String,
    pub page_size: usize,
    pub deidentify: crate::deid::Policy,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "IMR determinations".into(),
            description: "Published Independent Medical Review determinations, de-identified"
                .into(),
            base_url: "/".into(),
            theme: "default".into(),
            jurisdiction: "California DWC".into(),
            review_organization: "MAXIMUS Federal Services".into(),
            case_number_pattern: r"^CM\d{2}-\d{7}$".into(),
            page_size: 50,
            deidentify: Default::default(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    description: Option<String>,
    base_url: Option<String>,
    theme: Option<String>,
    jurisdiction: Option<String>,
    review_organization: Option<String>,
    case_number_pattern: Option<String>,
    page_size: Option<usize>,
    deidentify: Option<RawDeid>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDeid {
    dates: Option<String>,
    zip3: Option<bool>,
    allow_urls: Option<Vec<String>>,
    patterns: Option<Vec<RawPattern>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    pattern: String,
    category: String,
}

const KEYS: &[&str] = &[
    "title",
    "description",
    "base_url",
    "theme",
    "jurisdiction",
    "review_organization",
    "case_number_pattern",
    "page_size",
    "deidentify",
];

pub const FILE: &str = "casebook.yaml";

impl Config {
    /// Reads `casebook.yaml` from `root`; a missing file gives the defaults.
    pub fn load(root: &Path) -> Result<Config> {
        let path = root.join(FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Config> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            yaml::from_str(text).map_err(|e| {
                let mut msg = format!(
                    "{FILE}:{}:{}: {}",
                    e.line.unwrap_or(1),
                    e.column.unwrap_or(1),
                    e.message
                );
                if let Some(k) = e
                    .message
                    .strip_prefix("unknown field `")
                    .and_then(|r| r.split('`').next())
                    && let Some(m) = did_you_mean(k, KEYS.iter().copied())
                {
                    msg.push_str(&format!(" (did you mean `{m}`?)"));
                }
                anyhow::anyhow!(msg)
            })?
        };
        let mut c = Config::default();
        if let Some(v) = raw.title {
            c.title = v;
        }
        if let Some(v) = raw.description {
            c.description = v;
        }
        if let Some(v) = raw.base_url {
            c.base_url = v;
        }
        if let Some(v) = raw.theme {
            c.theme = v;
        }
        if let Some(v) = raw.jurisdiction {
            c.jurisdiction = v;
        }
        if let Some(v) = raw.review_organization {
            c.review_organization = v;
        }
        if let Some(v) = raw.case_number_pattern {
            regex::Regex::new(&v).with_context(|| {
                format!("{FILE}: `case_number_pattern` is not a valid regular expression")
            })?;
            c.case_number_pattern = v;
        }
        if let Some(v) = raw.page_size {
            if v == 0 {
                bail!("{FILE}: `page_size` must be at least 1");
            }
            c.page_size = v;
        }
        if c.theme.contains(['/', '\\']) || c.theme.starts_with('.') {
            bail!("{FILE}: `theme` must be the name of a folder under themes/");
        }
        if let Some(d) = raw.deidentify {
            match d.dates.as_deref() {
                None | Some("year") => c.deidentify.dates = crate::deid::DatePolicy::Year,
                Some("keep") => c.deidentify.dates = crate::deid::DatePolicy::Keep,
                Some(other) => {
                    bail!("{FILE}: `deidentify.dates` must be `year` or `keep`, not `{other}`")
                }
            }
            if let Some(z) = d.zip3 {
                c.deidentify.zip3 = z;
            }
            if let Some(u) = d.allow_urls {
                c.deidentify.allow_urls = u;
            }
            for p in d.patterns.unwrap_or_default() {
                regex::Regex::new(&p.pattern).with_context(|| {
                    format!("{FILE}: `deidentify.patterns` has an invalid regular expression")
                })?;
                let cat = crate::deid::Category::from_label(&p.category).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{FILE}: unknown de-identification category `{}`",
                        p.category
                    )
                })?;
                c.deidentify.extra_patterns.push((p.pattern, cat));
            }
        }
        Ok(c)
    }

    /// The path part of `base_url`, always starting and ending with `/`.
    pub fn base_path(&self) -> String {
        let rest = match self.base_url.find("://") {
            Some(i) => {
                let after = &self.base_url[i + 3..];
                after.find('/').map(|j| &after[j..]).unwrap_or("/")
            }
            None => self.base_url.as_str(),
        };
        let mut p = rest.to_string();
        if !p.starts_with('/') {
            p.insert(0, '/');
        }
        if !p.ends_with('/') {
            p.push('/');
        }
        p
    }

    /// An absolute URL for a site path (`determinations/X/`), for feeds and sitemaps.
    pub fn absolute(&self, path: &str) -> String {
        let base = self.base_url.trim_end_matches('/');
        format!("{base}/{}", path.trim_start_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let c =
            Config::parse("title: X\nbase_url: https://example.org/imr\npage_size: 10\n").unwrap();
        assert_eq!(c.title, "X");
        assert_eq!(c.page_size, 10);
        assert_eq!(c.base_path(), "/imr/");
        assert_eq!(
            c.absolute("determinations/A/"),
            "https://example.org/imr/determinations/A/"
        );
        assert_eq!(Config::default().base_path(), "/");
    }

    #[test]
    fn unknown_key_has_hint() {
        let e = Config::parse("titel: X\n").unwrap_err().to_string();
        assert!(e.contains("did you mean `title`"), "{e}");
    }
}
