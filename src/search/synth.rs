//! Synthetic archives with a realistic vocabulary, for tests and the benchmark.
//!
//! Sentences, requests and specialties come from a sample of published (already
//! de-identified) determination letters, `tests/search/corpus.txt`. Words are mutated
//! now and then (a letter dropped, a suffix added) so that, as in real archives, the
//! vocabulary keeps growing with the number of documents (misspellings, drug names,
//! dates), instead of saturating at the sample's few thousand words.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use super::SearchDoc;
use super::reader::{Client, Request};

const CORPUS: &str = include_str!("../../tests/search/corpus.txt");
const JS: &str = include_str!("../../themes/default/static/search.js");

/// SplitMix64: tiny, seedable, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// One sample letter: its requests (with "upheld"), reviewer specialty, sentences.
struct Letter {
    requests: Vec<(&'static str, bool)>,
    specialty: &'static str,
    sentences: Vec<&'static str>,
}

fn corpus() -> Vec<Letter> {
    let mut out: Vec<Letter> = Vec::new();
    for line in CORPUS.lines() {
        let f: Vec<&'static str> = line.split('\t').collect();
        match f[0] {
            "L" => out.push(Letter {
                requests: Vec::new(),
                specialty: "Internal Medicine",
                sentences: Vec::new(),
            }),
            _ if out.is_empty() || f.len() < 2 => {}
            "R" => {
                let upheld = f.get(2) == Some(&"upheld");
                out.last_mut().unwrap().requests.push((f[1], upheld));
            }
            "S" => out.last_mut().unwrap().specialty = f[1],
            "T" => out.last_mut().unwrap().sentences.push(f[1]),
            _ => {}
        }
    }
    out.retain(|l| !l.requests.is_empty() && !l.sentences.is_empty());
    out
}

/// Treatment ids from request keywords, first match wins; others fall into a hashed
/// bucket so there are as many treatments as in a real archive (dozens).
const TREATMENTS: &[(&str, &str)] = &[
    ("physical therapy", "physical-therapy"),
    ("acupuncture", "acupuncture"),
    ("chiropractic", "chiropractic"),
    ("epidural", "epidural-steroid-injection"),
    ("injection", "injection"),
    ("mri", "mri"),
    ("x-ray", "x-ray"),
    ("ct ", "ct-scan"),
    ("emg", "electrodiagnostics"),
    ("ncv", "electrodiagnostics"),
    ("norco", "opioids"),
    ("hydrocodone", "opioids"),
    ("tramadol", "opioids"),
    ("oxycodone", "opioids"),
    ("cream", "topical-analgesics"),
    ("patch", "topical-analgesics"),
    ("lidocaine", "topical-analgesics"),
    ("surgery", "surgery"),
    ("arthroscop", "surgery"),
    ("tens", "tens-unit"),
    ("psych", "psychotherapy"),
    ("gabapentin", "anticonvulsants"),
    ("lyrica", "anticonvulsants"),
];

const REGIONS: &[&str] = &[
    "lumbar spine",
    "cervical spine",
    "thoracic spine",
    "shoulder",
    "knee",
    "wrist",
    "hand",
    "hip",
    "ankle",
    "foot",
    "elbow",
];
const GUIDELINES: &[&str] = &[
    "mtus-chronic-pain-2009",
    "mtus-acoem-2004",
    "odg",
    "mtus-acoem-2017",
    "outside-guidelines",
];
const AGE_BANDS: &[&str] = &[
    "18-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+",
];

/// Display names of the treatment ids (as a treatment registry titles them); the
/// hashed buckets are "Other treatment N".
const TREATMENT_TITLES: &[(&str, &str)] = &[
    ("acupuncture", "Acupuncture"),
    ("anticonvulsants", "Anticonvulsants"),
    ("chiropractic", "Chiropractic care"),
    ("ct-scan", "CT scan"),
    ("electrodiagnostics", "EMG/NCS"),
    ("epidural-steroid-injection", "Epidural steroid injection"),
    ("injection", "Injection"),
    ("mri", "MRI"),
    ("opioids", "Opioids"),
    ("physical-therapy", "Physical therapy"),
    ("psychotherapy", "Psychotherapy"),
    ("surgery", "Surgery"),
    ("tens-unit", "TENS unit"),
    ("topical-analgesics", "Topical analgesics"),
    ("x-ray", "X-ray"),
];

const GUIDELINE_TITLES: &[&str] = &[
    "MTUS Chronic Pain Medical Treatment Guidelines (2009)",
    "MTUS ACOEM Practice Guidelines (2004)",
    "Official Disability Guidelines",
    "MTUS ACOEM Practice Guidelines (2017)",
    "Outside guidelines",
];

fn treatment_title(id: &str) -> String {
    TREATMENT_TITLES
        .iter()
        .find(|(k, _)| *k == id)
        .map(|(_, t)| t.to_string())
        .or_else(|| {
            id.strip_prefix("treatment-")
                .map(|n| format!("Other treatment {n}"))
        })
        .unwrap_or_default()
}

fn treatment_of(req: &str) -> String {
    let l = req.to_lowercase();
    for (k, id) in TREATMENTS {
        if l.contains(k) {
            return id.to_string();
        }
    }
    let h = l
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    format!("treatment-{}", h % 40)
}

fn region_of(req: &str) -> Option<String> {
    let l = req.to_lowercase();
    REGIONS
        .iter()
        .find(|r| l.contains(r.split(' ').next().unwrap_or(r)))
        .map(|r| r.to_string())
}

/// Occasionally mutates a word so the vocabulary grows with the archive.
fn mutate(w: &str, rng: &mut Rng, out: &mut String) {
    if w.len() > 4 && w.chars().all(|c| c.is_ascii_alphabetic()) && rng.chance(0.006) {
        let cut = 1 + rng.below(w.len() - 2);
        out.push_str(&w[..cut]);
        out.push_str(&w[cut + 1..]);
        if rng.chance(0.5) {
            let _ = write!(out, "{}", ["ol", "ex", "ine", "azole", "ide"][rng.below(5)]);
        }
    } else {
        out.push_str(w);
    }
}

fn sentence(rng: &mut Rng, from: &Letter, text: &mut String) {
    for w in rng.pick(&from.sentences).split(' ') {
        mutate(w, rng, text);
        text.push(' ');
    }
}

/// The `i`-th synthetic document of an archive (deterministic). Each is modelled on
/// one sample letter (most of its requests and sentences come from there), so
/// documents about one treatment share their vocabulary, as real ones do.
pub fn doc(i: usize, c: &CorpusRef) -> SearchDoc {
    let letters = &c.0;
    let mut rng = Rng::new(i as u64);
    let year = 2024 - (rng.below(15) as i32 + rng.below(6) as i32 / 3).min(14);
    let case = format!("CM{:02}-{:07}", year % 100, i);
    let main = rng.pick(letters);
    let nitems = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3][rng.below(10)];
    let mut facets: Vec<(String, String, String)> = Vec::new();
    let mut requests = Vec::new();
    let mut text = String::from("Clinical case summary\n");
    for _ in 0..6 + rng.below(10) {
        let from = if rng.chance(0.75) {
            main
        } else {
            rng.pick(letters)
        };
        sentence(&mut rng, from, &mut text);
        if rng.chance(0.15) {
            let _ = write!(
                text,
                "The injured worker was evaluated on {}-{}-{}. ",
                1 + rng.below(12),
                1 + rng.below(28),
                year % 100 - rng.below(2) as i32
            );
        }
    }
    text.push_str("\nDecision rationale\n");
    for k in 0..nitems {
        let from = if k == 0 || rng.chance(0.6) {
            main
        } else {
            rng.pick(letters)
        };
        let &(r, was_upheld) = rng.pick(&from.requests);
        let mut r = r.to_string();
        if rng.chance(0.3) {
            let _ = write!(r, " #{}", [6, 8, 12, 30, 60, 90, 120][rng.below(7)]);
        }
        let upheld = if rng.chance(0.85) {
            was_upheld
        } else {
            !was_upheld
        };
        let t = treatment_of(&r);
        facets.push((
            "decision".into(),
            if upheld { "upheld" } else { "overturned" }.into(),
            if upheld { "Upheld" } else { "Overturned" }.into(),
        ));
        facets.push(("treatment".into(), t.clone(), treatment_title(&t)));
        // Reviewers cite the guideline that covers the treatment, mostly.
        let g = if rng.chance(0.85) {
            t.bytes().map(usize::from).sum::<usize>() % 4
        } else {
            rng.below(GUIDELINES.len())
        };
        facets.push((
            "guideline".into(),
            GUIDELINES[g].to_string(),
            GUIDELINE_TITLES[g].to_string(),
        ));
        if let Some(region) = region_of(&r) {
            facets.push(("body_region".into(), region, String::new()));
        }
        let _ = writeln!(text, "{r}");
        for _ in 0..2 + rng.below(5) {
            sentence(&mut rng, from, &mut text);
        }
        let _ = writeln!(
            text,
            "The request for {} is {}medically necessary.",
            r.to_lowercase(),
            if upheld { "not " } else { "" }
        );
        requests.push(r);
    }
    let specialty = if rng.chance(0.8) {
        main.specialty
    } else {
        rng.pick(letters).specialty
    };
    facets.push(("specialty".into(), specialty.to_string(), String::new()));
    facets.push(("year".into(), year.to_string(), String::new()));
    facets.push((
        "age_band".into(),
        rng.pick(AGE_BANDS).to_string(),
        String::new(),
    ));
    facets.push((
        "sex".into(),
        if rng.chance(0.02) {
            "unknown"
        } else if rng.chance(0.55) {
            "female"
        } else {
            "male"
        }
        .into(),
        String::new(),
    ));
    SearchDoc {
        url: format!("/determinations/{case}/"),
        case_number: case,
        title: requests[0].clone(),
        requests,
        text,
        year,
        facets,
    }
}

/// The parsed corpus, shared by generator threads.
pub struct CorpusRef(Vec<Letter>);

pub fn load_corpus() -> CorpusRef {
    CorpusRef(corpus())
}

/// `n` synthetic documents, generated in parallel.
pub fn docs(n: usize) -> Vec<SearchDoc> {
    let c = load_corpus();
    (0..n).into_par_iter().map(|i| doc(i, &c)).collect()
}

/// Typical searches, in the order a visitor might run them.
pub fn typical_queries() -> Vec<(&'static str, Request)> {
    let r = |q: &str, f: &[(&str, &str)], page: usize| Request {
        q: q.to_string(),
        filters: f
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect(),
        page,
    };
    vec![
        ("word", r("acupuncture", &[], 1)),
        ("two words", r("physical therapy", &[], 1)),
        ("three words", r("mri lumbar spine", &[], 1)),
        ("phrase", r("\"physical therapy\" lumbar", &[], 1)),
        ("prefix", r("tramad", &[], 1)),
        ("word+decision", r("norco", &[("decision", "upheld")], 1)),
        (
            "word+treatment",
            r(
                "injection",
                &[("treatment", "epidural-steroid-injection")],
                1,
            ),
        ),
        (
            "browse filters",
            r("", &[("decision", "overturned"), ("year", "2016")], 1),
        ),
        ("page 2", r("chronic pain", &[], 2)),
        ("no result", r("zzyzx", &[], 1)),
        ("as typed: p", r("p", &[], 1)),
        ("as typed: phys", r("phys", &[], 1)),
        ("as typed: physical th", r("physical th", &[], 1)),
    ]
}

/// gzip sizes of files (via python3's zlib, the only compressor at hand without a new
/// dependency); `None` when python3 is missing.
fn gzip_sizes(paths: &[std::path::PathBuf]) -> Option<Vec<u64>> {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,gzip\nfor l in sys.stdin:\n print(len(gzip.compress(open(l.rstrip('\\n'),'rb').read(),6,mtime=0)))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let mut list = String::new();
    for p in paths {
        list.push_str(&p.to_string_lossy());
        list.push('\n');
    }
    // Written from another thread: with thousands of files, python's answers fill the
    // stdout pipe while we are still writing the list, and both would wait forever.
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()));
    let out = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    String::from_utf8(out.stdout)
        .ok()?
        .lines()
        .map(|l| l.trim().parse().ok())
        .collect()
}

fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                all_files(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

/// CPU time of this process so far (Linux), to tell build cost from a busy machine.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on Linux builds we run on.
    Some(ticks / 100.0)
}

fn kb(b: u64) -> String {
    format!("{:.1} KB", b as f64 / 1024.0)
}

/// What building a synthetic index took.
#[derive(Debug, Clone, Copy)]
pub struct Built {
    pub stats: super::IndexStats,
    /// Mean words per document.
    pub words: f64,
    /// Generating and indexing (interleaved: documents are made as they are added),
    /// seconds.
    pub secs: f64,
}

/// Generates `n` synthetic documents and indexes them under `out`, streaming: each
/// document goes to the [`Builder`](super::Builder) as it is made, so memory holds only
/// the builder's compact form, never the documents.
pub fn build(n: usize, out: &Path) -> std::io::Result<Built> {
    use std::sync::atomic::{AtomicU64, Ordering};
    let _ = std::fs::remove_dir_all(out);
    let t = Instant::now();
    let c = load_corpus();
    let words = AtomicU64::new(0);
    let mut b = super::Builder::new(super::Params::default());
    b.par_extend((0..n).into_par_iter().map(|i| {
        let d = doc(i, &c);
        words.fetch_add(d.text.split_whitespace().count() as u64, Ordering::Relaxed);
        d
    }));
    let stats = b.finish(out)?;
    Ok(Built {
        stats,
        words: words.into_inner() as f64 / n.max(1) as f64,
        secs: t.elapsed().as_secs_f64(),
    })
}

/// The benchmark in one process: builds an index of `n` synthetic documents under `out`
/// and reports it (see [`report`]).
pub fn bench(n: usize, out: &Path) -> String {
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let built = match build(n, out) {
        Ok(b) => b,
        Err(e) => return format!("writing the index failed: {e}"),
    };
    let cpu = cpu_seconds().zip(cpu0).map(|(a, b)| a - b);
    let head = format!(
        "search index, {n} synthetic documents ({:.0} words each on average)\n  \
         generate and build {:.1?} wall ({:.1}s, {:.1} µs/doc){}; {} terms",
        built.words,
        t.elapsed(),
        built.secs,
        built.secs * 1e6 / n.max(1) as f64,
        cpu.map_or(String::new(), |c| format!(", {c:.1}s CPU")),
        built.stats.terms
    );
    format!("{head}\n{}", report(n, out))
}

/// Size and file count of the index under `out`, and the bytes fetched and quality of
/// the typical queries, through the Rust mirror of the client.
pub fn report(n: usize, out: &Path) -> String {
    let mut r = String::new();
    let mut files = Vec::new();
    all_files(out, &mut files);
    let bytes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    let gz_total: Option<u64> = if n <= 200_000 {
        gzip_sizes(&files).map(|v| v.iter().sum())
    } else {
        None
    };
    let js_gz = {
        let p = out.with_extension("bench.js");
        let _ = std::fs::write(&p, JS);
        let g = gzip_sizes(std::slice::from_ref(&p)).map(|v| v[0]);
        let _ = std::fs::remove_file(&p);
        g
    };
    let _ = writeln!(
        r,
        "  index: {} files, {} raw{}",
        files.len(),
        kb(bytes),
        gz_total.map_or(String::new(), |g| format!(", {} gzip", kb(g))),
    );
    let root_size = std::fs::metadata(out.join("root.json")).map_or(0, |m| m.len());
    let _ = writeln!(
        r,
        "  runtime search.js {} raw{}; root.json {}",
        kb(JS.len() as u64),
        js_gz.map_or(String::new(), |g| format!(" / {} gzip", kb(g))),
        kb(root_size)
    );
    let mut client = match Client::open(out) {
        Ok(c) => c,
        Err(e) => return format!("{r}opening the index failed: {e}"),
    };
    let _ = writeln!(
        r,
        "  {:<22} {:>9} {:>9} {:>6} {:>11} {:>6} {:>6} {:>8} {:>6} {:>7}",
        "query", "raw", "gzip", "files", "results", "exact", "counts", "time", "top10", "count±"
    );
    let mut oracle = match Client::open(out) {
        Ok(mut c) => {
            c.root.budget = super::format::Budget {
                terms: u32::MAX,
                sets: u32::MAX,
                col: u32::MAX,
            };
            c
        }
        Err(e) => return format!("{r}opening the index failed: {e}"),
    };
    let queries = typical_queries();
    // Queries answered exactly; with the page proven; with the true page shown.
    let (mut n_exact, mut n_page, mut n_true) = (0, 0, 0);
    for (i, (label, req)) in queries.iter().enumerate() {
        if i > 0 {
            client.reset_log();
        }
        let t = Instant::now();
        let res = client.search(req);
        let el = t.elapsed();
        let (total, exact, top_exact, counts_exact) = match &res {
            Ok(o) => (o.total, o.exact, o.top_exact, o.counts_exact),
            Err(_) => (0, false, false, false),
        };
        // Against the same plan with unlimited budgets (exact): how many of the shown
        // results are the true ones, and how far the count is off.
        let truth = oracle.search(req).ok();
        let quality = match (&res, &truth) {
            (Ok(o), Some(t)) => {
                let shown: Vec<u32> = o.page.iter().map(|p| p.0).collect();
                let want: Vec<u32> = t.page.iter().map(|p| p.0).collect();
                let hit = shown.iter().filter(|d| want.contains(d)).count();
                n_true += usize::from(shown == want);
                let err = if t.total == 0 {
                    0.0
                } else {
                    (o.total as f64 - t.total as f64) / t.total as f64 * 100.0
                };
                (format!("{hit}/{}", want.len()), format!("{err:+.0}%"))
            }
            _ => ("-".into(), "-".into()),
        };
        n_exact += usize::from(exact);
        n_page += usize::from(top_exact);
        let mut raw = client.bytes;
        let mut nfiles = client.log.len();
        let paths: Vec<_> = client.log.iter().map(|(f, _)| out.join(f)).collect();
        let mut gz = gzip_sizes(&paths).map(|v| v.iter().sum::<u64>());
        if i == 0 {
            raw += JS.len() as u64;
            nfiles += 1;
            gz = gz.zip(js_gz).map(|(a, b)| a + b);
        }
        let _ = writeln!(
            r,
            "  {:<22} {:>9} {:>9} {:>6} {:>11} {:>6} {:>6} {:>6.1}ms {:>6} {:>7}{}",
            if i == 0 {
                format!("{label} (first)")
            } else {
                label.to_string()
            },
            kb(raw),
            gz.map_or("-".into(), kb),
            nfiles,
            total,
            // "page": the count is an estimate, the page is proven the true one.
            if exact {
                "exact"
            } else if top_exact {
                "page"
            } else {
                "about"
            },
            if counts_exact { "exact" } else { "about" },
            el.as_secs_f64() * 1e3,
            quality.0,
            quality.1,
            if res.is_err() { " (error)" } else { "" }
        );
    }
    let _ = writeln!(
        r,
        "  of {} queries: {n_exact} exact, {n_page} with the page exact (proven), \
         {n_true} showing the true page",
        queries.len()
    );
    r
}
