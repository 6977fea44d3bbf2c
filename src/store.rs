//! The persistent build cache, `.casebook/cache/` under the site root: the de-identified
//! result of every determination (under the key of its source file and of the rule packs
//! and configuration), the leak gate's verdicts on output files (hashes only) and the hash
//! of each determination page written (by page key), so a CI rebuild after one change
//! de-identifies, renders and scans only what that change touched: an unchanged page is
//! hard-linked from the previous output once its bytes hash as recorded.
//!
//! It holds only what may be published (`PublicDetermination`, diagnostics with masked
//! snippets) and hashes: never source text, never declared identifiers. A missing,
//! stale (other casebook version) or damaged cache is ignored and rewritten.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use serde::{Deserialize, Deserializer, Serialize};

use crate::cache::{Cache, Key};
use crate::diag::Diagnostic;
use crate::publish::{PublicDetermination, Published};

const VERSION: &str = concat!("casebook-cache 1 ", env!("CARGO_PKG_VERSION"));
const PUBLISHED: &str = "published.jsonl";
const CLEAN: &str = "leak-gate-clean.bin";
const PAGES: &str = "pages.bin";

/// The cache folder of the site at `root`.
pub fn dir(root: &Path) -> PathBuf {
    root.join(".casebook").join("cache")
}

#[derive(Serialize, Deserialize)]
struct Entry {
    file: String,
    deps: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public: Option<Stored>,
    #[serde(default)]
    diagnostics: Vec<Diagnostic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A `PublicDetermination` with the fields its template form leaves out.
#[derive(Serialize, Deserialize)]
struct Stored {
    public: PublicDetermination,
    body_markdown: String,
    sort_key: (i64, String),
}

fn hex(k: &Key) -> String {
    k.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Key> {
    let mut k = [0u8; 32];
    if s.len() != 64 {
        return None;
    }
    for (i, b) in k.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(k)
}

/// Fills `cache` with what the cache folder holds. Returns how many results it loaded.
pub fn load(root: &Path, cache: &Cache) -> usize {
    use rayon::prelude::*;
    let dir = dir(root);
    let Ok(f) = std::fs::File::open(dir.join(PUBLISHED)) else {
        return 0;
    };
    let mut lines = std::io::BufReader::new(f).lines();
    if lines.next().and_then(|l| l.ok()).as_deref() != Some(VERSION) {
        return 0;
    }
    let lines: Vec<String> = lines.map_while(|l| l.ok()).collect();
    let n = lines
        .par_iter()
        .filter_map(|l| {
            let e: Entry = serde_json::from_str(l).ok()?;
            let (file, deps) = (unhex(&e.file)?, unhex(&e.deps)?);
            let r = match (e.public, e.error) {
                (Some(s), None) => {
                    let mut public = s.public;
                    public.body_markdown = s.body_markdown;
                    public.sort_key = s.sort_key.0;
                    public.key = crate::publish::public_key(&file, &deps);
                    Ok(Published {
                        public: Arc::new(public),
                        diagnostics: e.diagnostics,
                    })
                }
                (None, Some(err)) => Err(err),
                _ => return None,
            };
            cache.set_published(&file, deps, Arc::new(r));
            Some(())
        })
        .count();
    if let Ok(bytes) = std::fs::read(dir.join(CLEAN))
        && let Some(rest) = bytes.strip_prefix(VERSION.as_bytes())
    {
        for k in rest.chunks_exact(32) {
            cache.set_scanned_clean(k.try_into().expect("32 bytes"));
        }
    }
    if let Ok(bytes) = std::fs::read(dir.join(PAGES))
        && let Some(rest) = bytes.strip_prefix(VERSION.as_bytes())
    {
        for kh in rest.chunks_exact(64) {
            let (k, h) = kh.split_at(32);
            cache.load_page_hash(
                k.try_into().expect("32 bytes"),
                h.try_into().expect("32 bytes"),
            );
        }
    }
    n
}

/// Writes what this build used of `cache` into the cache folder (replacing it whole, by
/// renames, so a build killed meanwhile leaves the old cache or the new one).
pub fn save(root: &Path, cache: &Cache) -> Result<()> {
    let dir = dir(root);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!("{PUBLISHED}.tmp-{}", std::process::id()));
    let mut w = std::io::BufWriter::new(
        std::fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?,
    );
    writeln!(w, "{VERSION}")?;
    for (file, deps, r) in cache.published_entries() {
        let e = match r.as_ref() {
            Ok(p) => Entry {
                file: hex(&file),
                deps: hex(&deps),
                public: Some(Stored {
                    public: p.public.as_ref().clone(),
                    body_markdown: p.public.body_markdown.clone(),
                    sort_key: (p.public.sort_key, p.public.case_number.clone()),
                }),
                diagnostics: p.diagnostics.clone(),
                error: None,
            },
            Err(e) => Entry {
                file: hex(&file),
                deps: hex(&deps),
                public: None,
                diagnostics: Vec::new(),
                error: Some(e.clone()),
            },
        };
        serde_json::to_writer(&mut w, &e)?;
        w.write_all(b"\n")?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all().ok();
    std::fs::rename(&tmp, dir.join(PUBLISHED))?;
    let mut clean = VERSION.as_bytes().to_vec();
    for k in cache.clean_this_build() {
        clean.extend_from_slice(&k);
    }
    let tmp = dir.join(format!("{CLEAN}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, clean)?;
    std::fs::rename(&tmp, dir.join(CLEAN))?;
    let mut pages = VERSION.as_bytes().to_vec();
    for (k, h) in cache.page_hashes_this_build() {
        pages.extend_from_slice(&k);
        pages.extend_from_slice(&h);
    }
    let tmp = dir.join(format!("{PAGES}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, pages)?;
    std::fs::rename(&tmp, dir.join(PAGES))?;
    Ok(())
}

/// `&'static str` under another name: serde's derive would otherwise make the
/// deserialiser borrow from its input for `'static`.
pub type StaticStr = &'static str;

/// Interned strings for the `&'static str` fields of published determinations: values
/// that repeat across the archive (outcomes, bands, rule codes; guideline, section and
/// treatment titles, specialties, jurisdictions), each leaked once and shared by every
/// determination that has it, instead of one heap string per determination (a million
/// determinations held ≈ 20 copies of such strings each). The set of distinct values is
/// bounded by the rule packs and the archive's vocabulary.
pub fn intern(s: &str) -> &'static str {
    static SEEN: Mutex<BTreeMap<&'static str, ()>> = Mutex::new(BTreeMap::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((v, ())) = seen.get_key_value(s) {
        return v;
    }
    let v: &'static str = Box::leak(s.to_string().into_boxed_str());
    seen.insert(v, ());
    v
}

pub fn static_str<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    String::deserialize(d).map(|s| intern(&s))
}

pub fn static_str_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
    Option::<String>::deserialize(d).map(|o| o.map(|s| intern(&s)))
}

pub fn static_str_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<&'static str>, D::Error> {
    Vec::<String>::deserialize(d).map(|v| v.iter().map(|s| intern(s)).collect())
}

pub fn static_str_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<&'static str, usize>, D::Error> {
    BTreeMap::<String, usize>::deserialize(d)
        .map(|m| m.into_iter().map(|(k, v)| (intern(&k), v)).collect())
}
