//! The build: runs the stages in order and reports their timings. `check` stops after
//! de-identification; `build` renders, writes into staging, runs the leak gate and
//! swaps the new site in.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::config::Config;
use crate::content;
use crate::deid::{LeakGate, Policy};
use crate::diag::{self, Diagnostic};
use crate::model::{Date, Determination, Status};
use crate::output::Staging;
use crate::publish::{self, PublicDetermination};
use crate::render::{Renderer, SiteCtx};
use crate::rules::{self, Packs};

#[derive(Clone, Debug)]
pub struct Options {
    pub root: PathBuf,
    pub output: PathBuf,
    pub drafts: bool,
    pub base_url: Option<String>,
    /// Inject the live-reload script (serve only).
    pub live_reload: bool,
    pub progress: bool,
}

/// Stage timings, printed by `--timings` and the benchmark.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub stages: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn add(&mut self, name: &'static str, since: Instant) -> Instant {
        self.stages.push((name, since.elapsed()));
        Instant::now()
    }
}

/// Everything checking produced.
pub struct Checked {
    pub config: Config,
    pub packs: Packs,
    pub determinations: Vec<Determination>,
    pub published: Vec<PublicDetermination>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
    /// A file could not be read (exit 2 rather than 1).
    pub io_error: bool,
    pub timings: Timings,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// load → validate → de-identify. Writes nothing.
pub fn check(root: &Path, base_url: Option<&str>, include_drafts: bool) -> Result<Checked> {
    let mut timings = Timings::default();
    let t = Instant::now();
    let mut config = Config::load(root)?;
    if let Some(b) = base_url {
        config.base_url = b.to_string();
    }
    let (packs, mut diags, pack_files) = rules::load_packs(root);
    let (mut dets, d2, det_files) = content::load_all(root, &config);
    diags.extend(d2);
    let t = timings.add("load", t);
    let pattern = regex::Regex::new(&config.case_number_pattern).context("case_number_pattern")?;
    diags.extend(rules::check_archive(&dets, &packs, &pattern, Date::today()));
    for d in &dets {
        if !is_safe_segment(&d.case_number) {
            let (l, c, w) = d.origin.pos("case_number");
            diags.push(
                Diagnostic::error(
                    "CB010",
                    d.origin.path.clone(),
                    "case number cannot be used in a URL",
                )
                .at(l, c)
                .width(w)
                .help("case numbers may not contain `/`, `\\`, spaces or be `.`/`..`"),
            );
        }
    }
    let t = timings.add("check", t);
    if !include_drafts {
        dets.retain(|d| d.status == Status::Published);
    }
    dets.sort_by(|a, b| {
        a.case_number
            .cmp(&b.case_number)
            .then(a.origin.path.cmp(&b.origin.path))
    });
    let results: Vec<_> = dets
        .par_iter()
        .map(|d| (d, publish::publish(d, &packs, &config.deidentify)))
        .collect();
    let mut published = Vec::with_capacity(results.len());
    for (d, r) in results {
        match r {
            Ok(p) => {
                diags.extend(p.diagnostics);
                published.push(p.public);
            }
            Err(e) => diags.push(Diagnostic::error(
                "CB070",
                d.origin.path.clone(),
                format!("cannot de-identify: {e}"),
            )),
        }
    }
    timings.add("deidentify", t);
    diag::sort(&mut diags);
    let io_error = diags.iter().any(|d| d.rule == "CB007");
    Ok(Checked {
        config,
        packs,
        determinations: dets,
        published,
        diagnostics: diags,
        files: det_files + pack_files,
        io_error,
        timings,
    })
}

fn is_safe_segment(s: &str) -> bool {
    !s.is_empty()
        && s != "."
        && s != ".."
        && !s.contains(['/', '\\', ' ', '?', '#', '%'])
        && !s.chars().any(char::is_control)
}

/// What a successful build wrote.
pub struct Built {
    pub determinations: usize,
    pub files: usize,
    pub bytes: u64,
    pub timings: Timings,
}

/// Why a build did not publish.
pub enum BuildError {
    /// Content errors: nothing written.
    Content(Box<Checked>),
    /// The leak gate found identifiers; nothing published. Report lines are masked.
    Leak(Vec<String>),
}

/// The whole build. On any failure the previous output is left as it was.
pub fn build(opts: &Options) -> Result<std::result::Result<(Built, Checked), BuildError>> {
    let checked = check(&opts.root, opts.base_url.as_deref(), opts.drafts)?;
    if checked.errors() > 0 || checked.io_error {
        return Ok(Err(BuildError::Content(Box::new(checked))));
    }
    let mut timings = checked.timings.clone();
    let t = Instant::now();
    let config = &checked.config;
    let site = SiteCtx {
        title: config.title.clone(),
        description: config.description.clone(),
        base_url: config.base_url.clone(),
        base_path: config.base_path(),
        live_reload: opts.live_reload,
        drafts: opts.drafts,
    };
    let renderer = Renderer::new(&opts.root, config, site)?;
    renderer.check(crate::archive::TEMPLATES)?;
    let staging = Staging::new(&opts.output)?;
    let t = timings.add("prepare", t);
    crate::archive::render_determinations(&renderer, &checked, &staging, opts.progress)?;
    let t = timings.add("render", t);
    crate::archive::render_archive(&renderer, &checked, &staging)?;
    let t = timings.add("archive", t);
    crate::archive::write_search(&checked, &staging)?;
    let t = timings.add("search", t);
    crate::archive::copy_static(&opts.root, config, &staging)?;
    let t = timings.add("static", t);
    let leaks = leak_gate(&checked.determinations, &config.deidentify, &staging)?;
    timings.add("leak gate", t);
    if !leaks.is_empty() {
        return Ok(Err(BuildError::Leak(leaks)));
    }
    let files = staging.files();
    let bytes = staging.bytes();
    staging.commit()?;
    let n = checked.published.len();
    Ok(Ok((
        Built {
            determinations: n,
            files,
            bytes,
            timings,
        },
        checked,
    )))
}

/// Scans every file in the staging folder for every declared identifier of every
/// determination (drafts included: their identifiers must not appear either) and for the
/// high-precision detectors. Returns masked report lines.
pub fn leak_gate(
    dets: &[Determination],
    _policy: &Policy,
    staging: &Staging,
) -> Result<Vec<String>> {
    let entries: Vec<_> = dets
        .iter()
        .map(|d| (d.case_number.clone(), d.identifiers.clone()))
        .collect();
    let gate = LeakGate::new(&entries);
    let mut files = Vec::new();
    for e in walkdir::WalkDir::new(&staging.dir).sort_by_file_name() {
        let e = e.context("walking the staging folder")?;
        if e.file_type().is_file() {
            files.push(e.path().to_path_buf());
        }
    }
    let mut hits: Vec<String> = files
        .par_iter()
        .map(|p| -> Result<Vec<String>> {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            let text = String::from_utf8_lossy(&bytes);
            let rel = p
                .strip_prefix(&staging.dir)
                .unwrap_or(p)
                .display()
                .to_string();
            Ok(gate
                .scan(&text)
                .into_iter()
                .map(|l| {
                    format!(
                        "{rel}: {} identifier `{}`{}",
                        l.category.label(),
                        l.masked,
                        l.case_number
                            .map(|c| format!(" declared by {c}"))
                            .unwrap_or_else(|| " (pattern)".into())
                    )
                })
                .collect())
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    hits.sort();
    hits.dedup();
    Ok(hits)
}
