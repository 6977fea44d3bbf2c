//! `casebook explain RULE`: what a rule checks, why, with an example.

use anyhow::Result;
use clap::Args;

use crate::rules::catalog;

#[derive(Args)]
pub struct ExplainArgs {
    /// A rule code (CB040) or name (exception-required); `all` lists every rule
    pub rule: String,
}

pub fn run(a: ExplainArgs) -> Result<u8> {
    if a.rule.eq_ignore_ascii_case("all") || a.rule.eq_ignore_ascii_case("list") {
        for r in catalog::RULES {
            println!("{}  {:<26} {}", r.code, r.name, r.checks);
        }
        return Ok(crate::exit::OK);
    }
    match catalog::find(&a.rule) {
        Some(r) => {
            print!("{}", catalog::explain(r));
            Ok(crate::exit::OK)
        }
        None => {
            eprintln!(
                "error: no rule `{}`; `casebook explain all` lists them",
                a.rule
            );
            Ok(crate::exit::USAGE)
        }
    }
}
