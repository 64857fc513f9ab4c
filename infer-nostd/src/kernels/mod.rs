//! The integer engine's kernels: the dot products of a row group (four
//! rows, word-interleaved: see [`crate::format`]) with a vector, and the
//! unit loop of an LSTM step, with the choice of backend for the target.
//!
//! - `portable`: the base, plain Rust, every target (the Cortex-M0 runs
//!   only it); row groups and their requantisation.
//! - `arm_dsp`: `SMLAD`/`SXTB16` assembly for ARMv7E-M (Cortex-M4, M7),
//!   where `build.rs` sets `cfg(arm_dsp)`; `dsp_lstm`: the unit loop of an
//!   LSTM step in assembly on the same cores, `dsp_gru` the block loop of
//!   a GRU step, `dsp_groups` consecutive row groups requantised in one
//!   piece (a GRU block's recurrent part when its input is a vector),
//!   `dsp_activation` the table's sigmoid and tanh they share.
//! - `x86`: SSE2 on x86-64.
//!
//! The backends import the base (the last partial word of a row), never
//! the other way round, and this file is the only one that chooses a
//! backend. Every backend equals the base to the bit (the tests compare
//! them on the host; the firmware's parity test compares the device's
//! outputs with the host's).
//!
//! Everything here is crate-private: the Arm kernels load row groups by
//! words, which only a validated model guarantees (`Model::from_bytes`
//! checks every matrix's alignment on those cores), so only the engine,
//! running a loaded model, may call them.

#[cfg(arm_dsp)]
mod arm_dsp;
#[cfg(arm_dsp)]
mod dsp_activation;
#[cfg(all(arm_dsp, feature = "gru"))]
mod dsp_groups;
#[cfg(all(arm_dsp, feature = "gru"))]
mod dsp_gru;
#[cfg(arm_dsp)]
mod dsp_lstm;
mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(not(arm_dsp))]
use crate::fixed::RoundShift;
use crate::format::{Matrix, Precision};

// The backend of each kernel.
#[cfg(arm_dsp)]
use arm_dsp::{dot4_i16, dot4_i8};
#[cfg(all(arm_dsp, feature = "gru"))]
pub(crate) use dsp_groups::requantised_groups;
#[cfg(all(arm_dsp, feature = "gru"))]
pub(crate) use dsp_gru::gru_units;
#[cfg(arm_dsp)]
pub(crate) use dsp_lstm::lstm_units;
#[cfg(not(arm_dsp))]
use portable::dot4_i16;
#[cfg(not(any(arm_dsp, target_arch = "x86_64")))]
use portable::dot4_i8;
#[cfg(all(target_arch = "x86_64", not(arm_dsp)))]
use x86::dot4_i8;

use portable::{copy_padded, requant4_i32};
pub(crate) use portable::{from, Group, Requant};

impl Matrix<'_> {
    /// The group's four rows times `x` (natural order; shorter than the
    /// rows reads as zeros), each requantised with its row's parameters.
    /// On Cortex-M4 the group must be word-aligned, as every matrix of a
    /// loaded model is.
    #[inline]
    pub(crate) fn dot4(&self, group: &Group, x: &[i16]) -> [i32; 4] {
        match self.precision {
            Precision::Int8 => requant4_i32(group, dot4_i8(group.bytes, x)),
            Precision::Int16 => {
                let acc = dot4_i16(group.bytes, x);
                let q = |g: usize| group.requant(g).of_i64(acc[g]);
                [q(0), q(1), q(2), q(3)]
            }
        }
    }

    /// Writes `x` into `out` in the layout [`dot4_packed`](Self::dot4_packed)
    /// reads, for a vector multiplied by many rows (a permutation for int8
    /// rows on DSP cores, a copy otherwise), zero-filled up to whole groups
    /// of four values where `out` has room.
    #[inline]
    pub(crate) fn pack_input(&self, x: &[i16], out: &mut [i16]) {
        #[cfg_attr(not(arm_dsp), expect(unused_variables, reason = "a copy is all"))]
        let packed = copy_padded(x, out);
        #[cfg(arm_dsp)]
        if self.precision == Precision::Int8 {
            arm_dsp::pack_i8(packed);
        }
    }

    /// [`dot4`](Self::dot4) of a vector packed by [`pack_input`](Self::pack_input)
    /// (on Cortex-M4, into a word-aligned buffer).
    #[inline]
    pub(crate) fn dot4_packed(&self, group: &Group, packed: &[i16]) -> [i32; 4] {
        match self.precision {
            #[cfg(arm_dsp)]
            Precision::Int8 => requant4_i32(group, arm_dsp::dot4_i8_packed(group.bytes, packed)),
            _ => self.dot4(group, packed),
        }
    }
}

/// What the Arm DSP unit loop (`dsp_lstm::lstm_units`) does elsewhere:
/// no unit, so the engine's portable loop (in `kernel`) takes them all.
#[cfg(not(arm_dsp))]
#[inline(always)]
pub(crate) fn lstm_units(
    _recurrent: &Matrix,
    _previous: Option<&[i16]>,
    _input: &[i16],
    _c: &mut [i16],
    _h: &mut [i16],
    _g_shift: RoundShift,
) -> usize {
    0
}

/// What the Arm DSP block loop of a GRU step (`dsp_gru::gru_units`) does
/// elsewhere: no unit, so the portable GRU step takes them all.
#[cfg(all(not(arm_dsp), feature = "gru"))]
#[inline(always)]
pub(crate) fn gru_units(
    _recurrent: &Matrix,
    _previous: Option<&[i16]>,
    _input: &[i16],
    _bias: &[u8],
    _h: &mut [i16],
) -> usize {
    0
}

/// What the Arm DSP product of consecutive row groups
/// (`dsp_groups::requantised_groups`) does elsewhere: no group, so the
/// caller's portable code takes them all.
#[cfg(all(not(arm_dsp), feature = "gru"))]
#[inline(always)]
pub(crate) fn requantised_groups(
    _m: &Matrix,
    _first: usize,
    _packed: &[i16],
    _out: &mut [[i32; 4]],
) -> usize {
    0
}

#[cfg(test)]
mod tests {
    extern crate std;

    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    use super::{dot4_i16, dot4_i8, portable};
    use crate::format::{Matrix, Precision, MAX_SHIFT};
    use crate::MAX_COLS;

    /// `round_half_up(acc * m / 2^s)` saturated to i32, exactly.
    fn exact_requant(acc: i128, m: i32, s: u8) -> i32 {
        let p = acc * m as i128;
        let q = if s == 0 {
            p
        } else {
            (p + (1 << (s - 1))).div_euclid(1 << s)
        };
        q.clamp(i32::MIN as i128, i32::MAX as i128) as i32
    }

    /// Multipliers towards the format's limits.
    fn multiplier() -> impl Strategy<Value = i32> {
        prop_oneof![
            Just(0),
            Just(1),
            Just(1 << 30),
            Just(i32::MAX),
            0..=i32::MAX
        ]
    }

    /// Shifts towards the format's limits.
    fn shift() -> impl Strategy<Value = u8> {
        prop_oneof![
            Just(0),
            Just(1),
            Just(31),
            Just(32),
            Just(MAX_SHIFT),
            0..=MAX_SHIFT
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The int8 dot product holds in i32 for the widest row (511
        /// columns) at the extremes, and both requantisations (of a
        /// natural-order and of a packed vector) match exact arithmetic.
        #[test]
        fn dot4_is_exact_then_saturates(
            cols in 1usize..=MAX_COLS,
            corner in 0usize..3,
            int16 in any::<bool>(),
            drawn in prop::collection::vec((any::<i16>(), any::<i16>()), MAX_COLS),
            m in multiplier(),
            s in shift(),
        ) {
            let precision = if int16 { Precision::Int16 } else { Precision::Int8 };
            let least = if int16 { i16::MIN as i32 } else { -128 };
            // Every weight and input in one corner, or drawn.
            let (w, v): (Vec<i32>, Vec<i16>) = drawn[..cols]
                .iter()
                .map(|&(w, v)| match corner {
                    0 => (least, i16::MIN),
                    1 => (least, i16::MAX),
                    _ if int16 => (w as i32, v),
                    _ => (w as i8 as i32, v),
                })
                .unzip();
            let multipliers: Vec<u8> = (0..4).flat_map(|_| m.to_le_bytes()).collect();
            let shifts = [s; 4];
            // One row group: the row four times.
            let mut matrix = Matrix {
                rows: 4,
                cols: cols as u16,
                precision,
                align: &[],
                values: &[],
                multipliers: &multipliers,
                shifts: &shifts,
            };
            let mut values = vec![0u8; matrix.grouped_len()];
            for r in 0..4 {
                for (k, &w) in w.iter().enumerate() {
                    let at = matrix.grouped_offset(r, k);
                    let bytes = (w as i16).to_le_bytes();
                    values[at..at + precision.bytes()].copy_from_slice(&bytes[..precision.bytes()]);
                }
            }
            matrix.values = &values;
            let acc: i128 = w.iter().zip(&v).map(|(&w, &v)| w as i128 * v as i128).sum();
            let exact = [exact_requant(acc, m, s); 4];
            let group = matrix.row_groups().next().expect("one row group");
            prop_assert_eq!(matrix.dot4(&group, &v), exact);
            let mut packed = vec![0i16; cols + 3];
            matrix.pack_input(&v, &mut packed);
            prop_assert_eq!(matrix.dot4_packed(&group, &packed), exact);
        }

        /// The target's kernels equal the portable base on any row group
        /// and any vector, longer or shorter than the rows.
        #[test]
        fn backends_equal_the_portable_base(
            words in 0usize..40,
            bytes in prop::collection::vec(any::<u8>(), 16 * 40),
            x in prop::collection::vec(any::<i16>(), 0..170),
        ) {
            let group = &bytes[..16 * words];
            prop_assert_eq!(dot4_i8(group, &x), portable::dot4_i8(group, &x));
            prop_assert_eq!(dot4_i16(group, &x), portable::dot4_i16(group, &x));
        }
    }
}
