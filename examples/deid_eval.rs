//! Prints the de-identifier's figures: recall and precision per category on the
//! labelled corpus, false redactions on the clinical list, and a run over the published
//! DWC letters (dates generalised, date-like strings left, clinical ranges kept, speed).
//!
//! usage: cargo run --release --example deid_eval [CORPUS_DIR] [LETTERS_DIR]

use std::path::PathBuf;

use casebook::deid;

fn main() {
    let mut args = std::env::args().skip(1);
    let corpus = args
        .next()
        .map_or_else(|| PathBuf::from("tests/deid/corpus"), PathBuf::from);
    let letters = args
        .next()
        .map_or_else(|| PathBuf::from("tests/data/dwc-imr/txt"), PathBuf::from);
    print!("{}", deid::eval::run_corpus(&corpus));
    println!();
    print!("{}", deid::eval::run_letters(&letters));
}
