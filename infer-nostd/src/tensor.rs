//! Reading the borrowed tensors of a [`Matrix`] one value at a time:
//! weights, per-row requantisation and little-endian scalars (the f32
//! reference and the loader use them; the integer engine's dot products
//! over whole row groups are in `kernels`). No alignment is assumed.
//!
//! Accessors never panic: an index outside a (validated) tensor reads as 0.

use crate::format::Matrix;

/// The i32 stored little-endian at index `i` of `bytes` (0 if absent).
#[inline(always)]
pub fn le_i32(bytes: &[u8], i: usize) -> i32 {
    let (words, _) = bytes.as_chunks::<4>();
    words.get(i).map_or(0, |&w| i32::from_le_bytes(w))
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

    /// Row `r`'s weight `k` of a matrix stored in row groups.
    #[inline]
    pub fn weight(&self, r: usize, k: usize) -> i32 {
        let at = self.grouped_offset(r, k) / self.precision.bytes();
        self.precision.weight(self.values, at)
    }

    /// Row `r`'s weight `k` of a column-major (one-hot input) kernel.
    #[inline]
    pub fn column_weight(&self, r: usize, k: usize) -> i32 {
        self.precision.weight(self.column(k), r)
    }

    /// Column `class` of a column-major (one-hot input) kernel: its
    /// `rows` stored weights (empty if absent).
    #[inline]
    pub fn column(&self, class: usize) -> &[u8] {
        let len = self.rows as usize * self.precision.bytes();
        self.values
            .get(class.wrapping_mul(len)..)
            .and_then(|c| c.get(..len))
            .unwrap_or(&[])
    }

    /// Row `r` times a real vector, in integer-weight units (not requantised).
    #[inline]
    pub fn row_dot_f32(&self, r: usize, x: &[f32]) -> f32 {
        x.iter()
            .take(self.cols as usize)
            .enumerate()
            .map(|(k, &v)| self.weight(r, k) as f32 * v)
            .sum()
    }

    /// The real factor of row `r`: `m[r] / 2^s[r]`.
    #[inline]
    pub fn row_scale(&self, r: usize) -> f32 {
        self.multiplier(r) as f32 * pow2(-(self.shift(r) as i32))
    }
}

/// `2^e` as f32, for `e` in -126..=127 (clamped beyond).
#[inline]
pub fn pow2(e: i32) -> f32 {
    f32::from_bits(((e.clamp(-126, 127) + 127) as u32) << 23)
}
