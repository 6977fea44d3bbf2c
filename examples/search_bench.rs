//! The search index benchmark: builds indexes of synthetic determinations and prints
//! index size, file count, build time, peak memory and the bytes a browser fetches for
//! typical queries (the first one including the runtime); at 10k documents, side by side
//! with Pagefind on the same documents, in the same run.
//!
//! `cargo run --release --example search_bench -- [N...] [--out DIR] [--no-pagefind] [--keep]`
//! (default: 10000 100000; add 1000000 for the million-document figures).
//!
//! Each index is built by a child process (this program with `--child-build N DIR`) so
//! that its peak RSS is the build's own (`ru_maxrss` from wait4). At 10,000 documents:
//! - the same documents are written as static HTML pages (title, requests, text in
//!   `<main data-pagefind-body>`, facets as `data-pagefind-filter`);
//! - Pagefind 1.6.0 is installed from npm into `<target>/pagefind` if absent, and run
//!   on them (its prebuilt binary, measured the same way);
//! - `tests/browser/search_fetch.mjs` runs the typical queries in headless Chromium
//!   through each engine's JavaScript API and sums the bytes per query from the DevTools
//!   protocol. Without Node or Chromium that column is left out, with the reason.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use casebook::search::{SearchDoc, synth};

const PAGEFIND_VERSION: &str = "1.6.0";

// ---------------------------------------------------------------------------------------
// Running a child and measuring it (wall time, CPU time, peak RSS): as in examples/bench.rs.

#[repr(C)]
#[derive(Default)]
struct Timeval {
    sec: i64,
    usec: i64,
}

#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    maxrss: i64,
    rest: [i64; 13],
}

unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

struct Run {
    wall: Duration,
    cpu: Duration,
    /// Peak resident set size, bytes.
    rss: u64,
    ok: bool,
    stdout: String,
    stderr: String,
}

// The child is reaped by wait4 below, which std's Child does not know about.
#[allow(clippy::zombie_processes)]
fn run(cmd: &mut Command) -> std::io::Result<Run> {
    let tag = format!(
        "{}-{}",
        std::process::id(),
        Instant::now().elapsed().as_nanos()
    );
    let out_file = std::env::temp_dir().join(format!("casebook-search-bench-{tag}.out"));
    let err_file = std::env::temp_dir().join(format!("casebook-search-bench-{tag}.err"));
    let started = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file)?)
        .stderr(std::fs::File::create(&err_file)?)
        .spawn()?;
    let mut status = 0i32;
    let mut ru = Rusage::default();
    // SAFETY: the pid is our child's; status and rusage point to live, correctly laid out
    // values (x86_64/aarch64 Linux `struct rusage`). std's Child is never waited on.
    let r = unsafe { wait4(child.id() as i32, &mut status, 0, &mut ru) };
    let wall = started.elapsed();
    if r <= 0 {
        return Err(std::io::Error::last_os_error());
    }
    let tv = |t: &Timeval| Duration::from_micros((t.sec * 1_000_000 + t.usec) as u64);
    let read = |p: &Path| {
        let s = std::fs::read_to_string(p).unwrap_or_default();
        let _ = std::fs::remove_file(p);
        s
    };
    Ok(Run {
        wall,
        cpu: tv(&ru.utime) + tv(&ru.stime),
        rss: ru.maxrss as u64 * 1024,
        ok: status & 0x7f == 0 && (status >> 8) & 0xff == 0,
        stdout: read(&out_file),
        stderr: read(&err_file),
    })
}

fn tree_size(dir: &Path) -> (u64, u64) {
    let mut bytes = 0;
    let mut files = 0;
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        if e.file_type().is_file() {
            files += 1;
            bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    (bytes, files)
}

fn mb(b: u64) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

fn kb(b: u64) -> String {
    format!("{:.1} KB", b as f64 / 1024.0)
}

// ---------------------------------------------------------------------------------------
// casebook's build, in a child.

/// The child: builds the index of `n` synthetic documents under `dir`; prints
/// `words secs files bytes terms`.
fn child_build(n: usize, dir: &Path) {
    match synth::build(n, dir) {
        Ok(b) => println!(
            "{} {} {} {} {}",
            b.words, b.secs, b.stats.files, b.stats.bytes, b.stats.terms
        ),
        Err(e) => {
            eprintln!("building the index failed: {e}");
            std::process::exit(1);
        }
    }
}

struct CasebookBuild {
    run: Run,
    words: f64,
    /// Generating and indexing, seconds.
    secs: f64,
    files: u64,
    bytes: u64,
    terms: u64,
}

fn build_casebook(n: usize, dir: &Path) -> Result<CasebookBuild, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let run = run(Command::new(exe)
        .arg("--child-build")
        .arg(n.to_string())
        .arg(dir))
    .map_err(|e| e.to_string())?;
    if !run.ok {
        return Err(format!("the index build failed: {}", run.stderr.trim()));
    }
    let f: Vec<f64> = run
        .stdout
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    if f.len() != 5 {
        return Err(format!("unexpected output from the build: {}", run.stdout));
    }
    Ok(CasebookBuild {
        words: f[0],
        secs: f[1],
        files: f[2] as u64,
        bytes: f[3] as u64,
        terms: f[4] as u64,
        run,
    })
}

// ---------------------------------------------------------------------------------------
// Pagefind.

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A determination as a plain HTML page for Pagefind: what casebook indexes (title,
/// requests, text) in the body, the facets as filters (outside the indexed text).
fn pagefind_page(d: &SearchDoc) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body><main data-pagefind-body><h1>{}</h1><p>{}</p><ul>",
        esc(&d.title),
        esc(&d.title),
        esc(&d.case_number)
    );
    for r in &d.requests {
        let _ = write!(h, "<li>{}</li>", esc(r));
    }
    h.push_str("</ul>");
    for para in d.text.split('\n').filter(|p| !p.trim().is_empty()) {
        let _ = write!(h, "<p>{}</p>", esc(para));
    }
    h.push_str("<div data-pagefind-ignore>");
    for f in &d.facets {
        let _ = write!(
            h,
            "<span data-pagefind-filter=\"{}\">{}</span>",
            esc(&f.0),
            esc(&f.1)
        );
    }
    h.push_str("</div></main></body></html>\n");
    h
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The Pagefind binary in `<target>/pagefind`, installed from npm when absent.
fn pagefind_binary() -> Result<PathBuf, String> {
    let prefix = target_dir().join("pagefind");
    let find = || -> Option<PathBuf> {
        let pkg = prefix.join("node_modules/pagefind/package.json");
        let v = std::fs::read_to_string(pkg).ok()?;
        if !v.contains(&format!("\"version\": \"{PAGEFIND_VERSION}\"")) {
            return None;
        }
        let scope = prefix.join("node_modules/@pagefind");
        walkdir::WalkDir::new(scope)
            .into_iter()
            .flatten()
            .map(|e| e.into_path())
            .filter(|p| {
                p.parent().is_some_and(|d| d.ends_with("bin"))
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("pagefind") && !n.contains('.'))
            })
            .min()
    };
    if let Some(b) = find() {
        return Ok(b);
    }
    eprintln!(
        "installing pagefind@{PAGEFIND_VERSION} from npm into {}",
        prefix.display()
    );
    std::fs::create_dir_all(&prefix).map_err(|e| e.to_string())?;
    let st = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(format!("pagefind@{PAGEFIND_VERSION}"))
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("npm is needed to install Pagefind: {e}"))?;
    if !st.success() {
        return Err(format!(
            "npm install pagefind@{PAGEFIND_VERSION} failed ({st})"
        ));
    }
    find().ok_or_else(|| "no Pagefind binary for this platform after npm install".into())
}

struct PagefindBuild {
    run: Run,
    bytes: u64,
    files: u64,
}

fn build_pagefind(site: &Path, docs: &[SearchDoc]) -> Result<PagefindBuild, String> {
    let bin = pagefind_binary()?;
    for d in docs {
        let dir = site.join("determinations").join(&d.case_number);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("index.html"), pagefind_page(d)).map_err(|e| e.to_string())?;
    }
    let _ = std::fs::remove_dir_all(site.join("pagefind"));
    let run = run(Command::new(bin).arg("--site").arg(site)).map_err(|e| e.to_string())?;
    if !run.ok {
        return Err(format!(
            "pagefind failed: {}{}",
            run.stdout.trim(),
            run.stderr.trim()
        ));
    }
    let (bytes, files) = tree_size(&site.join("pagefind"));
    Ok(PagefindBuild { run, bytes, files })
}

// ---------------------------------------------------------------------------------------
// Bytes fetched in Chromium.

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

/// Node's major version, if Node runs.
fn node_major() -> Option<u32> {
    let out = Command::new("node").arg("--version").output().ok()?;
    let v = String::from_utf8(out.stdout).ok()?;
    v.trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// One query's figures: (label, on the wire, decoded, requests, results).
type QueryBytes = (String, u64, u64, u64, u64);
/// Per engine, per query.
type Fetched = Vec<(String, Vec<QueryBytes>)>;

fn fetch_in_browser(site: &Path) -> Result<Fetched, String> {
    let chrome = chromium().ok_or("no Chromium (apt-get install chromium)")?;
    let node = node_major().ok_or("no Node.js")?;
    let queries: Vec<serde_json::Value> = synth::typical_queries()
        .into_iter()
        .map(|(label, r)| {
            serde_json::json!({ "label": label, "q": r.q, "filters": r.filters, "page": r.page })
        })
        .collect();
    let qf = site.join("queries.json");
    let of = site.join("fetched.json");
    std::fs::write(&qf, serde_json::to_vec(&queries).unwrap()).map_err(|e| e.to_string())?;
    std::fs::write(
        site.join("search.js"),
        include_str!("../themes/default/static/search.js"),
    )
    .map_err(|e| e.to_string())?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/search_fetch.mjs");
    let mut cmd = Command::new("node");
    if node < 22 {
        cmd.arg("--experimental-websocket");
    }
    let out = cmd
        .arg(script)
        .arg(&chrome)
        .arg(site)
        .arg(&qf)
        .arg(&of)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&of).map_err(|e| format!("reading {}: {e}", of.display()))?,
    )
    .map_err(|e| e.to_string())?;
    let mut res = Vec::new();
    for engine in ["casebook", "pagefind"] {
        let Some(rows) = v.get(engine).and_then(|r| r.as_array()) else {
            continue;
        };
        let rows = rows
            .iter()
            .map(|r| {
                let n = |k: &str| r.get(k).and_then(|x| x.as_u64()).unwrap_or(0);
                let mut label = r["label"].as_str().unwrap_or("?").to_string();
                if let Some(e) = r.get("error").and_then(|e| e.as_str()) {
                    label = format!("{label} (error: {e})");
                }
                (label, n("encoded"), n("decoded"), n("requests"), n("total"))
            })
            .collect();
        res.push((engine.to_string(), rows));
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------

fn comparison(n: usize, site: &Path, cb: &CasebookBuild, docs: &[SearchDoc]) -> String {
    let mut r = String::new();
    let _ = writeln!(
        r,
        "casebook vs Pagefind {PAGEFIND_VERSION}, {n} documents (the same text; Pagefind reads it from static HTML pages)"
    );
    let pf = build_pagefind(site, docs);
    if let Err(e) = &pf {
        let _ = writeln!(r, "  Pagefind left out: {e}");
    }
    let pf = pf.ok();
    let fetched = match fetch_in_browser(site) {
        Ok(f) => Some(f),
        Err(e) => {
            let _ = writeln!(r, "  browser figures left out: {e}");
            None
        }
    };
    let col = |f: &dyn Fn() -> String, g: &dyn Fn(&PagefindBuild) -> String| {
        (f(), pf.as_ref().map_or("-".to_string(), g))
    };
    let mut rows: Vec<(String, (String, String))> = vec![
        (
            "build, wall (CPU)".into(),
            col(
                &|| {
                    format!(
                        "{:.2}s ({:.2}s)",
                        cb.run.wall.as_secs_f64(),
                        cb.run.cpu.as_secs_f64()
                    )
                },
                &|p| {
                    format!(
                        "{:.2}s ({:.2}s)",
                        p.run.wall.as_secs_f64(),
                        p.run.cpu.as_secs_f64()
                    )
                },
            ),
        ),
        (
            "peak RSS".into(),
            col(&|| mb(cb.run.rss), &|p| mb(p.run.rss)),
        ),
        ("index size".into(), col(&|| mb(cb.bytes), &|p| mb(p.bytes))),
        (
            "index files".into(),
            col(&|| cb.files.to_string(), &|p| p.files.to_string()),
        ),
    ];
    if let Some(f) = &fetched {
        let get = |engine: &str| f.iter().find(|(e, _)| e == engine).map(|(_, v)| v);
        let pair = |e: u64, d: u64| format!("{} / {}", kb(e), kb(d));
        let first = |v: Option<&Vec<QueryBytes>>| {
            v.and_then(|v| v.first())
                .map_or("-".to_string(), |x| pair(x.1, x.2))
        };
        // Later queries: (mean, max) of (wire, decoded).
        let later = |v: Option<&Vec<QueryBytes>>, max: bool| {
            v.filter(|v| v.len() > 1).map_or("-".to_string(), |v| {
                let l = &v[1..];
                if max {
                    pair(
                        l.iter().map(|x| x.1).max().unwrap_or(0),
                        l.iter().map(|x| x.2).max().unwrap_or(0),
                    )
                } else {
                    let m = l.len() as u64;
                    pair(
                        l.iter().map(|x| x.1).sum::<u64>() / m,
                        l.iter().map(|x| x.2).sum::<u64>() / m,
                    )
                }
            })
        };
        let (c, p) = (get("casebook"), get("pagefind"));
        rows.push(("first query, wire / decoded".into(), (first(c), first(p))));
        rows.push((
            "later queries, mean".into(),
            (later(c, false), later(p, false)),
        ));
        rows.push((
            "later queries, max".into(),
            (later(c, true), later(p, true)),
        ));
    }
    let _ = writeln!(r, "  {:<28} {:>32} {:>32}", "", "casebook", "Pagefind");
    for (label, (a, b)) in &rows {
        let _ = writeln!(r, "  {label:<28} {a:>32} {b:>32}");
    }
    if let Some(f) = &fetched {
        let _ = writeln!(
            r,
            "  per query in Chromium (on the wire / decoded, requests, results):"
        );
        let get = |engine: &str| f.iter().find(|(e, _)| e == engine).map(|(_, v)| v);
        let (c, p) = (get("casebook"), get("pagefind"));
        let cell = |v: Option<&Vec<QueryBytes>>, i: usize| {
            v.and_then(|v| v.get(i)).map_or("-".to_string(), |x| {
                format!("{} / {}, {}, {}", kb(x.1), kb(x.2), x.3, x.4)
            })
        };
        for (i, (label, _)) in synth::typical_queries().iter().enumerate() {
            let label = if i == 0 {
                format!("{label} (first)")
            } else {
                label.to_string()
            };
            let _ = writeln!(r, "  {label:<28} {:>32} {:>32}", cell(c, i), cell(p, i));
        }
        for v in [c, p].into_iter().flatten() {
            for x in v.iter().filter(|x| x.0.contains("(error")) {
                let _ = writeln!(r, "  {}", x.0);
            }
        }
    }
    let _ = writeln!(
        r,
        "  (casebook's build: a child process generating the documents and streaming them into the index builder; \
         Pagefind's: its binary reading the HTML pages. Wire bytes: gzip for .js/.json/.html as \
         static hosts serve them, other files as they are.)"
    );
    r
}

fn main() {
    let mut sizes: Vec<usize> = Vec::new();
    let mut out = std::env::temp_dir().join("casebook-search-bench");
    let mut pagefind = true;
    let mut keep = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--child-build" => {
                let n = args.next().and_then(|n| n.parse().ok()).expect("a count");
                let dir = PathBuf::from(args.next().expect("a folder"));
                child_build(n, &dir);
                return;
            }
            "--out" => out = PathBuf::from(args.next().expect("--out needs a folder")),
            "--no-pagefind" => pagefind = false,
            "--keep" => keep = true,
            _ => sizes.push(
                a.replace('_', "")
                    .parse()
                    .expect("document counts are numbers, e.g. 10000"),
            ),
        }
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    for n in sizes {
        let site = out.join(n.to_string());
        let _ = std::fs::remove_dir_all(&site);
        let dir = site.join("search");
        let cb = match build_casebook(n, &dir) {
            Ok(b) => b,
            Err(e) => {
                println!("search index, {n} documents: {e}");
                continue;
            }
        };
        println!(
            "search index, {n} synthetic documents ({:.0} words each on average)",
            cb.words
        );
        println!(
            "  generate and index {:.2}s ({:.1} µs/doc); the build process: {:.2}s wall, {:.2}s CPU, peak RSS {}; {} terms",
            cb.secs,
            cb.secs * 1e6 / n.max(1) as f64,
            cb.run.wall.as_secs_f64(),
            cb.run.cpu.as_secs_f64(),
            mb(cb.run.rss),
            cb.terms
        );
        print!("{}", synth::report(n, &dir));
        if n == 10_000 && pagefind {
            let docs = synth::docs(n);
            print!("{}", comparison(n, &site, &cb, &docs));
        }
        println!();
        if !keep {
            let _ = std::fs::remove_dir_all(&site);
        }
    }
}
