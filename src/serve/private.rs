//! The private folder of tiny_http's Unix socket: mode 0700, so only this user (and so,
//! in practice, only the guard) can connect; removed when the server goes, including on
//! SIGINT, SIGTERM and SIGHUP.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result};

/// A folder that is removed with everything in it when dropped.
pub struct Folder(PathBuf);

impl Folder {
    /// Creates `serve-sock-PID` in `parent`, or `casebook-serve-sock-PID` in the temporary
    /// folder when the first path would be longer than `max_len` bytes. Folders left by
    /// processes that are gone (killed with SIGKILL) are removed first.
    pub fn create(parent: &Path, max_len: usize) -> Result<Folder> {
        let pid = std::process::id();
        let mut base = parent.to_path_buf();
        let mut prefix = "serve-sock-";
        if base.join(format!("{prefix}{pid}")).as_os_str().len() > max_len {
            base = std::env::temp_dir();
            prefix = "casebook-serve-sock-";
        }
        std::fs::create_dir_all(&base).with_context(|| format!("creating {}", base.display()))?;
        sweep(&base, prefix);
        let dir = base.join(format!("{prefix}{pid}"));
        // A folder of this process id is a dead process's (this one has made none).
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        Ok(Folder(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Removes `PREFIXpid` folders in `base` whose process is gone (where /proc tells).
fn sweep(base: &Path, prefix: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        if !pid.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// The socket and folder the signal handler removes.
static ON_SIGNAL: OnceLock<(CString, CString)> = OnceLock::new();

const SIGHUP: i32 = 1;
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;
const SIG_DFL: usize = 0;

unsafe extern "C" {
    fn signal(sig: i32, handler: usize) -> usize;
    fn unlink(path: *const std::ffi::c_char) -> i32;
    fn rmdir(path: *const std::ffi::c_char) -> i32;
    fn raise(sig: i32) -> i32;
}

extern "C" fn on_signal(sig: i32) {
    // Only async-signal-safe calls: remove the socket and the (then empty) folder, then
    // die of the signal as if there were no handler.
    if let Some((socket, dir)) = ON_SIGNAL.get() {
        // SAFETY: NUL-terminated paths that live for the whole process.
        unsafe {
            unlink(socket.as_ptr());
            rmdir(dir.as_ptr());
        }
    }
    // SAFETY: restoring the default action of a signal and raising it again.
    unsafe {
        signal(sig, SIG_DFL);
        raise(sig);
    }
}

/// Removes `folder` (holding only the socket `socket`) when the process is told to end.
pub fn remove_on_signal(folder: &Folder, socket: &Path) {
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).ok();
    let (Some(s), Some(d)) = (c(socket), c(folder.path())) else {
        return;
    };
    if ON_SIGNAL.set((s, d)).is_err() {
        return;
    }
    for sig in [SIGHUP, SIGINT, SIGTERM] {
        // SAFETY: installs a handler that only makes async-signal-safe calls.
        unsafe {
            signal(sig, on_signal as extern "C" fn(i32) as usize);
        }
    }
}
