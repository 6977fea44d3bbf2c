//! Rendering: Markdown bodies to safe HTML, and pages through minijinja templates with
//! auto-escaping (template names end in `.html`/`.xml`, which minijinja escapes).

pub mod lazy;
pub mod markdown;
pub mod svg;

use std::sync::Arc;

use anyhow::{Result, anyhow};
use minijinja::value::Serde;
use minijinja::{Environment, Value};
use serde::Serialize;

use crate::config::Config;
use crate::theme::Theme;

/// Site-wide data every template sees as `site`.
#[derive(Clone, Debug, Serialize)]
pub struct SiteCtx {
    pub title: String,
    pub description: String,
    pub base_url: String,
    pub base_path: String,
    /// Pages served by `casebook serve` get the live-reload script; built pages never do.
    pub live_reload: bool,
    pub drafts: bool,
}

pub struct Renderer {
    env: Environment<'static>,
    /// Hash of every template source and the site data, for the render cache.
    pub fingerprint: crate::cache::Key,
}

impl Renderer {
    pub fn new(root: &std::path::Path, config: &Config, site: SiteCtx) -> Result<Renderer> {
        let theme = Arc::new(Theme::new(root, &config.theme));
        if !theme.exists() {
            return Err(anyhow!(
                "theme `{}` not found: expected a folder themes/{}/",
                config.theme,
                config.theme
            ));
        }
        let mut env = Environment::new();
        let t = theme.clone();
        env.set_loader(move |name| {
            t.template(name)
                .map(|o| o.map(|(src, _)| src))
                .map_err(|e| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::InvalidOperation,
                        format!("reading template {name}: {e}"),
                    )
                })
        });
        // minijinja's HTML escaping also escapes `/`, which makes every URL unreadable
        // (`&#x2f;`); escaping the five HTML-significant characters is sufficient.
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), minijinja::AutoEscape::Html)
                && !value.is_safe()
                && let Some(s) = value.as_str()
            {
                return out.write_str(&escape_html(s)).map_err(|_| {
                    minijinja::Error::new(
                        minijinja::ErrorKind::WriteFailure,
                        "writing template output",
                    )
                });
            }
            minijinja::escape_formatter(out, state, value)
        });
        let base = site.base_path.clone();
        env.add_function("url", move |path: &str| -> String {
            format!("{}{}", base, path.trim_start_matches('/'))
        });
        env.add_filter("thousands", |n: i64| -> String { thousands(n) });
        env.add_filter("slug", |s: &str| -> String { crate::publish::slug(s) });
        env.add_global("site", Value::from(Serde(&site)));
        // Every template a page can reach, and the site data, decide a page's bytes.
        let mut parts: Vec<Vec<u8>> = vec![serde_json::to_vec(&site).unwrap_or_default()];
        for name in crate::archive::TEMPLATES
            .iter()
            .chain(&["base.html", "macros.html"])
        {
            if let Ok(Some((src, _))) = theme.template(name) {
                parts.push(src.into_bytes());
            }
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        Ok(Renderer {
            env,
            fingerprint: crate::cache::key(&refs),
        })
    }

    /// Renders template `name` with `ctx`. Errors name the template and line.
    pub fn render(&self, name: &str, ctx: Value) -> Result<String> {
        let tmpl = self.env.get_template(name).map_err(template_error)?;
        tmpl.render(ctx).map_err(template_error)
    }

    /// Compiles every template once up front, so a broken theme fails before any page.
    pub fn check(&self, names: &[&str]) -> Result<()> {
        for n in names {
            self.env.get_template(n).map_err(template_error)?;
        }
        Ok(())
    }
}

fn template_error(e: minijinja::Error) -> anyhow::Error {
    let mut msg = String::from("template error");
    if let Some(name) = e.name() {
        msg = format!("template {name}");
        if let Some(line) = e.line() {
            msg.push_str(&format!(":{line}"));
        }
    }
    let detail = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    anyhow!("{msg}: {detail} (fix the template, or delete the site's copy to use the theme's)")
}

/// Escapes text for HTML and XML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(1234567), "1,234,567");
        assert_eq!(super::thousands(12), "12");
    }
}
