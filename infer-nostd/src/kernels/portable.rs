//! The portable base of the kernels: row groups and their requantisation,
//! and the dot products of one row group (four rows, word-interleaved: see
//! [`crate::format`]) in plain Rust. Every target can run it; the Cortex-M0
//! runs only it. The backends (`arm_dsp`, `x86`) build on it (the last
//! partial word of a row, [`dot4_i8_tail`]) and must equal it to the bit:
//! integer sums are exact, so the order of the additions cannot change them
//! (int8 sums stay within i32, see `MAX_COLS`).
//!
//! Nothing here assumes alignment, and nothing panics: a short slice reads
//! as zeros.

use crate::fixed::{requant32, requant64};
use crate::format::Matrix;

/// One row's requantisation: `round(acc * multiplier / 2^shift)`, saturated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Requant {
    /// The multiplier (non-negative).
    pub(crate) multiplier: i32,
    /// The right shift (at most [`crate::format::MAX_SHIFT`]).
    pub(crate) shift: u8,
}

impl Requant {
    /// The requantisation of an int8 row's i32 accumulator.
    #[inline(always)]
    pub(crate) fn of_i32(self, acc: i32) -> i32 {
        requant32_fast(acc, self.multiplier, self.shift)
    }

    /// The requantisation of one int8 weight (a one-hot input's product):
    /// for shifts 8 to 31, `w` shifted left by `32 - shift` fits in i32, so
    /// the result is one rounding multiply (`SMMULR`), as in
    /// [`Requant::of_i32`]; other shifts take the reference, out of line.
    #[inline(always)]
    pub(crate) fn of_i8(self, w: i8) -> i32 {
        let c = 32u32.wrapping_sub(self.shift as u32);
        if c.wrapping_sub(1) < 24 {
            let x = (w as i32) << c;
            return ((x as i64 * self.multiplier as i64 + (1 << 31)) >> 32) as i32;
        }
        requant32_rare(w as i32, self.multiplier, self.shift)
    }

    /// The requantisation of an int16 row's i64 accumulator.
    #[inline(always)]
    pub(crate) fn of_i64(self, acc: i64) -> i32 {
        requant64(acc, self.multiplier, self.shift)
    }
}

/// One row group of a matrix (four rows, see [`crate::format`]): its
/// interleaved words and its rows' requantisation parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group<'m> {
    /// The group's bytes ([`Matrix::group_bytes`] long).
    pub(crate) bytes: &'m [u8],
    /// The four rows' multipliers, little-endian.
    pub(crate) multipliers: &'m [u8; 16],
    /// The four rows' shifts.
    pub(crate) shifts: &'m [u8; 4],
}

impl Group<'_> {
    /// Row `g`'s requantisation (`g` below 4).
    #[inline(always)]
    pub(crate) fn requant(&self, g: usize) -> Requant {
        let (m, _) = self.multipliers.as_chunks::<4>();
        Requant {
            multiplier: i32::from_le_bytes(m[g & 3]),
            shift: self.shifts[g & 3],
        }
    }
}

impl Matrix<'_> {
    /// The row groups in order, with their requantisation.
    #[inline]
    pub(crate) fn row_groups(&self) -> impl Iterator<Item = Group<'_>> {
        self.row_groups_from(0)
    }

    /// The row groups from group `first` on (none if it is past the end).
    #[inline]
    pub(crate) fn row_groups_from(&self, first: usize) -> impl Iterator<Item = Group<'_>> {
        let (multipliers, _) = self.multipliers.as_chunks::<16>();
        let (shifts, _) = self.shifts.as_chunks::<4>();
        // The group's size (a row has at most 2^15 words: u16 columns of
        // at most 2 bytes), clamped so the compiler sees it is not zero and
        // `chunks_exact` has no panic path.
        let size = 16 * self.row_words().clamp(1, 1 << 15);
        let values = from(self.values, first.saturating_mul(size));
        values
            .chunks_exact(size)
            .zip(from(multipliers, first).iter().zip(from(shifts, first)))
            .map(|(bytes, (multipliers, shifts))| Group {
                bytes,
                multipliers,
                shifts,
            })
    }
}

/// `s` from index `first` on (empty past the end).
#[inline(always)]
pub(crate) fn from<T>(s: &[T], first: usize) -> &[T] {
    s.get(first..).unwrap_or(&[])
}

/// Four int8 rows' accumulators, requantised.
#[inline(always)]
pub(super) fn requant4_i32(group: &Group, acc: [i32; 4]) -> [i32; 4] {
    let q = |g: usize| group.requant(g).of_i32(acc[g]);
    [q(0), q(1), q(2), q(3)]
}

/// Columns `from..` of the four rows of an int8 row group times
/// natural-order `x` (to the shorter of the rows and `x`), added to `acc`:
/// what the kernels' whole words leave, the last partial word.
#[inline(always)]
pub(super) fn dot4_i8_tail(group: &[u8], x: &[i16], from: usize, acc: &mut [i32; 4]) {
    let (words, _) = group.as_chunks::<16>();
    for (k, &x) in x.iter().enumerate().skip(from) {
        let Some(word) = words.get(k / 4) else { break };
        for (g, a) in acc.iter_mut().enumerate() {
            *a += word[4 * g + k % 4] as i8 as i32 * x as i32;
        }
    }
}

/// The portable int8 kernel: whole words of four columns, then the tail
/// (the backends' reference in the tests).
#[cfg(any(test, not(any(arm_dsp, target_arch = "x86_64"))))]
#[inline(always)]
pub(super) fn dot4_i8(group: &[u8], x: &[i16]) -> [i32; 4] {
    let (words, _) = group.as_chunks::<16>();
    let (quads, _) = x.as_chunks::<4>();
    let mut acc = [0; 4];
    for (w, x) in words.iter().zip(quads) {
        for (g, a) in acc.iter_mut().enumerate() {
            for (k, &x) in x.iter().enumerate() {
                *a += w[4 * g + k] as i8 as i32 * x as i32;
            }
        }
    }
    dot4_i8_tail(group, x, 4 * words.len().min(quads.len()), &mut acc);
    acc
}

/// The four rows of an int16 row group times `x`, in i64 (the Arm DSP
/// backend has its own; the tests compare them).
#[cfg(any(test, not(arm_dsp)))]
#[inline(always)]
pub(super) fn dot4_i16(group: &[u8], x: &[i16]) -> [i64; 4] {
    let (words, _) = group.as_chunks::<16>();
    let (pairs, rest) = x.as_chunks::<2>();
    let mut acc = [0i64; 4];
    let mac = |acc: &mut [i64; 4], w: &[u8; 16], x: &[i16]| {
        for (g, a) in acc.iter_mut().enumerate() {
            for (k, &x) in x.iter().enumerate() {
                let w = i16::from_le_bytes([w[4 * g + 2 * k], w[4 * g + 2 * k + 1]]);
                *a += (w as i32 * x as i32) as i64;
            }
        }
    };
    for (w, x) in words.iter().zip(pairs) {
        mac(&mut acc, w, x);
    }
    if let Some(w) = words.get(pairs.len()) {
        mac(&mut acc, w, rest);
    }
    acc
}

/// Copies `x` into `out` and zero-fills it up to whole groups of four
/// values where `out` has room; returns that written part of `out`.
#[inline(always)]
pub(super) fn copy_padded<'o>(x: &[i16], out: &'o mut [i16]) -> &'o mut [i16] {
    let n = x.len().min(out.len());
    let padded = n.next_multiple_of(4).min(out.len());
    out[..n].copy_from_slice(&x[..n]);
    if let Some(zeros) = out.get_mut(n..padded) {
        zeros.fill(0);
    }
    out.get_mut(..padded).unwrap_or_default()
}

/// [`requant32`], with fewer 64-bit operations (the same value: see the
/// tests). With `p = acc * m`, `|p| < 2^62`:
/// - for `33 <= s <= 64` (trained gate rows), with `t = s - 33`, the
///   rounding bit lies in the high word `hi = floor(p / 2^32)`,
///   `|hi| < 2^30`, so the result is `(hi + 2^t) >> (t + 1)`, which is
///   `((hi >> t) + 1) >> 1`, in 32 bits, with nothing to saturate;
/// - for `1 <= s <= 31` (one-hot input and head rows), where `acc`
///   shifted left by `c = 32 - s` fits in i32, one rounding multiply:
///   `round(acc m / 2^s) = round((acc 2^c) m / 2^32)`, at most 2^30 in
///   magnitude (`SMMULR` on a Cortex-M4);
/// - anything else takes [`requant32`], out of line.
#[inline(always)]
fn requant32_fast(acc: i32, m: i32, s: u8) -> i32 {
    let t = (s as u32).wrapping_sub(33);
    if t < 32 {
        let hi = ((acc as i64 * m as i64) >> 32) as i32;
        return ((hi >> t) + 1) >> 1;
    }
    let c = 32u32.wrapping_sub(s as u32);
    if c.wrapping_sub(1) < 31 {
        let x = acc << c;
        if x >> c == acc {
            return ((x as i64 * m as i64 + (1 << 31)) >> 32) as i32;
        }
    }
    requant32_rare(acc, m, s)
}

/// [`requant32`] for what [`requant32_fast`] leaves out (cold: trained
/// rows take the fast paths).
#[cold]
#[inline(never)]
fn requant32_rare(acc: i32, m: i32, s: u8) -> i32 {
    requant32(acc, m, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requant_check::{assert_same, multiplier, next, MULTIPLIERS};

    #[test]
    fn fast_requantisation_equals_the_reference() {
        let edges = [
            i32::MIN,
            i32::MIN + 1,
            -1,
            0,
            1,
            i32::MAX - 1,
            i32::MAX,
            1 << 30,
            -(1 << 30),
        ];
        assert_same(
            requant32_fast,
            requant32,
            (&edges, &MULTIPLIERS),
            (7, 2_000_000),
            |state| {
                let acc = next(state) as i32 >> (next(state) % 32);
                let m = multiplier(state);
                (acc, m, (next(state) % 64) as u8)
            },
        );
    }

    #[test]
    fn small_accumulators_requantise_as_the_reference() {
        // One-hot weights: int8 and int16 values.
        let edges = [
            i16::MIN as i32,
            -129,
            -128,
            -1,
            0,
            1,
            127,
            128,
            i16::MAX as i32,
        ];
        let of_i32 = |w, multiplier, shift| Requant { multiplier, shift }.of_i32(w);
        assert_same(
            of_i32,
            requant32,
            (&edges, &MULTIPLIERS),
            (5, 2_000_000),
            |state| {
                let w = next(state) as i16 as i32 >> (next(state) % 16);
                let m = multiplier(state);
                (w, m, (next(state) % 64) as u8)
            },
        );
    }

    #[test]
    fn int8_weights_requantise_as_the_reference() {
        let of_i8 = |w, multiplier, shift| Requant { multiplier, shift }.of_i8(w);
        let exact = |w: i8, m, s| requant32(w as i32, m, s);
        let every_weight: [i8; 256] = core::array::from_fn(|w| w as u8 as i8);
        assert_same(
            of_i8,
            exact,
            (&every_weight, &MULTIPLIERS),
            (9, 2_000_000),
            |state| {
                let w = next(state) as i8;
                let m = multiplier(state);
                (w, m, (next(state) % 64) as u8)
            },
        );
    }
}
