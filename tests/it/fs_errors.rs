//! I/O failures in the middle of a build: a full disk (a real small tmpfs when the tests
//! run as root, as CI does; a file-size limit otherwise), a file-size limit (EFBIG), and
//! permission errors. Each time the previous output stays byte for byte (or there is none
//! if there was none), no staging folder is left behind, the exit code is 2 and the
//! message names the path and the cause.
#![cfg(target_os = "linux")]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::watch::site;
use crate::util::*;

const NOBODY: u32 = 65534;

fn root() -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

/// What makes a build fail.
#[derive(Clone)]
enum Fault {
    /// None: an ordinary build (as `As`).
    Nothing,
    /// RLIMIT_FSIZE of this many bytes, SIGXFSZ ignored: a write past it fails with EFBIG.
    FileSize(u64),
}

/// Who builds: this user, or (when the tests run as root) nobody, from a copy of the
/// binary that nobody can run wherever the tests were built.
#[derive(Clone)]
enum As {
    Me,
    Nobody(PathBuf),
}

fn build(site: &Path, out: &Path, fault: Fault, who: &As) -> Output {
    let bin = match who {
        As::Me => PathBuf::from(BIN),
        As::Nobody(b) => b.clone(),
    };
    let mut cmd = Command::new(bin);
    cmd.args(["build", "--output"])
        .arg(out)
        .current_dir(site)
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .env("NO_COLOR", "1");
    let nobody = matches!(who, As::Nobody(_));
    // SAFETY: the closure only makes async-signal-safe system calls (signal, setrlimit,
    // setgroups, setgid, setuid) between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if let Fault::FileSize(n) = fault {
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: n,
                    rlim_max: n,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if nobody
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(NOBODY) != 0
                    || libc::setuid(NOBODY) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.output().expect("running casebook build")
}

/// Every file under `dir` with its bytes; `None` when `dir` does not exist.
fn snapshot(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    dir.exists().then(|| {
        walk(dir)
            .into_iter()
            .map(|p| {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                (rel, std::fs::read(&p).unwrap())
            })
            .collect()
    })
}

/// Staging folders and set-aside outputs left beside `out`.
fn leftovers(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().to_string();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| {
            n.starts_with(&format!(".{name}.staging-")) || n.starts_with(&format!(".{name}.old-"))
        })
        .collect()
}

/// Runs a build that must fail and checks what it left: `out` as it was, nothing beside
/// it, exit 2, a message naming `names` (a path) and one of `causes`.
fn assert_fails_cleanly(
    what: &str,
    site: &Path,
    out: &Path,
    fault: Fault,
    who: &As,
    names: &str,
    causes: &[&str],
) -> String {
    let before = snapshot(out);
    let o = build(site, out, fault, who);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{what}: exit code\n{err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(
        err.contains(names),
        "{what}: the message does not name {names}:\n{err}"
    );
    assert!(
        causes.iter().any(|c| err.contains(c)),
        "{what}: the message does not give the cause ({causes:?}):\n{err}"
    );
    assert!(
        snapshot(out) == before,
        "{what}: the output changed (it existed before: {})",
        before.is_some()
    );
    assert_eq!(leftovers(out), Vec::<String>::new(), "{what}: left behind");
    eprintln!("{what}: {}", err.trim_end());
    err
}

/// A change that alters every page, so a build that got half-way would show.
fn retitle(site: &TempDir, title: &str) {
    let config = site.read("casebook.yaml");
    let old = config
        .lines()
        .find(|l| l.starts_with("title:"))
        .unwrap()
        .to_string();
    site.write(
        "casebook.yaml",
        &config.replace(&old, &format!("title: {title}")),
    );
}

/// Bytes a tree takes on tmpfs (whole pages per file), and its largest determination page.
fn measure(dir: &Path) -> (u64, u64) {
    let mut pages = 0;
    let mut page_max = 0;
    for f in walk(dir) {
        let len = std::fs::metadata(&f).unwrap().len();
        pages += len.div_ceil(4096) * 4096;
        let rel = f.strip_prefix(dir).unwrap().to_string_lossy().to_string();
        if rel.starts_with("determinations/") && rel.ends_with("index.html") {
            page_max = page_max.max(len);
        }
    }
    (pages, page_max)
}

/// A tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` when mounting is not possible (not root, or no CAP_SYS_ADMIN in a container).
    fn mount(dir: &Path, bytes: u64) -> Option<Tmpfs> {
        if !root() {
            return None;
        }
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes},mode=0755")])
            .arg("tmpfs")
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A disk that fills up half-way through a build: first with no previous output (none is
/// left), then with one (it stays as it was).
#[test]
fn a_full_disk_mid_build_changes_nothing() {
    let s = site("enospc");
    let reference = s.path().join("reference");
    assert_eq!(
        code(&build(s.path(), &reference, Fault::Nothing, &As::Me)),
        0
    );
    let (size, page_max) = measure(&reference);

    let small = s.path().join("small");
    let large = s.path().join("large");
    // Room for half a site, then for one and a half (the previous site plus half the new).
    let mounts = (
        Tmpfs::mount(&small, size / 2),
        Tmpfs::mount(&large, size * 3 / 2),
    );
    let (fault, causes, how) = match &mounts {
        (Some(_), Some(_)) => (Fault::Nothing, ["No space left on device"], "a full tmpfs"),
        _ => {
            // Not root (or no mount allowed): a file-size limit past the first pages.
            eprintln!("cannot mount a tmpfs here: a full disk is simulated by RLIMIT_FSIZE");
            std::fs::create_dir_all(&small).unwrap();
            std::fs::create_dir_all(&large).unwrap();
            (
                Fault::FileSize(page_max + 1),
                ["File too large"],
                "RLIMIT_FSIZE",
            )
        }
    };
    eprintln!("full disk by {how}");
    let out = small.join("public");
    assert_fails_cleanly(
        "no previous output",
        s.path(),
        &out,
        fault.clone(),
        &As::Me,
        &small.join(".public.staging-").display().to_string(),
        &causes,
    );
    assert!(!out.exists());

    let out = large.join("public");
    assert_eq!(code(&build(s.path(), &out, Fault::Nothing, &As::Me)), 0);
    retitle(&s, "Second edition");
    assert_fails_cleanly(
        "previous output",
        s.path(),
        &out,
        fault,
        &As::Me,
        &large.join(".public.staging-").display().to_string(),
        &causes,
    );
    drop(mounts);
}

/// Writes that fail with EFBIG part-way (after the determination pages went through).
#[test]
fn a_file_size_limit_mid_build_changes_nothing() {
    let s = site("efbig");
    let reference = s.path().join("reference");
    assert_eq!(
        code(&build(s.path(), &reference, Fault::Nothing, &As::Me)),
        0
    );
    let (_, page_max) = measure(&reference);
    // Room for the determination pages (which a longer title makes a little longer).
    let limit = page_max + 1024;
    let over: Vec<_> = walk(&reference)
        .into_iter()
        .filter(|f| std::fs::metadata(f).unwrap().len() > limit)
        .collect();
    assert!(
        !over.is_empty(),
        "no file of the site is over {limit} bytes"
    );

    let out = s.path().join("public");
    let err = assert_fails_cleanly(
        "no previous output",
        s.path(),
        &out,
        Fault::FileSize(limit),
        &As::Me,
        ".public.staging-",
        &["File too large"],
    );
    // Part-way: a file written after the determination pages failed.
    assert!(
        !err.contains(".casebook-output") && !err.contains("/determinations/"),
        "{err}"
    );
    assert!(!out.exists());

    assert_eq!(code(&build(s.path(), &out, Fault::Nothing, &As::Me)), 0);
    retitle(&s, "Second edition");
    let err = assert_fails_cleanly(
        "previous output",
        s.path(),
        &out,
        Fault::FileSize(limit),
        &As::Me,
        ".public.staging-",
        &["File too large"],
    );
    assert!(!err.contains("/determinations/"), "{err}");
    // Nothing is wedged: without the limit the same build goes through.
    assert_eq!(code(&build(s.path(), &out, Fault::Nothing, &As::Me)), 0);
    assert!(s.read("public/index.html").contains("Second edition"));
}

fn chown_tree(dir: &Path, uid: u32) {
    std::os::unix::fs::lchown(dir, Some(uid), Some(uid)).unwrap();
    for e in walk_all(dir) {
        std::os::unix::fs::lchown(&e, Some(uid), Some(uid)).unwrap();
    }
}

/// Every file and folder under `dir`.
fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Permission errors: a static file the builder may not read (hit after every page was
/// written), an output folder it may not write in, and (as root) a previous output it may
/// not move aside. As root, the builds run as nobody: root would read and write anyway.
#[test]
fn permission_errors_mid_build_change_nothing() {
    let s = site("eacces");
    let who = if root() {
        // A copy of the binary nobody can run, wherever the tests were built (/root is 700).
        let bin = s.path().join("bin/casebook");
        std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
        std::fs::copy(BIN, &bin).unwrap();
        chmod(&bin, 0o755);
        chown_tree(s.path(), NOBODY);
        As::Nobody(bin)
    } else {
        As::Me
    };
    let out = s.path().join("public");
    assert_eq!(code(&build(s.path(), &out, Fault::Nothing, &who)), 0);
    retitle(&s, "Second edition");

    // An unreadable static file: read after the pages, listings and index were written.
    s.write("static/secret.txt", "not for you\n");
    let secret = s.path().join("static/secret.txt");
    if root() {
        std::os::unix::fs::lchown(&secret, Some(0), Some(0)).unwrap();
        chmod(&secret, 0o600);
    } else {
        chmod(&secret, 0o000);
    }
    assert_fails_cleanly(
        "an unreadable static file",
        s.path(),
        &out,
        Fault::Nothing,
        &who,
        "static/secret.txt",
        &["Permission denied"],
    );
    std::fs::remove_file(&secret).unwrap();

    // An output folder that cannot be written in: with and without a previous output.
    let ro = s.path().join("ro");
    std::fs::create_dir_all(&ro).unwrap();
    if root() {
        chown_tree(&ro, NOBODY);
    }
    let ro_out = ro.join("public");
    assert_eq!(code(&build(s.path(), &ro_out, Fault::Nothing, &who)), 0);
    chmod(&ro, 0o555);
    retitle(&s, "Third edition");
    assert_fails_cleanly(
        "an output folder that cannot be written in",
        s.path(),
        &ro_out,
        Fault::Nothing,
        &who,
        &ro.join(".public.staging-").display().to_string(),
        &["Permission denied"],
    );
    let empty = s.path().join("ro-empty");
    std::fs::create_dir_all(&empty).unwrap();
    if root() {
        chown_tree(&empty, NOBODY);
    }
    chmod(&empty, 0o555);
    assert_fails_cleanly(
        "an empty output folder that cannot be written in",
        s.path(),
        &empty.join("public"),
        Fault::Nothing,
        &who,
        &empty.join(".public.staging-").display().to_string(),
        &["Permission denied"],
    );
    assert!(!empty.join("public").exists());
    chmod(&ro, 0o755);
    chmod(&empty, 0o755);

    // A previous output owned by someone else in a sticky folder (like /tmp): the whole
    // new site is written, then the swap is refused.
    if root() {
        let sticky = s.path().join("sticky");
        std::fs::create_dir_all(&sticky).unwrap();
        chmod(&sticky, 0o1777);
        std::os::unix::fs::lchown(&sticky, Some(0), Some(0)).unwrap();
        let st_out = sticky.join("public");
        assert_eq!(code(&build(s.path(), &st_out, Fault::Nothing, &As::Me)), 0);
        retitle(&s, "Fourth edition");
        assert_fails_cleanly(
            "a previous output that cannot be moved aside",
            s.path(),
            &st_out,
            Fault::Nothing,
            &who,
            &st_out.display().to_string(),
            &["Operation not permitted", "Permission denied"],
        );
    } else {
        eprintln!(
            "not root: the case of a previous output owned by another user is not run \
             (it needs a second user; CI runs as root)"
        );
    }

    // Nothing is wedged: with the permissions back the build goes through.
    assert_eq!(code(&build(s.path(), &out, Fault::Nothing, &who)), 0);
}
