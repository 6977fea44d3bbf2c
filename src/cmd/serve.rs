//! `casebook serve`: build into a private folder, serve it on loopback, watch, live-reload.

use anyhow::{Context, Result};
use clap::Args;

use super::Common;
use super::watch::{canonical_root, watch_loop};
use crate::build::Options;
use crate::serve::{self, Live};

/// Where `serve` builds, under the site root: never `public/`, so a preview (with its
/// live-reload script and, with --drafts, drafts) can never be published by accident.
pub const SERVE_DIR: &str = ".casebook/serve-public";

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: Common,
    /// Address to listen on (loopback unless told otherwise)
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: String,
    /// Port to listen on; the next free one is used if it is taken (0: any)
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Open the site in the default browser
    #[arg(long)]
    pub open: bool,
    /// Poll for changes instead of relying on file-system events
    #[arg(long)]
    pub poll: bool,
}

pub fn run(a: ServeArgs) -> Result<u8> {
    let c = &a.common;
    let root = canonical_root(&c.root)?;
    let private = root.join(".casebook");
    std::fs::create_dir_all(&private).with_context(|| format!("creating {}", private.display()))?;
    // Keep the preview out of version control.
    let ignore = private.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(&ignore, "*\n").with_context(|| format!("writing {}", ignore.display()))?;
    }
    let output = root.join(SERVE_DIR);

    let (listener, moved) = serve::bind(&a.bind, a.port)?;
    let addr = listener.local_addr().context("reading the bound address")?;
    if moved {
        eprintln!(
            "port {} is taken; using port {} instead",
            a.port,
            addr.port()
        );
    }
    let url = format!("http://{addr}/");
    let live = Live::new();
    // Held until `serve` ends: dropping it removes tiny_http's private socket.
    let _server = serve::start(listener, output.clone(), live.clone())?;
    eprintln!("serving {url} (preview built into {})", output.display());

    let opts = Options {
        root: root.clone(),
        output: output.clone(),
        drafts: c.drafts,
        // Links must work on this server whatever the published base URL is.
        base_url: Some(c.base_url.clone().unwrap_or_else(|| url.clone())),
        live_reload: true,
        progress: false,
        cache: Some(crate::cache::Cache::new()),
        store: false,
    };
    let mut first = a.open;
    watch_loop(
        &opts,
        &[output],
        a.poll,
        c,
        |outcome| {
            live.finished(outcome.ok, &outcome.diagnostics, outcome.pages.as_deref());
            if std::mem::take(&mut first) {
                open_browser(&url);
            }
        },
        |page| live.page_updated(&page.url),
    )
}

fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    cmd.arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if let Err(e) = cmd.spawn() {
        eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
    }
}
