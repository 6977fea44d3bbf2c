//! Small speed helpers shared by the detectors: a fast non-cryptographic hasher for
//! the word tables (their keys are fixed lists and the text's own words, so hash
//! flooding is not a concern) and an exact `\p{L}` test without running a regex per
//! word.

use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

/// The Fx hash (rustc's): a multiply and rotate per 8 bytes.
#[derive(Default, Clone, Copy)]
pub(super) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while bytes.len() >= 8 {
            self.add(u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")));
            bytes = &bytes[8..];
        }
        if bytes.len() >= 4 {
            self.add(u64::from(u32::from_le_bytes(
                bytes[..4].try_into().expect("4 bytes"),
            )));
            bytes = &bytes[4..];
        }
        for &b in bytes {
            self.add(u64::from(b));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(super) type FxBuild = BuildHasherDefault<FxHasher>;
pub(super) type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

/// The bytes of `w` (at most 16) as a little-endian `u128`, zero above: byte `i` of
/// `w` is byte `i` of the result. Loads that may overlap, no copy through memory.
#[inline]
pub(super) fn pack16(w: &[u8]) -> u128 {
    let n = w.len();
    debug_assert!(n <= 16);
    let load8 = |i: usize| u64::from_le_bytes(w[i..i + 8].try_into().expect("8 bytes"));
    let load4 = |i: usize| u32::from_le_bytes(w[i..i + 4].try_into().expect("4 bytes"));
    if n >= 8 {
        let lo = load8(0);
        // Bytes 8..n: the last eight, less those already in `lo`.
        let hi = if n == 8 {
            0
        } else {
            load8(n - 8) >> (8 * (16 - n))
        };
        u128::from(lo) | u128::from(hi) << 64
    } else if n >= 4 {
        // Two loads of four that overlap on equal bytes.
        u128::from(load4(0)) | u128::from(load4(n - 4)) << (8 * (n - 4))
    } else if n > 0 {
        u128::from(w[0])
            | u128::from(w[n / 2]) << (8 * (n / 2))
            | u128::from(w[n - 1]) << (8 * (n - 1))
    } else {
        0
    }
}

/// The bytes of `w` (at most 16, none zero) packed in a `u128`: equal keys, equal words.
#[inline]
pub(super) fn pack_exact(w: &[u8]) -> Option<u128> {
    if w.len() > 16 || w.contains(&0) {
        return None;
    }
    Some(pack16(w))
}

/// The ASCII-lower-cased bytes of `w` (at most 16) packed in a `u128`.
#[inline]
pub(super) fn pack_lower(w: &[u8]) -> u128 {
    let x = pack16(w);
    let half = |x: u64| {
        let high = x & HI;
        let y_hi = x | HI;
        let upper = ge(y_hi, b'A') & !ge(y_hi, b'Z' + 1) & !high;
        x | upper >> 2
    };
    u128::from(half(x as u64)) | u128::from(half((x >> 64) as u64)) << 64
}

/// `\p{L}` exactly as the regex crate (and its Unicode tables) defines it.
#[inline]
pub(super) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    // Two-byte UTF-8 (U+0080..U+07FF: Latin, Greek, Cyrillic, Hebrew, Arabic ...) from a
    // bitmap computed once with the regex itself; the rest asks the regex.
    static TWO_BYTE: LazyLock<[u64; 32]> = LazyLock::new(|| {
        let mut bits = [0u64; 32];
        for cp in 0x80u32..0x800 {
            if let Some(ch) = char::from_u32(cp)
                && letter_regex(ch)
            {
                bits[(cp >> 6) as usize] |= 1 << (cp & 63);
            }
        }
        bits
    });
    let cp = c as u32;
    if cp < 0x800 {
        TWO_BYTE[(cp >> 6) as usize] & (1 << (cp & 63)) != 0
    } else {
        letter_regex(c)
    }
}

fn letter_regex(c: char) -> bool {
    static LETTER: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"^\p{L}$").expect("letter pattern"));
    let mut buf = [0u8; 4];
    LETTER.is_match(c.encode_utf8(&mut buf))
}

/// Byte-class bit masks of a whole text, 64 bytes per word (bit `i % 64` of word
/// `i / 64` is byte `i`): the tokenizers find their runs in these with bit tricks
/// instead of branching on every byte.
pub(super) struct Bits {
    /// The five masks one after the other (one allocation), each `words` long.
    masks: Vec<u64>,
    words: usize,
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Lanes (bytes, at most 0x7f) at least `c` (at most 0x80): their high bit.
#[inline(always)]
fn ge(y_hi: u64, c: u8) -> u64 {
    y_hi.wrapping_sub(LO * u64::from(c)) & HI
}

/// Lanes (bytes, at most 0x7f) equal to `c`: their high bit.
#[inline(always)]
fn eq(y: u64, c: u8) -> u64 {
    let t = y ^ (LO * u64::from(c));
    !(t.wrapping_add(0x7f7f_7f7f_7f7f_7f7f)) & HI
}

/// The high bits of the 8 lanes as 8 bits (lane `k` → bit `k`).
#[inline(always)]
fn gather(m: u64) -> u64 {
    ((m >> 7) & LO).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// The classes of 8 bytes: (letter, alnum, word, join, digitish), 8 bits each.
#[inline(always)]
fn classify8(x: u64) -> [u64; 5] {
    let high = x & HI;
    let y = x & !HI;
    let y_hi = y | HI;
    let ascii = !high & HI;
    let digit = ge(y_hi, b'0') & !ge(y_hi, b'9' + 1);
    let upper = ge(y_hi, b'A') & !ge(y_hi, b'Z' + 1);
    let lower = ge(y_hi, b'a') & !ge(y_hi, b'z' + 1);
    let letter = (upper | lower) & ascii;
    let alnum = letter | digit & ascii;
    let word = alnum | eq(y, b'_') & ascii;
    let join = letter | (eq(y, b'\'') | eq(y, b'-')) & ascii;
    let digitish = digit & ascii | high;
    [
        gather(letter),
        gather(alnum),
        gather(word),
        gather(join),
        gather(digitish),
    ]
}

impl Bits {
    fn mask(&self, k: usize) -> &[u64] {
        &self.masks[k * self.words..(k + 1) * self.words]
    }
    /// ASCII letters.
    pub(super) fn letter(&self) -> &[u64] {
        self.mask(0)
    }
    /// ASCII letters and digits.
    pub(super) fn alnum(&self) -> &[u64] {
        self.mask(1)
    }
    /// ASCII word bytes: letters, digits, `_`.
    pub(super) fn word(&self) -> &[u64] {
        self.mask(2)
    }
    /// ASCII letters, `'` and `-` (what continues a name word).
    pub(super) fn join(&self) -> &[u64] {
        self.mask(3)
    }
    /// ASCII digits and every byte of a non-ASCII character.
    pub(super) fn digitish(&self) -> &[u64] {
        self.mask(4)
    }

    pub(super) fn new(b: &[u8]) -> Bits {
        let words = b.len().div_ceil(64);
        let mut masks = vec![0u64; 5 * words];
        let mut tail = [0u8; 64];
        for (w, block) in b.chunks(64).enumerate() {
            let block: &[u8] = if block.len() == 64 {
                block
            } else {
                // Past the end: NUL bytes, in no class.
                tail[..block.len()].copy_from_slice(block);
                &tail
            };
            let mut m = [0u64; 5];
            for (k, lane) in block.chunks_exact(8).enumerate() {
                let x = u64::from_le_bytes(lane.try_into().expect("8 bytes"));
                for (mi, c) in m.iter_mut().zip(classify8(x)) {
                    *mi |= c << (8 * k);
                }
            }
            for (k, mi) in m.into_iter().enumerate() {
                masks[k * words + w] = mi;
            }
        }
        Bits { masks, words }
    }
}

/// The first set bit at or after `i`, if any.
#[inline]
pub(super) fn next_one(m: &[u64], i: usize) -> Option<usize> {
    let mut w = i / 64;
    if w >= m.len() {
        return None;
    }
    let mut x = m[w] & (!0u64 << (i % 64));
    loop {
        if x != 0 {
            return Some(w * 64 + x.trailing_zeros() as usize);
        }
        w += 1;
        if w == m.len() {
            return None;
        }
        x = m[w];
    }
}

/// The first clear bit at or after `i` (the mask's length in bits if none).
#[inline]
pub(super) fn next_zero(m: &[u64], i: usize) -> usize {
    let mut w = i / 64;
    if w >= m.len() {
        return m.len() * 64;
    }
    let mut x = !m[w] & (!0u64 << (i % 64));
    loop {
        if x != 0 {
            return w * 64 + x.trailing_zeros() as usize;
        }
        w += 1;
        if w == m.len() {
            return m.len() * 64;
        }
        x = !m[w];
    }
}

/// The maximal runs of set bits, as byte ranges, in order.
#[inline]
pub(super) fn runs(m: &[u64], mut f: impl FnMut(usize, usize)) {
    // Bit i of `edges` is set where byte i differs in class from byte i - 1.
    let mut carry = 0u64;
    let mut open = 0;
    for (w, &x) in m.iter().enumerate() {
        let mut edges = x ^ (x << 1 | carry);
        carry = x >> 63;
        while edges != 0 {
            let bit = edges.trailing_zeros();
            edges &= edges - 1;
            let i = w * 64 + bit as usize;
            if x >> bit & 1 == 1 {
                open = i;
            } else {
                f(open, i);
            }
        }
    }
    if carry == 1 {
        f(open, m.len() * 64);
    }
}

/// The next position of any of up to three bytes, found with `memchr` and remembered:
/// queries must not go backwards, so each byte is searched once.
pub(super) struct NextOf {
    needles: [u8; 3],
    count: usize,
    found: Option<usize>,
}

impl NextOf {
    pub(super) fn new(needles: &[u8]) -> NextOf {
        assert!((1..=3).contains(&needles.len()));
        let mut n = [needles[0]; 3];
        n[..needles.len()].copy_from_slice(needles);
        NextOf {
            needles: n,
            count: needles.len(),
            found: None,
        }
    }

    /// The first position at or after `i` holding one of the bytes (`hay.len()` if none).
    #[inline]
    pub(super) fn at(&mut self, hay: &[u8], i: usize) -> usize {
        if let Some(p) = self.found
            && p >= i
        {
            return p;
        }
        let rest = hay.get(i..).unwrap_or(&[]);
        let [a, b, c] = self.needles;
        let k = match self.count {
            1 => memchr::memchr(a, rest),
            2 => memchr::memchr2(a, b, rest),
            _ => memchr::memchr3(a, b, c, rest),
        };
        let p = k.map_or(hay.len().max(i), |k| i + k);
        self.found = Some(p);
        p
    }
}
