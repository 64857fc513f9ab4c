//! Reading the borrowed tensors of a [`Matrix`]: weights, per-row
//! requantisation and little-endian scalars, with no alignment assumed.
//!
//! Accessors never panic: an index outside a (validated) tensor reads as 0.

#[cfg(arm_dsp)]
use crate::dsp::{dot4_i8, dot4_i8_packed, dot_i16, pack_i8};
use crate::fixed::{requant32, requant64};
use crate::format::{Matrix, Precision};

/// The i32 stored little-endian at index `i` of `bytes` (0 if absent).
#[inline(always)]
pub fn le_i32(bytes: &[u8], i: usize) -> i32 {
    let (words, _) = bytes.as_chunks::<4>();
    words.get(i).map_or(0, |&w| i32::from_le_bytes(w))
}

/// One row's requantisation: `round(acc * multiplier / 2^shift)`, saturated.
#[derive(Debug, Clone, Copy)]
pub struct Requant {
    /// The multiplier (non-negative).
    pub multiplier: i32,
    /// The right shift (at most [`crate::format::MAX_SHIFT`]).
    pub shift: u8,
}

impl Requant {
    /// The requantisation of an int8 row's i32 accumulator.
    #[inline(always)]
    pub fn of_i32(self, acc: i32) -> i32 {
        requant32_fast(acc, self.multiplier, self.shift)
    }

    /// The requantisation of an int16 row's i64 accumulator.
    #[inline(always)]
    pub fn of_i64(self, acc: i64) -> i32 {
        requant64(acc, self.multiplier, self.shift)
    }
}

/// Four rows of one matrix: their indices, stored bytes and requantisation.
#[derive(Debug, Clone, Copy)]
pub struct Rows4<'m> {
    /// Row numbers.
    pub index: [usize; 4],
    /// Each row's bytes.
    pub bytes: [&'m [u8]; 4],
    /// Each row's requantisation.
    pub requant: [Requant; 4],
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
        let len = self.row_len();
        // Two bounds checks (a wrapped product fails the first).
        let row = self.values.get(r.wrapping_mul(len)..).unwrap_or(&[]);
        row.get(..len).unwrap_or(&[])
    }

    /// Every row's requantisation, in row order.
    #[inline(always)]
    fn requants(&self) -> impl Iterator<Item = Requant> + '_ {
        let (multipliers, _) = self.multipliers.as_chunks::<4>();
        multipliers
            .iter()
            .zip(self.shifts)
            .map(|(&m, &shift)| Requant {
                multiplier: i32::from_le_bytes(m),
                shift,
            })
    }

    /// Column `class` of a class-major matrix (a one-hot input kernel,
    /// stored one class after another), requantised row by row: calls
    /// `emit(value)` for every row in order.
    #[inline]
    pub fn requantised_column(&self, class: usize, mut emit: impl FnMut(i32)) {
        let rows = self.rows as usize;
        let len = rows * self.precision.bytes();
        let column = self
            .values
            .get(class.wrapping_mul(len)..)
            .and_then(|c| c.get(..len))
            .unwrap_or(&[]);
        match self.precision {
            Precision::Int8 => {
                for (&w, q) in column.iter().zip(self.requants()) {
                    emit(q.of_i32(w as i8 as i32));
                }
            }
            Precision::Int16 => {
                let (column, _) = column.as_chunks::<2>();
                for (&w, q) in column.iter().zip(self.requants()) {
                    emit(q.of_i32(i16::from_le_bytes(w) as i32));
                }
            }
        }
    }

    /// Bytes per stored row.
    #[inline(always)]
    fn row_len(&self) -> usize {
        self.cols as usize * self.precision.bytes()
    }

    /// Row `r`'s requantisation.
    #[inline(always)]
    fn requant(&self, r: usize) -> Requant {
        Requant {
            multiplier: self.multiplier(r),
            shift: self.shift(r),
        }
    }

    /// The rows in groups of four consecutive ones (a last partial group
    /// is left out: see [`partial_quad`](Self::partial_quad)).
    pub fn row_quads(&self) -> impl Iterator<Item = Rows4<'_>> {
        let len = self.row_len().max(1);
        self.values
            .chunks_exact(4 * len)
            .enumerate()
            .map(move |(k, quad)| {
                let (a, rest) = quad.split_at(len);
                let (b, rest) = rest.split_at(len);
                let (c, d) = rest.split_at(len);
                let index = [0, 1, 2, 3].map(|g| 4 * k + g);
                Rows4 {
                    index,
                    bytes: [a, b, c, d],
                    requant: index.map(|r| self.requant(r)),
                }
            })
    }

    /// The last partial group of four rows, if the row count is not a
    /// multiple of four, filled up with copies of the last row under the
    /// row numbers past the end that they stand in for (so the group runs
    /// the four-row kernel): callers skip those.
    pub fn partial_quad(&self) -> Option<Rows4<'_>> {
        let rows = self.rows as usize;
        let first = rows & !3;
        (first < rows).then(|| {
            let index = [0, 1, 2, 3].map(|g| first + g);
            let stored = index.map(|r| r.min(rows - 1));
            Rows4 {
                index,
                bytes: stored.map(|r| self.row_bytes(r)),
                requant: stored.map(|r| self.requant(r)),
            }
        })
    }

    /// The rows of an LSTM kernel of `units` units (four gate blocks of
    /// `units` rows), unit by unit: the input, forget, cell and output gate
    /// rows of unit 0, then of unit 1, and so on.
    pub fn gate_rows(&self, units: usize) -> impl Iterator<Item = Rows4<'_>> {
        let len = self.row_len().max(1);
        let block = units * len;
        let gate = |g: usize| {
            let rows = self.values.get(g * block..).unwrap_or(&[]);
            rows.get(..block).unwrap_or(&[]).chunks_exact(len)
        };
        let blocks = gate(0).zip(gate(1)).zip(gate(2)).zip(gate(3));
        blocks.enumerate().map(move |(j, (((a, b), c), d))| {
            let index = [j, units + j, 2 * units + j, 3 * units + j];
            Rows4 {
                index,
                bytes: [a, b, c, d],
                requant: index.map(|r| self.requant(r)),
            }
        })
    }

    /// Four rows times `x`, each requantised with its row's parameters,
    /// sharing the loads of `x` (DSP and SSE2 int8 kernels).
    #[inline]
    pub fn dot4(&self, rows: Rows4, x: &[i16]) -> [i32; 4] {
        match self.precision {
            #[cfg(arm_dsp)]
            Precision::Int8 => {
                let acc = dot4_i8(rows.bytes, x);
                [0, 1, 2, 3].map(|g| rows.requant[g].of_i32(acc[g]))
            }
            #[cfg(all(target_arch = "x86_64", not(arm_dsp)))]
            Precision::Int8 => {
                let acc = crate::simd_x86::dot4_i8(rows.bytes, x);
                [0, 1, 2, 3].map(|g| rows.requant[g].of_i32(acc[g]))
            }
            #[cfg(not(any(arm_dsp, target_arch = "x86_64")))]
            Precision::Int8 => {
                [0, 1, 2, 3].map(|g| rows.requant[g].of_i32(dot_i8(rows.bytes[g], x)))
            }
            Precision::Int16 => {
                let mut out = [0; 4];
                for (o, (w, q)) in out.iter_mut().zip(rows.bytes.iter().zip(rows.requant)) {
                    *o = q.of_i64(dot_i16(w, x));
                }
                out
            }
        }
    }

    /// Writes `x` into `out` in the layout [`dot4_packed`](Self::dot4_packed)
    /// reads, for a vector multiplied by many rows (a permutation for int8
    /// rows on DSP cores, a copy otherwise).
    #[inline]
    pub fn pack_input(&self, x: &[i16], out: &mut [i16]) {
        match self.precision {
            #[cfg(arm_dsp)]
            Precision::Int8 => pack_i8(x, out),
            _ => {
                let n = x.len().min(out.len());
                out[..n].copy_from_slice(&x[..n]);
            }
        }
    }

    /// [`dot4`](Self::dot4) of a vector packed by [`pack_input`](Self::pack_input).
    #[inline]
    pub fn dot4_packed(&self, rows: Rows4, packed: &[i16]) -> [i32; 4] {
        match self.precision {
            #[cfg(arm_dsp)]
            Precision::Int8 => {
                let acc = dot4_i8_packed(rows.bytes, packed);
                [0, 1, 2, 3].map(|g| rows.requant[g].of_i32(acc[g]))
            }
            _ => self.dot4(rows, packed),
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

/// [`requant32`], with fewer 64-bit operations (the same value: see the
/// tests). With `p = acc * m`, `|p| < 2^62`:
/// - for `1 <= s <= 32`, `round_half_up(p / 2^s) = (p + 2^(s-1)) >> s`
///   (no overflow), then saturated (never needed for `s = 32`);
/// - for `33 <= s <= 62`, with `t = s - 32`, the rounding bit lies in the
///   high word `hi = floor(p / 2^32)`, `|hi| < 2^30`, so the result is
///   `(hi + 2^(t-1)) >> t` in 32 bits, with nothing to saturate.
#[inline(always)]
fn requant32_fast(acc: i32, m: i32, s: u8) -> i32 {
    let p = acc as i64 * m as i64;
    match s {
        1..=31 => {
            // `p + 2^(s-1)` shifted in 32-bit halves: `q` is the low word
            // of the quotient and `top` its high word; it fits in i32 when
            // `top` is `q`'s sign extension.
            // The rounding term added to the low word, its carry to the
            // high word (|hi| < 2^30: no overflow).
            let (lo, carry) = (p as u32).overflowing_add(1 << (s - 1));
            let hi = (p >> 32) as i32 + carry as i32;
            let q = ((lo >> s) | ((hi as u32) << (32 - s))) as i32;
            let top = hi >> s;
            match (top == q >> 31, hi < 0) {
                (true, _) => q,
                (false, true) => i32::MIN,
                (false, false) => i32::MAX,
            }
        }
        32 => ((p + (1 << 31)) >> 32) as i32,
        33..=62 => {
            let t = s as u32 - 32;
            (((p >> 32) as i32) + (1 << (t - 1))) >> t
        }
        _ => requant32(acc, m, s),
    }
}

/// Dot product of int8 weights (bytes) and int16 values, in i32.
#[cfg(all(not(arm_dsp), not(target_arch = "x86_64")))]
#[inline(always)]
fn dot_i8(w: &[u8], x: &[i16]) -> i32 {
    w.iter()
        .zip(x)
        .map(|(&w, &x)| (w as i8 as i32) * (x as i32))
        .sum()
}

/// Dot product of little-endian int16 weights and int16 values, in i64.
#[cfg(not(arm_dsp))]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requant_check::{assert_same, next};

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
        let multipliers = [0, 1, 1 << 30, i32::MAX - 1, i32::MAX];
        assert_same(
            requant32_fast,
            requant32,
            (&edges, &multipliers),
            (7, 2_000_000),
            |state| {
                let acc = next(state) as i32 >> (next(state) % 32);
                let m = (next(state) as i32 & i32::MAX) >> (next(state) % 31);
                (acc, m, (next(state) % 64) as u8)
            },
        );
    }
}
