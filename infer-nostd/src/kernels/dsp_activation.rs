//! The engine's sigmoid and tanh (`activation`) as Arm assembly macros for
//! the DSP cores' unit loops (`dsp_lstm`, `dsp_gru`): the same table and
//! the same interpolation, so the same integers. Each reads the table at
//! r11 and uses r12 and lr as scratch; the `asm!` that expands them names
//! the table's constants as `offset`, `end`, `step`, `frac` and `round`
//! (`activation::TABLE_OFFSET`, `TABLE_END`, `TABLE_STEP_SHIFT`, its mask
//! and half a step). One `LDR` brings an entry and the next (the M4 loads
//! unaligned words).

/// `sigmoid` of the Q3.12 value in `$x` (an i16, sign-extended), in place.
#[rustfmt::skip]
macro_rules! sigmoid {
    ($x:literal) => {
        concat!(
            "add r12, ", $x, ", #{offset}\n",      // table position
            "lsr lr, r12, #{step}\n",
            "ldr lr, [r11, lr, lsl #1]\n",         // entries i, i + 1
            "and r12, r12, #{frac}\n",             // position within the step
            "sxth ", $x, ", lr\n",
            "rsb lr, ", $x, ", lr, asr #16\n",     // entry i + 1 - entry i
            "mul lr, lr, r12\n",
            "add lr, lr, #{round}\n",
            "add ", $x, ", ", $x, ", lr, asr #{step}\n",
        )
    };
}

pub(super) use sigmoid;

/// `tanh` of the Q.12 value in `$x` (`|x| < 2^30`), in place, as
/// `+-(2 sigmoid(2|x|) - 1)` with the sigmoid's position clamped at the
/// table's end; `$sign` is left holding the sign mask.
#[rustfmt::skip]
macro_rules! tanh {
    ($x:literal, $sign:literal) => {
        concat!(
            "asr ", $sign, ", ", $x, ", #31\n",
            "eor ", $x, ", ", $x, ", ", $sign, "\n",
            "sub ", $x, ", ", $x, ", ", $sign, "\n",   // |x|
            "lsl ", $x, ", ", $x, ", #1\n",
            "add ", $x, ", ", $x, ", #{offset}\n",
            "cmp ", $x, ", #{end}\n",
            "it hi\n",
            "movhi ", $x, ", #{end}\n",
            "lsr lr, ", $x, ", #{step}\n",
            "ldr lr, [r11, lr, lsl #1]\n",
            "and ", $x, ", ", $x, ", #{frac}\n",
            "sxth r12, lr\n",
            "rsb lr, r12, lr, asr #16\n",
            "mul lr, lr, ", $x, "\n",
            "add lr, lr, #{round}\n",
            "add ", $x, ", r12, lr, asr #{step}\n",
            "lsl ", $x, ", ", $x, ", #1\n",
            "sub ", $x, ", ", $x, ", #32768\n",        // one in Q0.15
            "eor ", $x, ", ", $x, ", ", $sign, "\n",
            "sub ", $x, ", ", $x, ", ", $sign, "\n",
        )
    };
}

pub(super) use tanh;
