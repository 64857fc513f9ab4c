//! Sigmoid and tanh in fixed point: one sigmoid table with linear
//! interpolation, shared by tanh through `tanh(x) = 2 sigmoid(2x) - 1`.
//!
//! The table holds sigmoid on [-16, 16] in steps of 1/32 (1025 samples,
//! 2 KiB of flash), in Q0.15. It is computed at compile time from an exact
//! f64 series, so no float runs on the device.
//!
//! Measured maximum errors over every Q3.12 input (see the tests):
//! sigmoid within [`SIGMOID_MAX_ERROR_LSB`] LSB of Q0.15, tanh within
//! [`TANH_MAX_ERROR_LSB`] LSB.

/// Table step is 1/32: input fraction bits (Q.12) minus 5.
const STEP_SHIFT: u32 = 12 - 5;
/// Input offset so the table starts at -16.
const OFFSET: i32 = 16 << 12;
/// Number of table intervals.
const INTERVALS: usize = 1024;

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

const fn sigmoid_table() -> [i16; INTERVALS + 2] {
    let mut t = [0i16; INTERVALS + 2];
    let mut k = 0;
    while k <= INTERVALS {
        let x = -16.0 + k as f64 / 32.0;
        let s = 1.0 / (1.0 + const_exp(-x));
        let q = (s * 32768.0 + 0.5) as i32;
        t[k] = if q > i16::MAX as i32 {
            i16::MAX
        } else {
            q as i16
        };
        k += 1;
    }
    // The last sample again: the interpolation at 16 reads one past it.
    t[INTERVALS + 1] = t[INTERVALS];
    t
}

/// Sigmoid samples on [-16, 16], step 1/32, Q0.15 (the last one twice).
static SIGMOID: [i16; INTERVALS + 2] = sigmoid_table();

/// Sigmoid of a Q.12 value (any i32; saturates outside [-16, 16]), in Q0.15.
#[inline]
pub fn sigmoid(x: i32) -> i16 {
    let u = x
        .saturating_add(OFFSET)
        .clamp(0, (INTERVALS as i32) << STEP_SHIFT) as u32;
    let i = (u >> STEP_SHIFT) as usize;
    let frac = (u & ((1 << STEP_SHIFT) - 1)) as i32;
    // i <= INTERVALS: both samples exist.
    let lo = SIGMOID[i] as i32;
    let hi = SIGMOID[i + 1] as i32;
    // |hi - lo| < 2^11 and frac < 2^7: no overflow.
    (lo + (((hi - lo) * frac + (1 << (STEP_SHIFT - 1))) >> STEP_SHIFT)) as i16
}

/// Tanh of a Q.12 value (any i32), in Q0.15, symmetric around zero.
#[inline]
pub fn tanh(x: i32) -> i16 {
    let magnitude = |x: i32| (2 * sigmoid(x.saturating_mul(2)) as i32 - 32768) as i16;
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
            worst = worst.max(err_lsb(sigmoid(x as i32), exact.min(32767.0 / 32768.0)));
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
        assert_eq!(sigmoid(i32::MAX), i16::MAX);
        assert_eq!(sigmoid(i32::MIN), 0);
        assert_eq!(sigmoid(0), 16384);
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
        for x in (-70_000..70_000).step_by(7) {
            let s = sigmoid(x);
            assert!(s >= prev);
            prev = s;
        }
    }
}
