//! The unit loop of an LSTM step in Arm assembly (DSP cores, `cfg(arm_dsp)`):
//! for each unit, the recurrent product of its row group, the four
//! requantisations, the input parts, three sigmoids and a tanh from the
//! table, and the new cell state, in registers from start to end.
//!
//! It computes exactly what the engine's portable unit loop (`Fixed` in
//! `kernel.rs`) computes (the firmware's parity test compares every output with the
//! host's), for the common case only: a tanh cell, an int8 recurrent
//! kernel, the input parts already projected, and recurrent rows whose
//! requantisation shift is 33 to 64 (trained gate rows have shifts near
//! 40: int8 weights times Q0.15 states to Q3.12). A unit outside that case
//! stops the loop; the portable code does the rest. For those rows,
//! `round(acc * m / 2^s)` is `((hi >> t) + 1) >> 1` with `hi` the high
//! word of `acc * m` (`SMMUL`) and `t = s - 33`: no 64-bit arithmetic and
//! nothing to saturate (see `requant32_fast` in `portable`).
//!
//! As in the portable loop, the output gate is left in `h` for the second
//! pass that makes the hidden state.

use core::arch::asm;

use core::mem::{offset_of, size_of};

use super::arm_dsp::{product_entry, requant4_high, saved_product, shifts_33_to_64};
use super::dsp_activation::{sigmoid, tanh};
use crate::activation;
use crate::fixed::RoundShift;
use crate::format::{Matrix, Precision};

/// What the assembly reads, by offset: the loop's pointers and count
/// (loaded into r4-r10 by one `LDM`), then the constants it keeps in its
/// stack frame (loaded into r1-r7 by another).
#[repr(C)]
struct UnitLoop {
    recurrent: *const u8,
    multipliers: *const u8,
    shifts: *const u8,
    input: *const i16,
    c: *mut i16,
    h: *mut i16,
    units: u32,
    table: *const i16,
    half: i32,
    by: u32,
    previous: *const i16,
    previous_end: *const i16,
    words_mod4: u32,
    fresh: u32,
}

/// The assembly's stack frame (from `sp` once it is made): the first five
/// constants of [`UnitLoop`], then two code addresses (each with the Thumb
/// bit) and two zero words, the recurrent sums' initial values.
#[repr(C)]
struct Frame {
    table: *const i16,
    half: i32,
    by: u32,
    previous: *const i16,
    previous_end: *const i16,
    /// The recurrent product's entry for `words % 4`.
    entry: usize,
    /// The loop's head: a unit from the zero state or from a previous one.
    head: usize,
    zeros: [u32; 2],
}

/// Bytes the recurrent product pushes (seven registers) while it reads the
/// frame.
const SAVED: usize = 7 * 4;

// The orders the assembly's register lists assume (`LDM` and `STM` move
// consecutive words from the lowest register up, `LDRD` two consecutive
// words), checked at compile time.
const _: () = {
    // `ldm r0, {r4-r10}`: recurrent, multipliers, shifts, input, c, h, units.
    assert!(offset_of!(UnitLoop, recurrent) == 0);
    assert!(offset_of!(UnitLoop, multipliers) == 4);
    assert!(offset_of!(UnitLoop, shifts) == 8);
    assert!(offset_of!(UnitLoop, input) == 12);
    assert!(offset_of!(UnitLoop, c) == 16);
    assert!(offset_of!(UnitLoop, h) == 20);
    assert!(offset_of!(UnitLoop, units) == 24);
    // `ldm r12, {r1-r7}` from `table`: table, half, by, previous,
    // previous_end, words_mod4, fresh.
    assert!(offset_of!(UnitLoop, table) == 28);
    assert!(offset_of!(UnitLoop, half) == 32);
    assert!(offset_of!(UnitLoop, by) == 36);
    assert!(offset_of!(UnitLoop, previous) == 40);
    assert!(offset_of!(UnitLoop, previous_end) == 44);
    assert!(offset_of!(UnitLoop, words_mod4) == 48);
    assert!(offset_of!(UnitLoop, fresh) == 52);
    assert!(size_of::<UnitLoop>() == 56);
    // `stm sp, {r1-r5}`: the first five of those; `ldrd r12, lr` reads
    // half and by, `ldrd r10, r11` previous and previous_end.
    assert!(offset_of!(Frame, table) == 0);
    assert!(offset_of!(Frame, half) == 4);
    assert!(offset_of!(Frame, by) == 8);
    assert!(offset_of!(Frame, previous) == 12);
    assert!(offset_of!(Frame, previous_end) == 16);
    // `stm r12, {r1-r4}` from `entry`: entry, head, the zeros (read in
    // pairs by `ldrd`).
    assert!(offset_of!(Frame, entry) == 20);
    assert!(offset_of!(Frame, head) == 24);
    assert!(offset_of!(Frame, zeros) == 28);
    assert!(size_of::<Frame>() == 36);
};

/// The units of one step that the assembly can take, from the first:
/// updates their `c` and leaves their output gate in `h`. `previous` is
/// the packed previous hidden state (`None` from the zero state, where
/// every recurrent product is zero), `input` the units' input parts (four
/// per unit, with bias), `g_shift` the shift of `i * g` to the cell's
/// fraction bits. Returns how many units it did (0 where a precondition
/// does not hold; fewer than all at a unit whose shifts it cannot take).
pub(crate) fn lstm_units(
    recurrent: &Matrix,
    previous: Option<&[i16]>,
    input: &[i16],
    c: &mut [i16],
    h: &mut [i16],
    g_shift: RoundShift,
) -> usize {
    let n = c
        .len()
        .min(h.len())
        .min(input.len() / 4)
        .min(recurrent.groups());
    // n is at most 2^14 row groups (u16 rows) and words at most 2^15
    // (u16 columns of at most two bytes): only the matrix's byte count
    // could overflow a 32-bit usize.
    let words = recurrent.row_words();
    let previous_fits =
        previous.is_none_or(|p| p.len() >= 4 * words && (p.as_ptr() as usize).is_multiple_of(4));
    let fits = n > 0
        && recurrent.precision == Precision::Int8
        && words > 0
        && n.checked_mul(recurrent.group_bytes())
            .is_some_and(|bytes| recurrent.values.len() >= bytes)
        && (recurrent.values.as_ptr() as usize).is_multiple_of(4)
        && recurrent.multipliers.len() >= 16 * n
        && recurrent.shifts.len() >= 4 * n
        && previous_fits;
    if !fits {
        return 0;
    }
    let (by, half) = g_shift.parts();
    let fresh = previous.is_none();
    let previous = previous.unwrap_or(&[]);
    let mut task = UnitLoop {
        recurrent: recurrent.values.as_ptr(),
        multipliers: recurrent.multipliers.as_ptr(),
        shifts: recurrent.shifts.as_ptr(),
        input: input.as_ptr(),
        c: c.as_mut_ptr(),
        h: h.as_mut_ptr(),
        units: n as u32,
        table: activation::sigmoid_table().as_ptr(),
        half,
        by,
        previous: previous.as_ptr(),
        previous_end: previous.as_ptr().wrapping_add(4 * words),
        words_mod4: (words & 3) as u32,
        fresh: fresh as u32,
    };
    let left: u32;
    // SAFETY: every pointer covers what the loop reads or writes for `n`
    // units (checked above: `n` row groups of `words` words, 16 bytes of
    // multipliers and 4 of shifts, 4 input parts, one `c` and one `h` each;
    // `4 * words` packed previous values); the row groups and the packed
    // vector are word-aligned for `LDM`; the table lookups stay inside the
    // table (see `activation::sigmoid_table`). The stack and r6, r7 are
    // restored before the end.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "sub sp, sp, #{frame}",
            // The frame (see `Frame`): table, half, by, previous and
            // previous_end; then the address of the product's entry for
            // `words % 4`, of the loop's head, and two zero words.
            "add r12, r0, #{constants}",
            "ldm r12, {{r1, r2, r3, r4, r5, r6, r7}}",
            "stm sp, {{r1, r2, r3, r4, r5}}",
            product_entry!("r6", "r1"),
            "adr r2, 50f",
            "cmp r7, #0",
            "it ne",
            "adrne r2, 70f",
            "orr r2, r2, #1",
            "movs r3, #0",
            "movs r4, #0",
            "add r12, sp, #{entry}",
            "stm r12, {{r1, r2, r3, r4}}",
            // r4 recurrent, r5 multipliers, r6 shifts, r7 input, r8 c,
            // r9 h, r10 units left.
            "ldm r0, {{r4, r5, r6, r7, r8, r9, r10}}",
            "ldr pc, [sp, #{head}]",
            // A unit from the zero state: the gates are the input parts.
            "70:",
            "ldrsh r0, [r7], #2",
            "ldrsh r1, [r7], #2",
            "ldrsh r2, [r7], #2",
            "ldrsh r3, [r7], #2",
            "b 80f",
            // A unit from a previous state. Every row's shift minus 33
            // must be below 32 (no byte borrows then); r12 keeps them.
            "50:",
            shifts_33_to_64!("90f"),
            // The recurrent product (as in `arm_dsp::rows4_loop`), with the
            // loop's registers on the stack meanwhile.
            "push {{r5, r6, r7, r8, r9, r10, r12}}",
            saved_product!(),
            "pop {{r5, r6, r7, r8, r9, r10, r12}}",
            // Requantised.
            requant4_high!(),
            // Plus the input parts (no overflow: each part is below 2^29),
            // saturated to i16.
            "ldr r12, [r7], #4",
            "sxtah r0, r0, r12",
            "sxtah r1, r1, r12, ror #16",
            "ldr r12, [r7], #4",
            "sxtah r2, r2, r12",
            "sxtah r3, r3, r12, ror #16",
            "ssat r0, #16, r0",
            "ssat r1, #16, r1",
            "ssat r2, #16, r2",
            "ssat r3, #16, r3",
            // Gates i, f, g, o in r0-r3.
            "80:",
            "ldr r11, [sp, #{table}]",
            sigmoid!("r0"),
            sigmoid!("r1"),
            sigmoid!("r3"),
            "strh r3, [r9], #2",
            // tanh(g), with r3 the sign mask.
            tanh!("r2", "r3"),
            // c = sat16(round(f c / 2^15) + (i g + half) >> by).
            "ldrsh r12, [r8]",
            "smulbb r3, r1, r12",
            "ubfx r12, r3, #14, #1",
            "add r3, r12, r3, asr #15",
            "ldrd r12, lr, [sp, #{half}]",
            "smlabb r0, r0, r2, r12",
            "asr r0, r0, lr",
            "add r0, r0, r3",
            "ssat r0, #16, r0",
            "strh r0, [r8], #2",
            "subs r10, r10, #1",
            "beq 90f",
            "ldr pc, [sp, #{head}]",
            "90:",
            "mov r0, r10",
            "add sp, sp, #{frame}",
            "pop {{r6, r7}}",
            frame = const size_of::<Frame>(),
            constants = const offset_of!(UnitLoop, table),
            table = const offset_of!(Frame, table),
            half = const offset_of!(Frame, half),
            entry = const offset_of!(Frame, entry),
            head = const offset_of!(Frame, head),
            previous_saved = const SAVED + offset_of!(Frame, previous),
            entry_saved = const SAVED + offset_of!(Frame, entry),
            zeros_saved = const SAVED + offset_of!(Frame, zeros),
            offset = const activation::TABLE_OFFSET,
            end = const activation::TABLE_END,
            step = const activation::TABLE_STEP_SHIFT,
            frac = const (1 << activation::TABLE_STEP_SHIFT) - 1,
            round = const 1 << (activation::TABLE_STEP_SHIFT - 1),
            inout("r0") &mut task as *mut UnitLoop => left,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
            out("r5") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            out("lr") _,
        );
    }
    n - left as usize
}
