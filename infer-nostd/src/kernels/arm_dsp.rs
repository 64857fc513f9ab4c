//! Dot products with the Arm DSP instructions (ARMv7E-M: Cortex-M4, M7),
//! compiled only where `build.rs` sets `cfg(arm_dsp)`, over one row group
//! (four rows, word-interleaved: see [`crate::format`]).
//!
//! Int8 weights: one `LDM` loads a word of each of the four rows (four
//! columns); `SXTB16` unpacks the even and the odd bytes of a word into
//! two pairs of halfwords, and each `SMLAD` multiplies two pairs and adds
//! both products: 16 multiply-accumulates in 18 instructions. The even
//! bytes pair with x0, x2 and the odd ones with x1, x3, so the input
//! vector is either permuted once per matrix-vector product into groups
//! `x0 x2 x1 x3` ([`pack_i8`]) or re-paired in registers (`PKHBT`,
//! `PKHTB`). Int16 weights go straight into `SMLALD` (two products into a
//! 64-bit sum).
//!
//! Integer sums are exact and the order of additions cannot change them
//! (int8 sums stay within i32, see `MAX_COLS`), so every result is
//! bit-identical to the portable base (`portable.rs`).

use core::arch::asm;

use super::portable::dot4_i8_tail;

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

/// Permutes `x` (whole groups of four) in place for [`dot4_i8_packed`]:
/// each group `x0 x1 x2 x3` becomes `x0 x2 x1 x3`.
pub(super) fn pack_i8(x: &mut [i16]) {
    for group in x.chunks_exact_mut(4) {
        group.swap(1, 2);
    }
}

/// One group of four columns of four int8 rows: the input pairs are in
/// r7 (x0, x2) and lr (x1, x3); one `LDM` from r4 (word-aligned,
/// post-incremented) brings a word of each row into r5, r6, r8, r9; sums
/// in r0-r3; r12 is scratch.
macro_rules! rows4_group {
    () => {
        concat!(
            "ldm r4!, {{r5, r6, r8, r9}}\n",
            "sxtb16 r12, r5\n",
            "smlad r0, r12, r7, r0\n",
            "sxtb16 r5, r5, ror #8\n",
            "smlad r0, r5, lr, r0\n",
            "sxtb16 r12, r6\n",
            "smlad r1, r12, r7, r1\n",
            "sxtb16 r6, r6, ror #8\n",
            "smlad r1, r6, lr, r1\n",
            "sxtb16 r12, r8\n",
            "smlad r2, r12, r7, r2\n",
            "sxtb16 r8, r8, ror #8\n",
            "smlad r2, r8, lr, r2\n",
            "sxtb16 r12, r9\n",
            "smlad r3, r12, r7, r3\n",
            "sxtb16 r9, r9, ror #8\n",
            "smlad r3, r9, lr, r3\n",
        )
    };
}

pub(super) use rows4_group;

/// Loads the next packed group's pairs from r10 (word-aligned) into r7 and lr.
macro_rules! load_packed {
    () => {
        "ldm r10!, {{r7, lr}}\n"
    };
}

pub(super) use load_packed;

/// Leaves in `$entry` the address (with the Thumb bit) at which
/// [`saved_product`]'s unrolled loop starts for `$words` (a register
/// holding the row's words modulo 4), so that its first pass takes
/// `words % 4` groups of four columns (all four when that is 0).
#[rustfmt::skip]
macro_rules! product_entry {
    ($words:literal, $entry:literal) => {
        concat!(
            "adr ", $entry, ", 61f\n",
            "cmp ", $words, ", #1\n",
            "it eq\n",
            "adreq ", $entry, ", 64f\n",
            "cmp ", $words, ", #2\n",
            "it eq\n",
            "adreq ", $entry, ", 63f\n",
            "cmp ", $words, ", #3\n",
            "it eq\n",
            "adreq ", $entry, ", 62f\n",
            "orr ", $entry, ", ", $entry, ", #1\n",
        )
    };
}

pub(super) use product_entry;

/// The product of the row group at r4 (post-incremented past it) with the
/// packed vector, its sums in r0-r3, as in [`rows4_loop`], for the unit
/// loops that keep their state on the stack meanwhile: the asm names the
/// stack offsets (from `sp` after its pushes) of the vector's bounds
/// (`previous_saved`: start, then end), two zero words (`zeros_saved`)
/// and the loop's entry from [`product_entry`] (`entry_saved`).
macro_rules! saved_product {
    () => {
        concat!(
            "ldrd r10, r11, [sp, #{previous_saved}]\n",
            "ldrd r0, r1, [sp, #{zeros_saved}]\n",
            "ldrd r2, r3, [sp, #{zeros_saved}]\n",
            "ldr pc, [sp, #{entry_saved}]\n",
            "61:\n",
            $crate::kernels::arm_dsp::load_packed!(),
            $crate::kernels::arm_dsp::rows4_group!(),
            "62:\n",
            $crate::kernels::arm_dsp::load_packed!(),
            $crate::kernels::arm_dsp::rows4_group!(),
            "63:\n",
            $crate::kernels::arm_dsp::load_packed!(),
            $crate::kernels::arm_dsp::rows4_group!(),
            "64:\n",
            $crate::kernels::arm_dsp::load_packed!(),
            $crate::kernels::arm_dsp::rows4_group!(),
            "cmp r10, r11\n",
            "bne 61b\n",
        )
    };
}

pub(super) use saved_product;

/// Branches to `$fail` unless every byte of the four row shifts at r6
/// (post-incremented) is 33 to 64, leaving them minus 33 in r12 for
/// [`requant4_high`]: then no byte borrows, and each is below 32.
macro_rules! shifts_33_to_64 {
    ($fail:literal) => {
        concat!(
            "ldr r12, [r6], #4\n",
            "sub r12, r12, #0x21212121\n",
            "tst r12, #0xE0E0E0E0\n",
            "bne ",
            $fail,
            "\n",
        )
    };
}

pub(super) use shifts_33_to_64;

/// Requantises the sums in r0-r3 with the multipliers at r5
/// (post-incremented) and the shifts minus 33 in r12's bytes (see
/// [`shifts_33_to_64`]; r12 and lr are scratch): `((acc * m >> 32) >> t)
/// + 1 >> 1` with `t` each byte in turn (a shift by register reads its low
/// byte), what `requant32_fast` in `portable` does for those shifts.
macro_rules! requant4_high {
    () => {
        concat!(
            "ldr lr, [r5], #4\n",
            "smmul r0, r0, lr\n",
            "asr r0, r0, r12\n",
            "add r0, r0, #1\n",
            "asr r0, r0, #1\n",
            "lsr r12, r12, #8\n",
            "ldr lr, [r5], #4\n",
            "smmul r1, r1, lr\n",
            "asr r1, r1, r12\n",
            "add r1, r1, #1\n",
            "asr r1, r1, #1\n",
            "lsr r12, r12, #8\n",
            "ldr lr, [r5], #4\n",
            "smmul r2, r2, lr\n",
            "asr r2, r2, r12\n",
            "add r2, r2, #1\n",
            "asr r2, r2, #1\n",
            "lsr r12, r12, #8\n",
            "ldr lr, [r5], #4\n",
            "smmul r3, r3, lr\n",
            "asr r3, r3, r12\n",
            "add r3, r3, #1\n",
            "asr r3, r3, #1\n",
        )
    };
}

pub(super) use requant4_high;

/// Loads the next natural-order group from r10 (any alignment) and re-pairs it into r7
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

/// The loop over `words` groups of four columns (at least one) of the row
/// group at `$w`, unrolled four times, entering so that the first pass
/// takes `words % 4` groups (all four when that is 0). r6 and r7 are not
/// available as operands (LLVM's base and frame pointers): the loop saves
/// and restores them.
macro_rules! rows4_loop {
    ($load:ident, $w:expr, $x:expr, $words:expr) => {{
        let mut acc = [0i32; 4];
        // SAFETY: the caller checked that the group holds 16 * words bytes
        // and x 4 * words values; r6 and r7 are restored before the end.
        // The group is word-aligned: the kernels are crate-private and the
        // engine calls them on a loaded model's matrices only, which
        // `Model::from_bytes` checks; a packed x is the runner's word-aligned
        // scratch. An unaligned `LDM` would trap, not read out of bounds.
        unsafe {
            let x: *const i16 = $x;
            let end = x.add(4 * $words);
            asm!(
                "push {{r6, r7}}",
                "cmp r12, #1",
                "beq 4f",
                "cmp r12, #2",
                "beq 3f",
                "cmp r12, #3",
                "beq 2f",
                "1:",
                $load!(),
                rows4_group!(),
                "2:",
                $load!(),
                rows4_group!(),
                "3:",
                $load!(),
                rows4_group!(),
                "4:",
                $load!(),
                rows4_group!(),
                "cmp r10, r11",
                "bne 1b",
                "pop {{r6, r7}}",
                inout("r0") acc[0],
                inout("r1") acc[1],
                inout("r2") acc[2],
                inout("r3") acc[3],
                inout("r4") $w.as_ptr() => _,
                out("r5") _,
                out("r8") _,
                out("r9") _,
                inout("r10") x => _,
                in("r11") end,
                inout("r12") $words & 3 => _,
                out("lr") _,
                options(readonly),
            );
        }
        acc
    }};
}

/// Whole groups of four columns that both the row group and `x` hold.
#[inline(always)]
fn whole_words(group: &[u8], x: &[i16]) -> usize {
    (group.len() / 16).min(x.len() / 4)
}

/// The four rows of an int8 row group times `xp`, a vector packed by
/// [`pack_i8`] (a last partial group of `xp` left in natural order).
pub(super) fn dot4_i8_packed(group: &[u8], xp: &[i16]) -> [i32; 4] {
    let n = whole_words(group, xp);
    let mut acc = if n > 0 {
        rows4_loop!(load_packed, group, xp.as_ptr(), n)
    } else {
        [0; 4]
    };
    dot4_i8_tail(group, xp, 4 * n, &mut acc);
    acc
}

/// The four rows of an int8 row group times natural-order `x` (one copy:
/// the head and vector inputs share it).
#[inline(never)]
pub(super) fn dot4_i8(group: &[u8], x: &[i16]) -> [i32; 4] {
    let n = whole_words(group, x);
    let mut acc = if n > 0 {
        rows4_loop!(load_natural, group, x.as_ptr(), n)
    } else {
        [0; 4]
    };
    dot4_i8_tail(group, x, 4 * n, &mut acc);
    acc
}

/// The four rows of an int16 row group times `x`, in 64 bits.
pub(super) fn dot4_i16(group: &[u8], x: &[i16]) -> [i64; 4] {
    let (words, _) = group.as_chunks::<16>();
    let (pairs, rest) = x.as_chunks::<2>();
    let mut acc = [0i64; 4];
    for (w, p) in words.iter().zip(pairs) {
        let xp = p[0] as u16 as u32 | (p[1] as u16 as u32) << 16;
        for (g, a) in acc.iter_mut().enumerate() {
            let word = u32::from_le_bytes([w[4 * g], w[4 * g + 1], w[4 * g + 2], w[4 * g + 3]]);
            *a = smlald(word, xp, *a);
        }
    }
    if let (Some(w), [x]) = (words.get(pairs.len()), rest) {
        for (g, a) in acc.iter_mut().enumerate() {
            *a += (i16::from_le_bytes([w[4 * g], w[4 * g + 1]]) as i32 * *x as i32) as i64;
        }
    }
    acc
}
