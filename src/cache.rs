//! The in-process build cache that makes `watch` and `serve` rebuilds incremental: the
//! per-file work (parsing, per-file rules, de-identification, the determination's page) is
//! memoised under a key made from everything it depends on, so a rebuild after one edit
//! redoes only that file's work and the pages spanning many. The output is byte-identical
//! to a full build because the memoised values are exactly what the full build computes.
//! It lives in memory only: parsed determinations hold identifiers, which must never be
//! written anywhere but the content folder.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::content::Parsed;
use crate::diag::Diagnostic;
use crate::publish::Published;

pub type Key = [u8; 32];

/// Work memoised for one determination file.
#[derive(Default)]
pub struct Memo {
    pub parsed: Option<Arc<ParsedMemo>>,
    pub checks: Option<(Key, Arc<Vec<Diagnostic>>)>,
    pub published: Option<(Key, Arc<Result<Published, String>>)>,
    pub page: Option<(Key, Arc<Rendered>)>,
}

/// A rendered output file and the hash of its bytes.
pub struct Rendered {
    pub html: String,
    pub hash: Key,
}

impl Rendered {
    pub fn new(html: String) -> Arc<Rendered> {
        let hash = *blake3::hash(html.as_bytes()).as_bytes();
        Arc::new(Rendered { html, hash })
    }
}

pub struct ParsedMemo {
    pub parsed: Parsed,
    /// The configuration it was parsed under.
    pub config_key: Vec<u8>,
}

#[derive(Default)]
pub struct Cache {
    // Looked up by key only, never iterated: order cannot leak into output.
    memos: Mutex<HashMap<Key, Memo>>,
    /// Keys used by the current build; the rest are dropped at its end.
    used: Mutex<Vec<Key>>,
    /// (file bytes, leak gate) keys of output files the gate found clean.
    clean: Mutex<std::collections::HashSet<Key>>,
    /// The keys of `clean` the current build used (for the persistent cache).
    clean_used: Mutex<std::collections::BTreeSet<Key>>,
    /// `build`'s page memo (persistent cache): page key (published key and renderer
    /// fingerprint) → hash of the page the last build wrote for it, so a rebuild links
    /// that page from the previous output instead of rendering it again.
    page_hashes: Mutex<std::collections::HashMap<Key, Key>>,
    /// The page keys and hashes of this build (saved for the next one).
    page_hashes_now: Mutex<std::collections::BTreeMap<Key, Key>>,
    /// What a source file's metadata was when it was last read, and its key then: an
    /// unchanged file is not read again.
    stats: Mutex<HashMap<std::path::PathBuf, (FileStamp, Key)>>,
    /// Listing pages by site path: the key of what they show, and the page.
    listings: Mutex<HashMap<String, (Key, Arc<Rendered>)>>,
    /// The leak gate of the last build, under the key of the identifiers it holds.
    gate: Mutex<Option<(Key, crate::output::Inspector)>>,
    /// The output folder a previous build committed, and the hash of every file in it:
    /// later builds write only what changed.
    pub output: Mutex<Option<crate::output::Written>>,
    /// What the last successful build leaves for the editor's fast path
    /// (`build::quick_page`); cleared by a failed one.
    pub quick: Mutex<Option<Arc<crate::build::Quick>>>,
    /// The aggregates' per-determination parts of the last build (see `archive`).
    pub aggregates: Mutex<AggregateMemo>,
    no_parses: bool,
}

/// Length, modification time and inode of a file.
/// What the search index and the exports are made of, memoised between rebuilds of watch
/// and serve: each build keeps only what it used.
#[derive(Default)]
pub struct AggregateMemo {
    /// Search index builders of consecutive runs of determinations, by the run's key.
    pub search_runs: HashMap<Key, Arc<crate::search::Builder>>,
    /// A determination's export record (JSON) and rows (CSV), by its published key.
    pub records: HashMap<Key, Arc<(String, String)>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileStamp {
    len: u64,
    mtime_ns: i128,
    ino: u64,
}

impl FileStamp {
    /// The stamp of `meta`, or `None` when it was modified too recently to be trusted
    /// (a second write within the clock's granularity could leave it unchanged; git
    /// calls this a racy stamp).
    pub fn of(meta: &std::fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        (now - mtime_ns > 2_000_000_000).then_some(FileStamp {
            len: meta.len(),
            mtime_ns,
            ino: meta.ino(),
        })
    }
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the memos: parsed determinations hold identifiers.
        f.write_str("Cache { .. }")
    }
}

pub fn key(parts: &[&[u8]]) -> Key {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    *h.finalize().as_bytes()
}

impl Cache {
    pub fn new() -> Arc<Cache> {
        Arc::new(Cache::default())
    }

    /// The memo of one `build` run, filled from and saved to the persistent cache
    /// (`store`): parses are not kept (they are never saved, and a build reads each file
    /// once), so a determination's parsed form is dropped as soon as it is published.
    pub fn for_store() -> Arc<Cache> {
        Arc::new(Cache {
            no_parses: true,
            ..Cache::default()
        })
    }

    /// Whether parsed determinations are memoised (watch and serve).
    pub fn keeps_parses(&self) -> bool {
        !self.no_parses
    }

    fn with<R>(&self, file: &Key, f: impl FnOnce(&mut Memo) -> R) -> R {
        let mut m = self.memos.lock().unwrap_or_else(|e| e.into_inner());
        f(m.entry(*file).or_default())
    }

    pub fn touch(&self, file: &Key) {
        self.used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(*file);
    }

    pub fn parsed(&self, file: &Key) -> Option<Arc<ParsedMemo>> {
        self.touch(file);
        self.with(file, |m| m.parsed.clone())
    }
    pub fn set_parsed(&self, file: &Key, p: Arc<ParsedMemo>) {
        self.with(file, |m| m.parsed = Some(p));
    }

    pub fn checks(&self, file: &Key, deps: &Key) -> Option<Arc<Vec<Diagnostic>>> {
        self.with(file, |m| {
            m.checks
                .as_ref()
                .filter(|(k, _)| k == deps)
                .map(|(_, v)| v.clone())
        })
    }
    pub fn set_checks(&self, file: &Key, deps: Key, v: Arc<Vec<Diagnostic>>) {
        self.with(file, |m| m.checks = Some((deps, v)));
    }

    pub fn published(&self, file: &Key, deps: &Key) -> Option<Arc<Result<Published, String>>> {
        self.with(file, |m| {
            m.published
                .as_ref()
                .filter(|(k, _)| k == deps)
                .map(|(_, v)| v.clone())
        })
    }
    pub fn set_published(&self, file: &Key, deps: Key, v: Arc<Result<Published, String>>) {
        self.with(file, |m| m.published = Some((deps, v)));
    }

    pub fn page(&self, file: &Key, deps: &Key) -> Option<Arc<Rendered>> {
        self.with(file, |m| {
            m.page
                .as_ref()
                .filter(|(k, _)| k == deps)
                .map(|(_, v)| v.clone())
        })
    }
    pub fn set_page(&self, file: &Key, deps: Key, v: Arc<Rendered>) {
        self.with(file, |m| m.page = Some((deps, v)));
    }

    pub fn listing(&self, path: &str, k: &Key) -> Option<Arc<Rendered>> {
        self.listings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    }
    pub fn set_listing(&self, path: &str, k: Key, v: Arc<Rendered>) {
        self.listings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_string(), (k, v));
    }

    pub fn gate(&self, k: &Key) -> Option<crate::output::Inspector> {
        self.gate
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .filter(|(key, _)| key == k)
            .map(|(_, g)| g.clone())
    }
    pub fn set_gate(&self, k: Key, g: crate::output::Inspector) {
        *self.gate.lock().unwrap_or_else(|e| e.into_inner()) = Some((k, g));
    }

    /// The key a file had when last read with this stamp and configuration key.
    pub fn stamped(&self, path: &std::path::Path, stamp: FileStamp) -> Option<Key> {
        self.stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .filter(|(s, _)| *s == stamp)
            .map(|(_, k)| *k)
    }
    pub fn set_stamped(&self, path: &std::path::Path, stamp: FileStamp, key: Key) {
        self.stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), (stamp, key));
    }

    pub fn scanned_clean(&self, k: &Key) -> bool {
        let hit = self
            .clean
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(k);
        if hit {
            self.clean_used
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(*k);
        }
        hit
    }
    pub fn set_scanned_clean(&self, k: Key) {
        self.clean
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k);
        self.clean_used
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k);
    }

    /// The clean verdicts the current build used; forgets them (the next build starts
    /// its own list).
    /// The hash of the page the last build wrote under page key `k`.
    pub fn page_hash(&self, k: &Key) -> Option<Key> {
        self.page_hashes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(k)
            .copied()
    }

    /// Loads a page hash of the last build (`store`).
    pub fn load_page_hash(&self, k: Key, h: Key) {
        self.page_hashes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k, h);
    }

    /// Records the hash of the page this build wrote under page key `k`.
    pub fn set_page_hash(&self, k: Key, h: Key) {
        self.page_hashes_now
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k, h);
    }

    /// This build's page keys and hashes, in key order.
    pub fn page_hashes_this_build(&self) -> Vec<(Key, Key)> {
        std::mem::take(
            &mut *self
                .page_hashes_now
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
        .into_iter()
        .collect()
    }

    pub fn clean_this_build(&self) -> Vec<Key> {
        std::mem::take(&mut *self.clean_used.lock().unwrap_or_else(|e| e.into_inner()))
            .into_iter()
            .collect()
    }

    /// Every memoised de-identification result, in key order.
    #[allow(clippy::type_complexity)]
    pub fn published_entries(&self) -> Vec<(Key, Key, Arc<Result<Published, String>>)> {
        let m = self.memos.lock().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<_> = m
            .iter()
            .filter_map(|(k, memo)| memo.published.as_ref().map(|(d, r)| (*k, *d, r.clone())))
            .collect();
        v.sort_by_key(|e| e.0);
        v
    }

    /// Drops the memos of files the last build did not see (deleted or edited away).
    pub fn sweep(&self) {
        let used: std::collections::HashSet<Key> =
            std::mem::take(&mut *self.used.lock().unwrap_or_else(|e| e.into_inner()))
                .into_iter()
                .collect();
        self.memos
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| used.contains(k));
    }
}
