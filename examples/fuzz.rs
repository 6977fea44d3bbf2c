//! Runs one fuzz target of `casebook::fuzz` for a set time.
//!
//! usage: cargo run --release --example fuzz -- TARGET|all SECONDS [SEED]

use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "all".into());
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let targets: Vec<&str> = if target == "all" {
        casebook::fuzz::TARGETS.to_vec()
    } else {
        vec![target.as_str()]
    };
    let mut failed = false;
    for t in targets {
        match casebook::fuzz::run(t, seed, Duration::from_secs(secs), usize::MAX) {
            Ok(n) => println!("{t}: {n} inputs in {secs} s, no failure"),
            Err(e) => {
                println!("FAILED {e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
