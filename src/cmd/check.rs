//! `casebook check`: validate and de-identify everything, write nothing.

use anyhow::Result;
use clap::Args;

use super::Common;
use crate::exit;

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Print what de-identification removed per determination (counts by category)
    #[arg(long)]
    pub redactions: bool,
}

pub fn run(a: CheckArgs) -> Result<u8> {
    let checked = crate::build::check(&a.common.root, a.common.base_url.as_deref(), true)?;
    if a.redactions && !a.common.quiet {
        for d in &checked.published {
            if !d.redactions.is_empty() {
                let parts: Vec<String> = d
                    .redactions
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect();
                eprintln!("{}: redacted {}", d.case_number, parts.join(", "));
            }
        }
    }
    let failed = super::report(&checked.diagnostics, checked.files, &a.common);
    Ok(if checked.io_error {
        exit::USAGE
    } else if failed {
        exit::CONTENT
    } else {
        exit::OK
    })
}
