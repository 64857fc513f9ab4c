//! Consecutive int8 row groups times one packed vector, requantised, in
//! one piece of Arm assembly (DSP cores, `cfg(arm_dsp)`): a GRU block's
//! three recurrent row groups per call, with none of the per-group call,
//! slicing and requantisation overhead of [`Matrix::dot4_packed`].
//!
//! It computes exactly what `dot4_packed` computes (the firmware's parity
//! test compares every output with the host's), for the common case only:
//! an int8 matrix, a packed vector as long as the rows' whole words, and
//! rows whose requantisation shift is 33 to 64 (trained recurrent rows
//! have shifts near 40, see `dsp_lstm`). A group outside that case stops
//! the loop; the caller's portable code does the rest.

use core::arch::asm;
use core::mem::{offset_of, size_of};

use super::arm_dsp::{product_entry, requant4_high, saved_product, shifts_33_to_64};
use super::portable::from;
use crate::format::{Matrix, Precision};

/// What the assembly reads, by offset: the loop's pointers and count
/// (loaded into r4-r8 by one `LDM`), then the packed vector's bounds and
/// `words % 4`.
#[repr(C)]
struct GroupsLoop {
    values: *const u8,
    multipliers: *const u8,
    shifts: *const u8,
    out: *mut [i32; 4],
    groups: u32,
    packed: *const i16,
    packed_end: *const i16,
    words_mod4: u32,
}

/// The assembly's stack frame (from `sp` once it is made): the packed
/// vector's bounds, the product's entry for `words % 4` (with the Thumb
/// bit) and two zero words, the sums' initial values.
#[repr(C)]
struct Frame {
    packed: *const i16,
    packed_end: *const i16,
    entry: usize,
    zeros: [u32; 2],
}

/// Bytes the loop pushes (five registers) around each product.
const SAVED: usize = 5 * 4;

// The orders the register lists assume, checked at compile time.
const _: () = {
    // `ldm r0, {r4-r8}`: values, multipliers, shifts, out, groups.
    assert!(offset_of!(GroupsLoop, values) == 0);
    assert!(offset_of!(GroupsLoop, multipliers) == 4);
    assert!(offset_of!(GroupsLoop, shifts) == 8);
    assert!(offset_of!(GroupsLoop, out) == 12);
    assert!(offset_of!(GroupsLoop, groups) == 16);
    // `ldm r12, {r1-r3}` from `packed`: packed, packed_end, words_mod4.
    assert!(offset_of!(GroupsLoop, packed) == 20);
    assert!(offset_of!(GroupsLoop, packed_end) == 24);
    assert!(offset_of!(GroupsLoop, words_mod4) == 28);
    assert!(size_of::<GroupsLoop>() == 32);
    // `stm sp, {r1-r5}`: packed, packed_end, entry, the zeros; `ldrd`
    // reads the bounds and the zeros in pairs.
    assert!(offset_of!(Frame, packed) == 0);
    assert!(offset_of!(Frame, packed_end) == 4);
    assert!(offset_of!(Frame, entry) == 8);
    assert!(offset_of!(Frame, zeros) == 12);
    assert!(size_of::<Frame>() == 20);
};

/// Writes the requantised products of `m`'s row groups `first..` with
/// `packed` (laid out by [`Matrix::pack_input`]) into `out`, one group per
/// entry, as far as the assembly can take them. Returns how many it wrote
/// (0 where a precondition does not hold; fewer than `out.len()` at a
/// group whose shifts it cannot take or at the matrix's end).
pub(crate) fn requantised_groups(
    m: &Matrix,
    first: usize,
    packed: &[i16],
    out: &mut [[i32; 4]],
) -> usize {
    let n = out.len().min(m.groups().saturating_sub(first));
    // Groups and words are far below 2^16 (u16 rows and columns): only
    // the byte counts could overflow a 32-bit usize.
    let words = m.row_words();
    let end = first + n;
    let fits = n > 0
        && m.precision == Precision::Int8
        && words > 0
        && end
            .checked_mul(m.group_bytes())
            .is_some_and(|bytes| m.values.len() >= bytes)
        && (m.values.as_ptr() as usize).is_multiple_of(4)
        && m.multipliers.len() >= 16 * end
        && m.shifts.len() >= 4 * end
        && packed.len() >= 4 * words
        && (packed.as_ptr() as usize).is_multiple_of(4);
    if !fits {
        return 0;
    }
    let task = GroupsLoop {
        values: from(m.values, first * m.group_bytes()).as_ptr(),
        multipliers: from(m.multipliers, 16 * first).as_ptr(),
        shifts: from(m.shifts, 4 * first).as_ptr(),
        out: out.as_mut_ptr(),
        groups: n as u32,
        packed: packed.as_ptr(),
        packed_end: packed.as_ptr().wrapping_add(4 * words),
        words_mod4: (words & 3) as u32,
    };
    let left: u32;
    // SAFETY: every pointer covers what the loop reads or writes for `n`
    // groups (checked above: `n` row groups of `words` words from `first`,
    // 16 bytes of multipliers and 4 of shifts each, `4 * words` packed
    // values, `n` entries of `out`); the row groups and the packed vector
    // are word-aligned for `LDM`. The stack and r6, r7 are restored before
    // the end.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            "sub sp, sp, #{frame}",
            // The frame (see `Frame`).
            "add r12, r0, #{bounds}",
            "ldm r12, {{r1, r2, r3}}",
            product_entry!("r3", "r12"),
            "mov r3, r12",
            "movs r4, #0",
            "movs r5, #0",
            "stm sp, {{r1, r2, r3, r4, r5}}",
            // r4 values, r5 multipliers, r6 shifts, r7 out, r8 groups left.
            "ldm r0, {{r4, r5, r6, r7, r8}}",
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
            "90:",
            "mov r0, r8",
            "add sp, sp, #{frame}",
            "pop {{r6, r7}}",
            frame = const size_of::<Frame>(),
            bounds = const offset_of!(GroupsLoop, packed),
            previous_saved = const SAVED + offset_of!(Frame, packed),
            entry_saved = const SAVED + offset_of!(Frame, entry),
            zeros_saved = const SAVED + offset_of!(Frame, zeros),
            inout("r0") &task as *const GroupsLoop => left,
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
