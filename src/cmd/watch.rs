//! `casebook watch`: build and rebuild on change, no server. The loop here is shared
//! with `serve`, which only adds what happens after each build.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

use super::Common;
use crate::build::Options;
use crate::watch::{Change, Outcome, Watcher, classify, rebuild};

#[derive(Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output folder (default: public/ in the site)
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Poll for changes instead of relying on file-system events (network shares, some
    /// containers)
    #[arg(long)]
    pub poll: bool,
}

pub fn run(a: WatchArgs) -> Result<u8> {
    let c = &a.common;
    let root = canonical_root(&c.root)?;
    let output = absolute(&a.output.clone().unwrap_or_else(|| root.join("public")))?;
    let opts = Options {
        root: root.clone(),
        output: output.clone(),
        drafts: c.drafts,
        base_url: c.base_url.clone(),
        live_reload: false,
        progress: false,
        cache: Some(crate::cache::Cache::new()),
        store: false,
    };
    watch_loop(&opts, &[output], a.poll, c, |_| {}, |_| {})
}

/// The site root, canonical, so watcher events (which carry canonical paths) classify.
pub fn canonical_root(root: &Path) -> Result<PathBuf> {
    let r = root
        .canonicalize()
        .with_context(|| format!("reading the site folder {}", root.display()))?;
    if !r.is_dir() {
        bail!("{} is not a folder", root.display());
    }
    Ok(r)
}

/// `p` made absolute and canonical as far as it exists (the output may not exist yet).
pub fn absolute(p: &Path) -> Result<PathBuf> {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .context("reading the current folder")?
            .join(p)
    };
    if let Ok(c) = p.canonicalize() {
        return Ok(c);
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => Ok(absolute(parent)?.join(name)),
        _ => Ok(p),
    }
}

/// Builds once, then rebuilds on every relevant change until the watcher stops, calling
/// `after` with each outcome. `excluded` are folders under the root whose changes are
/// ignored (the outputs).
pub fn watch_loop(
    opts: &Options,
    excluded: &[PathBuf],
    poll: bool,
    common: &Common,
    mut after: impl FnMut(&Outcome),
    mut page: impl FnMut(&crate::build::QuickPage),
) -> Result<u8> {
    // Watch before the first build, so an edit made while it runs is not missed.
    let mut watcher = Watcher::new(&opts.root, excluded, poll)?;
    let mut outcome = rebuild(opts, &Change::Full);
    print_outcome(&outcome, None, opts, common);
    after(&outcome);
    finish(&mut outcome, opts, common);
    if !common.quiet {
        eprintln!(
            "watching {} for changes{} (Ctrl-C to stop)",
            opts.root.display(),
            if poll { " by polling" } else { "" }
        );
    }
    while let Some(paths) = watcher.next_batch() {
        let change = classify(&opts.root, &paths);
        if change == Change::None {
            continue;
        }
        // Said before a long rebuild starts, so nobody waits in silence (and tests can act
        // while one runs).
        if !common.quiet {
            eprintln!("rebuilding ({})", change.describe());
        }
        // One determination saved: its page first, at once (see `build::quick_page`).
        if let Change::Determinations(p) = &change
            && let [one] = p.as_slice()
            && let Some(q) = crate::build::quick_page(opts, one)
        {
            if !common.quiet && q.changed {
                eprintln!(
                    "updated {} in {:.0} ms",
                    q.url,
                    q.elapsed.as_secs_f64() * 1000.0
                );
            }
            if q.changed {
                page(&q);
            }
        }
        let mut outcome = rebuild(opts, &change);
        print_outcome(&outcome, Some(&change), opts, common);
        after(&outcome);
        finish(&mut outcome, opts, common);
    }
    bail!("the file watcher stopped")
}

/// Writes what an in-place rebuild left for after the pages: the search index and the
/// exports.
fn finish(outcome: &mut Outcome, opts: &Options, common: &Common) {
    let Some(pending) = outcome.pending.take() else {
        return;
    };
    match pending.finish(opts) {
        Ok(t) => {
            if !common.quiet {
                eprintln!(
                    "updated the search index and exports in {:.0} ms",
                    t.as_secs_f64() * 1000.0
                );
            }
        }
        Err(e) => eprintln!("error: updating the search index and exports: {e}"),
    }
}

/// Prints the diagnostics (in `--format`) and one line for the build with its time.
pub fn print_outcome(outcome: &Outcome, change: Option<&Change>, opts: &Options, c: &Common) {
    if outcome.checked {
        if !outcome.diagnostics.is_empty() || !outcome.ok {
            super::report(&outcome.diagnostics, outcome.files_checked, c);
        }
    } else {
        for d in &outcome.diagnostics {
            let at = if d.file.as_os_str().is_empty() {
                String::new()
            } else {
                format!("{}: ", d.file.display())
            };
            eprintln!("error: {at}{}", d.message);
            if let Some(h) = &d.help {
                eprintln!("help: {h}");
            }
        }
    }
    let ms = outcome.elapsed.as_secs_f64() * 1000.0;
    let what = change
        .map(|c| format!(" ({})", c.describe()))
        .unwrap_or_default();
    let verb = if change.is_some() { "rebuilt" } else { "built" };
    if outcome.ok {
        if !c.quiet {
            eprintln!(
                "{verb} in {ms:.0} ms{what}: {} determinations, {} files → {}",
                outcome.determinations,
                outcome.files_written,
                opts.output.display()
            );
        }
    } else {
        let errors = outcome.diagnostics.iter().filter(|d| d.is_error()).count();
        let verb = if change.is_some() { "rebuild" } else { "build" };
        eprintln!(
            "{verb} failed in {ms:.0} ms{what}: {errors} error{}; the last good site is kept",
            if errors == 1 { "" } else { "s" }
        );
    }
}
