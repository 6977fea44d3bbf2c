//! The JS client in headless Chromium: an index and the real `search.html` markup are
//! served over loopback, `/search/?q=…` pages are dumped after the script ran, and
//! their `data-case` results (in order) and status line must equal the brute force.
//!
//! Fails loudly without Chromium; set `CASEBOOK_SKIP_BROWSER=1` to skip on purpose.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::super::brute::Brute;
use super::super::reader::Request;
use super::super::{synth, write_index};
use super::roundtrip::TempDir;

const JS: &str = include_str!("../../../themes/default/static/search.js");
const TEMPLATE: &str = include_str!("../../../themes/default/templates/search.html");

/// Kills the server we started (only that process) when the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromium() -> Option<String> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find(|b| {
        Command::new(b)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
    .map(|b| b.to_string())
}

/// The template's head, content and scripts blocks with `site.base_path` = "/" and an
/// empty facet list (the page the lead renders has the facet links; labels then come
/// from them).
fn page_html() -> String {
    let block = |name: &str| -> String {
        let open = format!("{{% block {name} %}}");
        let start = TEMPLATE.find(&open).unwrap() + open.len();
        let end = start + TEMPLATE[start..].find("{% endblock %}").unwrap();
        TEMPLATE[start..end].replace("{{ site.base_path }}", "/")
    };
    let mut body = block("content");
    let a = body.find("{% for facet in facets %}").unwrap();
    let b = body.find("{# end facets #}").unwrap() + "{# end facets #}".len();
    body.replace_range(a..b, "");
    let comment = regex::Regex::new(r"(?s)\{#.*?#\}").unwrap();
    let body = comment.replace_all(&body, "");
    let (head, scripts) = (block("head"), block("scripts"));
    for part in [&*body, &head, &scripts] {
        assert!(
            !part.contains("{%") && !part.contains("{{"),
            "unrendered template syntax"
        );
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>search</title>{head}</head><body>{body}{scripts}</body></html>"
    )
}

fn url_query(r: &Request) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                b' ' => "+".into(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let mut parts = vec![format!("q={}", enc(&r.q))];
    for (f, vs) in &r.filters {
        for v in vs {
            parts.push(format!("{}={}", enc(f), enc(v)));
        }
    }
    if r.page > 1 {
        parts.push(format!("page={}", r.page));
    }
    parts.join("&")
}

fn wait_for_port(port: u16) {
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "http server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn dump(chrome: &str, profile: &Path, url: &str) -> String {
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromium");
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = child.wait();
    out
}

#[test]
fn search_page_in_headless_chromium_matches_brute_force() {
    if std::env::var("CASEBOOK_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("browser test skipped: CASEBOOK_SKIP_BROWSER=1");
        return;
    }
    let chrome = chromium().expect(
        "headless Chromium is required for the search browser test \
         (apt-get install chromium), or set CASEBOOK_SKIP_BROWSER=1",
    );
    let docs = synth::docs(1500);
    let brute = Brute::new(docs.clone());
    let site = TempDir::new("browser");
    write_index(docs, &site.0.join("search")).unwrap();
    std::fs::write(site.0.join("search.js"), JS).unwrap();
    std::fs::write(site.0.join("search/index.html"), page_html()).unwrap();

    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .arg("--directory")
            .arg(&site.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting python3 -m http.server"),
    );
    wait_for_port(port);

    let case = regex::Regex::new(r#"data-case="([^"]+)""#).unwrap();
    let status = regex::Regex::new(r#"id="search-status"[^>]*>([^<]*)<"#).unwrap();
    let mri = regex::Regex::new(r#"value="mri"[^>]*>\s*MRI\s*<span"#).unwrap();
    let req = |q: &str, f: &[(&str, &str)], page: usize| Request {
        q: q.into(),
        filters: f
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect(),
        page,
    };
    let queries = [
        req("acupuncture", &[], 1),
        req("physical therapy", &[], 1),
        req("physical th", &[], 1),
        req("\"physical therapy\" lumbar", &[], 1),
        req("norco", &[("decision", "upheld")], 1),
        req("", &[("decision", "overturned"), ("year", "2016")], 1),
        req("pain", &[], 2),
        req("knee", &[("sex", "female"), ("age_band", "40-49")], 1),
        req("mri lumb", &[("treatment", "mri")], 1),
        req("L4-5", &[], 1),
        req("zzyzx", &[], 1),
    ];
    let mut failures = Vec::new();
    let mut nonempty = 0;
    for r in &queries {
        let url = format!("http://127.0.0.1:{port}/search/?{}", url_query(r));
        let dom = dump(&chrome, &site.0.join("profile"), &url);
        let got: Vec<&str> = case
            .captures_iter(&dom)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        let want = brute.search(&r.q, &r.filters);
        let expect: Vec<&str> = want
            .ranked
            .iter()
            .skip((r.page - 1) * 10)
            .take(10)
            .map(String::as_str)
            .collect();
        let said = status
            .captures(&dom)
            .map(|c| c.get(1).unwrap().as_str().replace(',', ""))
            .unwrap_or_default();
        let want_status = match want.ranked.len() {
            0 => "no results".to_string(),
            1 => "1 result".to_string(),
            n => format!("{n} results"),
        };
        if !got.is_empty() {
            nonempty += 1;
        }
        // Facet values show the labels the documents give them, not their slugs;
        // values with digits as they are.
        if r.q == "knee" && !dom.contains("> 40-49 <span") {
            failures.push(format!("{url}: the age band 40-49 is not shown as it is"));
        }
        if r.q == "mri lumb" {
            if !mri.is_match(&dom) || dom.contains("> Mri <") {
                failures.push(format!("{url}: the MRI treatment is not labelled \"MRI\""));
            }
            let titled = [
                "> MTUS Chronic Pain Medical Treatment Guidelines (2009) <",
                "> MTUS ACOEM Practice Guidelines (2004) <",
                "> Official Disability Guidelines <",
                "> MTUS ACOEM Practice Guidelines (2017) <",
            ];
            if !titled.iter().any(|t| dom.contains(t))
                || dom.contains("> Mtus ")
                || dom.contains("> Odg <")
            {
                failures.push(format!("{url}: guidelines are not shown by title"));
            }
        }
        if got != expect || said != want_status {
            failures.push(format!(
                "{url}\n  got    {got:?} / {said:?}\n  wanted {expect:?} / {want_status:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(nonempty >= 9, "only {nonempty} pages showed results");
}
