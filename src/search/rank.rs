//! BM25, split so that the index stores quantised impacts and the client only adds.
//!
//! A posting carries `q` = the BM25 term-frequency factor `tf·(k1+1)/(tf + k1·(1−b+b·dl/avgdl))`
//! scaled to 1..=15. Storing the factor rather than `tf` means the client never needs
//! document lengths (a per-document column of its own at 1M documents) and a posting
//! fits in one byte. A document's score is `Σ idf(t)·q(t, d)` with the idf also an
//! integer, so JS and Rust compute bit-identical scores and break ties the same way
//! (by document number).

pub const K1: f64 = 1.2;
pub const B: f64 = 0.75;

/// The quantised BM25 tf factor, 1..=15.
pub fn impact(tf: u32, len: u32, avg_len: f64) -> u8 {
    let tf = f64::from(tf);
    let norm = if avg_len > 0.0 {
        f64::from(len) / avg_len
    } else {
        1.0
    };
    let w = tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * norm));
    ((w / (K1 + 1.0) * 15.0).ceil() as i64).clamp(1, 15) as u8
}

/// `round(100 · ln(1 + (N − df + 0.5)/(df + 0.5)))`; the JS client computes the same.
pub fn idf(df: u32, n: u32) -> u32 {
    let df = f64::from(df);
    let n = f64::from(n);
    (100.0 * (1.0 + (n - df + 0.5) / (df + 0.5)).ln())
        .round()
        .max(0.0) as u32
}
