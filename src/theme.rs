//! Themes: templates and static files. Lookup order for a template: the site's
//! `templates/NAME`, then `themes/<theme>/templates/NAME`, then the default theme built
//! into the binary (so `casebook init` and sites without a themes/ folder work).

use std::path::{Path, PathBuf};

/// The default theme, embedded: (path under themes/default/, contents).
pub const DEFAULT_THEME: &[(&str, &str)] = &[
    (
        "templates/base.html",
        include_str!("../themes/default/templates/base.html"),
    ),
    (
        "templates/index.html",
        include_str!("../themes/default/templates/index.html"),
    ),
    (
        "templates/determination.html",
        include_str!("../themes/default/templates/determination.html"),
    ),
    (
        "templates/listing.html",
        include_str!("../themes/default/templates/listing.html"),
    ),
    (
        "templates/facets.html",
        include_str!("../themes/default/templates/facets.html"),
    ),
    (
        "templates/guideline.html",
        include_str!("../themes/default/templates/guideline.html"),
    ),
    (
        "templates/stats.html",
        include_str!("../themes/default/templates/stats.html"),
    ),
    (
        "templates/search.html",
        include_str!("../themes/default/templates/search.html"),
    ),
    (
        "templates/404.html",
        include_str!("../themes/default/templates/404.html"),
    ),
    (
        "templates/feed.xml",
        include_str!("../themes/default/templates/feed.xml"),
    ),
    (
        "templates/macros.html",
        include_str!("../themes/default/templates/macros.html"),
    ),
    (
        "static/style.css",
        include_str!("../themes/default/static/style.css"),
    ),
    (
        "static/search.js",
        include_str!("../themes/default/static/search.js"),
    ),
];

pub struct Theme {
    pub name: String,
    site_templates: PathBuf,
    theme_dir: PathBuf,
}

impl Theme {
    pub fn new(root: &Path, name: &str) -> Theme {
        Theme {
            name: name.to_string(),
            site_templates: root.join("templates"),
            theme_dir: root.join("themes").join(name),
        }
    }

    /// Whether the theme exists (on disk, or built in).
    pub fn exists(&self) -> bool {
        self.theme_dir.is_dir() || self.name == "default"
    }

    /// The source of template `name`, following the lookup order.
    pub fn template(&self, name: &str) -> std::io::Result<Option<(String, String)>> {
        if name.contains("..") || name.starts_with('/') || name.contains('\\') {
            return Ok(None);
        }
        for dir in [&self.site_templates, &self.theme_dir.join("templates")] {
            let p = dir.join(name);
            match std::fs::read_to_string(&p) {
                Ok(s) => return Ok(Some((s, p.display().to_string()))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        if self.name == "default" {
            let key = format!("templates/{name}");
            if let Some((_, s)) = DEFAULT_THEME.iter().find(|(p, _)| *p == key) {
                return Ok(Some((
                    s.to_string(),
                    format!("(built-in default theme)/{key}"),
                )));
            }
        }
        Ok(None)
    }

    /// Static files of the theme: (relative path, bytes), sorted.
    pub fn static_files(&self) -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
        let dir = self.theme_dir.join("static");
        let mut out = Vec::new();
        if dir.is_dir() {
            collect_dir(&dir, &mut out)?;
        } else if self.name == "default" {
            for (p, s) in DEFAULT_THEME {
                if let Some(rel) = p.strip_prefix("static/") {
                    out.push((PathBuf::from(rel), s.as_bytes().to_vec()));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// All files under `dir` as (path relative to `dir`, bytes); follows no symlink outside.
pub fn collect_dir(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.map_err(std::io::Error::other)?;
        if e.file_type().is_file() && !crate::content::is_hidden_or_temp(e.path()) {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path()).to_path_buf();
            // Name the file: "reading static/: Permission denied" does not say which.
            let bytes = std::fs::read(e.path()).map_err(|err| {
                std::io::Error::new(err.kind(), format!("{}: {err}", e.path().display()))
            })?;
            out.push((rel, bytes));
        }
    }
    Ok(())
}

/// Writes the default theme into `dir` (for `casebook init`).
pub fn write_default(dir: &Path) -> std::io::Result<()> {
    for (p, s) in DEFAULT_THEME {
        let path = dir.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, s)?;
    }
    Ok(())
}
