//! `casebook build`: the site into public/ (or --output), atomically.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;

use super::Common;
use crate::build::{BuildError, Options};
use crate::exit;

#[derive(Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output folder (default: public/ in the site)
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Print the time each stage took
    #[arg(long)]
    pub timings: bool,
    /// Do not read or write the build cache (.casebook/cache/: de-identified results and
    /// leak-gate verdicts of earlier builds)
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(a: BuildArgs) -> Result<u8> {
    let started = Instant::now();
    let c = &a.common;
    let output = a.output.clone().unwrap_or_else(|| c.root.join("public"));
    let opts = Options {
        root: c.root.clone(),
        output: output.clone(),
        drafts: c.drafts,
        base_url: c.base_url.clone(),
        live_reload: false,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()) && !c.quiet,
        cache: None,
        store: !a.no_cache,
    };
    match crate::build::build(&opts)? {
        Ok((built, checked)) => {
            let failed = !checked.diagnostics.is_empty()
                && super::report(&checked.diagnostics, checked.files, c);
            if failed {
                // --deny-warnings: the site was built but the run fails.
                return Ok(exit::CONTENT);
            }
            if a.timings {
                for ((name, d), r) in built.timings.stages.iter().zip(&built.timings.resident) {
                    eprintln!(
                        "  {name:<12} {:>8.1} ms  {:>6} MB resident after",
                        d.as_secs_f64() * 1000.0,
                        r >> 20
                    );
                }
            }
            if !c.quiet {
                eprintln!(
                    "built {} determinations, {} pages in {:.2} s → {}",
                    built.determinations,
                    built.files,
                    started.elapsed().as_secs_f64(),
                    output.display()
                );
            }
            Ok(exit::OK)
        }
        Err(BuildError::Content(checked)) => {
            super::report(&checked.diagnostics, checked.files, c);
            eprintln!(
                "error: the build stopped before writing anything; {} was left as it was",
                output.display()
            );
            Ok(if checked.io_error {
                exit::USAGE
            } else {
                exit::CONTENT
            })
        }
        Err(BuildError::Leak(report)) => {
            eprintln!("error: leak gate: identifiers found in the output; nothing was published");
            for line in &report {
                eprintln!("  {line}");
            }
            eprintln!(
                "help: declare or correct the text that carries them; {} was left as it was",
                output.display()
            );
            Ok(exit::LEAK)
        }
    }
}
