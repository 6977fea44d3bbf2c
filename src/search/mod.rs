//! The static search index: built from de-identified text only, sharded so that a
//! browser answers a query from a few small files even at a million determinations.
//!
//! Why not one JSON file (lunr, elasticlunr) or Pagefind: see `ARCHITECTURE.md` and the
//! design note; in short, a single file grows with the archive (tens of MB at 10k
//! documents) and Pagefind's filter and metadata files grow with it too. Here every
//! file the client fetches is bounded, whatever the archive size.
//!
//! Layout under the output folder (`<site>/search/`):
//!
//! | file | holds |
//! |---|---|
//! | `root.json` | first key of each directory page, facet values with totals, sizes, budgets |
//! | `d/N.bin` | directory pages (~4 KB): front-coded keys → df, postings parts, top block |
//! | `p/N.bin` | postings shards (≤ 16 KB): doc-gap/impact bytes; facet value sets as runs |
//! | `t/N.bin` | impact-ordered top blocks of frequent terms (≤ 8 KB files) |
//! | `c/N.bin` | facet column, 512 documents a chunk (value-set ids, packed or run-length) |
//! | `m/N.json` | result metadata, 64 documents a chunk |
//! | `s/N.json` | snippet excerpts (280 characters), 4 documents a chunk |
//!
//! Documents are numbered in facet order (year, newest first → decision → first
//! treatment), so frequent terms cost about one byte a posting and facet values are
//! a few runs. Module map: [`tokenize`] (the shared tokenizer and query grammar),
//! [`rank`] (BM25 impacts), [`codec`] (byte formats), `builder` (the streaming build:
//! [`Builder`]), `writer` (the files shared by every build, and the in-memory reference
//! writer tests compare the builder with), [`reader`]
//! (the client's plan, in Rust, for tests and the benchmark), `synth` (synthetic
//! archives for tests and the benchmark).

mod builder;
pub mod codec;
pub mod format;
pub mod rank;
pub mod reader;
pub mod synth;
pub mod tokenize;
mod writer;

#[cfg(test)]
mod brute;
#[cfg(test)]
mod tests;

use std::path::Path;

pub use builder::Builder;
pub use format::Params;
pub use tokenize::tokenize;

/// One determination as the search index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// e.g. "CM16-0213037".
    pub case_number: String,
    /// "/determinations/CM16-0213037/".
    pub url: String,
    /// e.g. the first item's request.
    pub title: String,
    /// Every item's request (phrase search runs on titles and requests).
    pub requests: Vec<String>,
    /// De-identified plain text of the whole body.
    pub text: String,
    pub year: i32,
    /// `(facet, value, label)` triples, possibly several per facet; the first
    /// `treatment` is the document's main one (used for numbering and shown in results).
    /// The value is a slug (it goes in URLs); the label is what people read ("" for the
    /// value itself): per value, the index keeps the label documents give it most often.
    pub facets: Vec<(String, String, String)>,
}

/// What a build wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub files: usize,
    pub bytes: u64,
    pub docs: usize,
    /// Distinct words and title/request word pairs.
    pub terms: usize,
}

/// Writes every index file under `out_dir`; returns what was written. A thin wrapper
/// over [`Builder`], which callers that produce documents one at a time should use
/// directly (memory then stays bounded by the compact form of the documents).
pub fn write_index(docs: Vec<SearchDoc>, out_dir: &Path) -> std::io::Result<IndexStats> {
    write_index_with(docs, out_dir, &Params::default())
}

/// As [`write_index`], with explicit parameters (tests use tiny shards to exercise
/// splitting).
pub fn write_index_with(
    docs: Vec<SearchDoc>,
    out_dir: &Path,
    params: &Params,
) -> std::io::Result<IndexStats> {
    let mut b = Builder::new(params.clone());
    b.par_extend(docs);
    b.finish(out_dir)
}

/// The benchmark: builds an index of `n` synthetic determinations under `out` and
/// reports size, file count, build time and the bytes a browser fetches for typical
/// queries. `examples/search_bench.rs` prints it.
pub fn bench(n: usize, out: &Path) -> String {
    synth::bench(n, out)
}
