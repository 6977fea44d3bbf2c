//! The leak gate micro-benchmark: builds the [`LeakGate`] exactly as `build` does (every
//! published determination's declared identifiers, from `casebook::build::check`), then
//! scans every file of a built site several times on one thread and prints the median
//! CPU time, MB/s, the peak heap a scan adds, and a digest of all verdicts.
//!
//! A clean build has no leaks, so a planted set proves the hits stay the same: copies of
//! pages (and of the large exports, with identifiers cut by the 1 MiB piece boundaries)
//! with declared identifiers inserted in many forms (case, punctuation, split across
//! tags, entities, JSON and percent escapes, attributes, comments, emphasis, accents,
//! random tag soup around them) and the gate's patterns (SSN, email, phone). The digest
//! also covers `normalize_for_scan` of every clean and planted file.
//!
//! `cargo run --release --example gate_speed -- --site ROOT --out BUILT [--reps N]
//!  [--verdicts FILE]` (FILE gets one masked line per leak, for diffing two runs).

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use casebook::deid::{Declared, Leak, LeakGate, normalize_for_scan};

// ---- heap accounting --------------------------------------------------------------------

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        CURRENT.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            if new >= l.size() {
                let now = CURRENT.fetch_add(new - l.size(), Relaxed) + (new - l.size());
                PEAK.fetch_max(now, Relaxed);
            } else {
                CURRENT.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

// ---- planted files ----------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const VARIANTS: usize = 20;

/// `s` written in form `v`.
fn variant(s: &str, v: usize, rng: &mut Rng) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    match v {
        0 => s.to_string(),
        1 => s.to_uppercase(),
        // Split inside the first word by inline tags.
        2 => {
            let cut: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
            let a = cut.get(2).copied().unwrap_or(s.len());
            let b = cut.get(4).copied().unwrap_or(s.len());
            format!(
                "{}<span class=\"x\">{}</span><b>{}</b>",
                &s[..a],
                &s[a..b],
                &s[b..]
            )
        }
        3 => words.join("\n<br/>  "),
        // Every other letter as a decimal or hex character reference.
        4 | 5 => {
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if i % 2 == 1 && c.is_alphanumeric() {
                    if v == 4 {
                        let _ = write!(out, "&#{};", c as u32);
                    } else {
                        let _ = write!(out, "&amp;#x{:X};", c as u32);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        // JSON escapes.
        6 => {
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if c == ' ' {
                    out.push_str("\\n");
                } else if i % 3 == 0 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else if c == '/' {
                    out.push_str("\\/");
                } else {
                    out.push(c);
                }
            }
            out
        }
        // Percent escapes.
        7 => {
            let mut out = String::new();
            for c in s.chars() {
                if c.is_ascii_alphanumeric() && rng.below(2) == 0 {
                    let _ = write!(out, "%{:02X}", c as u32);
                } else if c == ' ' {
                    out.push_str("%20");
                } else {
                    out.push(c);
                }
            }
            out
        }
        8 => format!("<img alt=\"{s}\" src=x.png>"),
        9 => format!(
            "<a href='/p?q={}' title={}>x</a>",
            s.replace(' ', "+"),
            s.replace(' ', "")
        ),
        // Markdown emphasis.
        10 => words
            .iter()
            .map(|w| format!("**{w}**"))
            .collect::<Vec<_>>()
            .join(" _ "),
        // Soft hyphens and zero-width spaces inside words.
        11 => {
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                out.push(c);
                if i % 3 == 1 && c.is_alphanumeric() {
                    out.push_str(if i % 2 == 0 { "&shy;" } else { "\u{200b}" });
                }
            }
            out
        }
        12 => words.join(", "),
        // Reversed: "Last, First".
        13 => match words.as_slice() {
            [first, .., last] => format!("{last}, {first}"),
            _ => s.to_string(),
        },
        14 => format!("<!--{s}-->"),
        // Accented letters (folded back by the gate).
        15 => s
            .chars()
            .map(|c| match c {
                'e' => 'é',
                'a' => 'á',
                'o' => 'ö',
                'n' => 'ñ',
                c => c,
            })
            .collect(),
        // Numbers regrouped by other separators.
        16 => {
            let alnum: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
            let mut out = String::new();
            for (i, c) in alnum.iter().enumerate() {
                if i > 0 && i % 3 == 0 {
                    out.push_str(["-", " ", ".", "/"][rng.below(4)]);
                }
                out.push(*c);
            }
            out
        }
        17 => words.join("\t \r\n"),
        // Glued to other words (no hit expected for words keys).
        18 => format!("x{}y", s.replace(' ', "")),
        // Table cells.
        _ => format!("<tr><td>{}</td></tr>", words.join("</td><td>")),
    }
}

/// A high-precision pattern (or a near miss) the gate's detectors look at.
fn pattern(rng: &mut Rng) -> String {
    let d = |rng: &mut Rng, n: usize| -> String {
        (0..n)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect()
    };
    match rng.below(12) {
        0 => format!("{}-{}-{}", d(rng, 3), d(rng, 2), d(rng, 4)),
        1 => format!("SSN {} {} {}", d(rng, 3), d(rng, 2), d(rng, 4)),
        2 => format!("j.smith{}@mail{}.example.com", d(rng, 2), d(rng, 1)),
        3 => format!("({}) {}-{}", d(rng, 3), d(rng, 3), d(rng, 4)),
        4 => format!("fax: {}.{}.{}", d(rng, 3), d(rng, 3), d(rng, 4)),
        5 => format!(
            "+1 {}-{}-{} ext. {}",
            d(rng, 3),
            d(rng, 3),
            d(rng, 4),
            d(rng, 3)
        ),
        6 => format!("+44 {} {} {}", d(rng, 2), d(rng, 4), d(rng, 4)),
        7 => format!("call {}", d(rng, 10)),
        8 => format!("phone {}-{}", d(rng, 3), d(rng, 4)),
        9 => format!("{} {} {}", d(rng, 3), d(rng, 3), d(rng, 4)),
        10 => format!("a&#64;b{}.org", d(rng, 2)),
        _ => format!("{}/{}-{}-{}", d(rng, 2), d(rng, 3), d(rng, 3), d(rng, 4)),
    }
}

const SOUP: &str = "<>/=\"' -!abBcdiISpan\t\n&;#x%2e\\u0041é>`<>scriptimg";

fn soup(rng: &mut Rng) -> String {
    let a: Vec<char> = SOUP.chars().collect();
    (0..rng.below(12)).map(|_| a[rng.below(a.len())]).collect()
}

/// The byte offset at or after `at` that is a char boundary.
fn boundary(s: &str, mut at: usize) -> usize {
    at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at += 1;
    }
    at
}

fn identifier_pool(entries: &[(String, Declared)]) -> Vec<String> {
    let mut pool = Vec::new();
    for (i, (_, d)) in entries.iter().enumerate() {
        if i % 13 != 0 {
            continue;
        }
        pool.extend(
            d.names
                .iter()
                .chain(&d.numbers)
                .chain(&d.addresses)
                .chain(&d.other)
                .cloned(),
        );
    }
    pool
}

fn planted(clean: &[(String, String)], pool: &[String]) -> Vec<(String, String)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::new();
    let pages: Vec<&(String, String)> = clean
        .iter()
        .filter(|(rel, t)| {
            (rel.ends_with(".html") || rel.ends_with(".json") || rel.ends_with(".bin"))
                && t.len() < 2 * 1024 * 1024
        })
        .collect();
    let step = (pages.len() / 400).max(1);
    for (n, (rel, text)) in pages.iter().step_by(step).enumerate() {
        let mut t = text.clone();
        for k in 0..4 {
            let at = boundary(&t, rng.below(t.len() + 1));
            let ins = if k == 3 {
                pattern(&mut rng)
            } else {
                let id = &pool[rng.below(pool.len())];
                let v = (n * 3 + k) % VARIANTS;
                variant(id, v, &mut rng)
            };
            let glue = if n % 5 == 0 {
                (soup(&mut rng), soup(&mut rng))
            } else {
                (" ".to_string(), " ".to_string())
            };
            t.insert_str(at, &format!("{}{ins}{}", glue.0, glue.1));
        }
        out.push((format!("planted/{rel}"), t));
    }
    // The large exports: identifiers at and around every piece boundary.
    for (rel, text) in clean.iter().filter(|(_, t)| t.len() > 2 * 1024 * 1024) {
        let mut t = text.clone();
        let mut at = 1 << 20;
        let mut k = 0;
        while at < t.len() {
            let id = &pool[rng.below(pool.len())];
            let ins = variant(id, k % VARIANTS, &mut rng);
            for off in [0usize, 3, 40, 500, 16 << 10] {
                let p = boundary(&t, (at + off).saturating_sub(ins.len() / 2));
                t.insert_str(p, &format!(" {ins} "));
            }
            let p = boundary(&t, at + 777);
            t.insert_str(p, &format!(" {} ", pattern(&mut rng)));
            at += 1 << 20;
            k += 1;
        }
        out.push((format!("planted/{rel}"), t));
    }
    out
}

// ---- the run ----------------------------------------------------------------------------

fn files(root: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .into_owned();
            let bytes = std::fs::read(e.path()).expect("read");
            (rel, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect();
    v.sort();
    v
}

fn line(rel: &str, l: &Leak) -> String {
    format!(
        "{rel}: {} `{}` {}",
        l.category.label(),
        l.masked,
        l.case_number.as_deref().unwrap_or("(pattern)")
    )
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut site = None;
    let mut out = None;
    let mut reps = 5;
    let mut verdicts: Option<PathBuf> = None;
    // Times normalize_for_scan alone (no gate, no check): for profiling it.
    let mut normalize_only = false;
    // Skips the verdict pass (for profiling the timed scans).
    let mut timing_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--site" => site = args.next().map(PathBuf::from),
            "--out" => out = args.next().map(PathBuf::from),
            "--reps" => reps = args.next().and_then(|n| n.parse().ok()).expect("--reps N"),
            "--verdicts" => verdicts = args.next().map(PathBuf::from),
            "--normalize-only" => normalize_only = true,
            "--timing-only" => timing_only = true,
            _ => panic!("unknown argument {a}"),
        }
    }
    let site = site.expect("--site ROOT");
    let out = out.expect("--out BUILT");

    if normalize_only {
        let clean = files(&out);
        let bytes: usize = clean.iter().map(|(_, t)| t.len()).sum();
        let mut times = Vec::new();
        for _ in 0..reps {
            let t = thread_cpu();
            let mut n = 0;
            for (_, text) in &clean {
                n += normalize_for_scan(text).len();
            }
            std::hint::black_box(n);
            times.push(thread_cpu() - t);
        }
        let m = median(&mut times);

        println!(
            "normalize_for_scan alone: median {m:.3} s CPU, {:.1} MB/s",
            bytes as f64 / 1e6 / m
        );
        return;
    }
    let t = Instant::now();
    let checked = casebook::build::check(&site, None, false).expect("check");
    eprintln!(
        "checked {} determinations in {:.1} s",
        checked.identifiers.len(),
        t.elapsed().as_secs_f64()
    );
    let entries = checked.identifiers.clone();
    drop(checked);
    let t = Instant::now();
    let gate = LeakGate::new(&entries);
    eprintln!("{gate:?} built in {:.2} s", t.elapsed().as_secs_f64());

    let clean = files(&out);
    let pool = identifier_pool(&entries);
    let plants = planted(&clean, &pool);
    let bytes: usize = clean.iter().map(|(_, t)| t.len()).sum();
    let planted_bytes: usize = plants.iter().map(|(_, t)| t.len()).sum();
    eprintln!(
        "{} files, {:.1} MB; {} planted files, {:.1} MB",
        clean.len(),
        bytes as f64 / 1e6,
        plants.len(),
        planted_bytes as f64 / 1e6
    );

    // Verdicts and heap: one pass over everything.
    let mut report = String::new();
    let mut norm_digest = blake3::Hasher::new();
    let mut clean_leaks = 0;
    let mut planted_leaks = 0;
    let mut peak_extra = 0usize;
    let mut peak_per_byte = 0f64;
    // One scan first, so that what is built once per process (the patterns' regexes and
    // their caches) is not counted as a scan's.
    let _ = gate.scan("call 559-555-1234, SSN 123-45-6789, a.b@example.com +44 20 7946 0958");
    let sets = if timing_only {
        vec![]
    } else {
        vec![("clean", &clean), ("planted", &plants)]
    };
    for (set, list) in sets {
        for (rel, text) in list.iter() {
            let base = CURRENT.load(Relaxed);
            PEAK.store(base, Relaxed);
            let leaks = gate.scan(text);
            let extra = PEAK.load(Relaxed) - base;
            peak_extra = peak_extra.max(extra);
            if text.len() >= 64 << 10 {
                peak_per_byte = peak_per_byte.max(extra as f64 / text.len() as f64);
            }
            for l in &leaks {
                report.push_str(&line(rel, l));
                report.push('\n');
            }
            if set == "clean" {
                clean_leaks += leaks.len();
            } else {
                planted_leaks += leaks.len();
            }
            norm_digest.update(rel.as_bytes());
            norm_digest.update(normalize_for_scan(text).as_bytes());
        }
    }
    let digest = blake3::hash(report.as_bytes());
    if let Some(p) = &verdicts {
        std::fs::write(p, &report).expect("write verdicts");
    }

    // Timing: the clean site, one thread, CPU time.
    let mut scan_times = Vec::new();
    let mut norm_times = Vec::new();
    // One more pass, file by file: where the time goes, by kind of file.
    let mut by_kind: std::collections::BTreeMap<&str, (usize, usize, f64)> = Default::default();
    for (rel, text) in &clean {
        let kind = rel.rsplit_once('.').map_or("", |(_, e)| e);
        let t = thread_cpu();
        std::hint::black_box(gate.scan(text));
        let e = by_kind.entry(kind).or_default();
        e.0 += 1;
        e.1 += text.len();
        e.2 += thread_cpu() - t;
    }
    for _ in 0..reps {
        let t = thread_cpu();
        let mut n = 0;
        for (_, text) in &clean {
            n += gate.scan(text).len();
        }
        assert_eq!(n, clean_leaks);
        scan_times.push(thread_cpu() - t);
        let t = thread_cpu();
        let mut n = 0;
        for (_, text) in &clean {
            n += normalize_for_scan(text).len();
        }
        std::hint::black_box(n);
        norm_times.push(thread_cpu() - t);
    }
    let scan = median(&mut scan_times);
    let norm = median(&mut norm_times);
    println!(
        "scan (clean site, {} files, {:.1} MB): median {:.3} s CPU over {reps} runs, {:.1} MB/s  [runs: {}]",
        clean.len(),
        bytes as f64 / 1e6,
        scan,
        bytes as f64 / 1e6 / scan,
        scan_times
            .iter()
            .map(|t| format!("{t:.3}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (kind, (files, bytes, t)) in &by_kind {
        println!(
            "  .{kind}: {files} files, {:.1} MB, {t:.3} s, {:.1} MB/s",
            *bytes as f64 / 1e6,
            *bytes as f64 / 1e6 / t
        );
    }
    println!(
        "normalize_for_scan alone: median {:.3} s CPU, {:.1} MB/s",
        norm,
        bytes as f64 / 1e6 / norm
    );
    println!(
        "peak heap added by one scan: {:.1} MB (the most, any file), {:.2} bytes per input byte (the most, files of 64 KiB or more)",
        peak_extra as f64 / 1e6,
        peak_per_byte
    );
    println!(
        "verdicts: {clean_leaks} leaks in clean files, {planted_leaks} in planted files; digest {}",
        digest.to_hex()
    );
    println!(
        "normalize_for_scan digest {}",
        norm_digest.finalize().to_hex()
    );
}
