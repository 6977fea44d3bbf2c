//! `casebook serve`: real HTTP requests over TCP against the running binary: pages, MIME
//! types, 404, HEAD, ETag, traversal attempts, concurrency, slow clients, the error
//! overlay's status and live-reload events; and, in headless Chromium, a live edit.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use super::watch::{DEADLINE, DET, Running, edit, site};
use crate::util::*;

/// A response as the test client read it.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }
}

/// Sends `method target` (sent exactly as given: no normalisation) with extra header
/// lines and reads the whole response.
pub fn request(port: u16, method: &str, target: &str, extra: &[&str]) -> Resp {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connecting");
    s.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut req =
        format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for h in extra {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("reading the response");
    parse(&raw, method == "HEAD")
}

pub fn get(port: u16, target: &str) -> Resp {
    request(port, "GET", target, &[])
}

pub fn parse(raw: &[u8], head: bool) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head_text = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked && !head {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(i) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let n = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 2 + n + 2..];
    }
}

/// A running `casebook serve` on a free port, its first build done.
pub struct Served {
    pub run: Running,
    pub port: u16,
}

pub fn serve(site: &TempDir, extra: &[&str]) -> Served {
    let mut args = vec!["serve", "--port", "0"];
    args.extend_from_slice(extra);
    let mut run = Running::start(site.path(), &args);
    let (line, _) = run.wait_for("the serving line", |l| l.starts_with("serving http://"));
    let port = port_of(&line);
    let (built, _) = run.next_build();
    assert!(built.starts_with("built in"), "{built}");
    Served { run, port }
}

fn port_of(line: &str) -> u16 {
    let rest = line.split("http://127.0.0.1:").nth(1).unwrap();
    rest.split('/').next().unwrap().parse().unwrap()
}

/// An open `/__casebook/events` stream, read line by line.
struct Events {
    r: BufReader<TcpStream>,
}

impl Events {
    fn open(port: u16) -> Events {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(DEADLINE)).unwrap();
        s.write_all(
            b"GET /__casebook/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n",
        )
        .unwrap();
        let mut ev = Events {
            r: BufReader::new(s),
        };
        let status = ev.line();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut ctype = String::new();
        loop {
            let l = ev.line();
            if l.is_empty() {
                break;
            }
            if l.to_ascii_lowercase().starts_with("content-type:") {
                ctype = l;
            }
        }
        assert!(ctype.contains("text/event-stream"), "{ctype}");
        ev.event("hello");
        ev
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.r.read_line(&mut l).expect("reading the event stream");
        l.trim_end_matches(['\r', '\n']).to_string()
    }

    /// Reads until `event: NAME` and returns its data line. Chunk-size lines are skipped
    /// (event lines never look like bare hex numbers of the size they'd need to be).
    fn event(&mut self, name: &str) -> String {
        let end = Instant::now() + DEADLINE;
        while Instant::now() < end {
            if self.line() == format!("event: {name}") {
                return self.line();
            }
        }
        panic!("no `{name}` event");
    }
}

fn serve_dir(site: &TempDir) -> std::path::PathBuf {
    site.path().join(".casebook/serve-public")
}

#[test]
fn serves_pages_with_types_redirects_and_the_live_script() {
    let site = site("serve-pages");
    let s = serve(&site, &[]);
    let home = get(s.port, "/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("cache-control"), Some("no-cache"));
    assert!(
        home.text()
            .contains(r#"<script src="/__casebook/live.js"></script>"#)
    );
    for (path, mime) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/search.js", "text/javascript; charset=utf-8"),
        ("/feed.xml", "application/xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/data/determinations.json", "application/json"),
        ("/data/determinations.csv", "text/csv; charset=utf-8"),
        ("/determinations/CM14-0123456/", "text/html; charset=utf-8"),
        (
            "/determinations/CM14-0123456/?q=x",
            "text/html; charset=utf-8",
        ),
        ("/__casebook/live.js", "text/javascript; charset=utf-8"),
        ("/__casebook/status", "application/json"),
    ] {
        let r = get(s.port, path);
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(mime), "{path}");
    }
    let r = get(s.port, "/determinations/CM14-0123456?q=1");
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location"),
        Some("/determinations/CM14-0123456/?q=1")
    );
    // `//host` must not become a redirect to another site.
    let r = get(s.port, "//determinations");
    assert_eq!(r.header("location"), Some("/determinations/"));
    let r = request(s.port, "POST", "/", &["Content-Length: 0"]);
    assert_eq!(r.status, 405);
    // DNS rebinding: a page on another host name must not read the preview.
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.write_all(b"GET / HTTP/1.1\r\nHost: attacker.example:1111\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    c.read_to_end(&mut raw).unwrap();
    assert_eq!(parse(&raw, false).status, 403);

    // The preview is private: nothing is written to public/.
    assert!(!site.path().join("public").exists());
    // And `build` never carries the live script.
    let o = run(site.path(), &["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for f in walk(&site.path().join("public")) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        assert!(!text.contains("__casebook"), "{}", f.display());
    }
}

#[test]
fn missing_pages_get_the_sites_404_with_status_404() {
    let site = site("serve-404");
    let s = serve(&site, &[]);
    let expected = std::fs::read(serve_dir(&site).join("404.html")).unwrap();
    for path in [
        "/nope",
        "/nope/",
        "/determinations/CM99-0000000/",
        "/style.css/x",
    ] {
        let r = get(s.port, path);
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(r.body, expected, "{path}");
    }
}

#[test]
fn head_and_etag_revalidation() {
    let site = site("serve-etag");
    let s = serve(&site, &[]);
    let size = std::fs::metadata(serve_dir(&site).join("style.css"))
        .unwrap()
        .len();
    let head = request(s.port, "HEAD", "/style.css", &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        Some(size.to_string().as_str())
    );
    assert_eq!(head.header("content-type"), Some("text/css; charset=utf-8"));
    let etag = head.header("etag").expect("an ETag").to_string();
    let full = get(s.port, "/style.css");
    assert_eq!(full.header("etag"), Some(etag.as_str()));
    assert_eq!(full.body.len() as u64, size);
    let inm = format!("If-None-Match: {etag}");
    let r = request(s.port, "GET", "/style.css", &[&inm]);
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());
    let r = request(s.port, "GET", "/style.css", &["If-None-Match: \"other\""]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len() as u64, size);
    // A rebuild changes the page's validator.
    let page = "/determinations/CM14-0123456/";
    let before = get(s.port, page).header("etag").unwrap().to_string();
    let mut ev = Events::open(s.port);
    edit(
        &site,
        DET,
        "is not medically necessary.",
        "is not medically necessary!",
    );
    ev.event("reload");
    let inm = format!("If-None-Match: {before}");
    let r = request(s.port, "GET", page, &[&inm]);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("is not medically necessary!"));
}

#[test]
fn only_files_of_the_built_site_are_reachable() {
    let site = site("serve-traversal");
    let s = serve(&site, &[]);
    // A symlink planted in the served folder pointing outside it.
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        site.path().join("casebook.yaml"),
        serve_dir(&site).join("planted.txt"),
    )
    .unwrap();
    let attempts = [
        "/../casebook.yaml",
        "/../../casebook.yaml",
        "/%2e%2e/casebook.yaml",
        "/%2E%2E/%2e%2e/casebook.yaml",
        "/.%2e/casebook.yaml",
        "/%2e%2e%2fcasebook.yaml",
        "/..%2f..%2fcasebook.yaml",
        "/..%5ccasebook.yaml",
        "/..\\casebook.yaml",
        "/determinations/..\\..\\..\\casebook.yaml",
        "/%252e%252e/casebook.yaml",
        "/%25252e%25252e/casebook.yaml",
        "/%c0%ae%c0%ae/casebook.yaml",
        "/%e0%80%ae%e0%80%ae/casebook.yaml",
        "/..%c0%afcasebook.yaml",
        "/%2E%2e/casebook.yaml",
        "/%2e%2E/%2E%2e/casebook.yaml",
        "/..;/casebook.yaml",
        "/determinations/..;/..;/casebook.yaml",
        "/%2e%2e;/casebook.yaml",
        "/%u002e%u002e/casebook.yaml",
        "/%ef%bc%8e%ef%bc%8e/casebook.yaml",
        "/%ef%bc%8e%ef%bc%8e%ef%bc%8fcasebook.yaml",
        "/\u{ff0e}\u{ff0e}/casebook.yaml",
        "/..%00/casebook.yaml",
        "/...//casebook.yaml",
        "/%2e%2e%2f%2e%2e%2fcasebook.yaml",
        "/./../casebook.yaml",
        "/determinations/../../../content/determinations/CM14-0123456.md",
        "/determinations/%2e%2e/%2e%2e/%2e%2e/content/determinations/CM14-0123456.md",
        "/casebook.yaml",
        "/content/determinations/CM14-0123456.md",
        "/../.casebook/serve-public/index.html",
        "/.casebook-output",
        "/index.html%00.css",
        "/%00",
        "//etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/C:/Windows/win.ini",
        "/planted.txt",
        "http://127.0.0.1/../casebook.yaml",
        "casebook.yaml",
    ];
    for target in attempts {
        let r = get(s.port, target);
        assert!(
            [400, 403, 404].contains(&r.status),
            "{target} gave {}",
            r.status
        );
        let text = r.text();
        assert!(
            !text.contains("CONFIG-SECRET-MARKER"),
            "{target} leaked casebook.yaml"
        );
        assert!(
            !text.contains("identifiers:"),
            "{target} leaked a source file"
        );
        assert!(!text.contains("root:"), "{target} leaked /etc/passwd");
    }
    #[cfg(unix)]
    assert_eq!(get(s.port, "/planted.txt").status, 403);
    // No served file carries a declared identifier.
    for f in walk(&serve_dir(&site)) {
        let rel = f
            .strip_prefix(serve_dir(&site))
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let r = get(s.port, &format!("/{rel}"));
        let text = r.text();
        for id in [
            "John Q. Doe",
            "Acme Warehousing",
            "Jane Roe",
            "ABC-123-4567",
            "1234 Elm Street",
        ] {
            assert!(!text.contains(id), "/{rel} carries an identifier");
        }
    }
}

#[test]
fn a_hundred_concurrent_clients() {
    let site = site("serve-concurrent");
    let s = serve(&site, &[]);
    let expected =
        std::fs::read(serve_dir(&site).join("determinations/CM14-0123456/index.html")).unwrap();
    let n = 100;
    let barrier = Arc::new(Barrier::new(n));
    let port = s.port;
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let expected = expected.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let path = if i % 2 == 0 {
                    "/determinations/CM14-0123456/"
                } else {
                    "/style.css"
                };
                let r = get(port, path);
                assert_eq!(r.status, 200, "client {i}");
                if i % 2 == 0 {
                    assert_eq!(r.body, expected, "client {i}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a client failed");
    }
}

#[test]
fn tiny_http_serves_behind_the_guard_on_a_private_socket() {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let site = site("serve-tiny-http");
    let mut s = serve(&site, &[]);
    // Pages come from tiny_http (which names itself) ...
    for path in ["/", "/style.css", "/nope", "/__casebook/status"] {
        let r = get(s.port, path);
        assert_eq!(r.header("server"), Some("tiny-http (Rust)"), "{path}");
    }
    let r = request(s.port, "HEAD", "/", &[]);
    assert_eq!(r.header("server"), Some("tiny-http (Rust)"));
    // ... what the guard refuses never reaches it.
    let r = request(s.port, "BREW", "/", &[]);
    assert_eq!(r.status, 405);
    assert_eq!(r.header("server"), None);
    let r = request(s.port, "GET", "/", &["Content-Length: 5"]);
    assert_eq!(r.status, 413);
    assert_eq!(r.header("server"), None);
    // tiny_http listens on a Unix socket in a folder only this user can enter.
    let name = format!("serve-sock-{}", s.run.pid());
    let dir = [
        site.path().join(".casebook").join(&name),
        std::env::temp_dir().join(format!("casebook-{name}")),
    ]
    .into_iter()
    .find(|d| d.exists())
    .expect("tiny_http's private folder");
    let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700, "{}", dir.display());
    let sock = std::fs::symlink_metadata(dir.join("http.sock")).expect("the socket");
    assert!(sock.file_type().is_socket());
    // Ended by a signal, the server removes it.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &s.run.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let end = Instant::now() + DEADLINE;
    while s.run.alive() {
        assert!(Instant::now() < end, "still running after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!dir.exists(), "{} left behind", dir.display());
}

#[test]
fn simultaneous_keep_alive_connections_are_all_answered() {
    // Regression: tiny_http's connection pool queued some connections of a burst behind
    // long-lived ones, where they waited forever (2 of 30 here).
    let site = site("serve-burst");
    let s = serve(&site, &[]);
    let mut conns: Vec<TcpStream> = (0..30)
        .map(|_| TcpStream::connect(("127.0.0.1", s.port)).unwrap())
        .collect();
    for c in &mut conns {
        c.write_all(b"GET /style.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
    }
    for (i, c) in conns.iter_mut().enumerate() {
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 12];
        c.read_exact(&mut buf)
            .unwrap_or_else(|e| panic!("connection {i} was not answered: {e}"));
        assert_eq!(&buf, b"HTTP/1.1 200", "connection {i}");
    }
}

#[test]
fn slow_clients_do_not_block_others() {
    let site = site("serve-slow");
    let s = serve(&site, &[]);
    let mut stalled = Vec::new();
    // More half-sent requests than there are request threads, and as many open event
    // streams: none of them may hold up an ordinary request.
    for _ in 0..40 {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.write_all(b"GET /determinations/CM14-0123456/ HTTP/1.1\r\nHost: 127.0")
            .unwrap();
        stalled.push(c);
    }
    let streams: Vec<_> = (0..40).map(|_| Events::open(s.port)).collect();
    // Clients that asked for a page and never read it.
    for _ in 0..20 {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.write_all(b"GET /search.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        stalled.push(c);
    }
    let started = Instant::now();
    for _ in 0..10 {
        assert_eq!(get(s.port, "/").status, 200);
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "10 requests took {took:?} beside slow clients"
    );
    drop(streams);
    drop(stalled);
}

#[test]
fn the_overlay_status_follows_a_broken_and_a_fixed_file() {
    let site = site("serve-overlay");
    let mut s = serve(&site, &[]);
    let page = "/determinations/CM14-0123456/";
    let good = get(s.port, page).text();
    let status: serde_json::Value =
        serde_json::from_slice(&get(s.port, "/__casebook/status").body).unwrap();
    assert_eq!(status["ok"], true);
    let mut ev = Events::open(s.port);

    edit(&site, DET, "    decision: upheld ", "    decision: maybe ");
    ev.event("status");
    let status: serde_json::Value =
        serde_json::from_slice(&get(s.port, "/__casebook/status").body).unwrap();
    assert_eq!(status["ok"], false, "{status}");
    let d = &status["diagnostics"][0];
    assert_eq!(d["rule"], "CB006", "{status}");
    assert_eq!(d["file"], DET);
    assert_eq!(d["line"], 30);
    assert_eq!(d["column"], 15);
    assert!(
        d["message"].as_str().unwrap().contains("decision"),
        "{status}"
    );
    assert!(d["help"].as_str().unwrap().contains("upheld"), "{status}");
    // The last good site is still served, and the terminal shows the same diagnostic.
    assert_eq!(get(s.port, page).text(), good);
    let (line, before) = s.run.next_build();
    assert!(line.starts_with("rebuild failed"), "{line}");
    assert!(before.join("\n").contains("error[CB006]"), "{before:#?}");

    edit(&site, DET, "    decision: maybe ", "    decision: upheld ");
    ev.event("reload");
    let status: serde_json::Value =
        serde_json::from_slice(&get(s.port, "/__casebook/status").body).unwrap();
    assert_eq!(status["ok"], true, "{status}");
    assert_eq!(
        status["diagnostics"].as_array().unwrap().len(),
        0,
        "{status}"
    );
}

#[test]
fn a_taken_port_moves_to_the_next_free_one() {
    let site = site("serve-port");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut run = Running::start(site.path(), &["serve", "--port", &port]);
    let (line, _) = run.wait_for("the port notice", |l| l.starts_with("port "));
    assert!(
        line.starts_with(&format!("port {port} is taken; using port ")),
        "{line}"
    );
    let (serving, _) = run.wait_for("the serving line", |l| l.starts_with("serving http://"));
    let got = port_of(&serving);
    assert_ne!(got.to_string(), port);
    run.next_build();
    assert_eq!(get(got, "/").status, 200);
}

#[test]
fn drafts_are_served_only_with_the_flag() {
    let site = site("serve-drafts");
    let draft = site
        .read(DET)
        .replacen("CM14-0123456", "CM14-0999999", 1)
        .replacen("status: published", "status: draft", 1);
    site.write("content/determinations/CM14-0999999.md", &draft);
    let page = "/determinations/CM14-0999999/";
    {
        let s = serve(&site, &[]);
        assert_eq!(get(s.port, page).status, 404);
    }
    let s = serve(&site, &["--drafts"]);
    let r = get(s.port, page);
    assert_eq!(r.status, 200);
    assert!(r.text().contains("DRAFT"), "{}", r.text());
}

#[test]
fn an_edit_shows_up_in_a_real_browser_without_a_manual_reload() {
    let Some(chromium) = chromium() else {
        return;
    };
    let site = site("serve-browser");
    // A second determination: its page, open in another tab, must not reload when the
    // first is edited.
    let other = site.read(DET).replacen("CM14-0123456", "CM14-0999998", 1);
    site.write("content/determinations/CM14-0999998.md", &other);
    let s = serve(&site, &[]);
    let out = node()
        .arg(repo().join("tests/browser/live_reload.mjs"))
        .arg(&chromium)
        .arg(format!(
            "http://127.0.0.1:{}/determinations/CM14-0123456/",
            s.port
        ))
        .arg(site.path().join(DET))
        .arg(format!(
            "http://127.0.0.1:{}/determinations/CM14-0999998/",
            s.port
        ))
        .output()
        .expect("running node (install nodejs, or set CASEBOOK_SKIP_BROWSER=1)");
    assert!(
        out.status.success(),
        "browser test failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
