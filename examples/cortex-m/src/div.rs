//! 64-bit division by shift and subtract. Neither Cortex-M divides 64-bit
//! integers in hardware, and compiler-builtins' general routine
//! (`__aeabi_uldivmod`) takes about 900 bytes of flash; the firmware
//! divides only a few dozen times, at the end of a run, so a loop of 64
//! steps is plenty fast.

/// `(n / d, n % d)`; `d == 0` gives `(u64::MAX, n)` rather than a panic.
#[inline(never)]
pub fn div_rem(n: u64, d: u64) -> (u64, u64) {
    let (mut q, mut r) = (0u64, 0u64);
    for i in (0..64).rev() {
        // `r < d` before the shift, so the shifted `r` fits unless d > 2^63:
        // then `r >> 63` is the bit that overflowed and `r` is >= d.
        let carry = r >> 63;
        r = (r << 1) | ((n >> i) & 1);
        if carry != 0 || r >= d {
            r = r.wrapping_sub(d);
            q |= 1 << i;
        }
    }
    (q, r)
}

/// `n / d` (see [`div_rem`]).
pub fn div(n: u64, d: u64) -> u64 {
    div_rem(n, d).0
}
