//! Reading the borrowed tensors of a [`Matrix`]: weights, per-row
//! requantisation and little-endian scalars, with no alignment assumed.
//!
//! Accessors never panic: an index outside a (validated) tensor reads as 0.

use crate::fixed::{requant32, requant64};
use crate::format::{Matrix, Precision};

/// The i32 stored little-endian at index `i` of `bytes` (0 if absent).
#[inline(always)]
pub fn le_i32(bytes: &[u8], i: usize) -> i32 {
    match bytes.get(4 * i..4 * i + 4) {
        Some(&[a, b, c, d]) => i32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

impl Matrix<'_> {
    /// Row `r`'s requantisation multiplier.
    #[inline(always)]
    pub fn multiplier(&self, r: usize) -> i32 {
        le_i32(self.multipliers, r)
    }

    /// Row `r`'s requantisation right shift.
    #[inline(always)]
    pub fn shift(&self, r: usize) -> u8 {
        self.shifts.get(r).copied().unwrap_or(0)
    }

    /// Weight number `i` in storage order, widened to i32.
    #[inline(always)]
    pub fn weight(&self, i: usize) -> i32 {
        match self.precision {
            Precision::Int8 => self.values.get(i).map_or(0, |&b| b as i8 as i32),
            Precision::Int16 => match self.values.get(2 * i..2 * i + 2) {
                Some(&[a, b]) => i16::from_le_bytes([a, b]) as i32,
                _ => 0,
            },
        }
    }

    /// The stored bytes of row `r` of a row-major matrix.
    #[inline(always)]
    fn row_bytes(&self, r: usize) -> &[u8] {
        let len = self.cols as usize * self.precision.bytes();
        self.values.get(r * len..(r + 1) * len).unwrap_or(&[])
    }

    /// Row `r` times `x`, requantised: `round(acc * m[r] / 2^s[r])`.
    ///
    /// Int8 rows accumulate in i32 (in range: at most 511 columns of
    /// 2^7 x 2^15); int16 rows in i64.
    #[inline]
    pub fn row_dot(&self, r: usize, x: &[i16]) -> i32 {
        let row = self.row_bytes(r);
        match self.precision {
            Precision::Int8 => requant32(dot_i8(row, x), self.multiplier(r), self.shift(r)),
            Precision::Int16 => requant64(dot_i16(row, x), self.multiplier(r), self.shift(r)),
        }
    }

    /// Row `r` times a real vector, in integer-weight units (not requantised).
    #[inline]
    pub fn row_dot_f32(&self, r: usize, x: &[f32]) -> f32 {
        let start = r * self.cols as usize;
        x.iter()
            .take(self.cols as usize)
            .enumerate()
            .map(|(k, &v)| self.weight(start + k) as f32 * v)
            .sum()
    }

    /// The real factor of row `r`: `m[r] / 2^s[r]`.
    #[inline]
    pub fn row_scale(&self, r: usize) -> f32 {
        self.multiplier(r) as f32 * pow2(-(self.shift(r) as i32))
    }
}

/// Dot product of int8 weights (bytes) and int16 values, in i32.
#[inline(always)]
fn dot_i8(w: &[u8], x: &[i16]) -> i32 {
    w.iter()
        .zip(x)
        .map(|(&w, &x)| (w as i8 as i32) * (x as i32))
        .sum()
}

/// Dot product of little-endian int16 weights and int16 values, in i64.
#[inline(always)]
fn dot_i16(w: &[u8], x: &[i16]) -> i64 {
    w.chunks_exact(2)
        .zip(x)
        .map(|(w, &x)| (i16::from_le_bytes([w[0], w[1]]) as i32 * x as i32) as i64)
        .sum()
}

/// `2^e` as f32, for `e` in -126..=127 (clamped beyond).
#[inline]
pub fn pow2(e: i32) -> f32 {
    f32::from_bits(((e.clamp(-126, 127) + 127) as u32) << 23)
}
