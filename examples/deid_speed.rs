//! Micro-benchmark of the de-identification stage: exactly what `publish::publish` does
//! with the `Redactor` (build it from the declared identifiers, redact every published
//! field and the Markdown body), single-threaded, over the first N determinations of a
//! site, with a checksum of every redacted output (text and spans) to prove that a
//! change kept the output byte for byte.
//!
//! ```text
//! cargo run --release --example deid_speed -- SITE/content [N] [RUNS]
//! ```
//!
//! `SITE/content` is the content directory (its parent holds `casebook.yaml`). Prints
//! the median (over RUNS, default 7) of the thread CPU time and wall time of the whole
//! pass, per document, and split into build / fields / body.
//!
//! ```text
//! cargo run --release --example deid_speed -- --fuzz [N] [SEED]
//! ```
//!
//! redacts N generated adversarial documents (identifier shapes, near misses, Unicode
//! look-alikes, Markdown syntax, declared identifiers in every variant, five policies)
//! and prints a checksum of every output: built against two versions of the crate it
//! shows whether they redact alike.

use std::path::{Path, PathBuf};
use std::time::Instant;

use casebook::deid::{Redaction, Redactor};
use casebook::model::{Citation, Determination};

fn cpu_now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid out-pointer to a timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Feeds every redaction into the checksum: its text and its spans.
struct Sink {
    hash: blake3::Hasher,
    spans: usize,
    bytes: usize,
}

impl Sink {
    fn add(&mut self, r: &Redaction) {
        self.hash.update(&(r.text.len() as u64).to_le_bytes());
        self.hash.update(r.text.as_bytes());
        self.hash.update(&(r.spans.len() as u64).to_le_bytes());
        for s in &r.spans {
            self.hash.update(&(s.start as u64).to_le_bytes());
            self.hash.update(&(s.end as u64).to_le_bytes());
            self.hash.update(s.category.label().as_bytes());
            self.hash.update(&[s.declared as u8, 0xff]);
        }
        self.spans += r.spans.len();
        self.bytes += r.text.len();
    }
}

/// The strings `publish` passes through `Redactor::redact` (same order); the results
/// are kept (as `publish` keeps them) and hashed after the timed pass.
fn fields(d: &Determination, r: &Redactor, sink: &mut Vec<Redaction>) {
    type Sink = Vec<Redaction>;
    let mut text = |s: &str, sink: &mut Sink| {
        sink.push(r.redact(s));
    };
    let citation = |c: &Citation, sink: &mut Sink, text: &mut dyn FnMut(&str, &mut Sink)| {
        let t = match c {
            Citation::Guideline { text, .. }
            | Citation::OutsideGuidelines { text }
            | Citation::None { text } => text,
        };
        if let Some(t) = t {
            text(t, sink);
        }
    };
    for it in &d.items {
        text(&it.request, sink);
        for s in [&it.original_request, &it.authorized, &it.body_region]
            .into_iter()
            .flatten()
        {
            text(s, sink);
        }
        if let Some(c) = &it.claims_administrator_basis {
            citation(c, sink, &mut text);
        }
        citation(&it.reviewer_basis, sink, &mut text);
        if let Some(e) = &it.exception {
            text(e, sink);
        }
    }
    for x in &d.diagnoses {
        text(x, sink);
    }
    text(&d.reviewer.specialty, sink);
    for x in &d.reviewer.licensure {
        text(x, sink);
    }
    json(&d.extra, &mut text, sink);
    text(&d.jurisdiction, sink);
    text(&d.review_organization, sink);
}

fn json(
    v: &serde_json::Value,
    text: &mut dyn FnMut(&str, &mut Vec<Redaction>),
    sink: &mut Vec<Redaction>,
) {
    use serde_json::Value as J;
    match v {
        J::String(s) => text(s, sink),
        J::Array(a) => a.iter().for_each(|x| json(x, text, sink)),
        J::Object(o) => {
            for (k, x) in o {
                text(k, sink);
                json(x, text, sink);
            }
        }
        J::Number(n) => text(&n.to_string(), sink),
        _ => {}
    }
}

struct Run {
    cpu: f64,
    wall: f64,
    build: f64,
    fields: f64,
    body: f64,
    sink: Sink,
}

fn run(dets: &[Determination], policy: &casebook::deid::Policy, split: bool) -> Run {
    let mut sink = Sink {
        hash: blake3::Hasher::new(),
        spans: 0,
        bytes: 0,
    };
    let mut out: Vec<Redaction> = Vec::with_capacity(dets.len() * 32);
    let (mut build, mut fields_t, mut body) = (0.0, 0.0, 0.0);
    // DEID_ONLY=fields or =body: only that part (for profiles).
    let only = std::env::var("DEID_ONLY").unwrap_or_default();
    let wall0 = Instant::now();
    let cpu0 = cpu_now();
    for d in dets {
        let t0 = if split { cpu_now() } else { 0.0 };
        let r = Redactor::new(&d.identifiers, policy).expect("redactor");
        let t1 = if split { cpu_now() } else { 0.0 };
        if only != "body" && only != "none" {
            fields(d, &r, &mut out);
        }
        let t2 = if split { cpu_now() } else { 0.0 };
        if only != "fields" && only != "none" {
            out.push(r.redact_markdown(&d.body));
        }
        if split {
            let t3 = cpu_now();
            build += t1 - t0;
            fields_t += t2 - t1;
            body += t3 - t2;
        }
    }
    let cpu = cpu_now() - cpu0;
    let wall = wall0.elapsed().as_secs_f64();
    for r in &out {
        sink.add(r);
    }
    Run {
        cpu,
        wall,
        build,
        fields: fields_t,
        body,
        sink,
    }
}

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

const FRAGMENTS: &[&str] = &[
    "3/6/14",
    "10-13-16",
    "03/06/2014",
    "3.6.2014",
    "3.3.9",
    "2014-03-06",
    "10/2016",
    "12-2016",
    "March 6, 2014",
    "Mar. 6th 2014",
    "Monday, March 6",
    "March 6-8, 2014",
    "6 Mar 2014",
    "6th of March, 2014",
    "6 March",
    "September 2014",
    "Sept. '14",
    "September of 2014",
    "May",
    "may",
    "MAY 5",
    "Thu.",
    "through",
    "10-30-\n2016",
    "#4 July",
    "on",
    "On",
    "March\n6",
    "٣",
    "١٢/٣/٢٠١٤",
    "\u{a0}",
    "\u{2028}",
    "ſ",
    "\u{212A}",
    "’",
    "–",
    "é",
    "°",
    "×",
    "ß",
    "92 year old",
    "92-year-old",
    "92 y/o",
    "95 years of age",
    "age 95",
    "aged 95",
    "AGE 101",
    "(559) 555-0142",
    "559-555-0142",
    "559.555.0142",
    "+1 559 555 0142",
    "1-800-555-0199",
    "555-0142",
    "5595550142",
    "ext. 12",
    "fax",
    "phone",
    "+44 20 7946 0958",
    "559 555 0142",
    "123-45-6789",
    "078 05 1120",
    "078051120",
    "SSN",
    "999-45-6789",
    "a.b@example.com",
    "john.doe@example.com",
    "http://example.com/x?y=1",
    "www.Example.org.",
    "www.example.org/x",
    "dir.ca.gov/dwc",
    "foo.US",
    "x.io,",
    "e.g.",
    "www.uſ",
    "x.com",
    "192.168.1.20",
    "3.3.1.2",
    "fe80::1ff:fe23:4567:890a",
    "2001:db8::8a2e:370:7334",
    "10:30",
    "Fresno, CA 93721",
    "Fresno, California",
    "CA 93721-1234",
    "zip 93721",
    "ZIP code: 93721",
    "New York, NY 10001",
    "Fresno County",
    "Reviewed, CA MTUS",
    "Oxnard,CA",
    "Washington",
    "1234 Elm Street",
    "1234 N. Elm St., Apt 5",
    "56 West Oak Ave #12",
    "9647 Amberglen Court",
    "P.O. Box 123",
    "PO BOX 45a",
    "12 N Main St Apt 4",
    "Dr",
    "St",
    "Court",
    "MRN 1234567",
    "medical record number: A12-345",
    "claim #WC99-0420658",
    "policy no. 987654",
    "ID 12345",
    "s/n 12345X",
    "license plate 7ABC123",
    "member id is 12345678",
    "plan 123",
    "1HGCM82633A004352",
    "VIN 1M8GDM9AXKP042788",
    "ADJ31314624",
    "WC99-0420658",
    "CM14-6621405",
    "600mg/300mg",
    "9792.24.1",
    "2014-2016",
    "123456789",
    "ABC123",
    "Dr.",
    "Smith",
    "John",
    "Doe",
    "JOHN DOE",
    "john doe",
    "Doe, John",
    "J. Doe",
    "John Q. Doe",
    "Doe's",
    "Mrs.",
    "patient",
    "named",
    "Jane Roe",
    "Mary-Jane",
    "O'Brien",
    "O’Brien",
    "Garcia-Lopez",
    "García-López",
    "Jose",
    "JOSÉ",
    "Underhill",
    "Rosalind",
    "Brackenridge",
    "Ulrika I. Brackenridge",
    "Haverbrook",
    "Haverbrook Packing",
    "Packing Corp.",
    "May Lee",
    "Lee",
    "Will",
    "Young",
    "Brownie",
    "brownie",
    "MS Contin",
    "the",
    "was",
    "seen",
    "Amberglen",
    "Oxnard",
    "93003",
    "Box 12",
    "#5",
    "Apt 5",
    "*",
    "**",
    "_",
    "`",
    "&amp;",
    "&#111;",
    "J&#111;hn",
    "<b>",
    "</b>",
    "Jo<b>hn</b>",
    "\\",
    "[",
    "]",
    "(",
    ")",
    "[link](http://example.com/a)",
    "<http://x.org>",
    "<!-- c -->",
    "\n> ",
    "\n# ",
    "\n- ",
    "\n1. ",
    "\n```\n",
    "\n    ",
    "|",
    "\n<div>\n",
    "\n\n",
    "`code 12345`",
    "*John* **Doe**",
    "[^1]",
    "\n[ref]: http://example.com/3-6-2014\n",
    "Wolfeschlegelsteinhausen",
    "WOLFESCHLEGELSTEINHAUSEN",
    "123 Smith",
    "Weiß",
    "WEISS",
    "Ω",
    "de la Cruz",
    "DE LA CRUZ",
    "Smith-Jones",
    "Springfield, IL 62701",
    "Fido",
    "X1234",
    "AB12",
    "Pennsylvania Avenue NW",
    "Suite 200",
    "1234567890123456789",
    "ACME & Sons",
    "Al",
    "Ng",
    // Lower-case months and two-digit years next to capitalised dates (a match that is
    // not reported still takes its text), folds of s and k, weekdays, ranges.
    "'14",
    "’14",
    "dec",
    "mar",
    "5 may '14 March",
    "Monday",
    "Thurs.",
    "of",
    "to",
    "Auguſt 6, 2014",
    "\u{212A}",
    "ſsn 123456789",
    "MRN",
    "id",
    "s/n",
    "County",
    "Parish",
    "P.O.",
    "box",
];

const SEPARATORS: &[&str] = &[
    " ", " ", " ", "  ", "\t", "\n", "\n\n", ", ", ". ", "; ", ": ", "(", ")", "-", "/", ".", "'",
    "\"", "", "", "\u{a0}", "’",
];

fn fuzz(n: usize, seed: u64) {
    use casebook::deid::{Category, DatePolicy, Declared, Policy};
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let names = [
        "John Doe",
        "Doe, John",
        "Mary-Jane O'Brien",
        "José García-López",
        "Dr. Rosalind Underhill",
        "Haverbrook Packing Corp.",
        "May Lee",
        "Will Young",
        "Ulrika I. Brackenridge",
        "J. Q. Public",
        "123 Smith",
        "Ω Weiß",
        "A",
        "-",
        "JOSÉ O'BRIEN-LÓPEZ",
        "de la Cruz",
        "Wolfeschlegelsteinhausen Bergerdorff",
        "Mary Ann Smith-Jones, MD",
        "ACME & Sons, Inc.",
        "Smith, Jr.",
        "Li Ng",
    ];
    let numbers = [
        "WC99-0420658",
        "ADJ31314624",
        "(559) 555-0142",
        "123-45-6789",
        "1HGCM82633A004352",
        "93721",
        "AB12",
        "1234567890123456789",
        "000-00-0000",
        "X1234",
    ];
    let addresses = [
        "9647 Amberglen Court, Oxnard, CA 93003",
        "PO Box 12, Fresno, CA 93721-1234",
        "#5",
        "12 N Main St Apt 4",
        "Fresno County",
        "Oxnard",
        "Apt 4B",
        "1600 Pennsylvania Avenue NW, Washington, DC 20500",
        "12 N. Main St., Suite 200",
        "Springfield, IL 62701",
        "Route 66",
    ];
    let other = [
        "john.doe@example.com",
        "www.example.org/x",
        "Brownie",
        "1234",
        "Lee",
        "a@b.c",
        "HTTP://WWW.EXAMPLE.ORG",
        "Fido",
        "X1234",
    ];
    let policies = [
        Policy::default(),
        Policy {
            zip3: true,
            ..Policy::default()
        },
        Policy {
            dates: DatePolicy::Keep,
            ..Policy::default()
        },
        Policy {
            allow_urls: vec!["example.com".into(), "https://www.dir.ca.gov".into()],
            ..Policy::default()
        },
        Policy {
            extra_patterns: vec![(r"ABC\d+".into(), Category::OtherNumber)],
            ..Policy::default()
        },
    ];
    let mut sink = Sink {
        hash: blake3::Hasher::new(),
        spans: 0,
        bytes: 0,
    };
    for _ in 0..n {
        let pick = |rng: &mut Rng, v: &[&str]| -> Vec<String> {
            (0..rng.below(3)).map(|_| rng.pick(v).to_string()).collect()
        };
        let declared = Declared {
            names: pick(&mut rng, &names),
            numbers: pick(&mut rng, &numbers),
            addresses: pick(&mut rng, &addresses),
            other: pick(&mut rng, &other),
        };
        let policy = &policies[rng.below(policies.len())];
        let r = Redactor::new(&declared, policy).expect("redactor");
        let mut doc = String::new();
        // Mostly short texts (published fields), one in four long (a body).
        let parts = if rng.below(4) == 0 { 400 } else { 60 };
        for _ in 0..1 + rng.below(parts) {
            doc.push_str(rng.pick(FRAGMENTS));
            doc.push_str(rng.pick(SEPARATORS));
        }
        sink.add(&r.redact_markdown(&doc));
        sink.add(&r.redact(&doc));
    }
    println!(
        "fuzz {n} documents, seed {seed}: {} bytes, {} spans",
        sink.bytes, sink.spans
    );
    println!("checksum {}", sink.hash.finalize().to_hex());
}

fn main() {
    let mut args = std::env::args().skip(1);
    if std::env::args().nth(1).as_deref() == Some("--fuzz") {
        args.next();
        let n = args.next().map_or(20_000, |s| s.parse().expect("N"));
        let seed = args.next().map_or(1, |s| s.parse().expect("SEED"));
        fuzz(n, seed);
        return;
    }
    let content = PathBuf::from(
        args.next()
            .expect("usage: deid_speed SITE/content [N] [RUNS]"),
    );
    let n: usize = args.next().map_or(2000, |s| s.parse().expect("N"));
    let runs: usize = args.next().map_or(7, |s| s.parse().expect("RUNS"));
    let root = content.parent().unwrap_or(Path::new(".")).to_path_buf();
    let config = casebook::config::Config::load(&root).expect("casebook.yaml");
    let (files, _) =
        casebook::content::discover(&root, &root.join("content").join("determinations"));
    let mut dets = Vec::with_capacity(n);
    for p in files.iter().take(n) {
        let text = casebook::content::read_text(&root, p).expect("read");
        let rel = casebook::content::rel_path(&root, p);
        let parsed = casebook::content::parse_determination(&rel, &text, &config);
        if let Some(d) = parsed.determination {
            dets.push((*d).clone());
        }
    }
    let input: usize = dets.iter().map(|d| d.body.len()).sum();
    println!(
        "{} determinations ({} body bytes), {} runs",
        dets.len(),
        input,
        runs
    );
    let policy = &config.deidentify;
    // Warm-up: compiles the static detectors (LazyLock) outside the timed runs.
    let warm = run(&dets, policy, false);
    let checksum = warm.sink.hash.finalize().to_hex().to_string();

    let (mut cpu, mut wall) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let r = run(&dets, policy, false);
        assert_eq!(
            r.sink.hash.finalize().to_hex().to_string(),
            checksum,
            "output differs between runs"
        );
        cpu.push(r.cpu);
        wall.push(r.wall);
    }
    let (mut b, mut f, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs.div_ceil(2) {
        let r = run(&dets, policy, true);
        b.push(r.build);
        f.push(r.fields);
        y.push(r.body);
    }
    let nd = dets.len() as f64;
    let (cpu, wall) = (median(&mut cpu), median(&mut wall));
    println!(
        "median total: cpu {:.1} ms, wall {:.1} ms",
        cpu * 1e3,
        wall * 1e3
    );
    println!(
        "median per document: cpu {:.1} µs, wall {:.1} µs",
        cpu * 1e6 / nd,
        wall * 1e6 / nd
    );
    println!(
        "split per document (cpu): build {:.1} µs, fields {:.1} µs, body {:.1} µs",
        median(&mut b) * 1e6 / nd,
        median(&mut f) * 1e6 / nd,
        median(&mut y) * 1e6 / nd
    );
    println!(
        "outputs: {} bytes, {} spans",
        warm.sink.bytes, warm.sink.spans
    );
    println!("checksum {checksum}");
}
