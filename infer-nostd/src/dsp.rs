//! Dot products with the Arm DSP instructions (ARMv7E-M: Cortex-M4, M7),
//! compiled only where `build.rs` sets `cfg(arm_dsp)`.
//!
//! Int8 weights: `SXTB16` unpacks the even and the odd bytes of a word of
//! four weights into two pairs of halfwords, and each `SMLAD` multiplies
//! two pairs and adds both products: two multiply-accumulates per
//! instruction. The even bytes pair with x0, x2 and the odd ones with x1,
//! x3, so the input vector is either permuted once per matrix-vector
//! product into groups `x0 x2 x1 x3` ([`pack_i8`]) or re-paired in
//! registers (`PKHBT`, `PKHTB`). Int16 weights go straight into `SMLALD`
//! (two products into a 64-bit sum).
//!
//! Integer sums are exact and the order of additions cannot change them
//! (int8 sums stay within i32, see `MAX_COLS`), so every result is
//! bit-identical to the portable code in `tensor.rs`.

use core::arch::asm;

/// `acc + a.lo * b.lo + a.hi * b.hi` in 64 bits (halfwords signed).
#[inline(always)]
fn smlald(a: u32, b: u32, acc: i64) -> i64 {
    let mut lo = acc as u32;
    let mut hi = (acc >> 32) as u32;
    // SAFETY: a register-only instruction.
    unsafe {
        asm!("smlald {lo}, {hi}, {a}, {b}", lo = inout(reg) lo, hi = inout(reg) hi, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack, preserves_flags))
    };
    ((hi as u64) << 32 | lo as u64) as i64
}

/// Four little-endian bytes as a word (one unaligned load).
#[inline(always)]
fn word(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Two adjacent values as a word, the first in the low half.
#[inline(always)]
fn pair(x: &[i16]) -> u32 {
    (x[0] as u16 as u32) | ((x[1] as u16 as u32) << 16)
}

/// Writes `x` into `out` permuted for [`dot4_i8_packed`]: each whole
/// group of four `x0 x1 x2 x3` becomes `x0 x2 x1 x3`; a last partial group
/// is copied as it is.
pub fn pack_i8(x: &[i16], out: &mut [i16]) {
    let n = x.len().min(out.len());
    let whole = n & !3;
    for (o, v) in out[..whole]
        .chunks_exact_mut(4)
        .zip(x[..whole].chunks_exact(4))
    {
        o.copy_from_slice(&[v[0], v[2], v[1], v[3]]);
    }
    out[whole..n].copy_from_slice(&x[whole..n]);
}

/// The shortest of four rows and `n`, rounded down to whole words.
#[inline(always)]
fn whole_words(w: &[&[u8]; 4], n: usize) -> usize {
    w.iter().fold(n, |m, r| m.min(r.len())) & !3
}

/// Columns `from..` of four int8 rows times natural-order `x`.
#[inline(always)]
fn tail4_i8(w: [&[u8]; 4], x: &[i16], from: usize, acc: &mut [i32; 4]) {
    let cols = w.iter().fold(x.len(), |m, r| m.min(r.len()));
    for (k, &x) in x.iter().enumerate().take(cols).skip(from) {
        for (a, r) in acc.iter_mut().zip(w) {
            *a += r[k] as i8 as i32 * x as i32;
        }
    }
}

/// One group of four columns of four int8 rows: the input pairs are in
/// r7 (x0, x2) and lr (x1, x3); rows at r4, r5, r8, r9 (post-incremented),
/// sums in r0-r3; r6 and r12 are scratch.
macro_rules! rows4_group {
    () => {
        concat!(
            "ldr r6, [r4], #4\n",
            "sxtb16 r12, r6\n",
            "smlad r0, r12, r7, r0\n",
            "sxtb16 r6, r6, ror #8\n",
            "smlad r0, r6, lr, r0\n",
            "ldr r6, [r5], #4\n",
            "sxtb16 r12, r6\n",
            "smlad r1, r12, r7, r1\n",
            "sxtb16 r6, r6, ror #8\n",
            "smlad r1, r6, lr, r1\n",
            "ldr r6, [r8], #4\n",
            "sxtb16 r12, r6\n",
            "smlad r2, r12, r7, r2\n",
            "sxtb16 r6, r6, ror #8\n",
            "smlad r2, r6, lr, r2\n",
            "ldr r6, [r9], #4\n",
            "sxtb16 r12, r6\n",
            "smlad r3, r12, r7, r3\n",
            "sxtb16 r6, r6, ror #8\n",
            "smlad r3, r6, lr, r3\n",
        )
    };
}

/// Loads the next packed group's pairs from r10 into r7 and lr.
macro_rules! load_packed {
    () => {
        "ldr r7, [r10], #4\nldr lr, [r10], #4\n"
    };
}

/// Loads the next natural-order group from r10 and re-pairs it into r7
/// (x0, x2) and lr (x1, x3).
macro_rules! load_natural {
    () => {
        concat!(
            "ldr r12, [r10], #4\n",
            "ldr lr, [r10], #4\n",
            "pkhbt r7, r12, lr, lsl #16\n",
            "pkhtb lr, lr, r12, asr #16\n",
        )
    };
}

/// The four-row loop over `groups` groups of four columns (at least one),
/// unrolled twice, entering the second half first when `groups` is odd.
/// r6 and r7 are not available as operands (LLVM's base and frame
/// pointers): the loop saves and restores them.
macro_rules! rows4_loop {
    ($load:ident, $w:expr, $x:expr, $groups:expr) => {{
        let mut acc = [0i32; 4];
        // SAFETY: the caller checked that every row holds 4 * groups bytes
        // and x 4 * groups values; r6 and r7 are restored before the end.
        unsafe {
            let x: *const i16 = $x;
            let end = x.add(4 * $groups);
            asm!(
                "push {{r6, r7}}",
                "cmp r12, #0",
                "bne 2f",
                "1:",
                $load!(),
                rows4_group!(),
                "2:",
                $load!(),
                rows4_group!(),
                "cmp r10, r11",
                "bne 1b",
                "pop {{r6, r7}}",
                inout("r0") acc[0],
                inout("r1") acc[1],
                inout("r2") acc[2],
                inout("r3") acc[3],
                inout("r4") $w[0].as_ptr() => _,
                inout("r5") $w[1].as_ptr() => _,
                inout("r8") $w[2].as_ptr() => _,
                inout("r9") $w[3].as_ptr() => _,
                inout("r10") x => _,
                in("r11") end,
                inout("r12") $groups & 1 => _,
                out("lr") _,
                options(readonly),
            );
        }
        acc
    }};
}

/// Four int8 rows times `xp`, a vector packed by [`pack_i8`].
pub fn dot4_i8_packed(w: [&[u8]; 4], xp: &[i16]) -> [i32; 4] {
    let n = whole_words(&w, xp.len());
    let mut acc = if n > 0 {
        rows4_loop!(load_packed, w, xp.as_ptr(), n / 4)
    } else {
        [0; 4]
    };
    // The partial group was left in natural order.
    tail4_i8(w, xp, n, &mut acc);
    acc
}

/// Four int8 rows times natural-order `x`.
pub fn dot4_i8(w: [&[u8]; 4], x: &[i16]) -> [i32; 4] {
    let n = whole_words(&w, x.len());
    let mut acc = if n > 0 {
        rows4_loop!(load_natural, w, x.as_ptr(), n / 4)
    } else {
        [0; 4]
    };
    tail4_i8(w, x, n, &mut acc);
    acc
}

/// One row of little-endian int16 weights times `x`, in 64 bits.
pub fn dot_i16(w: &[u8], x: &[i16]) -> i64 {
    let n = (w.len() / 2).min(x.len()) & !1;
    let mut acc = 0i64;
    for (w2, x2) in w[..2 * n].chunks_exact(4).zip(x[..n].chunks_exact(2)) {
        acc = smlald(word(w2), pair(x2), acc);
    }
    if let (Some(w), Some(&x)) = (w.get(2 * n..2 * n + 2), x.get(n)) {
        acc += (i16::from_le_bytes([w[0], w[1]]) as i32 * x as i32) as i64;
    }
    acc
}
