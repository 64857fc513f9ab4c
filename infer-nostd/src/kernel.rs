//! The arithmetic of one LSTM step and of the head, behind one trait with
//! two implementations: the integer engine ([`Fixed`]) and the f32
//! reference ([`Float`]). The runner drives either through the same
//! topology code, so the two paths cannot drift apart structurally.

use crate::activation;
use crate::fixed::{mul_shift, rescale, round_shift32, sat16};
use crate::format::{CellActivation, Head, LstmLayer, LstmWeights, UNIT_FRAC};
use crate::tensor::{le_i32, pow2};

/// What feeds an LSTM direction at one timestep.
#[derive(Debug, Clone, Copy)]
pub enum StepInput<'x, V> {
    /// A one-hot index (already checked against the class count).
    OneHot(usize),
    /// An input vector: dense input or the previous layer's output.
    Vector(&'x [V]),
    /// The input part of every gate row, already projected (with bias):
    /// the encoder-decoder's repeated context.
    Projected(&'x [V]),
}

/// One arithmetic for the LSTM step and the head.
pub trait Kernel {
    /// A state or activation value.
    type Value: Copy + Default + core::fmt::Debug;
    /// A head output (logit or regression value).
    type Output: Copy + PartialOrd + core::fmt::Debug;

    /// One timestep of quantised dense input as this arithmetic's vector:
    /// the raw values themselves, or converted into `buf`.
    fn dense_vector<'x>(
        raw: &'x [i16],
        scale: f32,
        buf: &'x mut [Self::Value],
    ) -> &'x [Self::Value];

    /// The input part (with bias) of every gate row for input `x`, whose
    /// real value per unit is `in_scale`, into `out[..4 * units]`.
    fn project(
        layer: &LstmLayer,
        w: &LstmWeights,
        x: &[Self::Value],
        in_scale: f32,
        out: &mut [Self::Value],
    );

    /// One timestep of one direction: updates `h` and `c` (`units` long),
    /// using `scratch` (`units` long) for the new hidden state.
    #[allow(clippy::too_many_arguments)]
    fn step(
        layer: &LstmLayer,
        w: &LstmWeights,
        x: StepInput<'_, Self::Value>,
        in_scale: f32,
        h: &mut [Self::Value],
        c: &mut [Self::Value],
        scratch: &mut [Self::Value],
    );

    /// Head output row `r` for the hidden vector `h` of real scale `in_scale`.
    fn head_row(head: &Head, r: usize, h: &[Self::Value], in_scale: f32) -> Self::Output;

    /// A regression output as raw output units (the fixed engine's integer).
    fn raw_output(out: Self::Output, head: &Head) -> i32;
}

/// The integer-only engine: DESIGN.md's 16x8 scheme with per-row scales.
#[derive(Debug, Clone, Copy)]
pub struct Fixed;

/// The f32 reference: the same quantised weights, real arithmetic.
#[derive(Debug, Clone, Copy)]
pub struct Float;

/// Fraction bits of a layer's candidate value.
fn candidate_frac(layer: &LstmLayer) -> u8 {
    match layer.activation {
        CellActivation::Tanh => UNIT_FRAC,
        CellActivation::Relu { candidate_frac, .. } => candidate_frac,
    }
}

impl Fixed {
    /// The saturated sum of a gate row's input accumulator and its bias.
    #[inline(always)]
    fn with_bias(w: &LstmWeights, r: usize, acc: i32) -> i16 {
        sat16(acc.saturating_add(le_i32(w.bias, r)))
    }
}

impl Kernel for Fixed {
    type Value = i16;
    type Output = i32;

    fn dense_vector<'x>(raw: &'x [i16], _scale: f32, _buf: &'x mut [i16]) -> &'x [i16] {
        raw
    }

    fn project(layer: &LstmLayer, w: &LstmWeights, x: &[i16], _in_scale: f32, out: &mut [i16]) {
        let rows = (4 * layer.units as usize).min(out.len());
        // 4 * units rows: whole groups of four.
        for (quad, o) in w.input.row_quads().zip(out[..rows].chunks_exact_mut(4)) {
            let acc = w.input.dot4(quad, x);
            for (g, o) in o.iter_mut().enumerate() {
                *o = Self::with_bias(w, quad.index[g], acc[g]);
            }
        }
    }

    fn step(
        layer: &LstmLayer,
        w: &LstmWeights,
        x: StepInput<'_, i16>,
        _in_scale: f32,
        h: &mut [i16],
        c: &mut [i16],
        scratch: &mut [i16],
    ) {
        let u = layer.units as usize;
        let n = u.min(h.len()).min(c.len()).min(scratch.len());
        // The recurrent products read the previous hidden state from
        // `scratch`, laid out for the dot-product kernel, so `h` is
        // updated in place.
        let rec = &w.recurrent;
        rec.pack_input(&h[..n], &mut scratch[..n]);
        let previous = &scratch[..n];
        let g_shift = (UNIT_FRAC + candidate_frac(layer) - layer.cell_frac) as u32;
        let m = &w.input;
        let mut input_rows = m.gate_rows(u);
        for (j, rows) in rec.gate_rows(u).enumerate().take(n) {
            // Each gate's input part (with bias), saturated.
            let input = match x {
                StepInput::OneHot(v) => rows.index.map(|r| {
                    let acc = m.weight(v * m.rows as usize + r);
                    Self::with_bias(w, r, m.requant_i32(r, acc)) as i32
                }),
                StepInput::Vector(x) => match input_rows.next() {
                    Some(in_rows) => {
                        let acc = m.dot4(in_rows, x);
                        [0, 1, 2, 3].map(|g| Self::with_bias(w, rows.index[g], acc[g]) as i32)
                    }
                    None => [0; 4],
                },
                StepInput::Projected(p) => {
                    rows.index.map(|r| p.get(r).copied().unwrap_or(0) as i32)
                }
            };
            let recurrent = rec.dot4_packed(rows, previous);
            // The recurrent part is any i32 (its requantisation saturates
            // there), so the sum must saturate too.
            let [pi, pf, pg, po] =
                [0, 1, 2, 3].map(|g| sat16(input[g].saturating_add(recurrent[g])) as i32);
            let i = activation::sigmoid(pi);
            let f = activation::sigmoid(pf);
            let g = match layer.activation {
                CellActivation::Tanh => activation::tanh(pg),
                CellActivation::Relu { .. } => pg.max(0) as i16,
            };
            let o = activation::sigmoid(po);
            // |f c|, |i g| < 2^30: no overflow; the sum saturates to i16.
            let cell = sat16(
                mul_shift(f, c[j], UNIT_FRAC as u32) + round_shift32(i as i32 * g as i32, g_shift),
            );
            c[j] = cell;
            h[j] = match layer.activation {
                CellActivation::Tanh => {
                    let t = activation::tanh(rescale(
                        cell as i32,
                        layer.cell_frac,
                        crate::format::GATE_FRAC,
                    ));
                    sat16(mul_shift(o, t, UNIT_FRAC as u32))
                }
                CellActivation::Relu { hidden_frac, .. } => {
                    let shift = (UNIT_FRAC + layer.cell_frac - hidden_frac) as u32;
                    sat16(round_shift32(o as i32 * cell.max(0) as i32, shift))
                }
            };
        }
    }

    fn head_row(head: &Head, r: usize, h: &[i16], _in_scale: f32) -> i32 {
        head.dense
            .row_dot(r, h)
            .saturating_add(le_i32(head.bias, r))
    }

    fn raw_output(out: i32, _head: &Head) -> i32 {
        out
    }
}

fn sigmoid_f32(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

impl Float {
    /// Real value of the input part (with bias) of gate row `r`.
    #[inline]
    fn input_part(
        layer: &LstmLayer,
        w: &LstmWeights,
        x: &StepInput<'_, f32>,
        in_scale: f32,
        r: usize,
    ) -> f32 {
        let rows = 4 * layer.units as usize;
        let unit = pow2(-(layer.row_frac(r) as i32));
        let bias = le_i32(w.bias, r) as f32 * unit;
        let m = &w.input;
        match *x {
            StepInput::OneHot(v) => m.weight(v * rows + r) as f32 * m.row_scale(r) * unit + bias,
            StepInput::Vector(x) => m.row_dot_f32(r, x) * m.row_scale(r) * unit / in_scale + bias,
            StepInput::Projected(p) => p.get(r).copied().unwrap_or(0.0),
        }
    }
}

impl Kernel for Float {
    type Value = f32;
    type Output = f32;

    fn dense_vector<'x>(raw: &'x [i16], scale: f32, buf: &'x mut [f32]) -> &'x [f32] {
        for (dst, &v) in buf.iter_mut().zip(raw) {
            *dst = v as f32 * scale;
        }
        buf.get(..raw.len()).unwrap_or(buf)
    }

    fn project(layer: &LstmLayer, w: &LstmWeights, x: &[f32], in_scale: f32, out: &mut [f32]) {
        let rows = 4 * layer.units as usize;
        for (r, o) in out.iter_mut().enumerate().take(rows) {
            *o = Self::input_part(layer, w, &StepInput::Vector(x), in_scale, r);
        }
    }

    fn step(
        layer: &LstmLayer,
        w: &LstmWeights,
        x: StepInput<'_, f32>,
        in_scale: f32,
        h: &mut [f32],
        c: &mut [f32],
        scratch: &mut [f32],
    ) {
        let u = layer.units as usize;
        let h_scale = layer.hidden_scale();
        let pre = |r: usize, h: &[f32]| -> f32 {
            let rec = &w.recurrent;
            let unit = pow2(-(layer.row_frac(r) as i32));
            Self::input_part(layer, w, &x, in_scale, r)
                + rec.row_dot_f32(r, h) * rec.row_scale(r) * unit / h_scale
        };
        for j in 0..u.min(c.len()).min(scratch.len()) {
            let i = sigmoid_f32(pre(j, h));
            let f = sigmoid_f32(pre(u + j, h));
            let o = sigmoid_f32(pre(3 * u + j, h));
            let g = pre(2 * u + j, h);
            let (g, act): (f32, fn(f32) -> f32) = match layer.activation {
                CellActivation::Tanh => (libm::tanhf(g), libm::tanhf),
                CellActivation::Relu { .. } => (g.max(0.0), |v| v.max(0.0)),
            };
            c[j] = f * c[j] + i * g;
            scratch[j] = o * act(c[j]);
        }
        let n = u.min(h.len()).min(scratch.len());
        h[..n].copy_from_slice(&scratch[..n]);
    }

    fn head_row(head: &Head, r: usize, h: &[f32], in_scale: f32) -> f32 {
        let m = &head.dense;
        (m.row_dot_f32(r, h) * m.row_scale(r) / in_scale + le_i32(head.bias, r) as f32)
            * head.output_scale
    }

    fn raw_output(out: f32, head: &Head) -> i32 {
        libm::roundf(out / head.output_scale) as i32
    }
}
