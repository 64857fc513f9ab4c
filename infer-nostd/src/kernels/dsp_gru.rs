//! The block loop of a GRU step in Arm assembly (DSP cores, `cfg(arm_dsp)`):
//! for each block of four units, the recurrent products of its three row
//! groups (reset, update, new) requantised, then for each of its units
//! the gates from the table and the new hidden state, with nothing handed
//! back to Rust between blocks.
//!
//! It computes exactly what the portable GRU step (`Fixed::gru_step` in
//! `gru.rs`) computes (the firmware's parity test compares every output
//! with the host's), for the common case only: an int8 recurrent kernel,
//! the input parts already projected, and recurrent rows whose
//! requantisation shift is 33 to 64 (see `dsp_lstm`). A block with a row
//! outside that case stops the loop; the portable code does that block
//! and the rest.

use core::arch::asm;
use core::mem::{offset_of, size_of};

use super::arm_dsp::{product_entry, requant4_high, saved_product, shifts_33_to_64};
use super::dsp_activation::{sigmoid, tanh};
use crate::activation;
use crate::format::{Matrix, Precision};

/// What the assembly reads, by offset: four words (loaded into r1-r4 by
/// one `LDM`), then eight more (into r1-r5, r8-r10 by another).
#[repr(C)]
struct BlockLoop {
    table: *const i16,
    previous: *const i16,
    previous_end: *const i16,
    words_mod4: u32,
    recurrent: *const u8,
    multipliers: *const u8,
    shifts: *const u8,
    input: *const i16,
    hn_bias: *const u8,
    h: *mut i16,
    units: u32,
    fresh: u32,
}

/// The assembly's stack frame (from `sp` once it is made): the table and
/// the packed previous state's bounds, the product's entry for
/// `words % 4` (with the Thumb bit), two zero words (the sums' initial
/// values), the loop's cursors between blocks, and the block's requantised
/// recurrent parts, gate by gate.
#[repr(C)]
struct Frame {
    table: *const i16,
    previous: *const i16,
    previous_end: *const i16,
    entry: usize,
    zeros: [u32; 2],
    recurrent: *const u8,
    multipliers: *const u8,
    shifts: *const u8,
    input: *const i16,
    hn_bias: *const u8,
    h: *mut i16,
    units_left: u32,
    fresh: u32,
    /// `[gate][unit]`: reset, update, new; four units each.
    parts: [[i32; 4]; 3],
}

/// Bytes the loop pushes (five registers) around each product.
const SAVED: usize = 5 * 4;

// The orders the register lists assume (`LDM` and `STM` move consecutive
// words from the lowest register up, `LDRD` two consecutive words),
// checked at compile time.
const _: () = {
    // `ldm r0!, {r1-r4}`: table, previous, previous_end, words_mod4.
    assert!(offset_of!(BlockLoop, table) == 0);
    assert!(offset_of!(BlockLoop, previous) == 4);
    assert!(offset_of!(BlockLoop, previous_end) == 8);
    assert!(offset_of!(BlockLoop, words_mod4) == 12);
    // `ldm r0, {r1-r5, r8-r10}`: recurrent to fresh.
    assert!(offset_of!(BlockLoop, recurrent) == 16);
    assert!(offset_of!(BlockLoop, multipliers) == 20);
    assert!(offset_of!(BlockLoop, shifts) == 24);
    assert!(offset_of!(BlockLoop, input) == 28);
    assert!(offset_of!(BlockLoop, hn_bias) == 32);
    assert!(offset_of!(BlockLoop, h) == 36);
    assert!(offset_of!(BlockLoop, units) == 40);
    assert!(offset_of!(BlockLoop, fresh) == 44);
    assert!(size_of::<BlockLoop>() == 48);
    // `stm sp, {r1-r3}`: table, previous, previous_end; `ldrd` reads the
    // bounds and the zeros in pairs.
    assert!(offset_of!(Frame, table) == 0);
    assert!(offset_of!(Frame, previous) == 4);
    assert!(offset_of!(Frame, previous_end) == 8);
    assert!(offset_of!(Frame, entry) == 12);
    assert!(offset_of!(Frame, zeros) == 16);
    // `stm` / `ldm` from `recurrent`: recurrent, multipliers, shifts (r4-r6
    // in the loop); from `input`: input, hn_bias, h, units_left (r4-r6, r8).
    assert!(offset_of!(Frame, recurrent) == 24);
    assert!(offset_of!(Frame, multipliers) == 28);
    assert!(offset_of!(Frame, shifts) == 32);
    assert!(offset_of!(Frame, input) == 36);
    assert!(offset_of!(Frame, hn_bias) == 40);
    assert!(offset_of!(Frame, h) == 44);
    assert!(offset_of!(Frame, units_left) == 48);
    assert!(offset_of!(Frame, fresh) == 52);
    assert!(offset_of!(Frame, parts) == 56);
    assert!(size_of::<Frame>() == 104);
};

/// The units of one GRU step that the assembly can take, from the first,
/// in whole blocks of four (the last block may be short): updates their
/// `h` in place. `recurrent` is the direction's recurrent kernel,
/// `previous` the packed previous hidden state (`None` from the zero
/// state, where every recurrent product is zero), `input` the projected
/// input parts (gate rows in the file's order, with bias) and `bias` the
/// direction's biases (the row biases, then each unit's `b_hn`). Returns
/// how many units it did: all of `h`, a multiple of four at a block it
/// cannot take, or 0 where a precondition does not hold.
pub(crate) fn gru_units(
    recurrent: &Matrix,
    previous: Option<&[i16]>,
    input: &[i16],
    bias: &[u8],
    h: &mut [i16],
) -> usize {
    let units = h.len();
    let blocks = units.div_ceil(4);
    // Row groups and units are far below 2^16 (u16 rows): only the
    // matrix's byte count could overflow a 32-bit usize.
    let groups = 3 * blocks;
    let words = recurrent.row_words();
    let previous_fits =
        previous.is_none_or(|p| p.len() >= 4 * words && (p.as_ptr() as usize).is_multiple_of(4));
    let fits = units > 0
        && recurrent.precision == Precision::Int8
        && words > 0
        && recurrent.groups() >= groups
        && groups
            .checked_mul(recurrent.group_bytes())
            .is_some_and(|bytes| recurrent.values.len() >= bytes)
        && (recurrent.values.as_ptr() as usize).is_multiple_of(4)
        && recurrent.multipliers.len() >= 16 * groups
        && recurrent.shifts.len() >= 4 * groups
        && input.len() >= 12 * blocks
        && bias.len() >= 64 * blocks
        && previous_fits;
    if !fits {
        return 0;
    }
    let fresh = previous.is_none();
    let previous = previous.unwrap_or(&[]);
    let task = BlockLoop {
        table: activation::sigmoid_table().as_ptr(),
        previous: previous.as_ptr(),
        previous_end: previous.as_ptr().wrapping_add(4 * words),
        words_mod4: (words & 3) as u32,
        recurrent: recurrent.values.as_ptr(),
        multipliers: recurrent.multipliers.as_ptr(),
        shifts: recurrent.shifts.as_ptr(),
        input: input.as_ptr(),
        // Each unit's b_hn follows the 3 * 4 * blocks row biases.
        hn_bias: bias.as_ptr().wrapping_add(48 * blocks),
        h: h.as_mut_ptr(),
        units: units as u32,
        fresh: fresh as u32,
    };
    let left: u32;
    // SAFETY: every pointer covers what the loop reads or writes (checked
    // above: three row groups of `words` words per block, 16 bytes of
    // multipliers and 4 of shifts per group, 12 input parts and 16 bytes of
    // row biases then 4 b_hn per block, `units` values of `h`, `4 * words`
    // packed previous values); the row groups and the packed vector are
    // word-aligned for `LDM`; the table lookups stay inside the table (see
    // `activation::sigmoid_table`). The stack and r6, r7 are restored
    // before the end.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "sub sp, sp, #{frame}",
            // The frame (see `Frame`).
            "ldm r0!, {{r1, r2, r3, r4}}",
            "stm sp, {{r1, r2, r3}}",
            product_entry!("r4", "r12"),
            "movs r1, #0",
            "movs r2, #0",
            "str r12, [sp, #{entry}]",
            "strd r1, r2, [sp, #{zeros}]",
            "ldm r0, {{r1, r2, r3, r4, r5, r8, r9, r10}}",
            "add r12, sp, #{cursors}",
            "stm r12, {{r1, r2, r3, r4, r5, r8, r9, r10}}",
            // From the zero state the recurrent parts are zero throughout.
            "cmp r10, #0",
            "beq 40f",
            "movs r0, #0",
            "movs r1, #0",
            "movs r2, #0",
            "movs r3, #0",
            "add r12, sp, #{parts}",
            "stm r12!, {{r0, r1, r2, r3}}",
            "stm r12!, {{r0, r1, r2, r3}}",
            "stm r12!, {{r0, r1, r2, r3}}",
            "b 45f",
            // A block: its three row groups' products, requantised, into
            // `parts` (r7), with r4 recurrent, r5 multipliers, r6 shifts,
            // r8 groups left; a group whose shifts the loop cannot take
            // ends it before the block's units change.
            "40:",
            "add r12, sp, #{cursors}",
            "ldm r12, {{r4, r5, r6}}",
            "add r7, sp, #{parts}",
            "movs r8, #3",
            "50:",
            shifts_33_to_64!("90f"),
            // The product (as in `arm_dsp::rows4_loop`), with the loop's
            // registers on the stack meanwhile; r4 runs on into the next
            // group.
            "push {{r5, r6, r7, r8, r12}}",
            saved_product!(),
            "pop {{r5, r6, r7, r8, r12}}",
            requant4_high!(),
            "stm r7!, {{r0, r1, r2, r3}}",
            "subs r8, r8, #1",
            "bne 50b",
            "add r12, sp, #{cursors}",
            "stm r12, {{r4, r5, r6}}",
            // The block's units: r4 input parts, r5 b_hn, r6 h, r7 the
            // unit's recurrent parts, r8 units left in the step, r9 in the
            // block, r11 the table.
            "45:",
            "add r12, sp, #{input}",
            "ldm r12, {{r4, r5, r6, r8}}",
            "add r7, sp, #{parts}",
            "ldr r11, [sp, #{table}]",
            "movs r9, #4",
            "46:",
            // r = sigmoid(sat16(recurrent + input)), z likewise.
            "ldr r0, [r7]",
            "ldrsh r1, [r4]",
            "qadd r0, r0, r1",
            "ssat r0, #16, r0",
            sigmoid!("r0"),
            "ldr r1, [r7, #16]",
            "ldrsh r2, [r4, #8]",
            "qadd r1, r1, r2",
            "ssat r1, #16, r1",
            sigmoid!("r1"),
            // n = tanh(input + round(r * sat16(recurrent + b_hn) / 2^15)).
            "ldr r2, [r7, #32]",
            "ldr r3, [r5], #4",
            "qadd r2, r2, r3",
            "ssat r2, #16, r2",
            "smulbb r2, r0, r2",
            "ubfx r3, r2, #14, #1",
            "add r2, r3, r2, asr #15",
            "ldrsh r3, [r4, #16]",
            "add r2, r2, r3",
            tanh!("r2", "r3"),
            // h = sat16(n + round(z (h - n) / 2^15)).
            "ldrsh r0, [r6]",
            "sub r0, r0, r2",
            "mul r0, r1, r0",
            "ubfx r3, r0, #14, #1",
            "add r0, r3, r0, asr #15",
            "add r0, r0, r2",
            "ssat r0, #16, r0",
            "strh r0, [r6], #2",
            "add r7, r7, #4",
            "add r4, r4, #2",
            "subs r8, r8, #1",
            "beq 90f",
            "subs r9, r9, #1",
            "bne 46b",
            // The next block's input parts: past this block's other gates.
            "add r4, r4, #16",
            "add r12, sp, #{input}",
            "stm r12, {{r4, r5, r6, r8}}",
            "ldr r0, [sp, #{fresh}]",
            "cmp r0, #0",
            "beq 40b",
            "b 45b",
            // The end: r8 units left (the block's first unit's count where
            // a group stopped the loop).
            "90:",
            "mov r0, r8",
            "cmp r0, #0",
            "it ne",
            "ldrne r0, [sp, #{units_left}]",
            "add sp, sp, #{frame}",
            "pop {{r6, r7}}",
            frame = const size_of::<Frame>(),
            entry = const offset_of!(Frame, entry),
            zeros = const offset_of!(Frame, zeros),
            cursors = const offset_of!(Frame, recurrent),
            input = const offset_of!(Frame, input),
            units_left = const offset_of!(Frame, units_left),
            fresh = const offset_of!(Frame, fresh),
            parts = const offset_of!(Frame, parts),
            table = const offset_of!(Frame, table),
            previous_saved = const SAVED + offset_of!(Frame, previous),
            entry_saved = const SAVED + offset_of!(Frame, entry),
            zeros_saved = const SAVED + offset_of!(Frame, zeros),
            offset = const activation::TABLE_OFFSET,
            end = const activation::TABLE_END,
            step = const activation::TABLE_STEP_SHIFT,
            frac = const (1 << activation::TABLE_STEP_SHIFT) - 1,
            round = const 1 << (activation::TABLE_STEP_SHIFT - 1),
            inout("r0") &task as *const BlockLoop => left,
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
    units - left as usize
}
