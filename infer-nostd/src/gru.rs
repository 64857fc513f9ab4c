//! One GRU step, in both arithmetics: the cell of [`Cell::Gru`], whose
//! rows come in blocks of four units (a row group is one gate of four
//! units; gates reset, update, new, as PyTorch orders them).
//!
//! Fixed point: the gate pre-activations are Q3.12 (the input and the
//! recurrent parts requantised per row, as the LSTM's), the gates and the
//! hidden state Q0.15, the sigmoid and tanh the LSTM's shared table. The
//! new gate's recurrent part keeps its own bias `b_hn` (Q3.12) and is
//! scaled by the reset gate before its input part is added, which is what
//! makes the cell PyTorch's and Keras' `reset_after=True`.
//!
//! [`Cell::Gru`]: crate::format::Cell::Gru

use crate::activation;
use crate::fixed::{mul_shift, round_shift32, sat16};
use crate::format::UNIT_FRAC;
use crate::kernel::{packed_product, sigmoid_f32, Direction, Fixed, Float, StepInput};
use crate::kernels::{from, gru_units, requantised_groups};
use crate::tensor::{le_i32, pow2};

/// Row of gate `g` (0 reset, 1 update, 2 new) of unit `j`.
pub(crate) const fn row(g: usize, j: usize) -> usize {
    12 * (j / 4) + 4 * g + j % 4
}

/// Index of unit `j`'s new-gate recurrent bias `b_hn` among a direction's
/// biases (after the `3 * padded` row biases).
fn hn_bias(d: &Direction, j: usize) -> usize {
    3 * (d.units as usize).div_ceil(4) * 4 + j
}

impl Fixed {
    /// One GRU step of direction `d`: `h` (`units` long) from the input
    /// `x` and the packed previous hidden state (`None` from the zero
    /// state, where every recurrent product is exactly zero), in place.
    /// Block by block: the block's three row groups of each kernel, then
    /// its four units.
    #[inline(never)]
    pub(crate) fn gru_step(
        d: &Direction,
        x: StepInput<'_, i16>,
        previous: Option<&[i16]>,
        h: &mut [i16],
    ) {
        let w = &d.weights;
        let (bias, _) = w.bias.as_chunks::<16>();
        let blocks = h.len().div_ceil(4);
        // Row groups' biases, then each block's four b_hn.
        let (row_bias, hn_bias) = bias.split_at((3 * blocks).min(bias.len()));
        let (projected, _) = match x {
            StepInput::Projected(p) => p.as_chunks::<4>(),
            StepInput::Vector(_) => (&[][..], &[][..]),
        };
        // The blocks the Arm DSP loop takes (none elsewhere), then the rest.
        let done = match x {
            StepInput::Projected(p) => gru_units(&w.recurrent, previous, p, w.bias, h),
            StepInput::Vector(_) => 0,
        };
        let mut inputs = w.input.row_groups();
        let mut recurrent = w.recurrent.row_groups_from(3 * (done / 4));
        let blocks = h
            .chunks_mut(4)
            .zip(row_bias.chunks_exact(3))
            .zip(hn_bias)
            .enumerate()
            .skip(done / 4);
        for (b, ((block, bias), hn)) in blocks {
            // The block's three gates for its four units: input parts
            // (with bias, saturated) and requantised recurrent parts.
            let mut input = [[0i16; 4]; 3];
            match x {
                StepInput::Vector(x) => {
                    for (slot, bias) in input.iter_mut().zip(bias) {
                        if let Some(rows) = inputs.next() {
                            *slot = Self::with_bias(w.input.dot4(&rows, x), bias);
                        }
                    }
                }
                StepInput::Projected(_) => {
                    for (slot, p) in input.iter_mut().zip(from(projected, 3 * b)) {
                        *slot = *p;
                    }
                }
            }
            // The recurrent parts: the block's groups the Arm DSP kernel
            // takes (none elsewhere), then the rest.
            let mut rec = [[0i32; 4]; 3];
            if let Some(p) = previous {
                let taken = requantised_groups(&w.recurrent, 3 * b, p, &mut rec);
                for (g, (slot, rows)) in rec.iter_mut().zip(recurrent.by_ref()).enumerate() {
                    if g >= taken {
                        *slot = packed_product(&w.recurrent, &rows, p);
                    }
                }
            }
            // `k < 4`: every index below is in bounds by construction.
            for k in 0..4 {
                let Some(h) = block.get_mut(k) else { break };
                let b_hn =
                    i32::from_le_bytes([hn[4 * k], hn[4 * k + 1], hn[4 * k + 2], hn[4 * k + 3]]);
                let gate = |g: usize| sat16(rec[g][k].saturating_add(input[g][k] as i32));
                let (r, z) = (activation::sigmoid(gate(0)), activation::sigmoid(gate(1)));
                let hn = sat16(rec[2][k].saturating_add(b_hn));
                // Any i32 is a tanh argument: no saturation needed.
                let n = activation::tanh(input[2][k] as i32 + mul_shift(r, hn, UNIT_FRAC as u32));
                // h' = n + z (h - n): |z (h - n)| < 2^15 * 2^16, in i32.
                let toward_h = round_shift32(z as i32 * (*h as i32 - n as i32), UNIT_FRAC as u32);
                *h = sat16(n as i32 + toward_h);
            }
        }
    }
}

impl Float {
    /// One GRU step of direction `d` in real arithmetic: `h` from `x`
    /// (real scale `in_scale` per unit), the new state built in `scratch`
    /// (at least `units` long) while the old one is read.
    pub(crate) fn gru_step(
        d: &Direction,
        x: StepInput<'_, f32>,
        in_scale: f32,
        h: &mut [f32],
        scratch: &mut [f32],
    ) {
        let rec = &d.weights.recurrent;
        let h_scale = d.hidden_scale();
        let gate_unit = pow2(-(d.row_frac(0) as i32));
        // A row's recurrent part, in real units.
        let recurrent =
            |r: usize, h: &[f32]| rec.row_dot_f32(r, h) * rec.row_scale(r) * gate_unit / h_scale;
        let u = (d.units as usize).min(h.len()).min(scratch.len());
        for j in 0..u {
            let pre = |g: usize| {
                let r = row(g, j);
                Self::step_input(d, &x, in_scale, r) + recurrent(r, h)
            };
            let (r, z) = (sigmoid_f32(pre(0)), sigmoid_f32(pre(1)));
            let b_hn = le_i32(d.weights.bias, hn_bias(d, j)) as f32 * gate_unit;
            let hn = recurrent(row(2, j), h) + b_hn;
            let n = libm::tanhf(Self::step_input(d, &x, in_scale, row(2, j)) + r * hn);
            scratch[j] = (1.0 - z) * n + z * h[j];
        }
        h[..u].copy_from_slice(&scratch[..u]);
    }
}
