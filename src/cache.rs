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
    pub page: Option<(Key, Arc<String>)>,
}

pub struct ParsedMemo {
    pub parsed: Parsed,
}

#[derive(Default)]
pub struct Cache {
    // Looked up by key only, never iterated: order cannot leak into output.
    memos: Mutex<HashMap<Key, Memo>>,
    /// Keys used by the current build; the rest are dropped at its end.
    used: Mutex<Vec<Key>>,
    /// (file bytes, leak gate) keys of output files the gate found clean.
    clean: Mutex<std::collections::HashSet<Key>>,
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

    pub fn page(&self, file: &Key, deps: &Key) -> Option<Arc<String>> {
        self.with(file, |m| {
            m.page
                .as_ref()
                .filter(|(k, _)| k == deps)
                .map(|(_, v)| v.clone())
        })
    }
    pub fn set_page(&self, file: &Key, deps: Key, v: Arc<String>) {
        self.with(file, |m| m.page = Some((deps, v)));
    }

    pub fn scanned_clean(&self, k: &Key) -> bool {
        self.clean
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(k)
    }
    pub fn set_scanned_clean(&self, k: Key) {
        self.clean
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k);
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
