//! Corpus generator: N realistic determinations in the FORMAT, for benchmarks and scale
//! tests.
//!
//! ```text
//! cargo run --release --example corpus -- --count 10000 --out /tmp/site [--seed 1]
//!     [--data ../shared/data] [--guidelines content/guidelines]
//! ```
//!
//! Writes `OUT/casebook.yaml`, `OUT/content/guidelines/*.yaml` (copied from the rule packs)
//! and `OUT/content/determinations/<year>/<case>.md`.
//!
//! - Facet values follow the real distributions of the 19,228 DMHC determinations
//!   (`data/dmhc/*.csv`): each determination draws one real row for its year, age band, sex
//!   and diagnosis, and each disputed item draws a row for its treatment category and
//!   outcome. DMHC treatment categories are mapped onto the casebook treatment ids that the
//!   rule packs govern.
//! - Bodies are composed from the 150 real DWC letters (`data/dwc-imr/txt`): a real clinical
//!   case summary, and per item a real request and rationale of the same treatment and
//!   outcome when the letters have one; the outcome sentence is rewritten to agree with the
//!   decision.
//! - Each determination declares invented identifiers (names, claim numbers, an address)
//!   and the text carries them several times, so de-identification has real work to do.
//! - Citations name a pack that governs the treatment and one of the sections that govern
//!   it (pages only within the section's pages); quantities respect the packs' limits, or
//!   carry an `exception:` when an overturned request exceeds them.
//!
//! Deterministic for a seed: a small PRNG per determination (seed, index), sorted inputs,
//! no hash-map iteration. Files are generated and written in parallel.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

// ---------------------------------------------------------------------------------------
// PRNG (SplitMix64): small, fast, reproducible everywhere.

#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 11) as u128 * n as u128) >> 53) as usize
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

// ---------------------------------------------------------------------------------------
// Inputs.

struct Row {
    year: i32,
    diagnosis: String,
    category: String,
    sub: String,
    upheld: bool,
    age: Option<(u32, u32)>,
    sex: Option<&'static str>,
}

fn load_dmhc(dir: &Path) -> Vec<Row> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("reading the DMHC csv");
        for line in text.lines().skip(1) {
            let c: Vec<&str> = line.trim_end_matches('\r').split(';').collect();
            if c.len() < 10 {
                continue;
            }
            let Ok(year) = c[1].trim().parse() else {
                continue;
            };
            let upheld = match c[6].trim() {
                s if s.starts_with("Upheld") => true,
                s if s.starts_with("Overturned") => false,
                _ => continue,
            };
            let age = match c[8].trim().replace('_', "-").as_str() {
                "65+" => Some((65, 97)),
                s => s
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?))),
            };
            let sex = match c[9].trim() {
                "Male" => Some("male"),
                "Female" => Some("female"),
                _ => None,
            };
            let diagnosis = match c[3].trim() {
                "" | "Other" => c[2].trim(),
                s => s,
            };
            rows.push(Row {
                year,
                diagnosis: diagnosis.to_lowercase(),
                category: c[4].trim().to_string(),
                sub: c[5].trim().to_string(),
                upheld,
                age,
                sex,
            });
        }
    }
    assert!(!rows.is_empty(), "no DMHC rows in {}", dir.display());
    rows
}

struct LetterItem {
    request: String,
    treatment: &'static str,
    upheld: bool,
    /// Rationale paragraphs, the outcome sentence removed.
    rationale: Vec<String>,
}

struct Letter {
    specialty: String,
    licensure: Vec<String>,
    summary: Vec<String>,
    items: usize,
}

/// Joins wrapped lines: a line ending in `-` joins without a space.
fn join_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::new();
    for l in lines {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if !s.is_empty() && !s.ends_with('-') {
            s.push(' ');
        }
        s.push_str(l);
    }
    s
}

/// Paragraphs: runs of non-blank lines.
fn paragraphs(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for l in lines {
        if l.trim().is_empty() {
            if !cur.is_empty() {
                out.push(join_lines(cur.drain(..)));
            }
        } else {
            cur.push(l);
        }
    }
    if !cur.is_empty() {
        out.push(join_lines(cur.into_iter()));
    }
    out
}

/// Sentences (split after ". " followed by a capital letter).
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut start = 0;
    for i in 0..b.len().saturating_sub(2) {
        if b[i] == b'.' && b[i + 1] == b' ' && b[i + 2].is_ascii_uppercase() {
            out.push(text[start..=i].trim());
            start = i + 2;
        }
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        out.push(text[start..].trim());
    }
    out
}

/// Characters Markdown would read as markup in a heading; requests drop them so that the
/// `###` heading reads exactly as the request.
fn clean_request(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| match c {
            '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\' | '|' | '"' | '~' => ' ',
            c => c,
        })
        .collect();
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.trim_matches(|c: char| c == ':' || c == '.' || c == ',' || c == '#' || c == '-')
        .trim()
        .to_string()
}

fn parse_letter(text: &str, items: &mut Vec<LetterItem>) -> Option<Letter> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let find = |pat: &str| lines.iter().position(|l| l.contains(pat));
    let lic = find("State(s) of Licensure:")?;
    let spec = find("Certification(s)/Specialty:")?;
    let summary_head = find("CLINICAL CASE SUMMARY")?;
    let issues = find("IMR ISSUES, DECISIONS AND RATIONALES")?;
    let licensure: Vec<String> = lines[lic]
        .split_once(':')?
        .1
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let specialty = join_lines(
        std::iter::once(lines[spec].split_once(':')?.1)
            .chain(lines[spec + 1..summary_head].iter().copied()),
    )
    .trim_end_matches(['&', ',', ' '])
    .to_string();
    // The summary starts after the boilerplate sentence ending "medical records:".
    let mut start = summary_head + 1;
    for (i, l) in lines.iter().enumerate().take(issues).skip(summary_head) {
        if l.contains("medical records:") {
            start = i + 1;
        }
    }
    let summary_text = join_lines(lines[start..issues].iter().copied());
    let ss = sentences(&summary_text);
    if ss.len() < 3 {
        return None;
    }
    // Two or three paragraphs at sentence boundaries.
    let parts = if ss.len() > 12 { 3 } else { 2 };
    let per = ss.len().div_ceil(parts);
    let summary: Vec<String> = ss.chunks(per).map(|c| c.join(" ")).collect();

    // Items: the paragraph before each "Claims Administrator guideline:" is the header.
    let paras = paragraphs(&lines[issues + 1..]);
    let heads: Vec<usize> = paras
        .iter()
        .enumerate()
        .filter(|(_, p)| p.starts_with("Claims Administrator guideline:"))
        .map(|(i, _)| i.saturating_sub(1))
        .collect();
    let mut n = 0;
    for (k, &h) in heads.iter().enumerate() {
        let head = paras[h].trim();
        let (req, upheld) = if let Some(r) = head.strip_suffix("Upheld") {
            (r, true)
        } else if let Some(r) = head.strip_suffix("Overturned") {
            (r, false)
        } else {
            continue;
        };
        let mut req = req.trim().trim_end_matches(':').trim();
        if let Some(i) = req.find("original request,") {
            req = req[i + "original request,".len()..].trim();
        }
        let req = req.strip_suffix(" is").unwrap_or(req);
        let request = clean_request(req);
        if request.len() < 3 || request.len() > 160 {
            continue;
        }
        let end = heads.get(k + 1).copied().unwrap_or(paras.len());
        let Some(r0) = (h..end).find(|&i| paras[i].starts_with("Decision rationale:")) else {
            continue;
        };
        let mut rationale: Vec<String> = paras[r0..end]
            .iter()
            .map(|p| {
                p.trim_start_matches("Decision rationale:")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|p| !p.is_empty())
            .collect();
        // Page breaks split paragraphs mid-sentence: merge a paragraph that does not end a
        // sentence with the next.
        let mut merged: Vec<String> = Vec::new();
        for p in rationale.drain(..) {
            match merged.last_mut() {
                Some(last) if !last.ends_with('.') => {
                    last.push(' ');
                    last.push_str(&p);
                }
                _ => merged.push(p),
            }
        }
        // Drop the outcome sentence(s) at the end; the generator writes its own.
        if let Some(last) = merged.last_mut() {
            let ss = sentences(last);
            let keep = ss
                .iter()
                .rposition(|s| {
                    let l = s.to_lowercase();
                    !(l.contains("necessary")
                        || l.contains("reasonable")
                        || l.contains("certif")
                        || l.contains("appropriate")
                        || l.contains("warranted")
                        || l.contains("indicated")
                        || l.contains("supported"))
                })
                .map(|i| i + 1)
                .unwrap_or(0);
            *last = ss[..keep].join(" ");
        }
        merged.retain(|p| !p.is_empty());
        if merged.is_empty() {
            continue;
        }
        let treatment = classify(&request);
        items.push(LetterItem {
            request,
            treatment,
            upheld,
            rationale: merged,
        });
        n += 1;
    }
    Some(Letter {
        specialty,
        licensure,
        summary,
        items: n.max(1),
    })
}

/// A request's treatment id, by keywords (first match wins).
fn classify(request: &str) -> &'static str {
    let l = format!(" {} ", request.to_lowercase());
    let any = |ws: &[&str]| ws.iter().any(|w| l.contains(w));
    const TABLE: &[(&str, &[&str])] = &[
        (
            "urine-drug-testing",
            &["urine", "drug screen", "toxicology", " udt"],
        ),
        ("mri", &["mri", "magnetic resonance", "mr arthro"]),
        (
            "ct-scan",
            &[" ct ", "ct scan", "computed tomography", "cat scan"],
        ),
        ("x-ray", &["x-ray", "xray", "x ray", "radiograph"]),
        (
            "emg-ncs",
            &[
                "emg",
                "ncv",
                "ncs",
                "nerve conduction",
                "electromyogra",
                "electrodiagnostic",
            ],
        ),
        ("bone-scan", &["bone scan"]),
        ("therapeutic-ultrasound", &["therapeutic ultrasound"]),
        ("ultrasound-imaging", &["ultrasound", "sonogra"]),
        (
            "laboratory-tests",
            &[
                "lab ",
                "labs",
                "blood",
                "cbc",
                "panel",
                "hepatic",
                "renal function",
            ],
        ),
        (
            "psychological-evaluation",
            &[
                "psych eval",
                "psychological eval",
                "psychiatric eval",
                "psychological consult",
            ],
        ),
        (
            "psychotherapy",
            &[
                "psychotherapy",
                "cognitive behavioral",
                "cbt",
                "psycholog",
                "psychiatr",
            ],
        ),
        ("epidural-steroid-injection", &["epidural", " esi"]),
        (
            "facet-injection",
            &["facet", "medial branch", "radiofrequency", "rhizotomy"],
        ),
        ("trigger-point-injection", &["trigger point"]),
        ("prp-injection", &["prp", "platelet"]),
        ("nerve-block", &["nerve block", "stellate", "block"]),
        ("acupuncture", &["acupuncture"]),
        ("chiropractic", &["chiropract", "manipulation"]),
        ("massage-therapy", &["massage", "myofascial"]),
        ("aquatic-therapy", &["aquatic", "aqua ", "pool therapy"]),
        (
            "electrical-stimulation",
            &[
                "tens",
                " ems",
                "interferential",
                "electrical stim",
                "h-wave",
                "neuromuscular stim",
            ],
        ),
        ("biofeedback", &["biofeedback"]),
        (
            "heat-cold-therapy",
            &[
                "infrared",
                "heat",
                "cold therapy",
                "cryo",
                "hot/cold",
                "ice ",
            ],
        ),
        ("traction", &["traction"]),
        (
            "work-conditioning",
            &["work conditioning", "work hardening"],
        ),
        (
            "functional-restoration-program",
            &["functional restoration", "hello program"],
        ),
        (
            "functional-capacity-evaluation",
            &["functional capacity", " fce"],
        ),
        (
            "postsurgical-physical-therapy",
            &["post-op", "postop", "postoperative", "post operative"],
        ),
        ("occupational-therapy", &["occupational therapy", " ot "]),
        (
            "physical-therapy",
            &[
                "physical therapy",
                " pt ",
                "physiotherapy",
                "therapy session",
            ],
        ),
        (
            "surgical-assistant",
            &["assistant surgeon", "surgical assist"],
        ),
        (
            "preoperative-clearance",
            &["pre-op", "preoperative", "clearance"],
        ),
        ("injection-joint", &["injection", "cortisone"]),
        (
            "surgery",
            &[
                "surgery",
                "arthroscop",
                "repair",
                "fusion",
                "replacement",
                "release",
                "decompression",
                "ectomy",
                "otomy",
                "plasty",
            ],
        ),
        (
            "orthotics-braces",
            &["brace", "orthotic", "splint", "insole", "lumbar support"],
        ),
        (
            "home-health-services",
            &["home health", "nursing", "caregiver", "home care", " aide"],
        ),
        ("transportation", &["transport"]),
        ("weight-loss-program", &["weight loss"]),
        (
            "consultation-referral",
            &[
                "consult",
                "referral",
                "evaluation with",
                "follow-up with",
                "specialist",
            ],
        ),
        (
            "office-visit",
            &["office visit", "follow up visit", "follow-up visit"],
        ),
        (
            "opioids",
            &[
                "norco",
                "hydrocodone",
                "oxycodone",
                "percocet",
                "tramadol",
                "ultram",
                "morphine",
                "fentanyl",
                "opioid",
                "oxycontin",
                "nucynta",
                "tapentadol",
                "methadone",
                "buprenorphine",
                "butrans",
                "dilaudid",
                "hydromorphone",
                "codeine",
                "suboxone",
                "opana",
                "ms contin",
            ],
        ),
        (
            "topical-analgesics",
            &[
                "lidoderm",
                "lidocaine",
                "patch",
                "cream",
                " gel",
                "ointment",
                "topical",
                "capsaicin",
                "terocin",
                "menthoderm",
                "flector",
            ],
        ),
        ("compound-drugs", &["compound"]),
        (
            "nsaids",
            &[
                "naproxen",
                "anaprox",
                "ibuprofen",
                "motrin",
                "celebrex",
                "meloxicam",
                "mobic",
                "nsaid",
                "diclofenac",
                "relafen",
                "nabumetone",
                "etodolac",
                "ketoprofen",
                "indomethacin",
                "toradol",
            ],
        ),
        (
            "muscle-relaxants",
            &[
                "flexeril",
                "cyclobenzaprine",
                "tizanidine",
                "zanaflex",
                "baclofen",
                "soma",
                "carisoprodol",
                "methocarbamol",
                "robaxin",
                "skelaxin",
                "metaxalone",
                "orphenadrine",
                "norflex",
                "muscle relax",
            ],
        ),
        (
            "anticonvulsants",
            &[
                "gabapentin",
                "neurontin",
                "lyrica",
                "pregabalin",
                "topiramate",
                "topamax",
            ],
        ),
        (
            "sleep-aids",
            &[
                "ambien",
                "zolpidem",
                "lunesta",
                "sonata",
                "trazodone",
                "melatonin",
                "sleep",
            ],
        ),
        (
            "antidepressants",
            &[
                "cymbalta",
                "duloxetine",
                "amitriptyline",
                "elavil",
                "nortriptyline",
                "sertraline",
                "zoloft",
                "wellbutrin",
                "bupropion",
                "effexor",
                "venlafaxine",
                "prozac",
                "fluoxetine",
                "lexapro",
                "celexa",
                "citalopram",
            ],
        ),
        (
            "benzodiazepines",
            &[
                "xanax",
                "alprazolam",
                "valium",
                "diazepam",
                "ativan",
                "lorazepam",
                "klonopin",
                "clonazepam",
                "temazepam",
                "restoril",
            ],
        ),
        (
            "proton-pump-inhibitors",
            &[
                "omeprazole",
                "prilosec",
                "pantoprazole",
                "protonix",
                "nexium",
                "esomeprazole",
                "lansoprazole",
                "prevacid",
                "ranitidine",
            ],
        ),
        (
            "other-medication",
            &[" mg", "mg ", "tablet", "capsule", " #"],
        ),
        (
            "durable-medical-equipment",
            &[
                "dme",
                "wheelchair",
                "walker",
                "cane",
                "cushion",
                "pillow",
                "mattress",
                " bed",
                "commode",
                "shower",
                "chair",
                " unit",
                "machine",
                "device",
                " kit",
            ],
        ),
    ];
    for (id, words) in TABLE {
        if any(words) {
            return if *id == "injection-joint" {
                "joint-injection"
            } else {
                id
            };
        }
    }
    "other"
}

/// Casebook treatment ids for a DMHC treatment category and subcategory, with weights.
fn dmhc_treatments(cat: &str, sub: &str) -> &'static [(&'static str, u32)] {
    let s = sub.to_lowercase();
    match cat {
        "Pharmacy/Prescription Drugs" => match s.as_str() {
            "analgesics" => &[("opioids", 1)],
            "anti-inflammatories" | "arthritis medications" => &[("nsaids", 1)],
            "antacids" => &[("proton-pump-inhibitors", 1)],
            "skin treatment" => &[("topical-analgesics", 1)],
            "weight control" => &[("weight-loss-program", 1)],
            _ => &[
                ("opioids", 8),
                ("nsaids", 4),
                ("muscle-relaxants", 4),
                ("topical-analgesics", 4),
                ("compound-drugs", 2),
                ("anticonvulsants", 3),
                ("antidepressants", 2),
                ("benzodiazepines", 1),
                ("proton-pump-inhibitors", 2),
                ("sleep-aids", 1),
                ("other-medication", 3),
            ],
        },
        "Diagnostic Imaging, Screening and Testing" => match s.as_str() {
            "mri" => &[("mri", 1)],
            "ct scan" => &[("ct-scan", 1)],
            "x-ray" => &[("x-ray", 1)],
            "ultrasound" => &[("ultrasound-imaging", 1)],
            "bone density scan" => &[("bone-scan", 1)],
            "lab work" => &[("laboratory-tests", 3), ("urine-drug-testing", 2)],
            _ => &[("mri", 5), ("ct-scan", 2), ("x-ray", 2), ("emg-ncs", 2)],
        },
        "Mental Health Treatment" => match s.as_str() {
            "other" => &[("psychological-evaluation", 1)],
            _ => &[("psychotherapy", 3), ("psychological-evaluation", 1)],
        },
        "Durable Medical Equipment" => match s.as_str() {
            "braces" | "orthotics" => &[("orthotics-braces", 1)],
            _ => &[
                ("durable-medical-equipment", 4),
                ("electrical-stimulation", 1),
            ],
        },
        "General Surgery"
        | "Orthopedic"
        | "Reconstructive/Plastic Surgery"
        | "Neurosugery"
        | "OB/GYN Procedures"
        | "Ear, Nose and Throat Procedures"
        | "Urology"
        | "Cardio Vascular"
        | "Ophthalmology"
        | "Vision"
        | "Dental/Orthodontic" => &[
            ("surgery", 8),
            ("surgical-assistant", 1),
            ("preoperative-clearance", 1),
            ("postsurgical-physical-therapy", 1),
        ],
        "Cancer Treatment" => &[("surgery", 1), ("other-medication", 1), ("other", 1)],
        "Rehabilitation Services - Outpatient" => match s.as_str() {
            "physical therapy" => &[("physical-therapy", 1)],
            "occupational therapy" => &[("occupational-therapy", 1)],
            _ => &[
                ("physical-therapy", 4),
                ("work-conditioning", 1),
                ("aquatic-therapy", 1),
                ("functional-restoration-program", 1),
            ],
        },
        "Electrical/ Thermal/ Radiofreq. Interventions" => match s.as_str() {
            "radiofrequency ablation" => &[("facet-injection", 1)],
            _ => &[
                ("electrical-stimulation", 4),
                ("heat-cold-therapy", 1),
                ("therapeutic-ultrasound", 1),
            ],
        },
        "Pain Management" => match s.as_str() {
            "epidural injection" => &[("epidural-steroid-injection", 1)],
            "nerve block" => &[("nerve-block", 1)],
            "analgesic prescription/medication" => &[("opioids", 1)],
            _ => &[
                ("epidural-steroid-injection", 2),
                ("trigger-point-injection", 2),
                ("facet-injection", 2),
                ("joint-injection", 1),
                ("prp-injection", 1),
            ],
        },
        "Alternative Treatment" => match s.as_str() {
            "acupuncture" => &[("acupuncture", 1)],
            "biofeedback" => &[("biofeedback", 1)],
            _ => &[("massage-therapy", 2), ("acupuncture", 1)],
        },
        "Chiropractic" => &[("chiropractic", 1)],
        "Diagnostic/Physician Evaluation" => &[
            ("consultation-referral", 5),
            ("office-visit", 2),
            ("functional-capacity-evaluation", 1),
            ("emg-ncs", 2),
        ],
        "Home Health Care" => &[("home-health-services", 1)],
        "Emergency/Urgent Care" => match s.as_str() {
            "ambulance/transport" => &[("transportation", 1)],
            _ => &[("office-visit", 1)],
        },
        "Acute Medical Services - Outpatient" => match s.as_str() {
            "physical therapy" => &[("physical-therapy", 1)],
            "speech therapy" => &[("other", 1)],
            _ => &[("office-visit", 2), ("laboratory-tests", 1)],
        },
        "Rehabilitation Services - Skilled Nursing Facility - Inpatient"
        | "Acute Medical Services - Inpatient"
        | "Home Health" => &[("home-health-services", 1)],
        "Autism Related Treatment" => &[("psychotherapy", 1), ("other", 1)],
        _ => match s.as_str() {
            "speech therapy" => &[("other", 1)],
            "occupational therapy" => &[("occupational-therapy", 1)],
            "aba-applied behavioral analysis" => &[("psychotherapy", 1)],
            _ => &[("other", 3), ("physical-therapy", 1)],
        },
    }
}

// ---------------------------------------------------------------------------------------
// Rule packs (only what citations and limits need).

// Page lists are parsed exactly as `casebook check` parses them.
use casebook::rules::pages::{Pages, parse as parse_pages, within};

#[derive(Clone, Copy)]
struct Limit {
    max_visits: Option<u32>,
    over_weeks: Option<u32>,
}

struct PackTreatment {
    id: String,
    title: String,
    sections: Vec<String>,
    limits: Vec<Limit>,
}

struct Section {
    id: String,
    pages: Option<Pages>,
}

struct Pack {
    id: String,
    pages: Option<Pages>,
    sections: Vec<Section>,
    treatments: Vec<PackTreatment>,
}

impl Pack {
    fn treatment(&self, id: &str) -> Option<&PackTreatment> {
        self.treatments.iter().find(|t| t.id == id)
    }
    fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }
}

fn yaml_str(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn load_packs(dir: &Path) -> (Vec<Pack>, Vec<PathBuf>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    let mut packs = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("reading a rule pack");
        let v: serde_yaml::Value = match serde_yaml::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("warning: skipping {}: {e}", f.display());
                continue;
            }
        };
        let get = |v: &serde_yaml::Value, k: &str| v.get(k).and_then(yaml_str);
        let list = |v: &serde_yaml::Value, k: &str| -> Vec<serde_yaml::Value> {
            v.get(k)
                .and_then(|x| x.as_sequence())
                .cloned()
                .unwrap_or_default()
        };
        let Some(id) = get(&v, "id") else { continue };
        let sections = list(&v, "sections")
            .iter()
            .filter_map(|s| {
                Some(Section {
                    id: get(s, "id")?,
                    pages: get(s, "pages").and_then(|p| parse_pages(&p)),
                })
            })
            .collect();
        let treatments = list(&v, "treatments")
            .iter()
            .filter_map(|t| {
                Some(PackTreatment {
                    id: get(t, "id")?,
                    title: get(t, "title").unwrap_or_default(),
                    sections: list(t, "sections").iter().filter_map(yaml_str).collect(),
                    limits: list(t, "limits")
                        .iter()
                        .map(|l| Limit {
                            max_visits: l
                                .get("max_visits")
                                .and_then(|x| x.as_u64())
                                .map(|x| x as u32),
                            over_weeks: l
                                .get("over_weeks")
                                .and_then(|x| x.as_u64())
                                .map(|x| x as u32),
                        })
                        .filter(|l| l.max_visits.is_some() || l.over_weeks.is_some())
                        .collect(),
                })
            })
            .collect();
        packs.push(Pack {
            pages: get(&v, "pages").and_then(|p| parse_pages(&p)),
            id,
            sections,
            treatments,
        });
    }
    packs.sort_by(|a, b| a.id.cmp(&b.id));
    (packs, files)
}

// ---------------------------------------------------------------------------------------
// Invented identifiers. Words that occur in the real letters are filtered out at start-up
// so that no identifier collides with clinical text (the leak gate would flag it).

const FIRST: &[&str] = &[
    "Adelheid",
    "Bartholomew",
    "Cosimo",
    "Delphine",
    "Evander",
    "Florentyna",
    "Gideon",
    "Honorata",
    "Ignatius",
    "Jessamyn",
    "Kasimir",
    "Leocadia",
    "Maximilian",
    "Nerissa",
    "Octavian",
    "Perpetua",
    "Quillon",
    "Rosalind",
    "Severin",
    "Theodora",
    "Ulrika",
    "Valentin",
    "Wilhelmina",
    "Xavierre",
    "Ysolde",
    "Zebulon",
    "Anneliese",
    "Benedikt",
    "Clementine",
    "Dorothea",
    "Emmerich",
    "Fenella",
    "Gwendolyn",
    "Hieronymus",
    "Isolde",
    "Jolanta",
    "Konstantin",
    "Lavinia",
    "Marguerite",
    "Norberto",
    "Ottilie",
    "Peregrine",
    "Rosamund",
    "Sigismund",
    "Tancredi",
    "Ursuline",
    "Wendeline",
    "Zenobia",
];
const LAST: &[&str] = &[
    "Quillfeather",
    "Vantreese",
    "Ostrowicz",
    "Abernathy",
    "Wexcombe",
    "Pemberthy",
    "Kolodziej",
    "Marchbanks",
    "Thistlewood",
    "Ravenscroft",
    "Okonkwo-Baird",
    "Delacroix",
    "Brackenridge",
    "Szczepanski",
    "Featherstonhaugh",
    "Lindqvist",
    "Achterberg",
    "Montgomerie",
    "Vasquez-Oyelaran",
    "Haverbrook",
    "Castellanos",
    "Nakashima",
    "Oyelowo",
    "Przybylski",
    "Weatherwax",
    "Zamoyski",
    "Bellweather",
    "Cunningham-Reyes",
    "Dunleavy",
    "Eckersley",
    "Fairweather",
    "Goldschmidt",
    "Holloway-Prince",
    "Inglethorpe",
    "Jablonski",
    "Kittredge",
    "Lockhart-Nash",
    "Mbeki-Ross",
    "Northcott",
    "Ottoway",
    "Pettigrew",
    "Quarrington",
    "Rutherford",
    "Stanislawski",
    "Tremblay-Otis",
    "Underhill",
    "Vandermeer",
    "Whitlock",
    "Yarborough",
    "Zielinski",
];
const ORG: &[&str] = &[
    "Logistics Inc.",
    "Warehousing LLC",
    "Freight Co.",
    "Packing Corp.",
    "Builders Inc.",
    "Farms LLC",
    "Staffing Group",
    "Dairy Co.",
    "Transit Corp.",
    "Foods Inc.",
];
const STREET: &[&str] = &[
    "Larkspur",
    "Quillmont",
    "Bramblewood",
    "Farrowdale",
    "Kestrelridge",
    "Sablecrest",
    "Thornapple",
    "Wrenfield",
    "Amberglen",
    "Copperleaf",
    "Driftstone",
    "Hollowmere",
];
const SUFFIX: &[&str] = &["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way"];
const CITY: &[(&str, &str)] = &[
    ("Fresno", "937"),
    ("Visalia", "932"),
    ("Bakersfield", "933"),
    ("Modesto", "953"),
    ("Stockton", "952"),
    ("Riverside", "925"),
    ("Oxnard", "930"),
    ("Salinas", "939"),
    ("Redding", "960"),
    ("Merced", "953"),
    ("Ontario", "917"),
    ("Pomona", "917"),
];

struct Pools {
    first: Vec<&'static str>,
    last: Vec<&'static str>,
    street: Vec<&'static str>,
}

// ---------------------------------------------------------------------------------------
// Dates.

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------
// Generation.

struct Corpus {
    rows: Vec<Row>,
    letters: Vec<Letter>,
    items: Vec<LetterItem>,
    /// Letter items by (treatment, upheld): indices into `items`.
    by_treatment: Vec<(&'static str, bool, Vec<usize>)>,
    by_decision: [Vec<usize>; 2],
    item_counts: Vec<usize>,
    packs: Vec<Pack>,
    /// Treatment ids governed by some pack, sorted.
    governed: Vec<String>,
    pools: Pools,
}

impl Corpus {
    fn governing(&self, t: &str) -> Vec<&Pack> {
        self.packs
            .iter()
            .filter(|p| p.treatment(t).is_some())
            .collect()
    }
    fn title(&self, t: &str) -> String {
        self.packs
            .iter()
            .find_map(|p| p.treatment(t))
            .map(|x| x.title.clone())
            .filter(|x| !x.is_empty())
            .unwrap_or_else(|| t.replace('-', " "))
    }
    fn is_governed(&self, t: &str) -> bool {
        self.governed
            .binary_search_by(|g| g.as_str().cmp(t))
            .is_ok()
    }
    fn pick_treatment(&self, rng: &mut Rng, row: &Row) -> String {
        let cands: Vec<(&str, u32)> = dmhc_treatments(&row.category, &row.sub)
            .iter()
            .copied()
            .filter(|(t, _)| self.is_governed(t))
            .collect();
        if cands.is_empty() {
            return if self.is_governed("other") {
                "other".into()
            } else {
                rng.pick(&self.governed).clone()
            };
        }
        let total: u32 = cands.iter().map(|c| c.1).sum();
        let mut x = rng.below(total as usize) as u32;
        for (t, w) in &cands {
            if x < *w {
                return t.to_string();
            }
            x -= w;
        }
        cands[0].0.to_string()
    }
}

const REGIONS: &[&str] = &[
    "lumbar spine",
    "cervical spine",
    "right shoulder",
    "left shoulder",
    "right knee",
    "left knee",
    "right wrist",
    "left wrist",
    "thoracic spine",
    "right elbow",
    "left ankle",
];

fn region_of(request: &str) -> Option<&'static str> {
    let l = request.to_lowercase();
    [
        ("lumbar", "lumbar spine"),
        ("low back", "lumbar spine"),
        ("cervical", "cervical spine"),
        ("neck", "cervical spine"),
        ("thoracic", "thoracic spine"),
        ("shoulder", "shoulder"),
        ("knee", "knee"),
        ("wrist", "wrist"),
        ("hand", "hand"),
        ("elbow", "elbow"),
        ("ankle", "ankle"),
        ("foot", "foot"),
        ("hip", "hip"),
    ]
    .iter()
    .find(|(k, _)| l.contains(k))
    .map(|(_, v)| *v)
}

fn q(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The limits `casebook check` compares a request with: the cited pack's for the
/// treatment when it has some, else those of every pack governing it.
fn relevant_limits(c: &Corpus, pack: Option<&Pack>, t: &str) -> Vec<Limit> {
    if let Some(pt) = pack.and_then(|p| p.treatment(t))
        && !pt.limits.is_empty()
    {
        return pt.limits.clone();
    }
    c.governing(t)
        .iter()
        .filter_map(|p| p.treatment(t))
        .flat_map(|pt| pt.limits.iter().copied())
        .collect()
}

struct Ids {
    patient: String,
    patient_last: String,
    title: &'static str,
    employer: String,
    physician: String,
    physician_last: String,
    claim: String,
    member: String,
    address: String,
}

fn invent_ids(c: &Corpus, rng: &mut Rng, sex: Option<&str>, index: u64) -> Ids {
    let first = *rng.pick(&c.pools.first);
    let middle = (b'A' + rng.below(26) as u8) as char;
    let last = *rng.pick(&c.pools.last);
    let pf = *rng.pick(&c.pools.first);
    let pl = *rng.pick(&c.pools.last);
    let e1 = *rng.pick(&c.pools.last);
    let org = *rng.pick(ORG);
    let (city, zip3) = *rng.pick(CITY);
    Ids {
        patient: format!("{first} {middle}. {last}"),
        patient_last: last.to_string(),
        title: match sex {
            Some("male") => "Mr.",
            Some("female") => "Ms.",
            _ => "Claimant",
        },
        employer: format!("{e1} {org}"),
        physician: format!("Dr. {pf} {pl}"),
        physician_last: pl.to_string(),
        claim: format!(
            "WC{:02}-{:07}",
            rng.below(100),
            (index * 7_919 + rng.below(7_919) as u64) % 10_000_000
        ),
        member: format!("ADJ{:08}", rng.below(100_000_000)),
        address: format!(
            "{} {} {}, {}, CA {}{:02}",
            rng.range(100, 9899),
            rng.pick(&c.pools.street),
            rng.pick(SUFFIX),
            city,
            zip3,
            rng.below(100)
        ),
    }
}

const LEADS: &[&str] = &[
    "Therefore,",
    "Given the above,",
    "As such,",
    "Consequently,",
    "Accordingly,",
];

fn fix_age_sex(s: &str, age: Option<u32>, sex: Option<&str>) -> String {
    // "48 year old male" / "48-year-old female": agree with the front matter.
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("year old").or_else(|| rest.find("year-old")) {
        let (before, after) = rest.split_at(i);
        let digits = before.trim_end_matches([' ', '-']);
        let num_start = digits.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        if let (true, Some(a)) = (num_start < digits.len(), age) {
            out.push_str(&before[..num_start]);
            let _ = write!(out, "{a} ");
        } else {
            out.push_str(before);
        }
        out.push_str("year old");
        rest = &after[8..];
        let trimmed = rest.trim_start();
        for (w, m, f) in [
            ("male", "male", "female"),
            ("female", "male", "female"),
            ("man", "man", "woman"),
            ("woman", "man", "woman"),
        ] {
            if trimmed.starts_with(w)
                && !trimmed[w.len()..].starts_with(|c: char| c.is_alphabetic())
            {
                let word = match sex {
                    Some("male") => m,
                    Some("female") => f,
                    _ => "individual",
                };
                out.push(' ');
                out.push_str(word);
                rest = &trimmed[w.len()..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Writes determination `index`: returns (relative path, text).
fn determination(c: &Corpus, seed: u64, index: u64) -> (String, String) {
    let mut rng = Rng::new(seed, index);
    let row = &c.rows[rng.below(c.rows.len())];
    let letter = &c.letters[rng.below(c.letters.len())];
    let year = row.year;
    let yy = (year % 100) as u64;
    // A bijection on 0..10^7 keeps case numbers unique for up to ten million determinations.
    let serial = (index
        .wrapping_mul(3_162_277)
        .wrapping_add(seed.wrapping_mul(7_654_321)))
        % 10_000_000;
    let case = format!("CM{yy:02}-{serial:07}");

    // Dates in review order.
    let det = days_from_civil(year as i64, 1, 1) + rng.range(0, 364);
    let assigned = det - rng.range(7, 35);
    let received = assigned - rng.range(0, 10);
    let ur = received - rng.range(1, 20);
    let injury = ur - rng.range(20, 2500);

    let age = row
        .age
        .map(|(lo, hi)| rng.range(lo as i64, hi as i64) as u32);
    let sex = row.sex;
    let ids = invent_ids(c, &mut rng, sex, index);

    let n_items = *rng.pick(&c.item_counts);
    let mut fm = String::with_capacity(2048);
    let mut body = String::with_capacity(8192);
    let _ = writeln!(fm, "---");
    let _ = writeln!(fm, "case_number: {case}");
    let _ = writeln!(fm, "determination_date: {}", date(det));
    let _ = writeln!(fm, "injury_date: {}", date(injury));
    let _ = writeln!(fm, "assigned_date: {}", date(assigned));
    let _ = writeln!(fm, "ur_denial_date: {}", date(ur));
    let _ = writeln!(fm, "application_received_date: {}", date(received));
    let _ = writeln!(
        fm,
        "priority: {}",
        if rng.chance(0.04) {
            "expedited"
        } else {
            "standard"
        }
    );
    let _ = writeln!(fm, "status: published");
    let _ = writeln!(fm, "reviewer:");
    let _ = writeln!(fm, "  specialty: {}", q(&letter.specialty));
    if !letter.licensure.is_empty() {
        let lic: Vec<String> = letter.licensure.iter().map(|l| q(l)).collect();
        let _ = writeln!(fm, "  licensure: [{}]", lic.join(", "));
    }
    let _ = writeln!(fm, "  board_certified: {}", rng.chance(0.9));
    let _ = writeln!(fm, "patient:");
    if let Some(a) = age {
        let _ = writeln!(fm, "  age: {a}");
    }
    let _ = writeln!(fm, "  sex: {}", sex.unwrap_or("unknown"));
    let _ = writeln!(fm, "diagnoses:");
    let _ = writeln!(fm, "  - {}", q(&row.diagnosis));
    let _ = writeln!(fm, "items:");

    // Body: the clinical case summary with identifiers planted.
    let _ = writeln!(body, "## Clinical case summary\n");
    for (i, p) in letter.summary.iter().enumerate() {
        let p = fix_age_sex(p, age, sex);
        if i == 0 {
            let _ = write!(
                body,
                "This review concerns {}, employed by {} (claim number {}). ",
                ids.patient, ids.employer, ids.claim
            );
        }
        body.push_str(&p);
        if i == 0 {
            let _ = write!(
                body,
                " {} {} was evaluated by {}.",
                ids.title, ids.patient_last, ids.physician
            );
        }
        body.push_str("\n\n");
    }
    let _ = writeln!(
        body,
        "Correspondence for {} (file {}) was addressed to {}.\n",
        ids.patient, ids.member, ids.address
    );
    let _ = writeln!(body, "## Decision rationale\n");

    let mut requests: Vec<String> = Vec::new();
    for k in 0..n_items {
        let irow = if k == 0 {
            row
        } else {
            &c.rows[rng.below(c.rows.len())]
        };
        let upheld = irow.upheld;
        let t = c.pick_treatment(&mut rng, irow);
        let packs = c.governing(&t);
        let pack = *rng.pick(&packs);
        let pt = pack.treatment(&t).expect("governed");
        // Reviewer citation: a governing section of the pack, pages within it.
        let secs: Vec<&Section> = pt.sections.iter().filter_map(|s| pack.section(s)).collect();
        let outside = pt.limits.is_empty() && rng.chance(0.03);
        let mut cite = String::new();
        if outside {
            let _ = write!(cite, "{{ basis: outside-guidelines }}");
        } else {
            let _ = write!(cite, "{{ guideline: {}", pack.id);
            if !secs.is_empty() && rng.chance(0.9) {
                let s = *rng.pick(&secs);
                let _ = write!(cite, ", section: {}", q(&s.id));
                if let Some(sp) = &s.pages
                    && pack.pages.as_ref().is_none_or(|pp| within(sp, pp))
                {
                    let (a, b) = *rng.pick(sp);
                    let pages = if a == b || rng.chance(0.5) {
                        format!("{a}")
                    } else {
                        format!("{a}-{b}")
                    };
                    let _ = write!(cite, ", pages: {}", q(&pages));
                }
            }
            cite.push_str(" }");
        }
        // Quantity against the limits.
        let limits = relevant_limits(c, if outside { None } else { Some(pack) }, &t);
        let mut freq: Option<(u32, u32)> = None;
        let mut exception = None;
        if !limits.is_empty() {
            let above = if upheld {
                rng.chance(0.5)
            } else {
                rng.chance(0.15)
            };
            if above {
                let maxv = limits
                    .iter()
                    .filter_map(|l| l.max_visits)
                    .max()
                    .unwrap_or(12);
                let maxw = limits
                    .iter()
                    .filter_map(|l| l.over_weeks)
                    .max()
                    .unwrap_or(6);
                let w = maxw + rng.range(1, 6) as u32;
                let pw = ((maxv + 1).div_ceil(w)).max(2);
                freq = Some((pw, w));
                if !upheld {
                    exception = Some(
                        "The documentation shows objective functional improvement with prior sessions and a specific plan, which justifies treatment beyond the guideline's recommended number of visits.",
                    );
                }
            } else {
                let l = *rng.pick(&limits);
                let maxv = l.max_visits.unwrap_or(24);
                let pw = (rng.range(1, 3) as u32).min(maxv).max(1);
                let wmax = (maxv / pw).min(l.over_weeks.unwrap_or(u32::MAX)).max(1);
                let w = rng.range(1, wmax as i64) as u32;
                freq = Some((pw, w));
            }
        }
        // Request and rationale from a real item of the same treatment and outcome.
        let pool = c
            .by_treatment
            .iter()
            .find(|(tt, u, _)| *tt == t && *u == upheld)
            .map(|x| &x.2);
        let from_letter = pool.map(|p| &c.items[*rng.pick(p)]);
        let generic = &c.items[*rng.pick(&c.by_decision[usize::from(upheld)])];
        let src = from_letter.unwrap_or(generic);
        let region = from_letter
            .and_then(|li| region_of(&li.request))
            .unwrap_or_else(|| *rng.pick(REGIONS));
        let mut request = match (freq, from_letter) {
            (Some((pw, w)), _) => format!(
                "{} {pw} times a week for {w} weeks for the {region}",
                c.title(&t)
            ),
            (None, Some(li)) => li.request.clone(),
            (None, None) => format!("{} for the {region}", c.title(&t)),
        };
        request = clean_request(&request);
        if requests.iter().any(|r| r.eq_ignore_ascii_case(&request)) {
            request = format!("{request} (request {})", k + 1);
            request = clean_request(&request);
        }
        requests.push(request.clone());

        let _ = writeln!(fm, "  - request: {}", q(&request));
        let _ = writeln!(fm, "    treatment: {t}");
        let _ = writeln!(fm, "    body_region: {}", q(region));
        if let Some((pw, w)) = freq {
            let _ = writeln!(fm, "    quantity: {}", pw * w);
            let _ = writeln!(fm, "    frequency: {{ per_week: {pw}, weeks: {w} }}");
        }
        let _ = writeln!(
            fm,
            "    decision: {}",
            if upheld { "upheld" } else { "overturned" }
        );
        if rng.chance(0.7) {
            let ca = *rng.pick(&packs);
            let _ = writeln!(
                fm,
                "    claims_administrator_basis: {{ guideline: {} }}",
                ca.id
            );
        }
        let _ = writeln!(fm, "    reviewer_basis: {cite}");
        if let Some(e) = exception {
            let _ = writeln!(fm, "    exception: {}", q(e));
        }

        let _ = writeln!(body, "### {request}\n");
        let last = src.rationale.len() - 1;
        for (i, p) in src.rationale.iter().enumerate() {
            body.push_str(p);
            if k == 0 && i == 0 {
                let _ = write!(
                    body,
                    " The progress report of Dr. {} was reviewed.",
                    ids.physician_last
                );
            }
            if i == last {
                if let Some(e) = exception {
                    body.push(' ');
                    body.push_str(e);
                }
                let _ = write!(
                    body,
                    " {} the request for {} is {}medically necessary.",
                    rng.pick(LEADS),
                    request,
                    if upheld { "not " } else { "" }
                );
            }
            body.push_str("\n\n");
        }
    }
    let _ = writeln!(fm, "identifiers:");
    let _ = writeln!(
        fm,
        "  names: [{}, {}, {}]",
        q(&ids.patient),
        q(&ids.employer),
        q(&ids.physician)
    );
    let _ = writeln!(fm, "  numbers: [{}, {}]", q(&ids.claim), q(&ids.member));
    let _ = writeln!(fm, "  addresses: [{}]", q(&ids.address));
    let _ = writeln!(fm, "---\n");
    fm.push_str(body.trim_end());
    fm.push('\n');
    (format!("{year}/{case}.md"), fm)
}

fn load(data: &Path, guidelines: &Path) -> (Corpus, Vec<PathBuf>) {
    let rows = load_dmhc(&data.join("dmhc"));
    let txt = data.join("dwc-imr").join("txt");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&txt)
        .unwrap_or_else(|e| panic!("reading {}: {e}", txt.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut letters = Vec::new();
    let mut items = Vec::new();
    let mut vocabulary = std::collections::BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("reading a letter");
        for w in text.split(|c: char| !c.is_alphanumeric()) {
            if !w.is_empty() {
                vocabulary.insert(w.to_lowercase());
            }
        }
        if let Some(l) = parse_letter(&text, &mut items) {
            letters.push(l);
        }
    }
    assert!(
        !letters.is_empty() && !items.is_empty(),
        "no letters parsed in {}",
        txt.display()
    );
    let (packs, pack_files) = load_packs(guidelines);
    assert!(
        !packs.is_empty(),
        "no rule packs in {}",
        guidelines.display()
    );
    let mut governed: Vec<String> = packs
        .iter()
        .flat_map(|p| p.treatments.iter().map(|t| t.id.clone()))
        .collect();
    governed.sort();
    governed.dedup();
    // Keep only letter items whose treatment a pack governs.
    items.retain(|i| {
        governed
            .binary_search_by(|g| g.as_str().cmp(i.treatment))
            .is_ok()
    });
    let mut by_treatment: Vec<(&'static str, bool, Vec<usize>)> = Vec::new();
    let mut by_decision = [Vec::new(), Vec::new()];
    for (i, it) in items.iter().enumerate() {
        by_decision[usize::from(it.upheld)].push(i);
        match by_treatment
            .iter_mut()
            .find(|(t, u, _)| *t == it.treatment && *u == it.upheld)
        {
            Some(e) => e.2.push(i),
            None => by_treatment.push((it.treatment, it.upheld, vec![i])),
        }
    }
    if by_decision[0].is_empty() || by_decision[1].is_empty() {
        panic!("the letters need both upheld and overturned items");
    }
    let item_counts = letters.iter().map(|l| l.items.min(8)).collect();
    let clean = |v: &[&'static str]| -> Vec<&'static str> {
        v.iter()
            .copied()
            .filter(|w| {
                w.split(|c: char| !c.is_alphanumeric())
                    .all(|p| p.is_empty() || !vocabulary.contains(&p.to_lowercase()))
            })
            .collect()
    };
    let pools = Pools {
        first: clean(FIRST),
        last: clean(LAST),
        street: clean(STREET),
    };
    assert!(pools.first.len() > 5 && pools.last.len() > 5 && pools.street.len() > 2);
    (
        Corpus {
            rows,
            letters,
            items,
            by_treatment,
            by_decision,
            item_counts,
            packs,
            governed,
            pools,
        },
        pack_files,
    )
}

const CONFIG: &str = "# Generated by examples/corpus.rs\ntitle: IMR determinations (generated corpus)\nbase_url: https://example.org/\n";

struct Args {
    count: u64,
    out: PathBuf,
    seed: u64,
    data: PathBuf,
    guidelines: PathBuf,
    stats: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: corpus --count N --out DIR [--seed S] [--data DIR] [--guidelines DIR] [--stats]\n\
         \n  --data        the shared data folder (default: ../shared/data beside the crate)\
         \n  --guidelines  the rule packs to cite and copy (default: content/guidelines of the crate,\
         \n                else ../main/content/guidelines)\
         \n  --stats       print the distribution of treatments and outcomes written"
    );
    std::process::exit(2)
}

fn args() -> Args {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        count: 0,
        out: PathBuf::new(),
        seed: 1,
        data: manifest.join("../shared/data"),
        guidelines: [
            manifest.join("content/guidelines"),
            manifest.join("../main/content/guidelines"),
        ]
        .into_iter()
        .find(|p| p.is_dir())
        .unwrap_or_else(|| manifest.join("content/guidelines")),
        stats: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match k.as_str() {
            "--count" | "-n" => {
                let v = val().replace('_', "");
                a.count = match v.strip_suffix(['k', 'K']) {
                    Some(x) => x.parse::<u64>().map(|x| x * 1000),
                    None => match v.strip_suffix(['m', 'M']) {
                        Some(x) => x.parse::<u64>().map(|x| x * 1_000_000),
                        None => v.parse(),
                    },
                }
                .unwrap_or_else(|_| usage())
            }
            "--out" | "-o" => a.out = PathBuf::from(val()),
            "--seed" => a.seed = val().parse().unwrap_or_else(|_| usage()),
            "--data" => a.data = PathBuf::from(val()),
            "--guidelines" => a.guidelines = PathBuf::from(val()),
            "--stats" => a.stats = true,
            _ => usage(),
        }
    }
    if a.count == 0 || a.out.as_os_str().is_empty() {
        usage();
    }
    a
}

fn main() {
    let a = args();
    let started = Instant::now();
    let (corpus, pack_files) = load(&a.data, &a.guidelines);
    let dets = a.out.join("content").join("determinations");
    if dets.exists() {
        std::fs::remove_dir_all(&dets).expect("clearing the old determinations");
    }
    let gdir = a.out.join("content").join("guidelines");
    if gdir.exists() {
        std::fs::remove_dir_all(&gdir).expect("clearing the old guidelines");
    }
    std::fs::create_dir_all(&gdir).expect("creating content/guidelines");
    std::fs::write(a.out.join("casebook.yaml"), CONFIG).expect("writing casebook.yaml");
    for f in &pack_files {
        std::fs::copy(f, gdir.join(f.file_name().expect("name"))).expect("copying a rule pack");
    }
    let mut years: Vec<i32> = corpus.rows.iter().map(|r| r.year).collect();
    years.sort_unstable();
    years.dedup();
    for y in &years {
        std::fs::create_dir_all(dets.join(y.to_string())).expect("creating a year folder");
    }
    let bytes: u64 = (0..a.count as usize)
        .into_par_iter()
        .with_min_len(256)
        .map(|i| {
            let (rel, text) = determination(&corpus, a.seed, i as u64);
            std::fs::write(dets.join(&rel), &text).unwrap_or_else(|e| panic!("writing {rel}: {e}"));
            text.len() as u64
        })
        .sum();
    if a.stats {
        let mut t: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        for i in 0..a.count.min(20_000) {
            let (_, text) = determination(&corpus, a.seed, i);
            let mut tr = String::new();
            for l in text.lines() {
                if let Some(x) = l.strip_prefix("    treatment: ") {
                    tr = x.to_string();
                }
                if let Some(d) = l.strip_prefix("    decision: ") {
                    let e = t.entry(tr.clone()).or_default();
                    if d == "upheld" { e.0 += 1 } else { e.1 += 1 }
                }
            }
        }
        for (k, (u, o)) in &t {
            eprintln!("  {k:<32} upheld {u:>6}  overturned {o:>6}");
        }
    }
    eprintln!(
        "wrote {} determinations ({:.1} MB) and {} rule packs to {} in {:.2} s ({} letters, {} letter items)",
        a.count,
        bytes as f64 / 1e6,
        pack_files.len(),
        a.out.display(),
        started.elapsed().as_secs_f64(),
        corpus.letters.len(),
        corpus.items.len()
    );
}
