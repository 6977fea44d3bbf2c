//! Output: everything is written into a staging folder beside the target and swapped in
//! only when the whole build (leak gate included) succeeded. casebook only ever replaces
//! or removes a folder that carries its marker file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

/// Marker file inside every folder casebook writes.
pub const MARKER: &str = ".casebook-output";
const MARKER_TEXT: &str = "This folder is written by casebook; it is replaced on every build.\n";

/// A check run on the bytes of every file written (the leak gate): returns report
/// lines, empty when the file is clean.
/// It gets the file's hash when the build keeps hashes (watch, serve).
pub type Inspector =
    std::sync::Arc<dyn Fn(&str, &[u8], Option<&Hash>) -> Vec<String> + Send + Sync>;

/// A folder being filled by a build.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    files: AtomicUsize,
    bytes: AtomicU64,
    committed: bool,
    background: bool,
    inspector: Option<Inspector>,
    /// Files the inspector has seen, and what it reported.
    inspected: std::sync::Mutex<(std::collections::HashSet<String>, Vec<String>)>,
    /// The hash of every file written, when the caller keeps them for the next build.
    hashes: Option<std::sync::Mutex<BTreeMap<String, Hash>>>,
    /// Updating a committed output in place (watch, serve): the previous build's files,
    /// and the new or changed ones held until the whole build has passed the gate.
    in_place: Option<InPlace>,
}

pub type Hash = [u8; 32];

/// A committed output folder and the hash of each of its files (relative path).
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub dir: PathBuf,
    pub hashes: BTreeMap<String, Hash>,
    /// The files this commit wrote or removed (relative paths, sorted); `None` when it
    /// replaced the whole folder.
    pub changed: Option<Vec<String>>,
}

struct InPlace {
    previous: Written,
    pending: std::sync::Mutex<Vec<(String, Vec<u8>)>>,
    /// Files this build does not produce (their previous versions are kept).
    keep: fn(&str) -> bool,
}

/// A file of the site written piece by piece ([`Staging::stream`]): memory holds one
/// piece of it, not the file. The inspector (leak gate) sees it in pieces of about
/// [`crate::deid::PIECE`] bytes, each read on past its end by
/// [`crate::deid::OVERLAP`] bytes (the gate's own cut for large files, so an
/// identifier starting in a piece is seen whole).
pub struct Streamed<'a> {
    staging: &'a Staging,
    rel: String,
    /// `None` in place: the bytes are held in `pending` until `finish`.
    file: Option<std::io::BufWriter<std::fs::File>>,
    /// Bytes not yet inspected (all of them in place).
    pending: Vec<u8>,
    len: u64,
    hasher: Option<blake3::Hasher>,
}

impl Streamed<'_> {
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.pending.extend_from_slice(bytes);
        let Some(f) = &mut self.file else {
            return Ok(());
        };
        use std::io::Write;
        f.write_all(bytes)
            .with_context(|| format!("writing {}", self.rel))?;
        if let Some(h) = &mut self.hasher {
            h.update(bytes);
        }
        self.len += bytes.len() as u64;
        use crate::deid::{OVERLAP, PIECE, piece_end};
        while self.pending.len() >= 2 * PIECE + 2 * OVERLAP {
            let end = piece_end(&self.pending, PIECE);
            let read_to = piece_end(&self.pending, end + OVERLAP);
            if read_to == self.pending.len() {
                // No place to cut yet: wait for more.
                break;
            }
            self.staging
                .inspect(&self.rel, &self.pending[..read_to], None);
            self.pending.drain(..end);
        }
        Ok(())
    }

    /// Inspects the rest and closes the file.
    pub fn finish(mut self) -> Result<()> {
        let Some(f) = self.file.take() else {
            let bytes = std::mem::take(&mut self.pending);
            return self.staging.write(&self.rel, &bytes);
        };
        f.into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("writing {}", self.rel))?;
        self.staging.inspect(&self.rel, &self.pending, None);
        let s = self.staging;
        s.files.fetch_add(1, Ordering::Relaxed);
        s.bytes.fetch_add(self.len, Ordering::Relaxed);
        if let (Some(hashes), Some(h)) = (&s.hashes, &self.hasher) {
            let h: Hash = *h.finalize().as_bytes();
            hashes
                .lock()
                .expect("hash lock")
                .insert(self.rel.clone(), h);
        }
        Ok(())
    }
}

/// `rel` (a site path, `/`-separated) if it stays inside the site.
fn site_rel(rel: &str) -> Result<&str> {
    let rel = rel.trim_start_matches('/');
    if rel
        .split('/')
        .any(|c| c == ".." || c == "." || c.is_empty())
        || rel.contains('\\')
    {
        bail!("refusing to write outside the site: {rel:?}");
    }
    Ok(rel)
}

pub fn hash(bytes: &[u8]) -> Hash {
    *blake3::hash(bytes).as_bytes()
}

/// Why the target cannot be replaced.
#[derive(Debug)]
pub struct NotOurs(pub PathBuf);

impl std::fmt::Display for NotOurs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is not empty and was not written by casebook (no {MARKER} file); refusing to replace it. Choose another --output folder, or empty it yourself",
            self.0.display()
        )
    }
}
impl std::error::Error for NotOurs {}

/// Whether casebook may replace `target`: missing, empty, or carrying the marker.
pub fn check_target(target: &Path) -> Result<()> {
    match std::fs::symlink_metadata(target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("reading {}", target.display())),
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
            Err(NotOurs(target.to_path_buf()).into())
        }
        Ok(_) => {
            if target.join(MARKER).is_file() {
                return Ok(());
            }
            let mut entries = std::fs::read_dir(target)
                .with_context(|| format!("reading {}", target.display()))?;
            if entries.next().is_none() {
                Ok(())
            } else {
                Err(NotOurs(target.to_path_buf()).into())
            }
        }
    }
}

impl Staging {
    /// Creates a fresh staging folder next to `target` (same file system, so the swap is
    /// a rename).
    pub fn new(target: &Path) -> Result<Staging> {
        check_target(target)?;
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "public".into());
        // Remove stale staging folders of earlier interrupted builds (ours: marked).
        if let Ok(rd) = std::fs::read_dir(parent) {
            for e in rd.flatten() {
                let n = e.file_name().to_string_lossy().to_string();
                // This process's own previous outputs are being removed in the background.
                let own = n.starts_with(&format!(".{name}.old-{}-", std::process::id()));
                if !own
                    && (n.starts_with(&format!(".{name}.staging-"))
                        || n.starts_with(&format!(".{name}.old-")))
                {
                    if e.path().join(MARKER).is_file() {
                        let _ = remove_marked_dir(&e.path());
                    } else {
                        // A build killed between creating the folder and marking it leaves
                        // it empty; remove_dir only ever removes an empty folder.
                        let _ = std::fs::remove_dir(e.path());
                    }
                }
            }
        }
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        if dir.exists() {
            if !dir.join(MARKER).is_file() {
                bail!("{} exists and is not casebook's", dir.display());
            }
            remove_marked_dir(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        std::fs::create_dir(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join(MARKER), MARKER_TEXT)
            .with_context(|| format!("writing into {}", dir.display()))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            committed: false,
            background: false,
            inspector: None,
            inspected: Default::default(),
            hashes: None,
            in_place: None,
        })
    }

    /// Keeps the hash of every file written, for [`Staging::commit`] to return.
    pub fn record_hashes(mut self) -> Self {
        self.hashes = Some(Default::default());
        self
    }

    /// Updates `previous` (a committed output) in place: files whose bytes did not change
    /// are not written, changed ones are written at [`Staging::commit`] (each replaced by a
    /// rename), files no longer produced are removed, except those `keep` selects, which
    /// this build does not produce. Nothing is touched before the commit.
    pub fn in_place(previous: Written, keep: fn(&str) -> bool) -> Result<Staging> {
        if !previous.dir.join(MARKER).is_file() {
            bail!("{} is not casebook's output", previous.dir.display());
        }
        Ok(Staging {
            dir: previous.dir.clone(),
            target: previous.dir.clone(),
            files: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
            committed: true,
            background: false,
            inspector: None,
            inspected: Default::default(),
            hashes: Some(Default::default()),
            in_place: Some(InPlace {
                previous,
                pending: Default::default(),
                keep,
            }),
        })
    }

    /// Runs `write` to fill folder `rel` of the site with files. In place, it writes into
    /// a scratch folder whose files then go through [`Staging::write`].
    pub fn write_tree(&self, rel: &str, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        if self.in_place.is_none() {
            return write(&self.dir.join(rel));
        }
        static N: AtomicUsize = AtomicUsize::new(0);
        let scratch = std::env::temp_dir().join(format!(
            "casebook-scratch-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        // Created here, so ours to remove, whatever happens below.
        std::fs::create_dir(&scratch).with_context(|| format!("creating {}", scratch.display()))?;
        struct Remove<'a>(&'a Path);
        impl Drop for Remove<'_> {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(self.0);
            }
        }
        let _remove = Remove(&scratch);
        write(&scratch)?;
        let mut files = Vec::new();
        for e in walkdir::WalkDir::new(&scratch).sort_by_file_name() {
            let e = e.context("walking the scratch folder")?;
            if e.file_type().is_file() {
                let sub = e.path().strip_prefix(&scratch).unwrap_or(e.path());
                files.push((
                    sub.to_string_lossy().replace('\\', "/"),
                    e.path().to_path_buf(),
                ));
            }
        }
        use rayon::prelude::*;
        files.par_iter().try_for_each(|(sub, p)| {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            self.write(&format!("{}/{sub}", rel.trim_end_matches('/')), &bytes)
        })
    }

    /// Runs `inspect` on every file as it is written (its bytes are in memory then);
    /// [`Staging::inspect_rest`] covers files written by other means.
    pub fn inspect_with(mut self, inspect: Inspector) -> Self {
        self.inspector = Some(inspect);
        self
    }

    fn inspect(&self, rel: &str, bytes: &[u8], hash: Option<&Hash>) {
        if let Some(f) = &self.inspector {
            let found = f(rel, bytes, hash);
            let mut g = self.inspected.lock().expect("inspection lock");
            g.0.insert(rel.to_string());
            g.1.extend(found);
        }
    }

    /// Inspects every file of the staging folder not inspected while written, and
    /// returns everything the inspector reported, sorted, without repeats.
    pub fn inspect_rest(&self) -> Result<Vec<String>> {
        use rayon::prelude::*;
        if self.inspector.is_none() || self.in_place.is_some() {
            // In place, every file goes through `write`.
            return Ok(std::mem::take(
                &mut self.inspected.lock().expect("inspection lock").1,
            ));
        }
        let seen = std::mem::take(&mut self.inspected.lock().expect("inspection lock").0);
        let mut rest = Vec::new();
        for e in walkdir::WalkDir::new(&self.dir).sort_by_file_name() {
            let e = e.context("walking the staging folder")?;
            if e.file_type().is_file() {
                let rel = e
                    .path()
                    .strip_prefix(&self.dir)
                    .unwrap_or(e.path())
                    .to_string_lossy()
                    .replace('\\', "/");
                if !seen.contains(&rel) {
                    rest.push((rel, e.path().to_path_buf()));
                }
            }
        }
        rest.par_iter().try_for_each(|(rel, p)| -> Result<()> {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            let h = self.hashes.as_ref().map(|_| hash(&bytes));
            self.inspect(rel, &bytes, h.as_ref());
            if let (Some(hashes), Some(h)) = (&self.hashes, h)
                && rel != MARKER
            {
                hashes.lock().expect("hash lock").insert(rel.clone(), h);
            }
            Ok(())
        })?;
        let mut g = self.inspected.lock().expect("inspection lock");
        let mut found = std::mem::take(&mut g.1);
        found.sort();
        found.dedup();
        Ok(found)
    }

    /// Writes a site file (`rel` uses `/`; folders are created).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let h = self.hashes.as_ref().map(|_| hash(bytes));
        self.write_hashed(rel, bytes, h)
    }

    /// [`Staging::write`] for bytes whose hash is known (memoised pages).
    pub fn write_hashed(&self, rel: &str, bytes: &[u8], h: Option<Hash>) -> Result<()> {
        let h = match (&self.hashes, h) {
            (Some(_), None) => Some(hash(bytes)),
            (_, h) => h,
        };
        let rel = site_rel(rel)?;
        self.inspect(rel, bytes, h.as_ref());
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let (Some(hashes), Some(new)) = (&self.hashes, h) {
            hashes
                .lock()
                .expect("hash lock")
                .insert(rel.to_string(), new);
            if let Some(ip) = &self.in_place {
                if ip.previous.hashes.get(rel) != Some(&new) {
                    ip.pending
                        .lock()
                        .expect("pending lock")
                        .push((rel.to_string(), bytes.to_vec()));
                }
                return Ok(());
            }
        }
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// A file written piece by piece (the open-data exports, which grow with the
    /// archive): see [`Streamed`]. In place, its bytes are held and go through
    /// [`Staging::write`] at [`Streamed::finish`].
    pub fn stream(&self, rel: &str) -> Result<Streamed<'_>> {
        let file = if self.in_place.is_some() {
            None
        } else {
            let path = self.dir.join(rel);
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
            }
            let f = std::fs::File::create(&path)
                .with_context(|| format!("writing {}", path.display()))?;
            Some(std::io::BufWriter::with_capacity(1 << 16, f))
        };
        Ok(Streamed {
            staging: self,
            rel: rel.to_string(),
            file,
            pending: Vec::new(),
            len: 0,
            hasher: self.hashes.as_ref().map(|_| blake3::Hasher::new()),
        })
    }

    /// Puts the file `from` (whose bytes are `bytes`) at `rel` as a hard link: a page of
    /// the previous output that this build would write byte for byte. The leak gate
    /// scans it like any file written before the gate existed ([`Staging::inspect_rest`]).
    /// Fails (and the caller writes the page) in place or where links are not possible.
    pub fn link(&self, rel: &str, from: &Path, bytes: &[u8]) -> Result<()> {
        if self.in_place.is_some() {
            bail!("linking is for a fresh staging folder");
        }
        let rel = site_rel(rel)?;
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
        }
        std::fs::hard_link(from, &path).with_context(|| format!("linking {}", path.display()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Some(hashes) = &self.hashes {
            hashes
                .lock()
                .expect("hash lock")
                .insert(rel.to_string(), hash(bytes));
        }
        Ok(())
    }

    /// Long-running commands (watch, serve) remove the previous output on a background
    /// thread, so a rebuild is not held up by deleting thousands of files.
    pub fn background_cleanup(mut self, yes: bool) -> Self {
        self.background = yes;
        self
    }

    fn discard(&self, old: PathBuf) {
        static N: AtomicUsize = AtomicUsize::new(0);
        // A unique name first: the next build of this process reuses the staging name.
        let parent = old.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let aside = parent.join(format!(
            ".{name}.old-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let old = if std::fs::rename(&old, &aside).is_ok() {
            aside
        } else {
            old
        };
        if self.background {
            std::thread::spawn(move || {
                let _ = remove_marked_dir(&old);
            });
        } else {
            let _ = remove_marked_dir(&old);
        }
    }

    pub fn files(&self) -> usize {
        self.files.load(Ordering::Relaxed)
    }
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Swaps the staging folder in place of the target. The previous output is renamed
    /// aside first and removed after; at every moment either the old or the new complete
    /// site is at `target` or beside it under a marked name.
    pub fn commit(mut self) -> Result<Written> {
        let hashes = self
            .hashes
            .take()
            .map(|h| h.into_inner().expect("hash lock"))
            .unwrap_or_default();
        if let Some(ip) = self.in_place.take() {
            return commit_in_place(ip, hashes);
        }
        check_target(&self.target)?;
        sync_dir(&self.dir);
        let parent = self
            .target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if self.target.exists() {
            if exchange(&self.dir, &self.target) {
                // self.dir now holds the old output.
                self.discard(self.dir.clone());
            } else {
                let old = parent.join(format!(".{name}.old-{}", std::process::id()));
                std::fs::rename(&self.target, &old)
                    .with_context(|| format!("moving aside {}", self.target.display()))?;
                std::fs::rename(&self.dir, &self.target).with_context(|| {
                    format!("moving the new site into {}", self.target.display())
                })?;
                self.discard(old);
            }
        } else {
            std::fs::rename(&self.dir, &self.target)
                .with_context(|| format!("moving the new site into {}", self.target.display()))?;
        }
        sync_dir(&parent);
        self.committed = true;
        Ok(Written {
            dir: self.target.clone(),
            hashes,
            changed: None,
        })
    }
}

/// Replaces one file of a committed output: written to a temporary name beside it, then
/// renamed over it, so a reader sees the old bytes or the new, never a mix.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
    }
    let tmp = path.with_file_name(format!(
        ".{}.casebook-tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

/// Writes the changed files of an in-place build (each to a temporary name, then renamed
/// over the old one) and removes the files no longer produced.
fn commit_in_place(ip: InPlace, mut hashes: BTreeMap<String, Hash>) -> Result<Written> {
    use rayon::prelude::*;
    let dir = ip.previous.dir.clone();
    let pending = ip.pending.into_inner().expect("pending lock");
    pending
        .par_iter()
        .try_for_each(|(rel, bytes)| replace_file(&dir.join(rel), bytes))?;
    let mut changed: Vec<String> = pending.into_iter().map(|(rel, _)| rel).collect();
    for (rel, h) in ip.previous.hashes {
        if hashes.contains_key(&rel) {
            continue;
        }
        if (ip.keep)(&rel) {
            hashes.insert(rel, h);
            continue;
        }
        let path = dir.join(&rel);
        changed.push(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
        // Empty folders left behind go too (never the output folder itself).
        let mut p = path.parent();
        while let Some(d) = p {
            if d == dir || std::fs::remove_dir(d).is_err() {
                break;
            }
            p = d.parent();
        }
    }
    changed.sort();
    Ok(Written {
        dir,
        hashes,
        changed: Some(changed),
    })
}

impl Drop for Staging {
    fn drop(&mut self) {
        // A failed build leaves no half-written folder behind.
        if !self.committed && self.dir.join(MARKER).is_file() {
            let _ = remove_marked_dir(&self.dir);
        }
    }
}

/// Removes a casebook folder, its marker last: a removal interrupted half-way leaves a
/// folder that is still recognisably casebook's, so the next build can finish the job.
pub fn remove_marked_dir(dir: &Path) -> std::io::Result<()> {
    use rayon::prelude::*;
    // Unlinking is slow on some file systems (ext4 mounted with `discard`: ~1.5 ms a file),
    // so files are removed in parallel, then the emptied folders deepest first.
    let marker = dir.join(MARKER);
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for e in walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .flatten()
    {
        if e.file_type().is_dir() {
            dirs.push(e.path().to_path_buf());
        } else if e.path() != marker {
            files.push(e.path().to_path_buf());
        }
    }
    files.par_iter().try_for_each(std::fs::remove_file)?;
    dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for d in dirs {
        std::fs::remove_dir(&d)?;
    }
    std::fs::remove_file(&marker)?;
    std::fs::remove_dir(dir)
}

fn sync_dir(p: &Path) {
    if let Ok(f) = std::fs::File::open(p) {
        let _ = f.sync_all();
    }
}

/// Atomically exchanges two paths (Linux renameat2 RENAME_EXCHANGE); false when the
/// platform or file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(ca), Ok(cb)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    const AT_FDCWD: i32 = -100;
    const RENAME_EXCHANGE: u32 = 2;
    unsafe extern "C" {
        fn renameat2(
            olddirfd: i32,
            oldpath: *const std::ffi::c_char,
            newdirfd: i32,
            newpath: *const std::ffi::c_char,
            flags: u32,
        ) -> i32;
    }
    // SAFETY: both pointers are valid NUL-terminated strings for the duration of the call.
    unsafe {
        renameat2(
            AT_FDCWD,
            ca.as_ptr(),
            AT_FDCWD,
            cb.as_ptr(),
            RENAME_EXCHANGE,
        ) == 0
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("casebook-out-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn refuses_foreign_folder() {
        let d = tmp("foreign");
        let target = d.join("public");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("keep.txt"), "mine").unwrap();
        assert!(Staging::new(&target).is_err());
        assert_eq!(
            std::fs::read_to_string(target.join("keep.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn commit_replaces_and_drop_cleans() {
        let d = tmp("commit");
        let target = d.join("public");
        let s = Staging::new(&target).unwrap();
        s.write("a/index.html", b"one").unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("a/index.html")).unwrap(),
            "one"
        );
        let s = Staging::new(&target).unwrap();
        s.write("b.html", b"two").unwrap();
        let staging = s.dir.clone();
        drop(s);
        assert!(!staging.exists());
        assert!(target.join("a/index.html").exists());
        let s = Staging::new(&target).unwrap();
        s.write("b.html", b"two").unwrap();
        s.commit().unwrap();
        assert!(!target.join("a/index.html").exists());
        assert!(target.join(MARKER).exists());
        let leftovers: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn refuses_escaping_paths() {
        let d = tmp("escape");
        let s = Staging::new(&d.join("public")).unwrap();
        assert!(s.write("../x", b"").is_err());
        assert!(s.write("a/../../x", b"").is_err());
    }

    /// A streamed file is inspected in overlapping pieces: an identifier anywhere in it,
    /// at and around every piece boundary, in writes of any size, is seen whole; the
    /// file holds exactly the bytes written.
    #[test]
    fn a_streamed_file_is_inspected_whole_in_pieces() {
        use crate::deid::{OVERLAP, PIECE};
        let d = tmp("stream");
        // Two-word needles ("needle 000123": a cut at the space between the words loses
        // one unless the piece reads on) between filler words of random lengths, so the
        // cuts land inside needles as well as between them.
        let mut text = String::new();
        let mut rng = 7u64;
        let mut next = |m: usize| {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 33) as usize % m
        };
        let mut planted = Vec::new();
        while text.len() < 7 * PIECE + 3 * OVERLAP {
            if next(2) == 0 {
                let n = format!("needle {:06}", planted.len());
                text.push_str(&n);
                planted.push(n);
            } else {
                text.push_str(&"ab".repeat(1 + next(9)));
            }
            text.push_str([" ", "\n", ", ", " é "][next(4)]);
        }
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let inspector: Inspector =
            std::sync::Arc::new(move |rel: &str, b: &[u8], _: Option<&Hash>| {
                if rel == MARKER {
                    return Vec::new();
                }
                assert_eq!(rel, "data/x.json");
                assert!(
                    b.len() <= 2 * PIECE + 4 * OVERLAP,
                    "a piece of {} bytes",
                    b.len()
                );
                let t = std::str::from_utf8(b).expect("pieces end at ASCII separators");
                let words: Vec<&str> = t
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect();
                let found: Vec<String> = words
                    .windows(2)
                    .filter(|w| w[0] == "needle" && w[1].len() == 6)
                    .map(|w| format!("{} {}", w[0], w[1]))
                    .collect();
                log.lock().unwrap().extend(found.clone());
                found
            });
        let s = Staging::new(&d.join("public"))
            .unwrap()
            .inspect_with(inspector);
        let mut w = s.stream("data/x.json").unwrap();
        let b = text.as_bytes();
        let mut at = 0;
        while at < b.len() {
            let n = [1, 17, 4096, PIECE / 3, 3 * PIECE][next(5)].min(b.len() - at);
            w.write(&b[at..at + n]).unwrap();
            at += n;
        }
        w.finish().unwrap();
        let mut reported = s.inspect_rest().unwrap();
        reported.sort();
        let mut want = planted.clone();
        want.sort();
        // Every planted needle, each once after dedup (counts only: the lists are long).
        assert!(
            reported == want,
            "{} planted, {} reported",
            want.len(),
            reported.len()
        );
        let mut seen = seen.lock().unwrap().clone();
        seen.sort();
        seen.dedup();
        assert!(seen == want, "{} seen", seen.len());
        assert!(
            std::fs::read(s.dir.join("data/x.json")).unwrap() == b,
            "the bytes written"
        );
        assert_eq!(s.files(), 1);
        assert_eq!(s.bytes(), b.len() as u64);
    }
}
