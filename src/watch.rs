//! Watching a site: a notify watcher with a debounce, a pure classification of the
//! changed paths (`classify`), and `rebuild`, which acts on that classification.
//!
//! `watch` and `serve` share this loop; they differ only in what they do after a rebuild.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use notify_debouncer_full::notify::{self, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, NoCache, RecommendedCache};

use crate::build::{self, BuildError, Options};
use crate::diag::Diagnostic;

/// How long a path must be quiet before its events are delivered. Long enough to fold an
/// editor's save (write temp, rename over, delete backup: microseconds apart) into one
/// batch, short enough not to be felt: the editor's page is updated within
/// `DEBOUNCE + TICK` plus the fast path (`build::quick_page`, ~10 ms).
pub const DEBOUNCE: Duration = Duration::from_millis(30);
/// How often the debouncer looks for quiet paths: the delay it adds beyond `DEBOUNCE`.
const TICK: Duration = Duration::from_millis(5);

/// What a batch of changed paths requires. The incremental build decides from this how
/// much to redo; `Full` means "everything".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Nothing the build reads.
    None,
    /// These determination files (relative to the root, `/`-separated) changed, appeared
    /// or disappeared.
    Determinations(Vec<PathBuf>),
    /// A rule pack under `content/guidelines/`.
    RulePacks,
    /// A template (site `templates/` or a theme's `templates/`).
    Templates,
    /// A static file (site `static/` or a theme's `static/`).
    Static,
    /// `casebook.yaml`.
    Config,
    /// Several kinds at once, or a folder the others live in.
    Full,
}

impl Change {
    /// The change that covers both `self` and `other`.
    pub fn merge(self, other: Change) -> Change {
        match (self, other) {
            (Change::None, c) | (c, Change::None) => c,
            (Change::Determinations(mut a), Change::Determinations(b)) => {
                a.extend(b);
                a.sort();
                a.dedup();
                Change::Determinations(a)
            }
            (a, b) if a == b => a,
            _ => Change::Full,
        }
    }

    /// A short description for the rebuild line.
    pub fn describe(&self) -> String {
        match self {
            Change::None => "nothing".into(),
            Change::Determinations(p) => {
                let shown: Vec<_> = p.iter().take(3).map(|p| p.display().to_string()).collect();
                let more = if p.len() > 3 {
                    format!(" and {} more", p.len() - 3)
                } else {
                    String::new()
                };
                format!("determinations: {}{more}", shown.join(", "))
            }
            Change::RulePacks => "rule packs".into(),
            Change::Templates => "templates".into(),
            Change::Static => "static files".into(),
            Change::Config => "casebook.yaml".into(),
            Change::Full => "full".into(),
        }
    }
}

/// Editors' temporary, swap and backup files: never content, never a reason to rebuild.
pub fn is_editor_temp(name: &str) -> bool {
    name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".kate-swp")
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        // vim's probe that the folder is writable
        || name == "4913"
        || name.starts_with(".goutputstream")
        || name.ends_with(".tmp")
        || name.contains("___jb_")
        || name.ends_with(".bck")
}

/// Classifies changed paths (absolute, or relative to `root`) by what they require. Pure:
/// it looks only at the names, never at the file system (a deleted file must classify
/// like a changed one).
pub fn classify(root: &Path, paths: &[PathBuf]) -> Change {
    paths
        .iter()
        .map(|p| classify_one(root, p))
        .fold(Change::None, Change::merge)
}

fn classify_one(root: &Path, path: &Path) -> Change {
    let rel = if path.is_absolute() {
        match path.strip_prefix(root) {
            Ok(r) => r,
            // Outside the site (a symlinked folder, say): cannot tell, so rebuild it all.
            Err(_) => return Change::Full,
        }
    } else {
        path
    };
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().to_string()),
            Component::CurDir => {}
            _ => return Change::Full,
        }
    }
    let Some(name) = parts.last() else {
        // The root itself.
        return Change::Full;
    };
    if is_editor_temp(name) {
        return Change::None;
    }
    // Hidden top-level folders are the serve output, staging folders, .git and the like.
    if parts[0].starts_with('.') {
        return Change::None;
    }
    // A name without an extension may be a folder whose files were created, moved or
    // removed together; the watcher cannot always report those one by one.
    let folderish = !name.contains('.');
    let ext_is = |exts: &[&str]| {
        Path::new(name)
            .extension()
            .is_some_and(|e| exts.iter().any(|x| e == *x))
    };
    let hidden_file = name.starts_with('.');
    match parts.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["casebook.yaml"] => Change::Config,
        ["content"] | ["themes"] | ["themes", _] => Change::Full,
        ["content", "determinations"] => Change::Full,
        ["content", "determinations", ..] if hidden_file => Change::None,
        ["content", "determinations", ..] if ext_is(&["md"]) => {
            Change::Determinations(vec![parts.iter().collect::<PathBuf>()])
        }
        ["content", "determinations", ..] if folderish => Change::Full,
        ["content", "guidelines", ..] if hidden_file => Change::None,
        ["content", "guidelines"] => Change::RulePacks,
        ["content", "guidelines", ..] if ext_is(&["yaml", "yml"]) || folderish => Change::RulePacks,
        ["templates", ..] | ["themes", _, "templates", ..] => Change::Templates,
        ["static", ..] | ["themes", _, "static", ..] => Change::Static,
        _ => Change::None,
    }
}

/// The second half of an in-place rebuild: the search index and exports (see
/// [`build::finish`]).
pub struct Pending {
    pub checked: std::sync::Arc<build::Checked>,
    pub gate: crate::output::Inspector,
}

impl Pending {
    /// Writes the aggregates; returns the time it took, or the reason they were refused
    /// (the previous versions are kept).
    pub fn finish(self, opts: &Options) -> Result<Duration, String> {
        let started = Instant::now();
        match build::finish(opts, &self.checked, self.gate) {
            Ok(leaks) if leaks.is_empty() => Ok(started.elapsed()),
            Ok(leaks) => Err(format!(
                "identifier found in the output: {}; nothing was published",
                leaks.join("; ")
            )),
            Err(e) => Err(format!("{e:#}")),
        }
    }
}

/// The result of one build, as `watch` and `serve` report it.
pub struct Outcome {
    pub ok: bool,
    /// Diagnostics of the checked content (warnings too), or the reason the build failed.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether `diagnostics` come from checking the content (rather than being the
    /// reason the build could not run: configuration, theme, leak gate).
    pub checked: bool,
    pub files_checked: usize,
    pub determinations: usize,
    pub files_written: usize,
    pub elapsed: Duration,
    /// The search index and exports, still to write (an in-place rebuild).
    pub pending: Option<Pending>,
    /// The URL paths of the pages this build changed, when it updated the output in
    /// place and changed only pages (so that only they reload); `None`: reload all.
    pub pages: Option<Vec<String>>,
}

/// Pages reloaded by name at most; past this, every page reloads.
const MAX_RELOAD_LIST: usize = 200;

/// The URL paths of the pages among `changed` (output files, relative), or `None` when
/// something every page uses changed (a stylesheet, a script, an image, the 404 page)
/// or there are too many to name. Feeds, sitemaps, exports and the search index are no
/// page's resources.
pub fn changed_pages(base_path: &str, changed: &[String]) -> Option<Vec<String>> {
    let mut pages = Vec::new();
    for rel in changed {
        if let Some(dir) = rel.strip_suffix("index.html")
            && (dir.is_empty() || dir.ends_with('/'))
        {
            pages.push(format!("{base_path}{dir}"));
        } else if rel.ends_with(".xml")
            || rel.ends_with(".xml.gz")
            || rel.starts_with("data/")
            || rel.starts_with("search/") && !rel.ends_with(".html")
        {
            continue;
        } else {
            return None;
        }
    }
    (pages.len() <= MAX_RELOAD_LIST).then_some(pages)
}

/// Rebuilds the site for `change`. Every input is looked at, but the work is memoised
/// (see `cache`): an unchanged file is not read again, an unchanged determination is not
/// re-checked, re-de-identified or re-rendered, and only output files whose bytes changed
/// are written. After the first build, the search index and exports are left to
/// [`Outcome::pending`], so the pages are updated first.
pub fn rebuild(opts: &Options, change: &Change) -> Outcome {
    let _ = change;
    let started = Instant::now();
    // The fast path applies only on top of a successful build.
    set_quick(opts, None);
    let result = build::build(opts);
    let elapsed = started.elapsed();
    match result {
        Ok(Ok((built, checked))) => {
            let checked = std::sync::Arc::new(checked);
            set_quick(
                opts,
                Some(build::Quick {
                    checked: checked.clone(),
                    renderer: built.renderer,
                    gate: built.gate,
                }),
            );
            let pages = opts.cache.as_ref().and_then(|c| {
                let out = c.output.lock().unwrap_or_else(|e| e.into_inner());
                let changed = out.as_ref()?.changed.as_ref()?;
                changed_pages(&checked.config.base_path(), changed)
            });
            Outcome {
                pages,
                ok: true,
                diagnostics: checked.diagnostics.clone(),
                checked: true,
                files_checked: checked.files,
                determinations: built.determinations,
                files_written: built.files,
                elapsed,
                pending: built.deferred.map(|gate| Pending { checked, gate }),
            }
        }
        Ok(Err(BuildError::Content(checked))) => Outcome {
            ok: false,
            diagnostics: checked.diagnostics,
            checked: true,
            files_checked: checked.files,
            determinations: 0,
            files_written: 0,
            elapsed,
            pending: None,
            pages: None,
        },
        Ok(Err(BuildError::Leak(lines))) => Outcome {
            ok: false,
            diagnostics: lines
                .into_iter()
                .map(|l| {
                    // Report lines start with the output path; they are masked already.
                    let (file, msg) = l.split_once(": ").unwrap_or(("", l.as_str()));
                    Diagnostic::error(
                        "leak-gate",
                        file,
                        format!("identifier found in the output: {msg}"),
                    )
                    .help("declare or correct the text that carries it; nothing was published")
                })
                .collect(),
            checked: false,
            files_checked: 0,
            determinations: 0,
            files_written: 0,
            elapsed,
            pending: None,
            pages: None,
        },
        // Configuration, theme and I/O failures: one diagnostic carrying the error chain.
        Err(e) => Outcome {
            ok: false,
            diagnostics: vec![
                Diagnostic::error("build", error_file(&format!("{e:#}")), format!("{e:#}"))
                    .help("fix the file named in the message; the last good site is kept"),
            ],
            checked: false,
            files_checked: 0,
            determinations: 0,
            files_written: 0,
            elapsed,
            pending: None,
            pages: None,
        },
    }
}

fn set_quick(opts: &Options, q: Option<build::Quick>) {
    if let Some(c) = &opts.cache {
        *c.quick.lock().unwrap_or_else(|e| e.into_inner()) = q.map(std::sync::Arc::new);
    }
}

/// The site file an error message names, if it starts with one (`casebook.yaml:3:1: …`).
fn error_file(msg: &str) -> String {
    if msg.starts_with(crate::config::FILE) {
        crate::config::FILE.to_string()
    } else {
        String::new()
    }
}

/// Top-level names never watched: build outputs, VCS and tool folders.
fn excluded_top(name: &str, excluded: &[PathBuf]) -> bool {
    name.starts_with('.')
        || name == "target"
        || name == "node_modules"
        || excluded.iter().any(|e| e.as_os_str() == name)
}

enum Inner {
    Native(Debouncer<notify::RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<notify::PollWatcher, NoCache>),
}

impl Inner {
    fn watch(&mut self, p: &Path, mode: RecursiveMode) -> notify::Result<()> {
        match self {
            Inner::Native(d) => d.watch(p, mode),
            Inner::Poll(d) => d.watch(p, mode),
        }
    }
}

/// Watches a site root: the root itself (for casebook.yaml and new folders) and every
/// top-level folder but the excluded ones, recursively.
pub struct Watcher {
    root: PathBuf,
    /// Top-level names (relative to the root) not watched: the output folder, say.
    excluded: Vec<PathBuf>,
    inner: Inner,
    rx: Receiver<DebounceEventResult>,
    watched: BTreeSet<PathBuf>,
}

impl Watcher {
    /// `root` must be canonical (events carry paths under it). `excluded` holds folders
    /// under the root whose changes are ignored (build output).
    pub fn new(root: &Path, excluded: &[PathBuf], poll: bool) -> Result<Watcher> {
        let (tx, rx) = channel();
        let inner = if poll {
            // notify's PollWatcher keeps modification times in whole seconds, so without
            // comparing contents a second save within the same second would go unseen.
            let config = notify::Config::default()
                .with_poll_interval(Duration::from_millis(500))
                .with_compare_contents(true);
            Inner::Poll(
                notify_debouncer_full::new_debouncer_opt(DEBOUNCE, Some(TICK), tx, NoCache, config)
                    .context("starting the polling watcher")?,
            )
        } else {
            Inner::Native(
                notify_debouncer_full::new_debouncer(DEBOUNCE, Some(TICK), tx)
                    .context("starting the file watcher")?,
            )
        };
        // Only the first component of an excluded folder matters at the top level; deeper
        // ones are filtered per event.
        let excluded = excluded
            .iter()
            .filter_map(|e| e.strip_prefix(root).ok().map(Path::to_path_buf))
            .collect();
        let mut w = Watcher {
            root: root.to_path_buf(),
            excluded,
            inner,
            rx,
            watched: BTreeSet::new(),
        };
        w.inner
            .watch(root, RecursiveMode::NonRecursive)
            .with_context(|| format!("watching {}", root.display()))?;
        w.follow_new_folders()?;
        Ok(w)
    }

    /// Starts watching top-level folders that are not watched yet.
    fn follow_new_folders(&mut self) -> Result<()> {
        let rd = std::fs::read_dir(&self.root)
            .with_context(|| format!("reading {}", self.root.display()))?;
        let mut new = Vec::new();
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let is_dir = std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir());
            if is_dir
                && !excluded_top(&name, &self.top_excluded())
                && !self.watched.contains(&e.path())
            {
                new.push(e.path());
            }
        }
        new.sort();
        for p in new {
            match self.inner.watch(&p, RecursiveMode::Recursive) {
                Ok(()) => {
                    self.watched.insert(p);
                }
                // It may have gone again already; the next event will tell.
                Err(e) => eprintln!("warning: cannot watch {}: {e}", p.display()),
            }
        }
        Ok(())
    }

    fn top_excluded(&self) -> Vec<PathBuf> {
        self.excluded
            .iter()
            .filter(|e| e.components().count() == 1)
            .cloned()
            .collect()
    }

    fn is_excluded(&self, p: &Path) -> bool {
        self.excluded
            .iter()
            .any(|e| p.starts_with(self.root.join(e)))
    }

    /// Blocks until something changed and returns the changed paths (deduplicated,
    /// sorted), folding every batch that arrives while the caller was busy into one.
    /// Returns `None` when the watcher stopped.
    pub fn next_batch(&mut self) -> Option<Vec<PathBuf>> {
        let mut paths = BTreeSet::new();
        let mut first = true;
        loop {
            let r = if first {
                match self.rx.recv() {
                    Ok(r) => r,
                    Err(_) => return None,
                }
            } else {
                // Whatever is already queued belongs to the same edit.
                match self.rx.recv_timeout(Duration::from_millis(1)) {
                    Ok(r) => r,
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            };
            first = false;
            match r {
                Ok(events) => {
                    for p in changed_paths(&self.root, events.iter().map(|e| &e.event)) {
                        if !self.is_excluded(&p) {
                            paths.insert(p);
                        }
                    }
                }
                Err(errors) => {
                    for e in errors {
                        eprintln!("warning: file watcher: {e}");
                    }
                }
            }
        }
        // A new top-level folder (say `static/` created) is followed from now on.
        if paths
            .iter()
            .any(|p| p == &self.root || p.parent() == Some(self.root.as_path()))
            && let Err(e) = self.follow_new_folders()
        {
            eprintln!("warning: {e:#}");
        }
        Some(paths.into_iter().collect())
    }
}

/// The paths a batch of watcher events says changed. Reads (the build's own, an editor
/// opening a file) change nothing; without this filter every build would trigger the next.
/// An event that asks for a rescan (the kernel's event queue overflowed, as in a burst of
/// thousands of changes) stands for every file: it yields `root`, which is a full rebuild.
fn changed_paths<'a>(
    root: &Path,
    events: impl IntoIterator<Item = &'a notify::Event>,
) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for ev in events {
        if ev.need_rescan() {
            out.push(root.to_path_buf());
            continue;
        }
        if ev.kind.is_access() || ev.kind.is_other() {
            continue;
        }
        // A folder's own time stamps move whenever an entry changes (and with every build
        // at the root); the entries are reported anyway.
        let folder_touched = matches!(
            ev.kind,
            notify::EventKind::Modify(notify::event::ModifyKind::Metadata(_))
        ) && ev.paths.iter().all(|p| p.is_dir());
        if !folder_touched {
            out.extend(ev.paths.iter().cloned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_pages_reload() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // Pages by URL; feeds, sitemaps, exports and the search index are no page's.
        assert_eq!(
            changed_pages(
                "/",
                &v(&[
                    "index.html",
                    "decisions/upheld/index.html",
                    "feed.xml",
                    "sitemap.xml",
                    "data/determinations.json",
                    "search/t/3.bin",
                    "search/index.html",
                ])
            ),
            Some(v(&["/", "/decisions/upheld/", "/search/"]))
        );
        assert_eq!(
            changed_pages("/archive/", &v(&["determinations/CM14-0123456/index.html"])),
            Some(v(&["/archive/determinations/CM14-0123456/"]))
        );
        assert_eq!(changed_pages("/", &[]), Some(Vec::new()));
        // What every page uses: all reload.
        for shared in [
            "style.css",
            "search.js",
            "404.html",
            "img/logo.png",
            "xindex.html",
        ] {
            assert_eq!(
                changed_pages("/", &v(&["index.html", shared])),
                None,
                "{shared}"
            );
        }
        let many: Vec<String> = (0..=MAX_RELOAD_LIST)
            .map(|i| format!("p/{i}/index.html"))
            .collect();
        assert_eq!(changed_pages("/", &many), None);
    }

    #[test]
    fn a_rescan_is_a_full_rebuild() {
        // Regression: the overflow event (kind Other, flag Rescan) was dropped with the
        // other `Other` events, so changes lost in the overflow were never rebuilt.
        use notify::event::{EventKind, Flag};
        let root = Path::new("/site");
        let rescan = notify::Event::new(EventKind::Other).set_flag(Flag::Rescan);
        let other = notify::Event::new(EventKind::Other).add_path(root.join("x.md"));
        let paths = changed_paths(root, [&rescan, &other]);
        assert_eq!(paths, vec![root.to_path_buf()]);
        assert_eq!(classify(root, &paths), Change::Full);
        let write = notify::Event::new(EventKind::Modify(notify::event::ModifyKind::Any))
            .add_path(root.join("content/determinations/a.md"));
        assert_eq!(
            classify(root, &changed_paths(root, [&write])),
            Change::Determinations(vec![PathBuf::from("content/determinations/a.md")])
        );
    }

    fn c(paths: &[&str]) -> Change {
        let root = Path::new("/site");
        let v: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
        classify(root, &v)
    }

    fn dets(paths: &[&str]) -> Change {
        Change::Determinations(paths.iter().map(PathBuf::from).collect())
    }

    #[test]
    fn determinations() {
        assert_eq!(
            c(&["content/determinations/CM14-0123456.md"]),
            dets(&["content/determinations/CM14-0123456.md"])
        );
        assert_eq!(
            c(&[
                "content/determinations/2014/b.md",
                "content/determinations/a.md",
                "content/determinations/a.md",
            ]),
            dets(&[
                "content/determinations/2014/b.md",
                "content/determinations/a.md"
            ])
        );
    }

    #[test]
    fn relative_paths_classify_like_absolute_ones() {
        assert_eq!(
            classify(
                Path::new("/site"),
                &[PathBuf::from("content/determinations/a.md")]
            ),
            dets(&["content/determinations/a.md"])
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(c(&["content/guidelines/odg.yaml"]), Change::RulePacks);
        assert_eq!(c(&["content/guidelines/x/odg.yml"]), Change::RulePacks);
        assert_eq!(c(&["templates/base.html"]), Change::Templates);
        assert_eq!(
            c(&["themes/default/templates/determination.html"]),
            Change::Templates
        );
        assert_eq!(c(&["static/logo.svg"]), Change::Static);
        assert_eq!(c(&["themes/plain/static/style.css"]), Change::Static);
        assert_eq!(c(&["casebook.yaml"]), Change::Config);
    }

    #[test]
    fn editor_temp_files_are_ignored() {
        for name in [
            ".CM14-0123456.md.swp",
            ".CM14-0123456.md.swx",
            "CM14-0123456.md~",
            ".#CM14-0123456.md",
            "#CM14-0123456.md#",
            "4913",
            ".goutputstream-ABC123",
            "CM14-0123456.md.tmp",
            "CM14-0123456.md___jb_tmp___",
            "CM14-0123456.md___jb_old___",
            "CM14-0123456.md.bck",
        ] {
            let p = format!("content/determinations/{name}");
            assert_eq!(c(&[&p]), Change::None, "{name}");
        }
    }

    #[test]
    fn atomic_and_backup_saves_are_one_change() {
        // write temp + rename over; vim: rename to backup, write new, delete backup.
        assert_eq!(
            c(&[
                "content/determinations/.a.md.tmp123",
                "content/determinations/a.md",
                "content/determinations/a.md~",
                "content/determinations/4913",
            ]),
            dets(&["content/determinations/a.md"])
        );
    }

    #[test]
    fn outputs_and_unrelated_files_are_ignored() {
        assert_eq!(c(&["public/index.html"]), Change::None);
        assert_eq!(c(&[".casebook/serve-public/index.html"]), Change::None);
        assert_eq!(c(&[".public.staging-42/index.html"]), Change::None);
        assert_eq!(c(&[".git/index"]), Change::None);
        assert_eq!(c(&["README.md"]), Change::None);
        assert_eq!(c(&["content/determinations/notes.txt"]), Change::None);
        assert_eq!(c(&["content/guidelines/README.md"]), Change::None);
        assert_eq!(c(&["content/determinations/.hidden.md"]), Change::None);
        assert_eq!(c(&[]), Change::None);
    }

    #[test]
    fn folders_and_mixtures_are_full() {
        assert_eq!(c(&[""]), Change::Full);
        assert_eq!(c(&["content"]), Change::Full);
        assert_eq!(c(&["content/determinations"]), Change::Full);
        assert_eq!(c(&["content/determinations/2014"]), Change::Full);
        assert_eq!(c(&["themes/default"]), Change::Full);
        assert_eq!(
            c(&["content/determinations/a.md", "templates/base.html"]),
            Change::Full
        );
        assert_eq!(c(&["casebook.yaml", "static/x.css"]), Change::Full);
        assert_eq!(
            classify(Path::new("/site"), &[PathBuf::from("/elsewhere/a.md")]),
            Change::Full
        );
    }

    #[test]
    fn a_new_guidelines_folder_is_rule_packs() {
        assert_eq!(c(&["content/guidelines"]), Change::RulePacks);
        assert_eq!(c(&["content/guidelines/new"]), Change::RulePacks);
    }

    #[test]
    fn merge_is_commutative_for_kinds() {
        let all = [
            Change::None,
            dets(&["content/determinations/a.md"]),
            Change::RulePacks,
            Change::Templates,
            Change::Static,
            Change::Config,
            Change::Full,
        ];
        for a in &all {
            for b in &all {
                assert_eq!(a.clone().merge(b.clone()), b.clone().merge(a.clone()));
            }
        }
    }
}
