//! Mapping a request path to a file of the built site, refusing everything else, and the
//! headers that go with a file (MIME type, ETag).

use std::path::{Path, PathBuf};

/// What a request path resolves to.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file inside the site (canonical path).
    File(PathBuf),
    /// A folder asked for without its trailing slash: redirect here.
    Redirect(String),
    NotFound,
    /// A malformed or hostile path (traversal, NUL, backslash, bad encoding).
    Forbidden,
}

/// Decodes `%XX` escapes. `None` for a malformed escape or a result that is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            let hi = hex(*b.get(i + 1)?)?;
            let lo = hex(*b.get(i + 2)?)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Resolves the path part of a request URL against `site` (a canonical folder).
///
/// The path is percent-decoded first, then checked: any `..` segment, backslash, NUL or
/// other control character, drive-letter colon or dot-file is refused, whatever its
/// encoding. What is left is joined to the site folder and canonicalized, and must still
/// lie inside it, so a symlink pointing outside is refused too.
pub fn resolve(site: &Path, url: &str) -> Resolved {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let query = &url[path.len()..];
    if !path.starts_with('/') {
        return Resolved::Forbidden;
    }
    let Some(decoded) = percent_decode(path) else {
        return Resolved::Forbidden;
    };
    if decoded.contains('\\') || decoded.chars().any(char::is_control) {
        return Resolved::Forbidden;
    }
    let mut segments = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Resolved::Forbidden,
            s if s.contains(':') => return Resolved::Forbidden,
            // The output marker and anything hidden are not part of the site.
            s if s.starts_with('.') => return Resolved::NotFound,
            s => segments.push(s),
        }
    }
    let mut candidate = site.to_path_buf();
    for s in &segments {
        candidate.push(s);
    }
    let Some(real) = inside(site, &candidate) else {
        return if candidate.symlink_metadata().is_ok() {
            Resolved::Forbidden
        } else {
            Resolved::NotFound
        };
    };
    if real.is_dir() {
        if !decoded.ends_with('/') {
            // Redirect to the same (still encoded) path plus `/`, keeping the query. One
            // leading slash only: `//host/` would send the browser to another site.
            let location = format!("/{}/{query}", path.trim_start_matches('/'));
            return Resolved::Redirect(ascii_only(&location));
        }
        return match inside(site, &real.join("index.html")) {
            Some(index) if index.is_file() => Resolved::File(index),
            _ => Resolved::NotFound,
        };
    }
    if real.is_file() {
        Resolved::File(real)
    } else {
        Resolved::NotFound
    }
}

/// Percent-encodes whatever a header value cannot carry (non-ASCII, controls, spaces).
fn ascii_only(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x21..0x7f).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical form of `p` if it exists and lies inside `site`.
fn inside(site: &Path, p: &Path) -> Option<PathBuf> {
    let real = p.canonicalize().ok()?;
    real.starts_with(site).then_some(real)
}

/// The Content-Type for a file name.
pub fn mime(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "atom" => "application/atom+xml",
        "rss" => "application/rss+xml",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// A strong validator from size and modification time: every build rewrites the files it
/// changes, so either differs when the content may have.
pub fn etag(meta: &std::fs::Metadata) -> String {
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("\"{:x}-{:x}\"", meta.len(), mtime)
}

/// Whether an `If-None-Match` header value matches `etag` (weak comparison, as RFC 9110
/// asks for GET).
pub fn none_match(header: &str, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == bare)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (PathBuf, PathBuf) {
        let base = std::env::temp_dir().join(format!("casebook-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let site = base.join("site");
        std::fs::create_dir_all(site.join("determinations/CM14-0123456")).unwrap();
        std::fs::write(site.join("index.html"), "home").unwrap();
        std::fs::write(site.join("determinations/CM14-0123456/index.html"), "d").unwrap();
        std::fs::write(site.join(".casebook-output"), "marker").unwrap();
        std::fs::write(base.join("secret.txt"), "secret").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(base.join("secret.txt"), site.join("link.txt")).unwrap();
        (base, site.canonicalize().unwrap())
    }

    #[test]
    fn resolves_and_refuses() {
        let (base, site) = site();
        assert_eq!(resolve(&site, "/"), Resolved::File(site.join("index.html")));
        assert_eq!(
            resolve(&site, "/determinations/CM14-0123456/?x=1"),
            Resolved::File(site.join("determinations/CM14-0123456/index.html"))
        );
        assert_eq!(
            resolve(&site, "/determinations/CM14-0123456?x=1"),
            Resolved::Redirect("/determinations/CM14-0123456/?x=1".into())
        );
        assert_eq!(resolve(&site, "/nope.html"), Resolved::NotFound);
        assert_eq!(resolve(&site, "/.casebook-output"), Resolved::NotFound);
        for bad in [
            "/../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt",
            "/determinations/%2e%2e/%2e%2e/secret.txt",
            "/..%2fsecret.txt",
            "/..%5csecret.txt",
            "/a\\..\\secret.txt",
            "/index.html%00.txt",
            "/%zz",
            "//etc/passwd/..",
            "/C:/Windows",
            "secret.txt",
            "/%c0%ae%c0%ae/secret.txt",
        ] {
            assert_eq!(resolve(&site, bad), Resolved::Forbidden, "{bad}");
        }
        // An absolute path in the URL stays inside the site.
        assert_eq!(resolve(&site, "//etc/passwd"), Resolved::NotFound);
        #[cfg(unix)]
        assert_eq!(resolve(&site, "/link.txt"), Resolved::Forbidden);
        let _ = std::fs::remove_dir_all(base);
    }

    #[test]
    fn if_none_match() {
        assert!(none_match("\"a\"", "\"a\""));
        assert!(none_match("\"b\", W/\"a\"", "\"a\""));
        assert!(none_match("*", "\"a\""));
        assert!(!none_match("\"b\"", "\"a\""));
    }

    #[test]
    fn mime_types() {
        assert_eq!(mime(Path::new("a/index.html")), "text/html; charset=utf-8");
        assert_eq!(mime(Path::new("style.css")), "text/css; charset=utf-8");
        assert_eq!(mime(Path::new("x.JSON")), "application/json");
        assert_eq!(mime(Path::new("x")), "application/octet-stream");
    }
}
