//! `casebook watch`: rebuilds on change, one rebuild per editor save, temp files ignored,
//! new folders followed, polling, failed rebuilds keep the last good site. Every test waits
//! for the binary's own "rebuilt …" line (an event), never for a fixed time.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use crate::util::*;

/// How long any single expected event may take on a slow CI machine.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub const DET: &str = "content/determinations/CM14-0123456.md";

/// The serve/watch fixture in a temp folder.
pub fn site(name: &str) -> TempDir {
    let t = TempDir::new(name);
    copy_tree(&repo().join("tests/fixtures/serve/site"), t.path());
    t
}

/// A long-running `casebook` (watch or serve) whose stderr lines are read as they come.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    /// Every line read so far, for failure messages.
    pub seen: Vec<String>,
}

impl Running {
    pub fn start(dir: &Path, args: &[&str]) -> Running {
        let mut child = Command::new(BIN)
            .args(args)
            .current_dir(dir)
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting casebook");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines: rx,
            seen: Vec::new(),
        }
    }

    /// Waits for the next line satisfying `pred` and returns it, with the lines that came
    /// before it (since the last call). Panics with everything seen on timeout or exit.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> (String, Vec<String>) {
        let end = Instant::now() + DEADLINE;
        let mut before = Vec::new();
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return (line, before);
                    }
                    before.push(line);
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "timed out waiting for {what}; stderr so far:\n{}",
                        self.seen.join("\n")
                    )
                }
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "casebook exited while waiting for {what}; stderr:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits for the next build line ("built …", "rebuilt …", "… failed …").
    pub fn next_build(&mut self) -> (String, Vec<String>) {
        self.wait_for("a build", |l| {
            l.starts_with("built in")
                || l.starts_with("rebuilt in")
                || l.starts_with("build failed")
                || l.starts_with("rebuild failed")
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Replaces `from` by `to` in a site file (a plain in-place save).
pub fn edit(site: &TempDir, rel: &str, from: &str, to: &str) {
    let text = site.read(rel);
    assert!(text.contains(from), "{rel} has no {from:?}");
    site.write(rel, &text.replacen(from, to, 1));
}

const OLD: &str = "is not medically necessary.";

fn started(site: &TempDir, args: &[&str]) -> Running {
    let mut w = Running::start(site.path(), args);
    let (line, _) = w.next_build();
    assert!(
        line.starts_with("built in"),
        "{line}\n{}",
        w.seen.join("\n")
    );
    w
}

/// Ends a sequence of edits with an unrelated change that classifies differently (a
/// static file) and returns every build line up to and including the one it caused. Any
/// extra rebuild the edits caused shows up before it, or merged into it as `full`.
fn builds_until_sentinel(w: &mut Running, site: &TempDir, n: usize) -> Vec<String> {
    site.write("static/sentinel.txt", &format!("sentinel {n}\n"));
    let mut builds = Vec::new();
    loop {
        let (line, _) = w.next_build();
        let done = line.contains("(static files)") || line.contains("(full)");
        builds.push(line);
        if done {
            return builds;
        }
    }
}

#[test]
fn rebuilds_after_an_edit_and_never_injects_the_live_script() {
    let site = site("watch-edit");
    let mut w = started(&site, &["watch"]);
    let page = "public/determinations/CM14-0123456/index.html";
    assert!(site.read(page).contains(OLD));
    edit(
        &site,
        DET,
        OLD,
        "is not medically necessary (edited in watch).",
    );
    let (line, _) = w.next_build();
    assert!(
        line.starts_with("rebuilt in")
            && line.contains("(determinations: content/determinations/CM14-0123456.md)"),
        "{line}"
    );
    let html = site.read(page);
    assert!(html.contains("edited in watch"), "{html}");
    assert!(
        !html.contains("__casebook"),
        "watch output must not have the live script"
    );
}

#[test]
fn an_atomic_save_rebuilds_once() {
    let site = site("watch-atomic");
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    let mut w = started(&site, &["watch"]);
    // Write a temp file beside the target, then rename it over (most editors, and
    // `sed -i`, save like this).
    let text = site.read(DET).replacen(OLD, "atomically saved.", 1);
    let tmp = site
        .path()
        .join("content/determinations/CM14-0123456.md.tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, site.path().join(DET)).unwrap();
    let (line, _) = w.next_build();
    assert!(
        line.contains("(determinations: content/determinations/CM14-0123456.md)"),
        "{line}"
    );
    assert!(
        site.read("public/determinations/CM14-0123456/index.html")
            .contains("atomically saved")
    );
    let rest = builds_until_sentinel(&mut w, &site, 1);
    assert_eq!(rest.len(), 1, "an extra rebuild: {rest:#?}");
    assert!(rest[0].contains("(static files)"), "{rest:#?}");
}

#[test]
fn a_vim_backup_save_rebuilds_once() {
    let site = site("watch-vim");
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    let mut w = started(&site, &["watch"]);
    let dir = site.path().join("content/determinations");
    let target = dir.join("CM14-0123456.md");
    let text = site.read(DET).replacen(OLD, "saved by vim.", 1);
    // vim (backupcopy=no): swap file, probe file 4913, rename to backup, write, delete
    // the backup.
    std::fs::write(dir.join(".CM14-0123456.md.swp"), "swap").unwrap();
    std::fs::write(dir.join("4913"), "").unwrap();
    std::fs::remove_file(dir.join("4913")).unwrap();
    std::fs::rename(&target, dir.join("CM14-0123456.md~")).unwrap();
    std::fs::write(&target, text).unwrap();
    std::fs::remove_file(dir.join("CM14-0123456.md~")).unwrap();
    std::fs::remove_file(dir.join(".CM14-0123456.md.swp")).unwrap();
    let (line, _) = w.next_build();
    assert!(
        line.contains("(determinations: content/determinations/CM14-0123456.md)"),
        "{line}"
    );
    assert!(line.starts_with("rebuilt in"), "{line}");
    assert!(
        site.read("public/determinations/CM14-0123456/index.html")
            .contains("saved by vim")
    );
    let rest = builds_until_sentinel(&mut w, &site, 1);
    assert_eq!(rest.len(), 1, "an extra rebuild: {rest:#?}");
    assert!(rest[0].contains("(static files)"), "{rest:#?}");
}

#[test]
fn editor_temp_files_do_not_rebuild() {
    let site = site("watch-temp");
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    let mut w = started(&site, &["watch"]);
    for name in [
        ".CM14-0123456.md.swp",
        ".CM14-0123456.md.swx",
        "CM14-0123456.md~",
        ".#CM14-0123456.md",
        "#CM14-0123456.md#",
        "4913",
        ".goutputstream-XYZ123",
        "CM14-0123456.md.tmp",
        "CM14-0123456.md___jb_tmp___",
        "CM14-0123456.md.bck",
    ] {
        site.write(&format!("content/determinations/{name}"), "scratch");
    }
    let builds = builds_until_sentinel(&mut w, &site, 1);
    assert_eq!(builds.len(), 1, "temp files caused a rebuild: {builds:#?}");
    assert!(builds[0].contains("(static files)"), "{builds:#?}");
}

#[test]
fn follows_new_folders() {
    let site = site("watch-folders");
    let mut w = started(&site, &["watch"]);
    // A folder created after the watch started, then a determination inside it.
    let text = site
        .read(DET)
        .replacen("CM14-0123456", "CM14-0200000", 1)
        .replacen(OLD, "in a new folder.", 1);
    site.write("content/determinations/batch/CM14-0200000.md", &text);
    let page = "public/determinations/CM14-0200000/index.html";
    loop {
        let (line, _) = w.next_build();
        assert!(line.starts_with("rebuilt in"), "{line}");
        if site.path().join(page).exists() {
            break;
        }
    }
    assert!(site.read(page).contains("in a new folder."));
    // The new folder is watched: an edit inside it is a change to that file alone.
    edit(
        &site,
        "content/determinations/batch/CM14-0200000.md",
        "in a new folder.",
        "edited again.",
    );
    let (line, _) = w.next_build();
    assert!(
        line.contains("(determinations: content/determinations/batch/CM14-0200000.md)"),
        "{line}"
    );
    assert!(site.read(page).contains("edited again."));
}

#[test]
fn polling_rebuilds_after_an_edit() {
    let site = site("watch-poll");
    let mut w = started(&site, &["watch", "--poll"]);
    w.wait_for("the watching line", |l| l.contains("by polling"));
    edit(&site, DET, OLD, "found by polling.");
    let (line, _) = w.next_build();
    assert!(
        line.contains("(determinations: content/determinations/CM14-0123456.md)"),
        "{line}"
    );
    assert!(
        site.read("public/determinations/CM14-0123456/index.html")
            .contains("found by polling.")
    );
    // Regression: notify's poller keeps mtimes in whole seconds, so a second save within
    // the same second went unseen until contents were compared too.
    edit(&site, DET, "found by polling.", "found again.");
    let (line, _) = w.next_build();
    assert!(
        line.contains("(determinations: content/determinations/CM14-0123456.md)"),
        "{line}"
    );
    assert!(
        site.read("public/determinations/CM14-0123456/index.html")
            .contains("found again.")
    );
}

#[test]
fn a_failed_rebuild_keeps_the_last_good_site_and_prints_diagnostics() {
    let site = site("watch-fail");
    let mut w = started(&site, &["watch"]);
    let page = "public/determinations/CM14-0123456/index.html";
    let good = site.read(page);
    edit(&site, DET, "    decision: upheld ", "    decision: maybe ");
    let (line, before) = w.next_build();
    assert!(line.starts_with("rebuild failed"), "{line}");
    let text = before.join("\n");
    assert!(text.contains("error[CB006]"), "{text}");
    assert!(
        text.contains("content/determinations/CM14-0123456.md:30:15"),
        "{text}"
    );
    assert_eq!(site.read(page), good, "the last good site must stay");
    edit(&site, DET, "    decision: maybe ", "    decision: upheld ");
    edit(&site, DET, OLD, "fixed again.");
    let (line, _) = w.next_build();
    assert!(line.starts_with("rebuilt in"), "{line}");
    assert!(site.read(page).contains("fixed again."));
}

#[test]
fn a_broken_config_is_reported_and_recovered() {
    let site = site("watch-config");
    let mut w = started(&site, &["watch"]);
    let config = site.read("casebook.yaml");
    site.write("casebook.yaml", &format!("{config}titel: typo\n"));
    let (line, before) = w.next_build();
    assert!(
        line.starts_with("rebuild failed") && line.contains("(casebook.yaml)"),
        "{line}"
    );
    assert!(before.join("\n").contains("casebook.yaml"), "{before:#?}");
    site.write(
        "casebook.yaml",
        &config.replace("Serve fixture", "Renamed fixture"),
    );
    let (line, _) = w.next_build();
    assert!(line.starts_with("rebuilt in"), "{line}");
    assert!(site.read("public/index.html").contains("Renamed fixture"));
}

/// Every file under `dir` with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    walk(dir)
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(dir).unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

#[test]
fn incremental_rebuilds_are_byte_identical_to_a_full_build() {
    let site = site("watch-identical");
    // More than one determination, so memoised pages of unchanged files are reused.
    let second = site.read(DET).replace("CM14-0123456", "CM14-0123457");
    site.write("content/determinations/CM14-0123457.md", &second);
    let mut w = started(&site, &["watch"]);
    let mut n = 0;
    let mut same_as_full_build = |w: &mut Running, what: &str| {
        // The pages first, then the search index and the exports.
        let (line, _) = w.next_build();
        assert!(line.starts_with("rebuilt in"), "{what}: {line}");
        w.wait_for("the search index and exports", |l| {
            l.starts_with("updated the search index and exports")
        });
        n += 1;
        let full = format!("full-{n}");
        let o = run(site.path(), &["build", "--output", &full]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(
            tree(&site.path().join("public")),
            tree(&site.path().join(&full)),
            "after {what}"
        );
    };
    edit(&site, DET, OLD, "is not medically necessary (second edit).");
    same_as_full_build(&mut w, "an edit");
    // A template change re-renders without re-parsing.
    site.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<p>gone</p>{% endblock %}",
    );
    same_as_full_build(&mut w, "a template change");
    // A new determination, then its removal: listings, feed and search follow.
    let third = site.read(DET).replace("CM14-0123456", "CM14-0123458");
    site.write("content/determinations/CM14-0123458.md", &third);
    same_as_full_build(&mut w, "a new determination");
    std::fs::remove_file(site.path().join("content/determinations/CM14-0123457.md")).unwrap();
    same_as_full_build(&mut w, "a removed determination");
    // A rule pack: everything is re-checked.
    let pack = std::fs::read_dir(site.path().join("content/guidelines"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "yaml"))
        .expect("a rule pack");
    let text = std::fs::read_to_string(&pack).unwrap();
    std::fs::write(&pack, format!("{text}\n# reviewed\n")).unwrap();
    same_as_full_build(&mut w, "a rule pack change");
}
