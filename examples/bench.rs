//! The benchmark: casebook against Hugo on generated archives of 1k, 10k and 100k
//! determinations (1M with `--1m`).
//!
//! ```text
//! cargo run --release --example bench                  # 1k, 10k, 100k
//! cargo run --release --example bench -- --1m          # and 1M
//! cargo run --release --example bench -- --sizes 1k,10k --runs 5 --no-hugo
//! ```
//!
//! Per size it generates the corpus (examples/corpus.rs), then builds it with
//! `casebook build --timings` and with Hugo, interleaved run by run so that a busy machine
//! slows both alike, each into a new output folder, and prints: full build time (median), pages per second, peak RSS (the
//! child's `ru_maxrss` from wait4), CPU time, output size (bytes, files), the median time
//! of each casebook stage, and the rebuild time after editing one determination.
//!
//! Hugo builds the same Markdown files: the front matter stays as it is (Hugo keeps
//! unknown keys as page parameters) with `title:` and `date:` added, under a minimal theme
//! of single pages plus one paginated listing (50 per page, as casebook's default).
//!
//! Each run writes into a folder of its own (`public-1`, `hugo-public-1`, …), and the
//! runs' folders are removed only when the size is done: on a journal-less ext4 (this
//! machine's), creating files soon after deleting many makes the kernel skip every
//! recently freed inode on each creation (`find_inode_bit` → `recently_deleted`),
//! which cost either tool 10–30 % more the run after a deletion. From 1M up, where the
//! folders do not all fit on the disk, each run's folder is removed before the next.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;

// ---------------------------------------------------------------------------------------
// Running a child and measuring it (wall time, CPU time, peak RSS).

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
    stderr: String,
}

// The child is reaped by wait4 below, which std's Child does not know about.
#[allow(clippy::zombie_processes)]
fn run(cmd: &mut Command) -> Run {
    let err_file = std::env::temp_dir().join(format!("casebook-bench-{}.err", std::process::id()));
    let err = std::fs::File::create(&err_file).expect("creating a temporary file");
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}"));
    let mut status = 0i32;
    let mut ru = Rusage::default();
    // SAFETY: the pid is our child's; status and rusage point to live, correctly laid out
    // values (x86_64/aarch64 Linux `struct rusage`). std's Child is never waited on.
    let r = unsafe { wait4(child.id() as i32, &mut status, 0, &mut ru) };
    let wall = started.elapsed();
    assert!(r > 0, "wait4 failed");
    let tv = |t: &Timeval| Duration::from_micros((t.sec * 1_000_000 + t.usec) as u64);
    let stderr = std::fs::read_to_string(&err_file).unwrap_or_default();
    let _ = std::fs::remove_file(&err_file);
    Run {
        wall,
        cpu: tv(&ru.utime) + tv(&ru.stime),
        rss: ru.maxrss as u64 * 1024,
        // Exited normally with status 0.
        ok: status & 0x7f == 0 && (status >> 8) & 0xff == 0,
        stderr,
    }
}

// ---------------------------------------------------------------------------------------
// Helpers.

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
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

fn human_bytes(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.0} KB", b / 1e3)
    }
}

fn size_name(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Stage timings from `casebook build --timings`: lines `  name   12.3 ms  45 MB resident after`.
fn stages(stderr: &str) -> Vec<(String, f64)> {
    stderr
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.split_once(" ms").map(|(a, _)| a)?;
            let (name, ms) = rest.rsplit_once(' ')?;
            Some((name.trim().to_string(), ms.trim().parse().ok()?))
        })
        .collect()
}

/// "built N determinations, M pages in X s": M.
fn pages_built(stderr: &str) -> Option<u64> {
    let l = stderr.lines().find(|l| l.starts_with("built "))?;
    let after = l.split(", ").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

// ---------------------------------------------------------------------------------------
// The Hugo site.

const HUGO_CONFIG: &str = r#"baseURL = "https://example.org/"
title = "IMR determinations (Hugo baseline)"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
paginate = 50
"#;

const HUGO_BASEOF: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"#;

const HUGO_SINGLE: &str = r#"{{ define "main" }}<article><h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006" }}</time></p>
{{ .Content }}</article>{{ end }}
"#;

const HUGO_LIST: &str = r#"{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006" }}</li>{{ end }}</ul>
{{ template "_internal/pagination.html" . }}{{ end }}
"#;

const HUGO_HOME: &str = r#"{{ define "main" }}<h1>{{ .Site.Title }}</h1>
<p><a href="{{ "determinations/" | relURL }}">All determinations</a></p>{{ end }}
"#;

/// The casebook determination as Hugo content: `title:` and `date:` added to the front
/// matter, everything else as it is.
fn hugo_page(text: &str) -> Option<String> {
    let rest = text.strip_prefix("---\n")?;
    let field = |k: &str| {
        rest.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    let case = field("case_number: ")?;
    let date = field("determination_date: ")?;
    let request = field("  - request: ").unwrap_or_default();
    let title = format!("{case}: {request}")
        .replace('\\', "")
        .replace('"', "'");
    Some(format!("---\ntitle: \"{title}\"\ndate: {date}\n{rest}"))
}

fn write_hugo_site(site: &Path, hugo: &Path) {
    if hugo.exists() {
        std::fs::remove_dir_all(hugo).expect("clearing the old Hugo site");
    }
    for (p, t) in [
        ("config.toml", HUGO_CONFIG),
        ("layouts/_default/baseof.html", HUGO_BASEOF),
        ("layouts/_default/single.html", HUGO_SINGLE),
        ("layouts/_default/list.html", HUGO_LIST),
        ("layouts/index.html", HUGO_HOME),
        (
            "content/determinations/_index.md",
            "---\ntitle: Determinations\n---\n",
        ),
    ] {
        let p = hugo.join(p);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("creating a folder");
        std::fs::write(p, t).expect("writing the Hugo site");
    }
    let src = site.join("content/determinations");
    let files: Vec<PathBuf> = walkdir::WalkDir::new(&src)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let dirs: std::collections::BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|f| f.strip_prefix(&src).ok()?.parent().map(Path::to_path_buf))
        .collect();
    for d in dirs {
        std::fs::create_dir_all(hugo.join("content/determinations").join(d)).expect("mkdir");
    }
    files.par_iter().for_each(|f| {
        let text = std::fs::read_to_string(f).expect("reading a determination");
        let page = hugo_page(&text).unwrap_or(text);
        let rel = f.strip_prefix(&src).expect("under content");
        std::fs::write(hugo.join("content/determinations").join(rel), page).expect("writing");
    });
}

// ---------------------------------------------------------------------------------------
// One size.

struct Measure {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    rss: Vec<u64>,
    pages: u64,
    bytes: u64,
    files: u64,
    stages: Vec<(String, Vec<f64>)>,
    incremental: Option<f64>,
    failed: Option<String>,
}

impl Measure {
    fn new() -> Measure {
        Measure {
            wall: vec![],
            cpu: vec![],
            rss: vec![],
            pages: 0,
            bytes: 0,
            files: 0,
            stages: vec![],
            incremental: None,
            failed: None,
        }
    }
    fn add(&mut self, r: &Run) {
        self.wall.push(r.wall.as_secs_f64());
        self.cpu.push(r.cpu.as_secs_f64());
        self.rss.push(r.rss);
    }
}

struct Result1 {
    n: u64,
    runs: usize,
    gen_s: f64,
    load: String,
    cb: Measure,
    hugo: Option<Measure>,
}

struct Opts {
    sizes: Vec<u64>,
    runs: usize,
    runs_large: usize,
    work: PathBuf,
    seed: u64,
    casebook: PathBuf,
    corpus: PathBuf,
    hugo: Option<PathBuf>,
    keep: bool,
    reuse: bool,
}

/// A full build; `cache`: with the persistent build cache (otherwise `--no-cache`, a cold
/// build every run).
fn casebook_cmd(o: &Opts, site: &Path, out: &Path, cache: bool) -> Command {
    let mut c = Command::new(&o.casebook);
    if !cache {
        c.arg("build").arg("--no-cache");
    } else {
        c.arg("build");
    }
    c.arg("--root")
        .arg(site)
        .arg("--output")
        .arg(out)
        .arg("--timings")
        .env("NO_COLOR", "1");
    c
}

fn hugo_cmd(hugo: &Path, site: &Path, out: &Path) -> Command {
    let mut c = Command::new(hugo);
    c.arg("--source")
        .arg(site)
        .arg("--destination")
        .arg(out)
        .arg("--cleanDestinationDir")
        .arg("--quiet");
    c
}

/// Appends a sentence to the last rationale of one determination (the file stays valid:
/// the outcome sentence remains the last statement of necessity).
fn edit_one(site: &Path, i: u32) -> (PathBuf, String) {
    let f = walkdir::WalkDir::new(site.join("content/determinations"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .find(|e| e.file_type().is_file())
        .expect("a determination")
        .into_path();
    let old = std::fs::read_to_string(&f).expect("reading");
    let new = format!("{}\nEdited for the benchmark ({i}).\n", old.trim_end());
    std::fs::write(&f, new).expect("writing");
    (f, old)
}

fn bench_size(o: &Opts, n: u64) -> Result1 {
    let name = size_name(n);
    let dir = o.work.join(&name);
    let site = dir.join("site");
    let marker = dir.join(format!(".corpus-{n}-{}", o.seed));
    let started = Instant::now();
    if !(o.reuse && marker.exists()) {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating the work folder");
        let r = run(Command::new(&o.corpus)
            .arg("--count")
            .arg(n.to_string())
            .arg("--out")
            .arg(&site)
            .arg("--seed")
            .arg(o.seed.to_string()));
        assert!(r.ok, "corpus generation failed:\n{}", r.stderr);
        if o.hugo.is_some() {
            write_hugo_site(&site, &dir.join("hugo"));
        }
        std::fs::write(&marker, "").expect("marker");
    }
    let gen_s = started.elapsed().as_secs_f64();
    let runs = if n >= 100_000 { o.runs_large } else { o.runs };
    let load = load_average();
    eprintln!("== {name}: corpus ready in {gen_s:.1} s; {runs} runs; load average {load}");
    let mut cb = Measure::new();
    let mut hm = o.hugo.as_ref().map(|_| Measure::new());
    // Each run into a new folder (see the module docs); removed when the size is done,
    // or before the next run from 1M up.
    let keep_runs = n < 1_000_000;
    let mut outs: Vec<PathBuf> = Vec::new();
    let mut out = dir.join("public");
    let mut hout = dir.join("hugo-public");
    for i in 0..runs {
        if !keep_runs {
            let _ = std::fs::remove_dir_all(&out);
            let _ = std::fs::remove_dir_all(&hout);
        }
        out = dir.join(format!("public-{}", i + 1));
        hout = dir.join(format!("hugo-public-{}", i + 1));
        for d in [&out, &hout] {
            let _ = std::fs::remove_dir_all(d);
            outs.push(d.clone());
        }
        let r = run(&mut casebook_cmd(o, &site, &out, false));
        if !r.ok {
            let tail: Vec<&str> = r.stderr.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            cb.failed = Some(tail.join("\n"));
            eprintln!("   casebook build FAILED:\n{}", tail.join("\n"));
            break;
        }
        cb.add(&r);
        cb.pages = pages_built(&r.stderr).unwrap_or(0);
        for (s, ms) in stages(&r.stderr) {
            match cb.stages.iter_mut().find(|(x, _)| *x == s) {
                Some(e) => e.1.push(ms),
                None => cb.stages.push((s, vec![ms])),
            }
        }
        eprintln!(
            "   run {}: casebook {:.2} s (cpu {:.2} s, rss {})",
            i + 1,
            r.wall.as_secs_f64(),
            r.cpu.as_secs_f64(),
            human_bytes(r.rss as f64)
        );
        if let (Some(h), Some(m)) = (&o.hugo, hm.as_mut()) {
            let r = run(&mut hugo_cmd(h, &dir.join("hugo"), &hout));
            if !r.ok {
                m.failed = Some(r.stderr.lines().take(10).collect::<Vec<_>>().join("\n"));
                eprintln!("   hugo FAILED:\n{}", m.failed.as_deref().unwrap_or(""));
            } else {
                m.add(&r);
                eprintln!(
                    "   run {}: hugo     {:.2} s (cpu {:.2} s, rss {})",
                    i + 1,
                    r.wall.as_secs_f64(),
                    r.cpu.as_secs_f64(),
                    human_bytes(r.rss as f64)
                );
            }
        }
    }
    if cb.failed.is_none() {
        (cb.bytes, cb.files) = tree_size(&out);
        // Incremental (a CI rebuild): a build that fills the persistent cache, then one
        // edit and a build that uses it.
        let _ = run(&mut casebook_cmd(o, &site, &out, true));
        let (f, old) = edit_one(&site, 1);
        let r = run(&mut casebook_cmd(o, &site, &out, true));
        std::fs::write(&f, &old).expect("restoring the edited file");
        if r.ok {
            cb.incremental = Some(r.wall.as_secs_f64());
        }
        eprintln!("   casebook after one edit: {:.2} s", r.wall.as_secs_f64());
    }
    if let (Some(h), Some(m)) = (&o.hugo, hm.as_mut())
        && m.failed.is_none()
    {
        (m.bytes, m.files) = tree_size(&hout);
        m.pages = m.files;
        let hsite = dir.join("hugo");
        let hcontent = hsite.join("content/determinations");
        let f = walkdir::WalkDir::new(&hcontent)
            .sort_by_file_name()
            .into_iter()
            .flatten()
            .find(|e| e.file_type().is_file() && e.file_name() != "_index.md")
            .map(|e| e.into_path());
        if let Some(f) = f {
            let old = std::fs::read_to_string(&f).expect("reading");
            std::fs::write(
                &f,
                format!("{}\nEdited for the benchmark.\n", old.trim_end()),
            )
            .expect("writing");
            let r = run(&mut hugo_cmd(h, &hsite, &hout));
            std::fs::write(&f, &old).expect("restoring");
            if r.ok {
                m.incremental = Some(r.wall.as_secs_f64());
            }
            eprintln!("   hugo after one edit: {:.2} s", r.wall.as_secs_f64());
        }
    }
    if !o.keep {
        for d in &outs {
            let _ = std::fs::remove_dir_all(d);
        }
    }
    Result1 {
        n,
        runs,
        gen_s,
        load,
        cb,
        hugo: hm,
    }
}

// ---------------------------------------------------------------------------------------
// Report.

fn report(results: &[Result1]) -> String {
    let mut s = String::new();
    let cols: Vec<String> = results.iter().map(|r| size_name(r.n)).collect();
    let w = 22;
    let line = |s: &mut String, label: &str, vals: Vec<String>| {
        let _ = write!(s, "{label:<30}");
        for v in vals {
            let _ = write!(s, "{v:>w$}");
        }
        s.push('\n');
    };
    let dash = |s: &mut String| {
        s.push_str(&"-".repeat(30 + w * cols.len()));
        s.push('\n');
    };
    line(&mut s, "determinations", cols.clone());
    dash(&mut s);
    line(
        &mut s,
        "runs (median of)",
        results.iter().map(|r| r.runs.to_string()).collect(),
    );
    line(
        &mut s,
        "load average at start",
        results.iter().map(|r| r.load.clone()).collect(),
    );
    line(
        &mut s,
        "corpus generation",
        results
            .iter()
            .map(|r| format!("{:.1} s", r.gen_s))
            .collect(),
    );
    let fmt_s = |v: f64| {
        if v.is_nan() {
            "failed".to_string()
        } else {
            format!("{v:.2} s")
        }
    };
    for (tool, get) in [
        (
            "casebook",
            (|r: &Result1| Some(&r.cb)) as fn(&Result1) -> Option<&Measure>,
        ),
        ("hugo", |r: &Result1| r.hugo.as_ref()),
    ] {
        if results.iter().all(|r| get(r).is_none()) {
            continue;
        }
        dash(&mut s);
        let col = |f: &dyn Fn(&Measure) -> String| -> Vec<String> {
            results
                .iter()
                .map(|r| get(r).map(f).unwrap_or_else(|| "-".into()))
                .collect()
        };
        line(
            &mut s,
            &format!("{tool}: full build (median)"),
            col(&|m| fmt_s(median(m.wall.clone()))),
        );
        line(
            &mut s,
            &format!("{tool}: min / max"),
            col(&|m| {
                let mn = m.wall.iter().copied().fold(f64::INFINITY, f64::min);
                let mx = m.wall.iter().copied().fold(0.0, f64::max);
                if m.wall.is_empty() {
                    "-".into()
                } else {
                    format!("{mn:.2} / {mx:.2}")
                }
            }),
        );
        line(
            &mut s,
            &format!("{tool}: cpu time (median)"),
            col(&|m| fmt_s(median(m.cpu.clone()))),
        );
        line(
            &mut s,
            &format!("{tool}: pages written"),
            col(&|m| m.pages.to_string()),
        );
        line(
            &mut s,
            &format!("{tool}: pages / s"),
            col(&|m| {
                let t = median(m.wall.clone());
                if t.is_nan() {
                    "-".into()
                } else {
                    format!("{:.0}", m.pages as f64 / t)
                }
            }),
        );
        line(
            &mut s,
            &format!("{tool}: peak RSS (max)"),
            col(&|m| {
                m.rss
                    .iter()
                    .max()
                    .map(|&b| human_bytes(b as f64))
                    .unwrap_or_else(|| "-".into())
            }),
        );
        line(
            &mut s,
            &format!("{tool}: output"),
            col(&|m| format!("{} / {} files", human_bytes(m.bytes as f64), m.files)),
        );
        line(
            &mut s,
            &format!("{tool}: rebuild after 1 edit"),
            col(&|m| m.incremental.map(fmt_s).unwrap_or_else(|| "-".into())),
        );
        if tool == "casebook" {
            let mut names: Vec<String> = Vec::new();
            for r in results {
                for (n, _) in &r.cb.stages {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
            for n in names {
                line(
                    &mut s,
                    &format!("  stage {n}"),
                    col(&|m| {
                        m.stages
                            .iter()
                            .find(|(x, _)| *x == n)
                            .map(|(_, v)| format!("{:.2} s", median(v.clone()) / 1000.0))
                            .unwrap_or_else(|| "-".into())
                    }),
                );
            }
        }
    }
    if results.iter().any(|r| r.hugo.is_some()) {
        dash(&mut s);
        line(
            &mut s,
            "casebook / hugo (build time)",
            results
                .iter()
                .map(|r| match &r.hugo {
                    Some(h) if !h.wall.is_empty() && !r.cb.wall.is_empty() => {
                        format!("{:.2}", median(r.cb.wall.clone()) / median(h.wall.clone()))
                    }
                    _ => "-".into(),
                })
                .collect(),
        );
        line(
            &mut s,
            "casebook / hugo (cpu time)",
            results
                .iter()
                .map(|r| match &r.hugo {
                    Some(h) if !h.cpu.is_empty() && !r.cb.cpu.is_empty() => {
                        format!("{:.2}", median(r.cb.cpu.clone()) / median(h.cpu.clone()))
                    }
                    _ => "-".into(),
                })
                .collect(),
        );
    }
    for r in results {
        if let Some(f) = &r.cb.failed {
            let _ = writeln!(s, "\ncasebook failed at {}:\n{f}", size_name(r.n));
        }
    }
    s
}

fn parse_size(s: &str) -> u64 {
    let s = s.trim().to_lowercase().replace('_', "");
    let (num, mul) = match s.strip_suffix('k') {
        Some(x) => (x.to_string(), 1000),
        None => match s.strip_suffix('m') {
            Some(x) => (x.to_string(), 1_000_000),
            None => (s.clone(), 1),
        },
    };
    num.parse::<u64>()
        .map(|x| x * mul)
        .unwrap_or_else(|_| usage())
}

fn usage() -> ! {
    eprintln!(
        "usage: bench [--sizes 1k,10k,100k] [--1m] [--runs 3] [--runs-large 3] [--work DIR]\n\
         \x20            [--seed 1] [--casebook PATH] [--no-hugo] [--hugo PATH] [--keep] [--reuse]\n\
         \n  --sizes       archive sizes to build (default 1k,10k,100k)\
         \n  --1m          add 1,000,000 determinations (needs about 8 GB of disk)\
         \n  --runs        builds per size, the median is reported (default 3)\
         \n  --runs-large  builds per size from 100k up (default 3)\
         \n  --work        where corpora and outputs go (default /tmp/casebook-bench)\
         \n  --casebook    the binary to measure (default: target/release/casebook, built first)\
         \n  --no-hugo     skip the Hugo comparison\
         \n  --keep        keep the built sites; --reuse  reuse corpora generated by an earlier run"
    );
    std::process::exit(2)
}

fn main() {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/examples/bench → target/<profile>/
    let bin_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the examples folder")
        .to_path_buf();
    let mut o = Opts {
        sizes: vec![1_000, 10_000, 100_000],
        runs: 3,
        runs_large: 3,
        work: std::env::temp_dir().join("casebook-bench"),
        seed: 1,
        casebook: bin_dir.join("casebook"),
        corpus: bin_dir.join("examples").join("corpus"),
        hugo: Some(PathBuf::from("hugo")),
        keep: false,
        reuse: false,
    };
    let mut custom_casebook = false;
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match k.as_str() {
            "--sizes" => o.sizes = val().split(',').map(parse_size).collect(),
            "--1m" => o.sizes.push(1_000_000),
            "--runs" => o.runs = val().parse().unwrap_or_else(|_| usage()),
            "--runs-large" => o.runs_large = val().parse().unwrap_or_else(|_| usage()),
            "--work" => o.work = PathBuf::from(val()),
            "--seed" => o.seed = val().parse().unwrap_or_else(|_| usage()),
            "--casebook" => {
                o.casebook = PathBuf::from(val());
                custom_casebook = true;
            }
            "--no-hugo" => o.hugo = None,
            "--hugo" => o.hugo = Some(PathBuf::from(val())),
            "--keep" => o.keep = true,
            "--reuse" => o.reuse = true,
            _ => usage(),
        }
    }
    if o.runs == 0 || o.runs_large == 0 {
        usage();
    }
    // Build what is measured, with the same profile and target folder as this example.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "build",
        "--release",
        "--example",
        "corpus",
    ]);
    if !custom_casebook {
        build.args(["--bin", "casebook"]);
    }
    let st = build.status().expect("running cargo build");
    assert!(st.success(), "cargo build failed");
    if let Some(h) = &o.hugo {
        match Command::new(h).arg("version").output() {
            Ok(out) if out.status.success() => {
                eprintln!("{}", String::from_utf8_lossy(&out.stdout).trim());
            }
            _ => {
                eprintln!(
                    "warning: {} not found (apt-get install hugo); running without the comparison",
                    h.display()
                );
                o.hugo = None;
            }
        }
    }
    std::fs::create_dir_all(&o.work).expect("creating the work folder");
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    eprintln!(
        "casebook: {}\nwork folder: {}\ncpus: {cpus}",
        o.casebook.display(),
        o.work.display()
    );
    let mut results = Vec::new();
    for &n in &o.sizes.clone() {
        results.push(bench_size(&o, n));
        // Print as we go: a long run still shows what it measured so far.
        eprintln!("\n{}", report(&results));
    }
    println!("{}", report(&results));
}
