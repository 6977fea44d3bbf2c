//! Byte encodings of the index files, with their decoders (the JS client mirrors the
//! decoders with a `DataView`).
//!
//! - varints: LEB128, 7 bits a byte, low bits first;
//! - postings: one byte per posting when the document gap is below 16 (the common case
//!   for frequent terms, because documents are numbered in facet order), the impact in
//!   the low nibble: `gap << 4 | q`; a larger gap is the byte `q` (high nibble 0)
//!   followed by the varint `gap - 16`;
//! - document sets (facet values): runs, `varint(start - previous end)`, `varint(len - 1)`;
//! - facet column chunks: per facet, a local dictionary of value sets and one index per
//!   document, bit-packed or run-length coded, whichever is smaller.

/// Appends `v` as a LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A cursor over a byte slice.
pub struct Reader<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    pub fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
    pub fn byte(&mut self) -> u8 {
        let b = self.buf[self.pos];
        self.pos += 1;
        b
    }
    pub fn varint(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte();
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        s
    }
}

/// Appends the posting `(doc, q)` after `prev` (the previous document, or the part's
/// base minus one). Impacts are 1..=15 so a zero low nibble never occurs... except as the
/// escape's high nibble, which is how the decoder tells the two forms apart.
pub fn put_posting(out: &mut Vec<u8>, prev: i64, doc: u32, q: u8) {
    debug_assert!((1..=15).contains(&q));
    let gap = i64::from(doc) - prev;
    debug_assert!(gap >= 1);
    if gap < 16 {
        out.push(((gap as u8) << 4) | q);
    } else {
        out.push(q);
        put_varint(out, (gap - 16) as u64);
    }
}

/// Byte length of a posting without writing it (for shard packing).
pub fn posting_len(prev: i64, doc: u32) -> usize {
    let gap = i64::from(doc) - prev;
    if gap < 16 {
        1
    } else {
        1 + varint_len((gap - 16) as u64)
    }
}

pub fn varint_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

/// Decodes postings from `bytes`, the first gap counted from `base - 1`.
pub fn decode_postings(bytes: &[u8], base: u32, mut f: impl FnMut(u32, u8)) {
    let mut r = Reader::new(bytes);
    let mut prev = i64::from(base) - 1;
    while !r.done() {
        let b = r.byte();
        let (gap, q) = if b >> 4 == 0 {
            (r.varint() as i64 + 16, b)
        } else {
            (i64::from(b >> 4), b & 15)
        };
        prev += gap;
        f(prev as u32, q);
    }
}

/// Appends a run `[start, start + len)` after the previous run's end.
pub fn put_run(out: &mut Vec<u8>, prev_end: u32, start: u32, len: u32) {
    put_varint(out, u64::from(start - prev_end));
    put_varint(out, u64::from(len - 1));
}

/// Sorted, distinct documents → runs of consecutive documents.
pub fn runs(docs: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &d in docs {
        match out.last_mut() {
            Some((s, l)) if *s + *l == d => *l += 1,
            _ => out.push((d, 1)),
        }
    }
    out
}

/// Decodes runs from `bytes` (previous end = `base`), calling `f(start, len)`.
pub fn decode_runs(bytes: &[u8], base: u32, mut f: impl FnMut(u32, u32)) {
    let mut r = Reader::new(bytes);
    let mut end = base;
    while !r.done() {
        let start = end + r.varint() as u32;
        let len = r.varint() as u32 + 1;
        f(start, len);
        end = start + len;
    }
}

/// Bits needed to store values `0..k`.
pub fn width(k: usize) -> u32 {
    if k <= 1 {
        0
    } else {
        usize::BITS - (k - 1).leading_zeros()
    }
}

/// Packs `vals` at `w` bits each, least significant bit first.
pub fn pack_bits(out: &mut Vec<u8>, vals: &[u32], w: u32) {
    let mut acc: u64 = 0;
    let mut n = 0;
    for &v in vals {
        acc |= u64::from(v) << n;
        n += w;
        while n >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            n -= 8;
        }
    }
    if n > 0 {
        out.push(acc as u8);
    }
}

pub fn unpack_bits(r: &mut Reader, count: usize, w: u32) -> Vec<u32> {
    let nbytes = (count * w as usize).div_ceil(8);
    let bytes = r.bytes(nbytes);
    let mut out = Vec::with_capacity(count);
    let mut bit = 0usize;
    for _ in 0..count {
        let mut v = 0u32;
        for k in 0..w as usize {
            let b = bit + k;
            if bytes[b / 8] >> (b % 8) & 1 == 1 {
                v |= 1 << k;
            }
        }
        bit += w as usize;
        out.push(v);
    }
    out
}

/// Encodes a sequence of small indexes `< k`: nothing when `k <= 1`, else a flag byte
/// then bit-packed (0) or run-length (1) form, whichever is smaller.
fn put_seq(out: &mut Vec<u8>, idx: &[u32], k: usize) {
    if k <= 1 {
        return;
    }
    let mut packed = Vec::new();
    pack_bits(&mut packed, idx, width(k));
    let mut body = Vec::new();
    let mut nruns = 0u64;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i + 1;
        while j < idx.len() && idx[j] == idx[i] {
            j += 1;
        }
        put_varint(&mut body, (j - i - 1) as u64);
        put_varint(&mut body, u64::from(idx[i]));
        nruns += 1;
        i = j;
    }
    let mut rle = Vec::new();
    put_varint(&mut rle, nruns);
    rle.extend_from_slice(&body);
    if rle.len() < packed.len() {
        out.push(1);
        out.extend_from_slice(&rle);
    } else {
        out.push(0);
        out.extend_from_slice(&packed);
    }
}

fn get_seq(r: &mut Reader, count: usize, k: usize) -> Vec<u32> {
    if k <= 1 {
        return vec![0; count];
    }
    if r.byte() == 1 {
        let nruns = r.varint();
        let mut v = Vec::with_capacity(count);
        for _ in 0..nruns {
            let len = r.varint() as usize + 1;
            let i = r.varint() as u32;
            v.extend(std::iter::repeat_n(i, len));
        }
        v
    } else {
        unpack_bits(r, count, width(k))
    }
}

/// A local dictionary in order of first appearance (deterministic; the first entry
/// gets index 0, which suits runs) and each item's index in it.
fn dictionary<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> (Vec<T>, Vec<u32>) {
    let mut dict: Vec<T> = Vec::new();
    let mut idx = Vec::new();
    for it in items {
        let i = match dict.iter().position(|s| *s == it) {
            Some(i) => i,
            None => {
                dict.push(it);
                dict.len() - 1
            }
        };
        idx.push(i as u32);
    }
    (dict, idx)
}

/// Encodes one facet column chunk: `docs[i][f]` is the value ids of facet `f` for the
/// chunk's `i`-th document, the first-listed value first. Value sets rather than single
/// values, because a determination with several items has several treatments (and may
/// be both upheld and overturned).
///
/// Per facet, whichever is smaller of: (0) a dictionary of the value sets met in the
/// chunk plus one index per document; (1) a dictionary of first values (runs, since
/// documents are numbered by first treatment) plus a sparse list of the other values.
pub fn encode_column(docs: &[Vec<Vec<u32>>], facets: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for f in 0..facets {
        let mut a = Vec::new();
        let (dict, idx) = dictionary(docs.iter().map(|d| &d[f]));
        put_varint(&mut a, dict.len() as u64);
        for s in &dict {
            put_varint(&mut a, s.len() as u64);
            for &v in s.iter() {
                put_varint(&mut a, u64::from(v));
            }
        }
        put_seq(&mut a, &idx, dict.len());

        let mut b = Vec::new();
        // First values shifted by one; 0 is "no value".
        let (dict, idx) = dictionary(docs.iter().map(|d| d[f].first().map_or(0, |v| v + 1)));
        put_varint(&mut b, dict.len() as u64);
        for &v in &dict {
            put_varint(&mut b, u64::from(v));
        }
        put_seq(&mut b, &idx, dict.len());
        let multi: Vec<usize> = (0..docs.len()).filter(|&i| docs[i][f].len() > 1).collect();
        put_varint(&mut b, multi.len() as u64);
        let mut prev = 0;
        for i in multi {
            put_varint(&mut b, (i - prev) as u64);
            prev = i;
            let rest = &docs[i][f][1..];
            put_varint(&mut b, rest.len() as u64 - 1);
            for &v in rest {
                put_varint(&mut b, u64::from(v));
            }
        }
        if b.len() < a.len() {
            out.push(1);
            out.extend_from_slice(&b);
        } else {
            out.push(0);
            out.extend_from_slice(&a);
        }
    }
    out
}

/// Decodes a column chunk of `count` documents into `[doc][facet] -> value ids`.
// The facet index addresses the inner vectors of every document, not one element.
#[allow(clippy::needless_range_loop)]
pub fn decode_column(bytes: &[u8], count: usize, facets: usize) -> Vec<Vec<Vec<u32>>> {
    let mut r = Reader::new(bytes);
    let mut out = vec![vec![Vec::new(); facets]; count];
    for f in 0..facets {
        let mode = r.byte();
        let k = r.varint() as usize;
        if mode == 0 {
            let dict: Vec<Vec<u32>> = (0..k)
                .map(|_| {
                    let m = r.varint() as usize;
                    (0..m).map(|_| r.varint() as u32).collect()
                })
                .collect();
            for (d, i) in get_seq(&mut r, count, k).into_iter().enumerate() {
                if let Some(s) = dict.get(i as usize) {
                    out[d][f] = s.clone();
                }
            }
        } else {
            let dict: Vec<u32> = (0..k).map(|_| r.varint() as u32).collect();
            for (d, i) in get_seq(&mut r, count, k).into_iter().enumerate() {
                match dict.get(i as usize) {
                    Some(&v) if v > 0 => out[d][f].push(v - 1),
                    _ => {}
                }
            }
            let multi = r.varint();
            let mut d = 0usize;
            for _ in 0..multi {
                d += r.varint() as usize;
                let m = r.varint() as usize + 1;
                for _ in 0..m {
                    let v = r.varint() as u32;
                    out[d][f].push(v);
                }
            }
        }
    }
    out
}
