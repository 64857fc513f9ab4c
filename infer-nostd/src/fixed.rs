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

/// `round(acc * m / 2^s)`, saturated to i32: an int32 accumulator's
/// requantisation. `m` is a non-negative i32 and `s` at most 63.
#[inline(always)]
pub fn requant32(acc: i32, m: i32, s: u8) -> i32 {
    // |acc * m| <= 2^62: no overflow in i64.
    sat32(round_shift64(acc as i64 * m as i64, s))
}

/// `round(acc * m / 2^s)`, saturated to i32, for the wide (int16 weight)
/// accumulator. Computed in i128: exact for every i64 `acc`.
#[inline]
pub fn requant64(acc: i64, m: i32, s: u8) -> i32 {
    let p = acc as i128 * m as i128;
    let q = match s {
        0 => p,
        1..=127 => (p >> s) + ((p >> (s - 1)) & 1),
        _ => 0,
    };
    q.clamp(i32::MIN as i128, i32::MAX as i128) as i32
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

    #[test]
    fn rescale_both_ways() {
        assert_eq!(rescale(4096, 12, 15), 32768);
        assert_eq!(rescale(32767, 15, 12), 4096);
        assert_eq!(rescale(-3, 1, 0), -1);
    }
}
