//! `casebook import dwc FILE...`: published letters (text or PDF) into Markdown
//! determinations, one file per letter, never overwriting a different file silently.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use rayon::prelude::*;

use super::Common;
use crate::exit;
use crate::import::{self, Imported};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Layout {
    /// California DWC IMR final determination letters (2013–2017 layouts)
    Dwc,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The letters' format
    #[arg(value_enum, value_name = "FORMAT")]
    pub layout: Layout,
    /// Letters to import (.txt or .pdf)
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the determinations (default: content/determinations/ in the site)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replace existing files that differ
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub common: Common,
}

enum Outcome {
    Written(Imported),
    Unchanged(Imported),
    Exists(Imported),
    Failed(String),
}

fn read_letter(path: &std::path::Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
    {
        import::pdf_to_text(&bytes).map_err(|e| e.to_string())
    } else {
        String::from_utf8(bytes)
            .map_err(|_| "not UTF-8 text (save it as UTF-8, or import the PDF)".to_string())
    }
}

pub fn run(a: ImportArgs) -> Result<u8> {
    let started = Instant::now();
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| a.common.root.join("content").join("determinations"));
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let results: Vec<(PathBuf, Outcome)> = a
        .files
        .par_iter()
        .map(|f| {
            let outcome = match read_letter(f)
                .and_then(|t| import::import_dwc_text(&t).map_err(|e| e.to_string()))
            {
                Err(e) => Outcome::Failed(e),
                Ok(imp) => {
                    let dest = out.join(format!("{}.md", imp.case_number));
                    match std::fs::read_to_string(&dest) {
                        Ok(existing) if existing == imp.markdown => Outcome::Unchanged(imp),
                        Ok(_) if !a.force => Outcome::Exists(imp),
                        _ => match std::fs::write(&dest, &imp.markdown) {
                            Ok(()) => Outcome::Written(imp),
                            Err(e) => Outcome::Failed(format!("writing {}: {e}", dest.display())),
                        },
                    }
                }
            };
            (f.clone(), outcome)
        })
        .collect();
    let (mut written, mut unchanged, mut failed, mut warnings, mut items) = (0, 0, 0, 0, 0);
    for (f, o) in &results {
        let name = f.display();
        match o {
            Outcome::Failed(e) => {
                failed += 1;
                eprintln!("error: {name}: {e}");
            }
            Outcome::Exists(imp) => {
                failed += 1;
                eprintln!(
                    "error: {name}: {} exists and differs; pass --force to replace it",
                    out.join(format!("{}.md", imp.case_number)).display()
                );
            }
            Outcome::Written(imp) | Outcome::Unchanged(imp) => {
                if matches!(o, Outcome::Written(_)) {
                    written += 1;
                } else {
                    unchanged += 1;
                }
                items += imp.items;
                for w in &imp.warnings {
                    warnings += 1;
                    if !a.common.quiet {
                        eprintln!("warning: {name}:{}: {}", w.line, w.message);
                    }
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "imported {} letters ({written} written, {unchanged} unchanged, {items} items), {failed} failed, {warnings} warnings in {secs:.2} s ({:.0} letters/s) → {}",
        written + unchanged,
        (written + unchanged + failed) as f64 / secs.max(1e-9),
        out.display()
    );
    Ok(if failed > 0 { exit::CONTENT } else { exit::OK })
}
