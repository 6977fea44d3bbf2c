//! `casebook redact [FILE|-]`: de-identify any text to stdout; `--format json` prints the
//! spans (start, end, category) instead. Editors use it on drafts.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use super::Common;
use crate::deid::{Declared, Redactor};
use crate::diag::Format;

#[derive(Args)]
pub struct RedactArgs {
    /// A file to de-identify, or `-` (the default) for standard input
    pub file: Option<PathBuf>,
    /// Treat the input as Markdown (keeps its structure; placeholders escaped)
    #[arg(long)]
    pub markdown: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(a: RedactArgs) -> Result<u8> {
    let mut text = String::new();
    match a.file.as_deref() {
        None => std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?,
        Some(p) if p.as_os_str() == "-" => std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?,
        Some(p) => {
            text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            0
        }
    };
    let config = crate::config::Config::load(&a.common.root)?;
    let r = Redactor::new(&Declared::default(), &config.deidentify).map_err(anyhow::Error::msg)?;
    let red = if a.markdown {
        r.redact_markdown(&text)
    } else {
        r.redact(&text)
    };
    match a.common.format {
        Format::Json => {
            let spans: Vec<_> = red
                .spans
                .iter()
                .map(|s| serde_json::json!({"start": s.start, "end": s.end, "category": s.category.label()}))
                .collect();
            println!("{}", serde_json::json!({ "spans": spans }));
        }
        _ => print!("{}", red.text),
    }
    Ok(crate::exit::OK)
}
