//! The search index benchmark: builds indexes of synthetic determinations and prints
//! index size, file count, build time and the bytes a browser fetches for typical
//! queries (the first one including the runtime).
//!
//! `cargo run --release --example search_bench -- [N...] [--out DIR]`
//! (default: 10000 100000; add 1000000 for the million-document figures).

use std::path::PathBuf;

use casebook::search;

fn main() {
    let mut sizes: Vec<usize> = Vec::new();
    let mut out = std::env::temp_dir().join("casebook-search-bench");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--out" {
            out = PathBuf::from(args.next().expect("--out needs a folder"));
        } else {
            sizes.push(
                a.replace('_', "")
                    .parse()
                    .expect("document counts are numbers, e.g. 10000"),
            );
        }
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    for n in sizes {
        let dir = out.join(n.to_string());
        println!("{}", search::bench(n, &dir));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
