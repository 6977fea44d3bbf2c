//! The build: runs the stages in order and reports their timings. `check` stops after
//! de-identification; `build` renders, writes into staging, runs the leak gate and
//! swaps the new site in.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::config::Config;
use crate::content;
use crate::deid::LeakGate;
use crate::diag::{self, Diagnostic};
use crate::model::{Date, Status};
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
    /// Memoised per-file work shared between rebuilds (watch and serve).
    pub cache: Option<std::sync::Arc<crate::cache::Cache>>,
    /// Keep de-identification results and leak-gate verdicts in the site's persistent
    /// cache folder (`build`; see `store`).
    pub store: bool,
}

/// Stage timings, printed by `--timings` and the benchmark.
#[derive(Clone, Debug, Default)]
pub struct Timings {
    pub stages: Vec<(&'static str, Duration)>,
    /// Resident memory (bytes) at the end of each stage, aligned with `stages` (0 where
    /// the system does not tell).
    pub resident: Vec<u64>,
    /// Printed after the stages.
    pub note: String,
}

impl Timings {
    fn add(&mut self, name: &'static str, since: Instant) -> Instant {
        self.push(name, since.elapsed());
        Instant::now()
    }

    fn push(&mut self, name: &'static str, d: Duration) {
        self.stages.push((name, d));
        self.resident.push(resident_bytes());
    }
}

/// This process's resident memory now (Linux: `VmRSS` of /proc/self/status), 0 elsewhere.
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Everything checking produced.
pub struct Checked {
    pub config: Config,
    pub packs: Packs,
    /// Every published determination's case number and declared identifiers (for the
    /// leak gate).
    pub identifiers: Vec<(String, crate::deid::Declared)>,
    /// The source file of each entry of `identifiers` (relative to the root).
    pub sources: Vec<PathBuf>,
    pub published: Vec<std::sync::Arc<PublicDetermination>>,
    pub diagnostics: Vec<Diagnostic>,
    pub files: usize,
    /// A file could not be read (exit 2 rather than 1).
    pub io_error: bool,
    pub timings: Timings,
    /// Key of the rule packs and configuration (for the render cache).
    pub packs_key: crate::cache::Key,
}

impl Checked {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// load → validate → de-identify. Writes nothing.
pub fn check(root: &Path, base_url: Option<&str>, include_drafts: bool) -> Result<Checked> {
    check_with(root, base_url, include_drafts, None, None).map(|(c, _)| c)
}

/// The streaming build's work on each determination, done in the check pass as soon as
/// it is published: its page is rendered and written into staging (the leak gate scans
/// it at the end of the build, when every identifier is known), its search document is
/// added to the index builder, and its body is dropped. Memory then holds no
/// determination body beyond the ones the threads are working on.
pub struct Sink<'a> {
    pub renderer: &'a Renderer,
    pub staging: &'a Staging,
    pub base: String,
    /// Show a progress bar (a person is watching) if the archive is large.
    pub progress: bool,
    /// With the persistent cache (`build`): it records the hash of every page written,
    /// and a page of the previous output (`previous`, when there is one of ours) is
    /// linked instead of rendered when the cache says this build would write it byte for
    /// byte.
    pub pages: Option<&'a crate::cache::Cache>,
    pub previous: Option<&'a Path>,
}

/// Links the page `rel` (page key `key`) from the previous output `prev` into staging if
/// the last build recorded its hash and the file there still has exactly those bytes.
fn reuse_page(
    prev: &Path,
    memo: &crate::cache::Cache,
    key: &crate::cache::Key,
    rel: &str,
    staging: &Staging,
) -> bool {
    let Some(h) = memo.page_hash(key) else {
        return false;
    };
    let from = prev.join(rel);
    let Ok(bytes) = std::fs::read(&from) else {
        return false;
    };
    if crate::output::hash(&bytes) != h || staging.link(rel, &from, &bytes).is_err() {
        return false;
    }
    memo.set_page_hash(*key, h);
    true
}

/// What the sink made of the determinations.
pub struct Streamed {
    /// The search index builder, every published determination added.
    pub search: crate::search::Builder,
    pub rendered: usize,
}

/// Hash of every file under `dir` (path and bytes), for cache keys.
fn tree_key(dir: &Path, extra: &[&[u8]]) -> crate::cache::Key {
    let mut parts: Vec<Vec<u8>> = extra.iter().map(|e| e.to_vec()).collect();
    for e in walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file() {
            parts.push(e.path().to_string_lossy().as_bytes().to_vec());
            parts.push(std::fs::read(e.path()).unwrap_or_default());
        }
    }
    let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    crate::cache::key(&refs)
}

/// `check`, reusing per-file work memoised in `cache` (watch and serve).
pub fn check_with(
    root: &Path,
    base_url: Option<&str>,
    include_drafts: bool,
    cache: Option<&crate::cache::Cache>,
    sink: Option<&Sink>,
) -> Result<(Checked, Option<Streamed>)> {
    let mut timings = Timings::default();
    let t = Instant::now();
    let config = load_config(root, base_url)?;
    let config_text = std::fs::read(root.join(crate::config::FILE)).unwrap_or_default();
    let config_key = crate::cache::key(&[
        &config_text,
        base_url.unwrap_or("").as_bytes(),
        env!("CARGO_PKG_VERSION").as_bytes(),
    ]);
    let packs_key = tree_key(&root.join("content").join("guidelines"), &[&config_key]);
    let today = Date::today();
    let checks_key = crate::cache::key(&[&packs_key, today.to_string().as_bytes()]);
    let (packs, mut diags, pack_files) = rules::load_packs(root);
    let pattern = regex::Regex::new(&config.case_number_pattern).context("case_number_pattern")?;
    let (files, d2) = content::discover(root, &root.join("content").join("determinations"));
    diags.extend(d2);
    let det_files = files.len();
    // Each file goes through load → check → de-identify on its own, in parallel, and only
    // what the archive needs of it is kept: its parsed form (with the identifiers and the
    // original text) is dropped as soon as it is published, so memory holds one parsed
    // determination per thread, not the archive. Stage times are summed over threads.
    let clock = [(); 4].map(|()| std::sync::atomic::AtomicU64::new(0));
    let lap = |stage: usize, since: Instant| {
        let ns = since.elapsed().as_nanos() as u64;
        clock[stage].fetch_add(ns, std::sync::atomic::Ordering::Relaxed);
        Instant::now()
    };
    struct Each {
        diags: Vec<Diagnostic>,
        case: Option<rules::CaseAt>,
        /// Published determinations: sort key, identifiers, and the result.
        published: Option<(
            String,
            crate::deid::Declared,
            Result<publish::Published, String>,
        )>,
    }
    // The first error of the sink (a template error, a write that failed).
    let sink_error: std::sync::Mutex<Option<anyhow::Error>> = Default::default();
    let rendered = std::sync::atomic::AtomicUsize::new(0);
    let params = crate::search::Params::default();
    let bar = sink
        .filter(|s| s.progress && files.len() >= 2_000)
        .map(|_| progress_bar(files.len()));
    let bar = bar.as_ref();
    let one = |p: &PathBuf, search: Option<&mut crate::search::Builder>| {
        if let Some(b) = bar {
            b.inc(1);
        }
        let t = Instant::now();
        let parsed = content::load_cached(root, p, cache, &config_key, &config);
        let t = lap(0, t);
        let mut diags = parsed.diagnostics;
        let Some(d) = parsed.determination else {
            return Each {
                diags,
                case: None,
                published: None,
            };
        };
        diags.extend(rules::check_file(
            &d,
            &packs,
            &pattern,
            today,
            cache.map(|c| (c, &checks_key)),
        ));
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
                    .help("case numbers may not contain `/`, `\\`, spaces, be `.`/`..` or be longer than 200 bytes"),
                );
        }
        let t = lap(1, t);
        let published = (include_drafts || d.status == Status::Published).then(|| {
            let deps = publish::pack_deps(&d, &packs);
            let p = match cache.and_then(|c| c.published(&d.origin.key, &deps)) {
                Some(p) => p.as_ref().clone(),
                None => {
                    let p = publish::publish(&d, &packs, &config.deidentify);
                    if let Some(c) = cache {
                        c.set_published(&d.origin.key, deps, std::sync::Arc::new(p.clone()));
                    }
                    p
                }
            };
            (d.case_number.clone(), d.identifiers.clone(), p)
        });
        let t = lap(2, t);
        let mut published = published;
        if let (Some(sink), Some(search), Some((_, _, Ok(p)))) = (sink, search, published.as_mut())
        {
            // A build with errors publishes nothing: no page for it.
            let ok = !diags.iter().chain(&p.diagnostics).any(Diagnostic::is_error);
            if ok {
                let rel = format!("{}index.html", p.public.path);
                let key = crate::cache::key(&[&p.public.key, &sink.renderer.fingerprint]);
                let reused = match (sink.pages, sink.previous) {
                    (Some(memo), Some(prev)) => reuse_page(prev, memo, &key, &rel, sink.staging),
                    _ => false,
                };
                let page = if reused {
                    Ok(())
                } else {
                    rendered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    crate::archive::determination_page(sink.renderer, &p.public).and_then(|html| {
                        if let Some(memo) = sink.pages {
                            memo.set_page_hash(key, crate::output::hash(html.as_bytes()));
                        }
                        sink.staging.write(&rel, html.as_bytes())
                    })
                };
                match page {
                    Ok(()) => {
                        search.add(crate::archive::search_doc(&p.public, &sink.base));
                        let body = &mut std::sync::Arc::make_mut(&mut p.public).body_markdown;
                        *body = String::new();
                    }
                    Err(e) => {
                        let mut first = sink_error.lock().unwrap_or_else(|e| e.into_inner());
                        first.get_or_insert(e);
                    }
                }
            }
            lap(3, t);
        }
        Each {
            diags,
            case: Some(rules::CaseAt::of(&d)),
            published,
        }
    };
    type Acc = (Vec<Each>, Option<crate::search::Builder>);
    let start = || -> Acc {
        (
            Vec::new(),
            sink.map(|_| crate::search::Builder::new(params.clone())),
        )
    };
    // Folded in file order (each thread's builder takes a contiguous run of files, and
    // runs are merged in order), so the result does not depend on the scheduling.
    let (each, search) = files
        .par_iter()
        .fold(start, |(mut v, mut b), p| {
            v.push(one(p, b.as_mut()));
            (v, b)
        })
        .reduce(start, |(mut v, mut b), (v2, b2)| {
            v.extend(v2);
            if let (Some(b), Some(b2)) = (b.as_mut(), b2) {
                b.merge(b2);
            }
            (v, b)
        });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(e) = sink_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut cases = Vec::with_capacity(each.len());
    let mut kept = Vec::with_capacity(each.len());
    for e in each {
        diags.extend(e.diags);
        if let Some(c) = e.case {
            if let Some(p) = e.published {
                kept.push((c.path.clone(), p));
            }
            cases.push(c);
        }
    }
    diags.extend(rules::duplicate_cases(&mut cases));
    drop(cases);
    // Archive order: by case number, then file.
    kept.sort_by(|a, b| a.1.0.cmp(&b.1.0).then(a.0.cmp(&b.0)));
    let mut identifiers = Vec::with_capacity(kept.len());
    let mut sources = Vec::with_capacity(kept.len());
    let mut published = Vec::with_capacity(kept.len());
    for (path, (case, ids, r)) in kept {
        match r {
            Ok(p) => {
                diags.extend(p.diagnostics);
                if let Some(c) = cache {
                    // Its rendered page is memoised under this key: keep it.
                    c.touch(&p.public.key);
                }
                published.push(p.public);
            }
            Err(e) => diags.push(Diagnostic::error(
                "CB070",
                path.clone(),
                format!("cannot de-identify: {e}"),
            )),
        }
        identifiers.push((case, ids));
        sources.push(path);
    }
    // The fused stage's wall time, shared out as its threads spent it.
    let wall = t.elapsed().as_secs_f64();
    let spent: Vec<f64> = clock
        .iter()
        .map(|c| c.load(std::sync::atomic::Ordering::Relaxed) as f64)
        .collect();
    let total: f64 = spent.iter().sum::<f64>().max(1.0);
    let stages = if sink.is_some() { 4 } else { 3 };
    for (name, ns) in ["load", "check", "deidentify", "render"]
        .into_iter()
        .zip(spent)
        .take(stages)
    {
        timings.push(name, Duration::from_secs_f64(wall * ns / total));
    }
    diag::sort(&mut diags);
    let io_error = diags.iter().any(|d| d.rule == "CB007");
    let streamed = search.map(|search| Streamed {
        rendered: rendered.into_inner(),
        search,
    });
    let checked = Checked {
        config,
        packs,
        identifiers,
        sources,
        published,
        diagnostics: diags,
        files: det_files + pack_files,
        io_error,
        timings,
        packs_key,
    };
    Ok((checked, streamed))
}

/// The bar of a long streaming build (shown only when a person is watching: stderr is a
/// terminal).
fn progress_bar(files: usize) -> indicatif::ProgressBar {
    let b = indicatif::ProgressBar::new(files as u64);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "building {bar:40} {pos}/{len} determinations ({eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b
}

/// Hands the memory freed by the check pass (every determination's body and parsed form)
/// back to the system: glibc keeps it in its arenas, interleaved with what the build
/// keeps, and the resident size would count it until the process ends.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator's own arenas.
    unsafe {
        libc::malloc_trim(0);
    }
}

fn load_config(root: &Path, base_url: Option<&str>) -> Result<Config> {
    let mut config = Config::load(root)?;
    if let Some(b) = base_url {
        config.base_url = b.to_string();
    }
    Ok(config)
}

/// The build's renderer, its templates checked.
fn renderer(config: &Config, opts: &Options) -> Result<std::sync::Arc<Renderer>> {
    let r = Renderer::new(&opts.root, config, site_ctx(config, opts))?;
    r.check(crate::archive::TEMPLATES)?;
    Ok(std::sync::Arc::new(r))
}

fn site_ctx(config: &Config, opts: &Options) -> SiteCtx {
    SiteCtx {
        title: config.title.clone(),
        description: config.description.clone(),
        base_url: config.base_url.clone(),
        base_path: config.base_path(),
        live_reload: opts.live_reload,
        drafts: opts.drafts,
    }
}

fn is_safe_segment(s: &str) -> bool {
    // A folder name: at most 255 bytes on common file systems; keep a margin.
    !s.is_empty()
        && s.len() <= 200
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
    /// An in-place build wrote the pages only: [`finish`] writes the aggregates, with
    /// this gate.
    pub deferred: Option<crate::output::Inspector>,
    /// The renderer and leak gate it used (kept by watch and serve for [`quick_page`]).
    pub renderer: std::sync::Arc<Renderer>,
    pub gate: crate::output::Inspector,
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
    // The memo for checking and the gate: the in-process cache of watch and serve, or
    // the persistent one of `build`.
    let store = match &opts.cache {
        None if opts.store => {
            let c = crate::cache::Cache::for_store();
            crate::store::load(&opts.root, &c);
            Some(c)
        }
        _ => None,
    };
    let memo = opts.cache.clone().or_else(|| store.clone());
    // `build` streams: pages are rendered in the check pass, and a failed check discards
    // the staging folder. watch and serve check first, then update their output in place.
    let stream = match opts.cache {
        None => {
            let t = Instant::now();
            let config = load_config(&opts.root, opts.base_url.as_deref())?;
            let renderer = renderer(&config, opts)?;
            let staging = Staging::new(&opts.output)?;
            let staging = if memo.is_some() {
                staging.record_hashes()
            } else {
                staging
            };
            Some((renderer, staging, t.elapsed(), config.base_path()))
        }
        Some(_) => None,
    };
    let sink = stream.as_ref().map(|(renderer, staging, _, base)| Sink {
        renderer,
        staging,
        base: base.clone(),
        progress: opts.progress,
        // Only `build` with its persistent cache, over a previous output of ours.
        pages: store.as_deref(),
        previous: Some(opts.output.as_path())
            .filter(|o| store.is_some() && o.join(crate::output::MARKER).is_file()),
    });
    let (mut checked, streamed) = check_with(
        &opts.root,
        opts.base_url.as_deref(),
        opts.drafts,
        memo.as_deref(),
        sink.as_ref(),
    )?;
    drop(sink);
    release_free_memory();
    if checked.errors() > 0 || checked.io_error {
        // A streaming build's staging folder (pages already written) is removed here.
        return Ok(Err(BuildError::Content(Box::new(checked))));
    }
    let mut timings = checked.timings.clone();
    let t = Instant::now();
    let config = &checked.config;
    let gate = leak_gate(&checked.identifiers, memo.clone());
    let (renderer, staging, deferred, search) = match stream {
        Some((renderer, staging, prepared, _)) => {
            // The gate holds what it needs of them; a streaming build has no later use
            // for the identifiers (watch and serve keep them for the fast path).
            checked.identifiers = Vec::new();
            checked.sources = Vec::new();
            timings.stages.insert(0, ("prepare", prepared));
            timings.resident.insert(0, 0);
            // Pages written in the check pass are scanned by `inspect_rest`.
            let search = streamed.map(|s| {
                timings.note = format!(
                    "; {} of {} determination pages rendered",
                    s.rendered,
                    checked.published.len()
                );
                s.search
            });
            (renderer, staging.inspect_with(gate.clone()), false, search)
        }
        None => {
            let renderer = renderer(config, opts)?;
            // watch and serve update their last committed output in place, pages first;
            // the aggregates follow in `finish`.
            let previous = opts.cache.as_ref().and_then(|c| {
                c.output
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
                    .filter(|w| w.dir == opts.output && w.dir.join(crate::output::MARKER).is_file())
            });
            let deferred = previous.is_some();
            let staging = match previous {
                Some(w) => Staging::in_place(w, crate::archive::is_aggregate)?,
                None => Staging::new(&opts.output)?.background_cleanup(opts.cache.is_some()),
            }
            .inspect_with(gate.clone());
            let staging = if memo.is_some() {
                staging.record_hashes()
            } else {
                staging
            };
            let t = timings.add("prepare", t);
            let rendered = crate::archive::render_determinations(
                &renderer,
                &checked,
                &staging,
                opts.progress,
                opts.cache.as_deref(),
            )?;
            timings.add("render", t);
            timings.note = format!(
                "; {rendered} of {} determination pages rendered",
                checked.published.len()
            );
            (renderer, staging, deferred, None)
        }
    };
    let t = Instant::now();
    crate::archive::render_archive(&renderer, &checked, &staging, opts.cache.as_deref())?;
    let t = timings.add("archive", t);
    if !deferred {
        crate::archive::write_aggregates(&checked, &staging, opts.cache.as_deref(), search)?;
    }
    let t = timings.add("search and exports", t);
    crate::archive::copy_static(&opts.root, config, &staging)?;
    let t = timings.add("static", t);
    // Files written by `Staging::write` once the gate was known were scanned then; this
    // covers the rest (a streaming build's pages, the search index).
    let leaks = staging.inspect_rest()?;
    timings.add("leak gate", t);
    if !leaks.is_empty() {
        return Ok(Err(BuildError::Leak(leaks)));
    }
    let files = staging.files();
    let bytes = staging.bytes();
    let t = Instant::now();
    commit(staging, opts)?;
    timings.add("swap", t);
    print_timings(&timings);
    if let Some(c) = &memo {
        c.sweep();
    }
    if let Some(c) = &store {
        // The site is published; a cache that cannot be written only costs time.
        if let Err(e) = crate::store::save(&opts.root, c) {
            eprintln!("warning: could not write the build cache: {e:#}");
        }
    }
    let n = checked.published.len();
    Ok(Ok((
        Built {
            determinations: n,
            files,
            bytes,
            timings,
            deferred: deferred.then(|| gate.clone()),
            renderer,
            gate,
        },
        checked,
    )))
}

/// Commits `staging`, keeping what it wrote for the next in-place build (watch, serve).
fn commit(staging: Staging, opts: &Options) -> Result<()> {
    let Some(cache) = &opts.cache else {
        staging.commit()?;
        return Ok(());
    };
    // Until this commit completes, the next build starts afresh.
    *cache.output.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let written = staging.commit()?;
    *cache.output.lock().unwrap_or_else(|e| e.into_inner()) = Some(written);
    Ok(())
}

/// Whether `CASEBOOK_TIMINGS` asks for the stage timings of every build (watch and serve
/// rebuilds too), printed to stderr.
pub fn timings_wanted() -> bool {
    std::env::var_os("CASEBOOK_TIMINGS").is_some()
}

/// Stage timings of every build, for profiling watch and serve rebuilds.
fn print_timings(timings: &Timings) {
    if timings_wanted() {
        let parts: Vec<String> = timings
            .stages
            .iter()
            .zip(&timings.resident)
            .map(|((n, d), r)| format!("{n} {:.0} ms ({} MB)", d.as_secs_f64() * 1000.0, r >> 20))
            .collect();
        eprintln!("timings: {}{}", parts.join(", "), timings.note);
    }
}

/// The second half of an in-place build (`Built::deferred`): the open-data exports and
/// the search index, which every determination feeds. Until it has run, they describe
/// the previous build. Returns the gate's report lines when it refused them (the previous
/// versions are kept).
pub fn finish(
    opts: &Options,
    checked: &Checked,
    gate: crate::output::Inspector,
) -> Result<Vec<String>> {
    let previous = opts
        .cache
        .as_ref()
        .and_then(|c| c.output.lock().unwrap_or_else(|e| e.into_inner()).clone())
        .context("no committed output to update")?;
    let staging =
        Staging::in_place(previous, |rel| !crate::archive::is_aggregate(rel))?.inspect_with(gate);
    crate::archive::write_aggregates(checked, &staging, opts.cache.as_deref(), None)?;
    let leaks = staging.inspect_rest()?;
    if !leaks.is_empty() {
        return Ok(leaks);
    }
    commit(staging, opts)?;
    Ok(Vec::new())
}

/// The leak gate: an inspector for [`Staging`] that scans every output file for every
/// declared identifier of every determination built and for the high-precision
/// detectors, returning masked report lines. With a cache (watch, serve), a file whose
/// bytes a gate with the same identifiers found clean before is not scanned again.
pub fn leak_gate(
    entries: &[(String, crate::deid::Declared)],
    cache: Option<std::sync::Arc<crate::cache::Cache>>,
) -> crate::output::Inspector {
    let gate_key = cache.as_ref().map(|_| {
        let mut h = blake3::Hasher::new();
        for (case, i) in entries {
            h.update(case.as_bytes());
            for s in i
                .names
                .iter()
                .chain(&i.numbers)
                .chain(&i.addresses)
                .chain(&i.other)
            {
                h.update(&(s.len() as u64).to_le_bytes());
                h.update(s.as_bytes());
            }
            h.update(b"\0");
        }
        *h.finalize().as_bytes()
    });
    if let (Some(c), Some(k)) = (&cache, &gate_key)
        && let Some(g) = c.gate(k)
    {
        return g;
    }
    let gate = LeakGate::new(entries);
    let memo_cache = cache.clone();
    let inspector: crate::output::Inspector =
        std::sync::Arc::new(move |rel: &str, bytes: &[u8], hash: Option<&[u8; 32]>| {
            let memo = gate_key.zip(hash).map(|(g, h)| crate::cache::key(&[&g, h]));
            if let (Some(c), Some(k)) = (&memo_cache, &memo)
                && c.scanned_clean(k)
            {
                return Vec::new();
            }
            let text = String::from_utf8_lossy(bytes);
            let found: Vec<String> = gate
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
                .collect();
            if let (Some(c), Some(k), true) = (&memo_cache, memo, found.is_empty()) {
                c.set_scanned_clean(k);
            }
            found
        });
    if let (Some(c), Some(k)) = (&cache, gate_key) {
        c.set_gate(k, inspector.clone());
    }
    inspector
}

/// What a successful build of watch or serve leaves for [`quick_page`].
pub struct Quick {
    pub checked: std::sync::Arc<Checked>,
    pub renderer: std::sync::Arc<Renderer>,
    pub gate: crate::output::Inspector,
}

/// A page the fast path wrote.
pub struct QuickPage {
    /// Its URL path (`/determinations/CASE/`).
    pub url: String,
    /// Whether its bytes changed.
    pub changed: bool,
    pub elapsed: Duration,
}

fn same_identifiers(a: &crate::deid::Declared, b: &crate::deid::Declared) -> bool {
    a.names == b.names && a.numbers == b.numbers && a.addresses == b.addresses && a.other == b.other
}

/// The editor's fast path (watch, serve): the one determination file `rel` was saved and
/// nothing that reaches beyond its own page changed (its case number, so its URL; its
/// declared identifiers, so the leak gate; whether it is published). Its page is then
/// re-checked, de-identified, rendered with the last build's templates, scanned by the
/// last build's leak gate and written over the committed output at once, before the
/// rebuild that updates everything else (listings, feed, search index, exports).
///
/// A determination page depends on its determination, the templates and the site data
/// alone (`archive::determination_page`), so this is the page the rebuild writes too: the
/// rebuild finds it up to date. Returns `None`, writing nothing, whenever any of this is
/// not plainly so (errors, a changed case number, a failed last build): the rebuild then
/// does all the work and reports.
pub fn quick_page(opts: &Options, rel: &Path) -> Option<QuickPage> {
    let started = Instant::now();
    let cache = opts.cache.as_ref()?;
    let q = cache
        .quick
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()?;
    let c = &q.checked;
    let i = c.sources.iter().position(|p| p == rel)?;
    let (case, ids) = &c.identifiers[i];
    let old = c.published.get(i).filter(|p| &p.case_number == case)?;
    let text = std::fs::read_to_string(opts.root.join(rel)).ok()?;
    let parsed = content::parse_determination(rel, &text, &c.config);
    if parsed.diagnostics.iter().any(Diagnostic::is_error) {
        return None;
    }
    let d = parsed.determination?;
    if &d.case_number != case
        || !same_identifiers(&d.identifiers, ids)
        || !(d.status == Status::Published || opts.drafts)
    {
        return None;
    }
    let pattern = regex::Regex::new(&c.config.case_number_pattern).ok()?;
    if rules::checks::check_one(&d, &c.packs, &pattern, Date::today())
        .iter()
        .any(Diagnostic::is_error)
    {
        return None;
    }
    let p = publish::publish(&d, &c.packs, &c.config.deidentify).ok()?;
    if p.diagnostics.iter().any(Diagnostic::is_error) || p.public.path != old.path {
        return None;
    }
    let html = crate::archive::determination_page(&q.renderer, &p.public).ok()?;
    let out_rel = format!("{}index.html", p.public.path);
    let hash = crate::output::hash(html.as_bytes());
    if !(q.gate)(&out_rel, html.as_bytes(), Some(&hash)).is_empty() {
        return None;
    }
    let mut output = cache.output.lock().unwrap_or_else(|e| e.into_inner());
    let w = output.as_mut().filter(|w| w.dir == opts.output)?;
    let changed = w.hashes.get(&out_rel) != Some(&hash);
    if changed {
        if crate::output::replace_file(&w.dir.join(&out_rel), html.as_bytes()).is_err() {
            // The rebuild that follows writes it (or reports why it cannot).
            w.hashes.remove(&out_rel);
            return None;
        }
        w.hashes.insert(out_rel, hash);
    }
    Some(QuickPage {
        url: format!("{}{}", c.config.base_path(), p.public.path),
        changed,
        elapsed: started.elapsed(),
    })
}
