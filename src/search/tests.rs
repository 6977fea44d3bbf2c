//! Tests of the indexer: tokenizer vectors, encodings, sharding, facet sets, and whole
//! indexes decoded back and compared with a brute-force search.

mod approx;
mod browser;
mod builder;
mod roundtrip;
mod units;
