//! Sigmoid and tanh in fixed point: one sigmoid table with linear
//! interpolation, shared by tanh through `tanh(x) = 2 sigmoid(2x) - 1`.
//!
//! The table holds sigmoid on [-8, 10] in steps of 1/32 (577 samples,
//! 1.1 KiB of flash), in Q0.15: -8 is the least Q3.12 gate value, and from
//! 10 on sigmoid rounds to `i16::MAX` (1 - sigmoid(10) < 1.5 / 2^15), so
//! tanh's `sigmoid(2x)` clamps there. It is computed at compile time from an
//! exact f64 series, so no float runs on the device.
//!
//! Measured maximum errors over every Q3.12 input (see the tests):
//! sigmoid within [`SIGMOID_MAX_ERROR_LSB`] LSB of Q0.15, tanh within
//! [`TANH_MAX_ERROR_LSB`] LSB.

/// Table step is 1/32: input fraction bits (Q.12) minus 5.
const STEP_SHIFT: u32 = 12 - 5;
/// The table's first sample, as a whole number.
const LOW: i32 = -8;
/// The table's last sample, as a whole number.
const HIGH: i32 = 10;
/// Number of table intervals.
const INTERVALS: usize = ((HIGH - LOW) << 5) as usize;
/// The last table position, in Q.12 steps from the first sample.
const END: i32 = (INTERVALS as i32) << STEP_SHIFT;

/// Largest difference from the exact sigmoid, in Q0.15 units (measured
/// over every Q3.12 input: 1.27).
pub const SIGMOID_MAX_ERROR_LSB: f64 = 1.3;
/// Largest difference from the exact tanh, in Q0.15 units (measured: 2.53).
pub const TANH_MAX_ERROR_LSB: f64 = 2.6;

/// `exp(x)` for |x| <= 40, exact to f64 rounding, usable in const context.
const fn const_exp(x: f64) -> f64 {
    // exp(x) = exp(x / 64)^64; the series converges fast for |x/64| < 1.
    let r = x / 64.0;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut n = 1;
    while n < 20 {
        term = term * r / n as f64;
        sum += term;
        n += 1;
    }
    let mut i = 0;
    while i < 6 {
        sum *= sum;
        i += 1;
    }
    sum
}

/// Sigmoid in Q0.15 from `low` in steps of 1/32, `N - 1` samples, the
/// last one twice (the interpolation at the end reads one past it).
const fn sigmoid_samples<const N: usize>(low: i32) -> [i16; N] {
    let mut t = [0i16; N];
    let mut k = 0;
    while k < N - 1 {
        let x = low as f64 + k as f64 / 32.0;
        let s = 1.0 / (1.0 + const_exp(-x));
        let q = (s * 32768.0 + 0.5) as i32;
        t[k] = if q > i16::MAX as i32 {
            i16::MAX
        } else {
            q as i16
        };
        k += 1;
    }
    t[N - 1] = t[N - 2];
    t
}

/// Sigmoid samples on [-8, 10], step 1/32, Q0.15 (the last one twice).
static SIGMOID: [i16; INTERVALS + 2] = sigmoid_samples(LOW);

/// What a table lookup adds to a Q3.12 value to make its table position.
#[cfg(arm_dsp)]
pub(crate) const TABLE_OFFSET: i32 = -(LOW << 12);
/// Right shift from a table position to its entry.
#[cfg(arm_dsp)]
pub(crate) const TABLE_STEP_SHIFT: u32 = STEP_SHIFT;
/// The last table position tanh reads (its argument clamped there).
#[cfg(arm_dsp)]
pub(crate) const TABLE_END: i32 = END;

/// The sigmoid table, for the assembly unit loop: a position in
/// `0..=TABLE_END` reads entries `p >> TABLE_STEP_SHIFT` and the next, and
/// the table has them.
#[cfg(arm_dsp)]
pub(crate) fn sigmoid_table() -> &'static [i16] {
    const _: () = assert!(((END >> STEP_SHIFT) as usize) + 1 < INTERVALS + 2);
    &SIGMOID
}

/// The table interpolated at `u` Q.12 steps past its first sample (`u`
/// at most `table.len() - 2` samples in; a larger one reads as 0).
#[inline(always)]
fn interpolate(table: &[i16], u: u32) -> i16 {
    let i = (u >> STEP_SHIFT) as usize;
    let frac = (u & ((1 << STEP_SHIFT) - 1)) as i32;
    let (Some(&lo), Some(&hi)) = (table.get(i), table.get(i + 1)) else {
        return 0;
    };
    let (lo, hi) = (lo as i32, hi as i32);
    // |hi - lo| < 2^11 and frac < 2^7: no overflow.
    (lo + (((hi - lo) * frac + (1 << (STEP_SHIFT - 1))) >> STEP_SHIFT)) as i16
}

/// Sigmoid of a Q3.12 value, in Q0.15.
#[inline]
pub fn sigmoid(x: i16) -> i16 {
    // -8 <= x < 8: inside the table.
    interpolate(&SIGMOID, (x as i32 - (LOW << 12)) as u32)
}

/// Tanh of a Q.12 value (any i32), in Q0.15, symmetric around zero.
#[inline]
pub fn tanh(x: i32) -> i16 {
    // Clamped at the table's end.
    tanh_by(x, |two_x| {
        interpolate(
            &SIGMOID,
            two_x.saturating_sub(LOW << 12).clamp(0, END) as u32,
        )
    })
}

/// Tanh of `x` as `2 sigmoid(2x) - 1`, `sigmoid_at(2x)` giving sigmoid
/// in Q0.15 (for `x >= 0`: negative `x` by symmetry).
#[inline(always)]
fn tanh_by(x: i32, sigmoid_at: impl Fn(i32) -> i16) -> i16 {
    let magnitude = |x: i32| (2 * sigmoid_at(x.saturating_mul(2)) as i32 - 32768) as i16;
    if x < 0 {
        -magnitude(x.saturating_neg())
    } else {
        magnitude(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_lsb(got: i16, exact: f64) -> f64 {
        (got as f64 - exact * 32768.0).abs()
    }

    #[test]
    fn sigmoid_error_is_within_the_stated_bound() {
        let mut worst = 0.0f64;
        for x in i16::MIN..=i16::MAX {
            let exact = 1.0 / (1.0 + (-(x as f64) / 4096.0).exp());
            worst = worst.max(err_lsb(sigmoid(x), exact.min(32767.0 / 32768.0)));
        }
        assert!(
            worst <= SIGMOID_MAX_ERROR_LSB,
            "sigmoid max error {worst} LSB"
        );
    }

    #[test]
    fn tanh_error_is_within_the_stated_bound() {
        let mut worst = 0.0f64;
        for x in i16::MIN..=i16::MAX {
            let exact = (x as f64 / 4096.0)
                .tanh()
                .clamp(-32767.0 / 32768.0, 32767.0 / 32768.0);
            worst = worst.max(err_lsb(tanh(x as i32), exact));
        }
        assert!(worst <= TANH_MAX_ERROR_LSB, "tanh max error {worst} LSB");
    }

    #[test]
    fn extremes_saturate_and_zero_is_centred() {
        assert_eq!(sigmoid(0), 16384);
        assert_eq!(sigmoid(i16::MIN), 11);
        assert_eq!(sigmoid(i16::MAX), 32757);
        assert_eq!(tanh(0), 0);
        assert_eq!(tanh(i32::MAX), i16::MAX - 1);
        assert_eq!(tanh(i32::MIN), -(i16::MAX - 1));
        for x in [1, 100, 4096, 20_000, 40_000] {
            assert_eq!(tanh(-x), -tanh(x));
        }
    }

    #[test]
    fn monotonic() {
        let mut prev = i16::MIN;
        for x in i16::MIN..=i16::MAX {
            let s = sigmoid(x);
            assert!(s >= prev);
            prev = s;
        }
    }

    /// The same function over the whole of [-16, 16] (the table before it
    /// was cut to [-8, 10]), clamped at both ends.
    fn full_range_sigmoid(x: i32) -> i16 {
        static FULL: [i16; 1026] = sigmoid_samples(-16);
        interpolate(&FULL, x.saturating_add(16 << 12).clamp(0, 1024 << 7) as u32)
    }

    #[test]
    fn the_shorter_table_changes_no_output() {
        // Sigmoid's inputs are Q3.12 (-8 to 8); tanh's sigmoid(2x) is
        // i16::MAX from 10 on, where the table ends.
        for x in i16::MIN..=i16::MAX {
            assert_eq!(sigmoid(x), full_range_sigmoid(x as i32), "sigmoid({x})");
        }
        let edges = [i32::MIN, i32::MIN + 1, -(1 << 20), 1 << 20, i32::MAX];
        for x in (-(20 << 12)..=(20 << 12)).chain(edges) {
            assert_eq!(tanh(x), tanh_by(x, full_range_sigmoid), "tanh({x})");
        }
    }
}
