//! `casebook init DIR`: a new site that builds at once: config, the default theme, the
//! default rule packs, a few example determinations and a CI workflow.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;

#[derive(Args)]
pub struct InitArgs {
    /// Folder for the new site (created; must be empty if it exists)
    pub dir: PathBuf,
}

/// Files `init` writes besides the theme: embedded from this repository's example site.
pub const SITE_FILES: &[(&str, &str)] = &crate::starter::FILES;

fn write(dir: &Path, rel: &str, text: &str) -> Result<()> {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
}

pub fn run(a: InitArgs) -> Result<u8> {
    if a.dir.exists()
        && std::fs::read_dir(&a.dir)
            .with_context(|| format!("reading {}", a.dir.display()))?
            .next()
            .is_some()
    {
        bail!("{} is not empty; choose a new folder", a.dir.display());
    }
    std::fs::create_dir_all(&a.dir).with_context(|| format!("creating {}", a.dir.display()))?;
    for (rel, text) in SITE_FILES {
        write(&a.dir, rel, text)?;
    }
    crate::theme::write_default(&a.dir.join("themes").join("default"))
        .context("writing the default theme")?;
    std::fs::create_dir_all(a.dir.join("static"))?;
    eprintln!("created a new casebook site in {}", a.dir.display());
    eprintln!("next: cd {} && casebook build", a.dir.display());
    Ok(crate::exit::OK)
}
