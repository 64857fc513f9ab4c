//! Exactly defined integer primitives: rounding, saturation, requantisation.
//!
//! Every function here is total (no panics, no overflow for any argument)
//! and platform independent, so host and device agree to the bit.

/// Saturates an i32 to the i16 range.
#[inline(always)]
pub fn sat16(x: i32) -> i16 {
    x.clamp(i16::MIN as i32, i16::MAX as i32) as i16
}

/// Saturates an i64 to the i32 range.
#[inline(always)]
pub fn sat32(x: i64) -> i32 {
    x.clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

/// `x / 2^s` rounded half up (towards +inf on ties), for `s` in 0..=63.
#[inline(always)]
pub fn round_shift64(x: i64, s: u8) -> i64 {
    match s {
        0 => x,
        1..=63 => (x >> s) + ((x >> (s - 1)) & 1),
        _ => 0,
    }
}

/// `x / 2^s` rounded half up, for any `s` (beyond 31 gives 0).
#[inline(always)]
pub fn round_shift32(x: i32, s: u32) -> i32 {
    match s {
        0 => x,
        1..=31 => (x >> s) + ((x >> (s - 1)) & 1),
        _ => 0,
    }
}

/// [`round_shift32`] by a shift known ahead (0..=30; larger ones clamp to
/// 30), for `|x| < 2^30`: `(x + 2^(by-1)) >> by` with the rounding term
/// worked out once, no branch (the same value: see the tests).
#[derive(Debug, Clone, Copy)]
pub struct RoundShift {
    by: u32,
    half: i32,
}

impl RoundShift {
    /// The shift by `by` bits.
    pub fn new(by: u8) -> Self {
        let by = (by as u32).min(30);
        RoundShift {
            by,
            half: (1 << by) >> 1,
        }
    }

    /// The shift and its rounding term: `(by, 2^(by-1))` (`(0, 0)` for none).
    pub fn parts(self) -> (u32, i32) {
        (self.by, self.half)
    }

    /// `x / 2^by` rounded half up (`|x| < 2^30`: no overflow).
    #[inline(always)]
    pub fn apply(self, x: i32) -> i32 {
        (x + self.half) >> self.by
    }
}

/// `round(acc * m / 2^s)`, saturated to i32: an int32 accumulator's
/// requantisation. `m` is a non-negative i32 and `s` at most 63.
#[inline(always)]
pub fn requant32(acc: i32, m: i32, s: u8) -> i32 {
    // |acc * m| <= 2^62: no overflow in i64.
    sat32(round_shift64(acc as i64 * m as i64, s))
}

/// `round(acc * m / 2^s)`, saturated to i32, for the wide (int16 weight)
/// accumulator. Exact for every `acc`, `m` and `s` (beyond 127 gives 0),
/// without 128-bit arithmetic: the product is kept as a high i64 and a low
/// u32 word, shifted as one 96-bit value.
#[inline(never)]
pub fn requant64(acc: i64, m: i32, s: u8) -> i32 {
    // acc = a1 * 2^32 + a0 with a0 unsigned: p = a1 m 2^32 + a0 m.
    let (a1, a0) = (acc >> 32, acc as u32 as i64);
    // |a0 m| < 2^63 and |a1 m + carry| <= 2^62 + 2^31: no overflow.
    let low = a0 * m as i64;
    let hi = a1 * m as i64 + (low >> 32);
    let lo = low as u32;
    let q = match s {
        0 => shift96(hi, lo, 0),
        // Round half up: floor(p / 2^(s-1)), then halved rounding up.
        1..=127 => {
            let x = shift96(hi, lo, s as u32 - 1);
            (x >> 1) + (x & 1)
        }
        _ => 0,
    };
    sat32(q)
}

/// `floor((hi * 2^32 + lo) / 2^k)` saturated to i64, for `k` in 0..=126
/// and any `hi`. Saturating to i64 before the caller's saturation to
/// i32 cannot change its result: both are monotone and an i64 bound is far
/// outside i32.
fn shift96(hi: i64, lo: u32, k: u32) -> i64 {
    if k >= 32 {
        return hi >> (k - 32).min(63);
    }
    // The quotient is `hi * 2^(32-k) + (lo >> k)`: it fits in i64 when
    // `hi` fits in 31 + k bits (signed).
    let top = hi >> (31 + k);
    match top {
        0 | -1 => (hi << (32 - k)) | (lo >> k) as i64,
        t if t < 0 => i64::MIN,
        _ => i64::MAX,
    }
}

/// `a * b / 2^s` rounded half up, with `a * b` in i32 range (both |a|,|b| <= 2^15).
#[inline(always)]
pub fn mul_shift(a: i16, b: i16, s: u32) -> i32 {
    round_shift32(a as i32 * b as i32, s)
}

/// Changes the number of fraction bits of `x` from `from` to `to`,
/// rounding half up when dropping bits. Result in i32 (no saturation needed
/// for `to - from <= 16`).
#[inline(always)]
pub fn rescale(x: i32, from: u8, to: u8) -> i32 {
    if from >= to {
        round_shift32(x, (from - to) as u32)
    } else {
        x.saturating_mul(1 << (to - from).min(30))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requant_check::{assert_same, next, seeded};

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(round_shift64(3, 1), 2);
        assert_eq!(round_shift64(-3, 1), -1);
        assert_eq!(round_shift64(-5, 2), -1);
        assert_eq!(round_shift32(5, 1), 3);
        assert_eq!(round_shift32(-6, 2), -1);
        assert_eq!(round_shift32(i32::MIN, 31), -1);
        assert_eq!(round_shift32(i32::MAX, 31), 1);
    }

    #[test]
    fn requant_saturates_at_the_extremes() {
        assert_eq!(requant32(i32::MIN, i32::MAX, 0), i32::MIN);
        assert_eq!(requant32(i32::MAX, i32::MAX, 0), i32::MAX);
        assert_eq!(requant64(i64::MAX, i32::MAX, 0), i32::MAX);
        assert_eq!(requant64(i64::MIN, i32::MAX, 63), -i32::MAX);
        assert_eq!(requant64(i64::MIN, i32::MAX, 0), i32::MIN);
        assert_eq!(requant32(1 << 20, 1 << 30, 31), 1 << 19);
        assert_eq!(requant64(1 << 40, 1 << 30, 50), 1 << 20);
    }

    #[test]
    fn requant_paths_agree_where_both_apply() {
        for &(acc, m, s) in &[
            (12345, 1_234_567_890, 40u8),
            (-98765, 2_000_000_000, 37),
            (7, 1, 1),
        ] {
            assert_eq!(requant32(acc, m, s), requant64(acc as i64, m, s));
        }
    }

    /// The definition [`requant64`] implements, in i128.
    fn requant64_i128(acc: i64, m: i32, s: u8) -> i32 {
        let p = acc as i128 * m as i128;
        let q = match s {
            0 => p,
            1..=127 => (p >> s) + ((p >> (s - 1)) & 1),
            _ => 0,
        };
        q.clamp(i32::MIN as i128, i32::MAX as i128) as i32
    }

    #[test]
    fn requant64_equals_the_i128_definition() {
        let accs = [
            i64::MIN,
            i64::MIN + 1,
            -(1 << 32) - 1,
            -(1 << 32),
            -(1 << 31) - 1,
            -(1 << 31),
            -3,
            -2,
            -1,
            0,
            1,
            2,
            3,
            (1 << 31) - 1,
            1 << 31,
            (1 << 32) - 1,
            1 << 32,
            i64::MAX - 1,
            i64::MAX,
        ];
        let ms = [i32::MIN, i32::MIN + 1, -1, 0, 1, 2, 3, 1 << 30, i32::MAX];
        // Every magnitude of accumulator and multiplier, every shift.
        assert_same(
            requant64,
            requant64_i128,
            (&accs, &ms),
            (11, 4_000_000),
            |state| {
                let acc = next(state) as i64 >> (next(state) % 64);
                let m = next(state) as i32 >> (next(state) % 32);
                (acc, m, next(state) as u8 % 160)
            },
        );
    }

    #[test]
    fn round_shift_ahead_is_round_shift32() {
        let mut state = seeded(3);
        let edges = [
            -(1 << 30) + 1,
            -(1 << 29),
            -3,
            -2,
            -1,
            0,
            1,
            2,
            3,
            (1 << 29),
            (1 << 30) - 1,
        ];
        for by in 0..=30u8 {
            let shift = RoundShift::new(by);
            let random = (0..20_000).map(|_| (next(&mut state) as i32) >> 2);
            for x in edges.into_iter().chain(random) {
                assert_eq!(shift.apply(x), round_shift32(x, by as u32), "{x} >> {by}");
            }
        }
    }

    #[test]
    fn rescale_both_ways() {
        assert_eq!(rescale(4096, 12, 15), 32768);
        assert_eq!(rescale(32767, 15, 12), 4096);
        assert_eq!(rescale(-3, 1, 0), -1);
    }
}
