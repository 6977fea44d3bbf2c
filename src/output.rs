//! Output: everything is written into a staging folder beside the target and swapped in
//! only when the whole build (leak gate included) succeeded. casebook only ever replaces
//! or removes a folder that carries its marker file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use anyhow::{Context, Result, bail};

/// Marker file inside every folder casebook writes.
pub const MARKER: &str = ".casebook-output";
const MARKER_TEXT: &str = "This folder is written by casebook; it is replaced on every build.\n";

/// A check run on the bytes of every file written (the leak gate): returns report
/// lines, empty when the file is clean.
pub type Inspector = Box<dyn Fn(&str, &[u8]) -> Vec<String> + Send + Sync>;

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
        })
    }

    /// Runs `inspect` on every file as it is written (its bytes are in memory then);
    /// [`Staging::inspect_rest`] covers files written by other means.
    pub fn inspect_with(mut self, inspect: Inspector) -> Self {
        self.inspector = Some(inspect);
        self
    }

    fn inspect(&self, rel: &str, bytes: &[u8]) {
        if let Some(f) = &self.inspector {
            let found = f(rel, bytes);
            let mut g = self.inspected.lock().expect("inspection lock");
            g.0.insert(rel.to_string());
            g.1.extend(found);
        }
    }

    /// Inspects every file of the staging folder not inspected while written, and
    /// returns everything the inspector reported, sorted, without repeats.
    pub fn inspect_rest(&self) -> Result<Vec<String>> {
        use rayon::prelude::*;
        if self.inspector.is_none() {
            return Ok(Vec::new());
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
            self.inspect(rel, &bytes);
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
        let rel = rel.trim_start_matches('/');
        if rel
            .split('/')
            .any(|c| c == ".." || c == "." || c.is_empty())
            || rel.contains('\\')
        {
            bail!("refusing to write outside the site: {rel:?}");
        }
        let path = self.dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
        }
        self.inspect(rel, bytes);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
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
    pub fn commit(mut self) -> Result<()> {
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
        Ok(())
    }
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
}
