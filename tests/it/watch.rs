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
    /// How long one expected line may take.
    deadline: Duration,
}

impl Running {
    pub fn start(dir: &Path, args: &[&str]) -> Running {
        Running::start_with(dir, args, &[])
    }

    pub fn start_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child = Command::new(BIN)
            .args(args)
            .envs(env.iter().copied())
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
            deadline: DEADLINE,
        }
    }

    /// Waits up to `d` for each expected line (builds of big sites on a busy machine).
    pub fn patient(mut self, d: Duration) -> Running {
        self.deadline = d;
        self
    }

    /// Waits for the next line satisfying `pred` and returns it, with the lines that came
    /// before it (since the last call). Panics with everything seen on timeout or exit.
    pub fn wait_for(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> (String, Vec<String>) {
        let end = Instant::now() + self.deadline;
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

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The lines already written and not read yet (does not wait).
    pub fn pending(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line.clone());
            out.push(line);
        }
        out
    }

    /// The next line, if one comes before `until`.
    pub fn line_before(&mut self, until: Instant) -> Option<String> {
        let left = until.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(line) => {
                self.seen.push(line.clone());
                Some(line)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                panic!("casebook exited; stderr:\n{}", self.seen.join("\n"))
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
    started_within(site, args, DEADLINE)
}

fn started_within(site: &TempDir, args: &[&str], deadline: Duration) -> Running {
    let mut w = Running::start(site.path(), args).patient(deadline);
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

/// A site of `n` determinations (the fixture's, renumbered) under `folder`.
fn many(name: &str, n: usize, folder: &str) -> TempDir {
    let site = site(name);
    let text = site.read(DET);
    for i in 1..n {
        let case = format!("CM14-{}", 1_000_000 + i);
        site.write(
            &format!("content/determinations/{folder}/{case}.md"),
            &text.replacen("CM14-0123456", &case, 1),
        );
    }
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    site
}

/// Waits for the next build line and, after a successful rebuild, for the search index
/// and exports written after it; returns the build line.
fn finished_build(w: &mut Running) -> String {
    let (line, _) = w.next_build();
    if line.starts_with("rebuilt in") {
        w.wait_for("the search index and exports", |l| {
            l.starts_with("updated the search index and exports")
                || l.starts_with("error: updating the search index")
        });
    }
    line
}

/// Waits until the watch has settled after the changes made so far, then checks that its
/// output is byte for byte what a clean `casebook build` of the same sources writes.
///
/// Settled means: (1) a rebuild that started after the last change has finished, search
/// index and exports included: a static sentinel file written now shows up in the output
/// with this round's text (a build looks at every source afresh); and (2) no change is left to process: the debouncer delivers an
/// event `DEBOUNCE` (30 ms) after it happened and the loop starts a rebuild for it at
/// once, so once a second has passed since the sentinel with no rebuild starting, none
/// will.
fn settles_to_a_clean_build(w: &mut Running, site: &TempDir, round: usize) {
    let text = format!("sentinel {round}\n");
    let written = Instant::now();
    site.write("static/sentinel.txt", &text);
    let out = site.path().join("public/sentinel.txt");
    let mut last = loop {
        let line = finished_build(w);
        if std::fs::read_to_string(&out).is_ok_and(|t| t == text) {
            break line;
        }
    };
    loop {
        let quiet =
            (written + Duration::from_secs(1)).max(Instant::now() + Duration::from_millis(300));
        match w.line_before(quiet) {
            None => break,
            Some(l) if l.starts_with("rebuilding (") => last = finished_build(w),
            Some(_) => {}
        }
    }
    assert!(
        last.starts_with("rebuilt in"),
        "round {round}: the last build: {last}\n{}",
        w.seen.join("\n")
    );
    let clean = TempDir::new("watch-clean");
    let out = clean.path().join("public");
    let o = run(site.path(), &["build", "--output", out.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let (got, want) = (tree(&site.path().join("public")), tree(&out));
    let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(&want), "round {round}: different files");
    for ((name, a), (_, b)) in got.iter().zip(&want) {
        assert!(a == b, "round {round}: {name} differs from a clean build");
    }
}

#[test]
fn a_burst_of_a_thousand_changed_files_settles_to_a_clean_build() {
    let site = many("watch-burst", 1000, "2014");
    // A build of 1,000 takes 10 s in a debug build, much more on a busy machine.
    let mut w = started_within(&site, &["watch"], Duration::from_secs(300));
    // Every file rewritten at once (a checkout, a reformat): a comment in all of them,
    // the rationale of every tenth, and one of them broken and fixed again.
    let started = Instant::now();
    for (i, f) in walk(&site.path().join("content/determinations"))
        .into_iter()
        .enumerate()
    {
        let mut text = std::fs::read_to_string(&f).unwrap();
        text = text.replacen("---\n", "---\n# touched by the burst\n", 1);
        if i % 10 == 0 {
            text = text.replacen(OLD, &format!("is not medically necessary (burst {i})."), 1);
        }
        std::fs::write(&f, text).unwrap();
    }
    edit(&site, DET, "    decision: upheld ", "    decision: maybe ");
    edit(&site, DET, "    decision: maybe ", "    decision: upheld ");
    eprintln!("burst written in {:?}", started.elapsed());
    settles_to_a_clean_build(&mut w, &site, 1);
    let changed = walk(&site.path().join("public/determinations"))
        .iter()
        .filter(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .contains("is not medically necessary (burst ")
        })
        .count();
    assert_eq!(changed, 100);
}

#[test]
fn files_deleted_and_recreated_during_a_rebuild_settle_to_a_clean_build() {
    let site = many("watch-churn", 300, "2014");
    let dir = site.path().join("content/determinations/2014");
    let det = site.read(DET);
    let mut w = started(&site, &["watch"]);
    for round in 1..=2 {
        site.write(
            DET,
            &det.replacen(
                OLD,
                &format!("is not medically necessary (round {round})."),
                1,
            ),
        );
        // Once the rebuild has started, and while it runs: delete 30 files, recreate 20
        // of them with other text and two under other names, and delete and recreate
        // one file over and over.
        w.wait_for("a rebuild to start", |l| l.starts_with("rebuilding ("));
        for i in 1..=30 {
            let f = dir.join(format!("CM14-{}.md", 1_000_010 + (round - 1) * 40 + i));
            let text = std::fs::read_to_string(&f).unwrap();
            std::fs::remove_file(&f).unwrap();
            if i <= 20 {
                std::fs::write(
                    &f,
                    text.replacen(OLD, &format!("recreated in round {round}."), 1),
                )
                .unwrap();
            } else if i <= 22 {
                std::fs::write(dir.join(format!("renamed-{round}-{i}.md")), text).unwrap();
            }
        }
        let f = dir.join("CM14-1000001.md");
        let text = std::fs::read_to_string(&f).unwrap();
        for k in 0..20 {
            std::fs::remove_file(&f).unwrap();
            std::fs::write(&f, text.replacen(OLD, &format!("flicker {round}.{k}."), 1)).unwrap();
        }
        let finished = w.pending();
        assert!(
            !finished
                .iter()
                .any(|l| l.starts_with("rebuilt in") || l.starts_with("rebuild failed")),
            "the rebuild finished before the churn did (make the site bigger): {finished:#?}"
        );
        settles_to_a_clean_build(&mut w, &site, round);
    }
}

#[test]
fn a_renamed_content_folder_settles_to_a_clean_build() {
    let site = many("watch-rename", 60, "batch-a");
    let dets = site.path().join("content/determinations");
    let mut w = started(&site, &["watch"]);
    std::fs::rename(dets.join("batch-a"), dets.join("batch-b")).unwrap();
    settles_to_a_clean_build(&mut w, &site, 1);
    // The renamed folder is watched under its new name.
    edit(
        &site,
        "content/determinations/batch-b/CM14-1000050.md",
        OLD,
        "is not medically necessary (after the rename).",
    );
    let (line, _) = w.next_build();
    assert!(
        line.contains("(determinations: content/determinations/batch-b/CM14-1000050.md)"),
        "{line}"
    );
    assert!(
        site.read("public/determinations/CM14-1000050/index.html")
            .contains("(after the rename)")
    );
    // Out of the content folder (its determinations go), and back under another name,
    // nested one level deeper.
    std::fs::create_dir_all(site.path().join("attic")).unwrap();
    std::fs::rename(dets.join("batch-b"), site.path().join("attic/batch-b")).unwrap();
    settles_to_a_clean_build(&mut w, &site, 2);
    assert!(
        !site
            .path()
            .join("public/determinations/CM14-1000050")
            .exists()
    );
    std::fs::create_dir_all(dets.join("2014")).unwrap();
    std::fs::rename(site.path().join("attic/batch-b"), dets.join("2014/batch-c")).unwrap();
    settles_to_a_clean_build(&mut w, &site, 3);
    assert!(
        site.read("public/determinations/CM14-1000050/index.html")
            .contains("(after the rename)")
    );
}

/// A rule pack change re-checks everything but re-renders only the determinations whose
/// published form depends on the pack (cited, or governing one of their treatments).
#[test]
fn a_rule_pack_change_re_renders_only_what_cites_it() {
    let site = site("watch-pack-deps");
    let second = site.read(DET).replace("CM14-0123456", "CM14-0123457");
    site.write("content/determinations/CM14-0123457.md", &second);
    let mut w = Running::start_with(site.path(), &["watch"], &[("CASEBOOK_TIMINGS", "1")]);
    w.wait_for("the first build", |l| l.starts_with("built in"));
    let rendered_after = |w: &mut Running, what: &str| -> String {
        let (line, _) = w.wait_for(what, |l| l.contains("determination pages rendered"));
        let (_, note) = line.split_once("; ").expect("a note");
        w.next_build();
        note.to_string()
    };
    // Neither determination cites the acupuncture guideline nor has a treatment it governs.
    let acu = "content/guidelines/mtus-acupuncture-2007.yaml";
    let text = site.read(acu);
    site.write(
        acu,
        &text.replacen(
            "title: MTUS Acupuncture Medical Treatment Guidelines",
            "title: MTUS Acupuncture Medical Treatment Guidelines (2007)",
            1,
        ),
    );
    assert_eq!(
        rendered_after(&mut w, "a rebuild after the acupuncture pack"),
        "0 of 2 determination pages rendered"
    );
    // Both cite the chronic pain guideline.
    let cp = "content/guidelines/mtus-chronic-pain-2009.yaml";
    let text = site.read(cp);
    let first_title = text
        .lines()
        .find(|l| l.starts_with("title: "))
        .expect("a pack title")
        .to_string();
    site.write(
        cp,
        &text.replacen(&first_title, &format!("{first_title} (rev.)"), 1),
    );
    assert_eq!(
        rendered_after(&mut w, "a rebuild after the chronic pain pack"),
        "2 of 2 determination pages rendered"
    );
    let page = site.read("public/determinations/CM14-0123456/index.html");
    assert!(
        page.contains("(rev.)"),
        "the citing page shows the new pack title"
    );
}

/// The editor's fast path: saving one determination writes its page at once ("updated
/// PATH in N ms", printed after the page is in place), then the rebuild updates the rest
/// and finds the page up to date. Anything beyond the page (a new case number, new
/// declared identifiers, an error) skips the fast path and leaves it all to the rebuild.
#[test]
fn a_saved_determination_page_is_updated_first_and_only_when_safe() {
    let site = site("watch-quick");
    let mut w = started(&site, &["watch"]);
    let page = "public/determinations/CM14-0123456/index.html";

    edit(&site, DET, OLD, "is not medically necessary (QUICK-1).");
    let (line, _) = w.wait_for("the fast path", |l| l.starts_with("updated /"));
    assert!(
        line.starts_with("updated /determinations/CM14-0123456/ in "),
        "{line}"
    );
    // Printed after the page was replaced: it is there already, before the rebuild ends.
    assert!(site.read(page).contains("QUICK-1"), "{}", w.seen.join("\n"));
    let (line, _) = w.next_build();
    assert!(line.starts_with("rebuilt in"), "{line}");
    w.wait_for("the search index and exports", |l| {
        l.starts_with("updated the search index and exports")
    });
    let clean = |w: &Running, what: &str| {
        let o = run(site.path(), &["build", "--output", "clean"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(
            tree(&site.path().join("public")),
            tree(&site.path().join("clean")),
            "after {what}\n{}",
            w.seen.join("\n")
        );
    };
    clean(&w, "the fast path and the rebuild");

    // Not taken: a new declared identifier (the leak gate's identifiers change), a new
    // case number (the page moves), an error (the rebuild reports it).
    let text = site.read(DET);
    let cases: [(&str, String); 3] = [
        (
            "a new declared identifier",
            text.replacen("  other: []", "  other: [\"lifting injury\"]", 1),
        ),
        (
            "a new case number",
            text.replacen(
                "case_number: CM14-0123456 ",
                "case_number: CM14-0123459 ",
                1,
            ),
        ),
        (
            "an error",
            text.replacen("    decision: upheld ", "    decision: maybe ", 1),
        ),
    ];
    for (what, changed) in cases {
        assert_ne!(changed, text, "{what}: the fixture changed");
        site.write(DET, &changed);
        let (line, before) = w.next_build();
        assert!(
            !before.iter().any(|l| l.starts_with("updated /")),
            "{what} took the fast path: {before:#?}"
        );
        if what == "an error" {
            assert!(line.starts_with("rebuild failed"), "{what}: {line}");
        } else {
            assert!(line.starts_with("rebuilt in"), "{what}: {line}");
            w.wait_for("the search index and exports", |l| {
                l.starts_with("updated the search index and exports")
            });
            clean(&w, what);
        }
        site.write(DET, &text);
        let (line, _) = w.next_build();
        assert!(line.starts_with("rebuilt in"), "{what}, restored: {line}");
        w.wait_for("the search index and exports", |l| {
            l.starts_with("updated the search index and exports")
        });
    }
    clean(&w, "the edits were undone");
}
