//! The root file (`root.json`) and the build parameters it records.
//!
//! The root is the only file every search fetches first; it carries what the client
//! needs to find everything else: the first key of each directory page, the facet
//! values with their totals (browsing without a query costs no other file), chunk
//! sizes, and the per-query fetch budgets, so the JS client and the Rust reader plan
//! from the same numbers.

use serde::{Deserialize, Serialize};

/// Fetch budgets in bytes for one query, past which the client switches from exact
/// evaluation to the bounded approximation (see `reader`).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Budget {
    /// Postings of the query's terms.
    pub terms: u32,
    /// Facet value sets of the filters.
    pub sets: u32,
    /// Facet column chunks, for the counts.
    pub col: u32,
}

/// Build parameters. The defaults are tuned on the benchmark for the payload budget
/// (first query ≤ 150 KB at 10k documents, ≤ 350 KB at 1M, later ones ≤ 150 KB,
/// counted as raw bytes fetched).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Postings shard size. Smaller than the 32–64 KB of the design note because the
    /// budget counts raw bytes and a shard is fetched whole: a rare term costs its shard.
    pub shard_bytes: u32,
    /// Top-block file size.
    pub top_bytes: u32,
    /// Directory page size.
    pub dir_bytes: u32,
    /// Documents per metadata chunk.
    pub meta_docs: u32,
    /// Documents per snippet chunk (small: one is fetched per shown result).
    pub snip_docs: u32,
    /// Characters of text kept per document for snippets.
    pub snip_chars: u32,
    /// Documents per facet column chunk.
    pub col_docs: u32,
    /// Postings in an impact-ordered top block.
    pub top_k: u32,
    /// Terms in more documents than this get a top block.
    pub top_min: u32,
    /// Results per page.
    pub page: u32,
    /// Most words a prefix expands to.
    pub prefix_alts: u32,
    /// Most directory pages a prefix expansion reads.
    pub prefix_pages: u32,
    pub budget: Budget,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            shard_bytes: 16 * 1024,
            top_bytes: 8 * 1024,
            dir_bytes: 4 * 1024,
            meta_docs: 64,
            snip_docs: 4,
            snip_chars: 280,
            col_docs: 512,
            top_k: 1024,
            top_min: 4096,
            page: 10,
            prefix_alts: 8,
            prefix_pages: 4,
            budget: Budget {
                terms: 64 * 1024,
                sets: 24 * 1024,
                col: 16 * 1024,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RootFacet {
    pub name: String,
    /// Values sorted; a value's id is its index here.
    pub values: Vec<String>,
    /// Documents per value over the whole archive.
    pub totals: Vec<u32>,
    /// The label shown for each value ("" for the value itself), as the documents name
    /// it: a treatment or guideline title, a specialty as written. Absent when no value
    /// has one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Root {
    pub version: u32,
    pub docs: u32,
    /// First key of each directory page `d/{i}.bin`.
    pub dir: Vec<String>,
    pub stop: Vec<String>,
    pub facets: Vec<RootFacet>,
    /// URL = `url[0] + case number + url[1]` unless a metadata row says otherwise.
    pub url: [String; 2],
    pub shard_bytes: u32,
    pub top_bytes: u32,
    pub dir_bytes: u32,
    pub meta_docs: u32,
    pub snip_docs: u32,
    pub col_docs: u32,
    /// Mean column chunk size, for the client's cost estimates.
    pub col_avg: u32,
    pub top_k: u32,
    pub top_min: u32,
    pub page: u32,
    pub prefix_alts: u32,
    pub prefix_pages: u32,
    pub budget: Budget,
}

/// The dictionary key of a facet value's document set. `\u{1}` sorts before every
/// token, so all facet sets sit in the first directory pages, and tokens never contain it.
pub fn facet_key(facet: &str, value: &str) -> String {
    format!("\u{1}{facet}\u{1}{value}")
}
