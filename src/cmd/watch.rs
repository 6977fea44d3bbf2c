//! `casebook watch`: build and rebuild on change, no server.

use anyhow::{Result, bail};
use clap::Args;

use super::Common;

#[derive(Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub common: Common,
}

pub fn run(_a: WatchArgs) -> Result<u8> {
    bail!("watch is not implemented yet")
}
