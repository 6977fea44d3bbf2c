//! A tiny harness: temp sites, running the binary, reading output.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

pub const BIN: &str = env!("CARGO_BIN_EXE_casebook");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh temp folder, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "casebook-it-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.0.join(rel)).unwrap_or_else(|e| panic!("reading {rel}: {e}"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .env("NO_COLOR", "1")
        .output()
        .expect("running casebook")
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Copies a folder tree (fixtures into temp sites).
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walk(from) {
        let rel = e.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&e, &dest).unwrap();
    }
}

/// Every file under `dir`, sorted.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The Chromium to drive in browser tests, or `None` (said aloud) when the caller opted out
/// with `CASEBOOK_SKIP_BROWSER=1`. A missing Chromium is a failure, not a skip: .ci/run
/// installs it.
pub fn chromium() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if std::env::var_os("CASEBOOK_SKIP_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("skipped: CASEBOOK_SKIP_BROWSER=1");
        return None;
    }
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} not found: install chromium (or set CHROMIUM, or CASEBOOK_SKIP_BROWSER=1)"
    );
    Some(chromium)
}

/// `node` ready to run a browser script: Node 22+ has WebSocket built in; 20 needs the
/// flag (later versions may drop it).
pub fn node() -> Command {
    let flag = Command::new("node")
        .args(["--experimental-websocket", "-e", "0"])
        .output()
        .is_ok_and(|o| o.status.success());
    let mut cmd = Command::new("node");
    if flag {
        cmd.arg("--experimental-websocket");
    }
    cmd
}
