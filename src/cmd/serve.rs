//! `casebook serve`: build, serve on loopback, watch, live-reload.

use anyhow::{Result, bail};
use clap::Args;

use super::Common;

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: Common,
}

pub fn run(_a: ServeArgs) -> Result<u8> {
    bail!("serve is not implemented yet")
}
