//! The arithmetic of one LSTM step and of the head, behind one trait with
//! two implementations: the integer engine ([`Fixed`]) and the f32
//! reference ([`Float`]). The runner drives either through the same
//! topology code, so the two paths cannot drift apart structurally.

use crate::activation;
use crate::fixed::{mul_shift, rescale, round_shift32, sat16};
use crate::format::{CellActivation, Head, LstmLayer, LstmWeights, UNIT_FRAC};
use crate::tensor::{le_i32, pow2, Rows4};

/// What feeds an LSTM direction at one timestep.
#[derive(Debug, Clone, Copy)]
pub enum StepInput<'x, V> {
    /// An input vector: dense input or the previous layer's output.
    Vector(&'x [V]),
    /// The input part of every gate row, already computed (with bias): a
    /// one-hot input's gathered column ([`Kernel::gather`]) or the
    /// encoder-decoder's projected context ([`Kernel::project`]).
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

    /// The input part (with bias) of every gate row for the one-hot input
    /// `class` (already checked against the class count), into
    /// `out[..4 * units]`.
    fn gather(layer: &LstmLayer, w: &LstmWeights, class: usize, out: &mut [Self::Value]);

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

    /// Every head output for the hidden vector `h` of real scale
    /// `in_scale`: calls `emit(row, output)` row by row, in order.
    fn head(head: &Head, h: &[Self::Value], in_scale: f32, emit: impl FnMut(usize, Self::Output));

    /// A regression output as raw output units (the fixed engine's integer).
    fn raw_output(out: Self::Output, head: &Head) -> i32;
}

/// The integer-only engine: DESIGN.md's 16x8 scheme with per-row scales.
#[derive(Debug, Clone, Copy)]
pub struct Fixed;

/// The f32 reference: the same quantised weights, real arithmetic.
#[derive(Debug, Clone, Copy)]
pub struct Float;

/// The fixed-point cell update of one layer: from the four gate
/// pre-activations (Q3.12) and the old cell state to the new cell and
/// hidden state.
struct Cell {
    activation: CellActivation,
    /// Fraction bits of the cell state.
    cell_frac: u8,
    /// The right shift taking `i * g` to the cell's fraction bits.
    g_shift: u32,
}

impl Cell {
    fn new(layer: &LstmLayer) -> Self {
        Cell {
            activation: layer.activation,
            cell_frac: layer.cell_frac,
            g_shift: (UNIT_FRAC + candidate_frac(layer) - layer.cell_frac) as u32,
        }
    }

    /// The new (cell, hidden) state of one unit.
    #[inline(always)]
    fn update(&self, [pi, pf, pg, po]: [i32; 4], c: i16) -> (i16, i16) {
        let i = activation::sigmoid(pi);
        let f = activation::sigmoid(pf);
        let g = match self.activation {
            CellActivation::Tanh => activation::tanh(pg),
            CellActivation::Relu { .. } => pg.max(0) as i16,
        };
        let o = activation::sigmoid(po);
        // |f c|, |i g| < 2^30: no overflow; the sum saturates to i16.
        let cell = sat16(
            mul_shift(f, c, UNIT_FRAC as u32) + round_shift32(i as i32 * g as i32, self.g_shift),
        );
        let hidden = match self.activation {
            CellActivation::Tanh => {
                let t = activation::tanh(rescale(
                    cell as i32,
                    self.cell_frac,
                    crate::format::GATE_FRAC,
                ));
                sat16(mul_shift(o, t, UNIT_FRAC as u32))
            }
            CellActivation::Relu { hidden_frac, .. } => {
                let shift = (UNIT_FRAC + self.cell_frac - hidden_frac) as u32;
                sat16(round_shift32(o as i32 * cell.max(0) as i32, shift))
            }
        };
        (cell, hidden)
    }
}

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

    fn gather(layer: &LstmLayer, w: &LstmWeights, class: usize, out: &mut [i16]) {
        let rows = (4 * layer.units as usize).min(out.len());
        let (bias, _) = w.bias.as_chunks::<4>();
        let mut slots = out[..rows].iter_mut().zip(bias);
        w.input.requantised_column(class, |v| {
            if let Some((o, &b)) = slots.next() {
                *o = sat16(v.saturating_add(i32::from_le_bytes(b)));
            }
        });
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
        // `scratch`, laid out for the dot-product kernel, so `h` and `c`
        // are updated in place. From the zero state (a window's first
        // step) every recurrent product is exactly zero: they are skipped.
        let fresh = h[..n].iter().all(|&v| v == 0);
        if !fresh {
            w.recurrent.pack_input(&h[..n], &mut scratch[..n]);
        }
        let previous = &scratch[..n];
        let cell = Cell::new(layer);
        let m = &w.input;
        let mut input_rows = m.gate_rows(u);
        for (j, rows) in w.recurrent.gate_rows(u).enumerate().take(n) {
            // Each gate's input part (with bias), saturated.
            let input = match x {
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
            let recurrent = if fresh {
                [0; 4]
            } else {
                w.recurrent.dot4_packed(rows, previous)
            };
            // The recurrent part is any i32 (its requantisation saturates
            // there), so the sum must saturate too.
            let gates = [0, 1, 2, 3].map(|g| sat16(input[g].saturating_add(recurrent[g])) as i32);
            (c[j], h[j]) = cell.update(gates, c[j]);
        }
    }

    fn head(head: &Head, h: &[i16], _in_scale: f32, mut emit: impl FnMut(usize, i32)) {
        // Four rows at a time share the loads of `h`.
        let m = &head.dense;
        let mut quad = |rows: Rows4| {
            let acc = m.dot4(rows, h);
            for (&r, acc) in rows.index.iter().zip(acc) {
                if r < m.rows as usize {
                    emit(r, acc.saturating_add(le_i32(head.bias, r)));
                }
            }
        };
        m.row_quads().for_each(&mut quad);
        if let Some(rows) = m.partial_quad() {
            quad(rows);
        }
    }

    fn raw_output(out: i32, _head: &Head) -> i32 {
        out
    }
}

fn sigmoid_f32(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

impl Float {
    /// Real value of the input part (with bias) of gate row `r`, whose
    /// input kernel product, in integer-weight units, is `product` for an
    /// input of real scale `in_scale`.
    #[inline]
    fn input_part(
        layer: &LstmLayer,
        w: &LstmWeights,
        r: usize,
        product: f32,
        in_scale: f32,
    ) -> f32 {
        let unit = pow2(-(layer.row_frac(r) as i32));
        product * w.input.row_scale(r) * unit / in_scale + le_i32(w.bias, r) as f32 * unit
    }

    /// [`Self::input_part`] for input `x` of real scale `in_scale`.
    #[inline]
    fn step_input(
        layer: &LstmLayer,
        w: &LstmWeights,
        x: &StepInput<'_, f32>,
        in_scale: f32,
        r: usize,
    ) -> f32 {
        match *x {
            StepInput::Vector(x) => {
                Self::input_part(layer, w, r, w.input.row_dot_f32(r, x), in_scale)
            }
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
            *o = Self::step_input(layer, w, &StepInput::Vector(x), in_scale, r);
        }
    }

    fn gather(layer: &LstmLayer, w: &LstmWeights, class: usize, out: &mut [f32]) {
        let rows = 4 * layer.units as usize;
        for (r, o) in out.iter_mut().enumerate().take(rows) {
            let weight = w.input.weight(class.wrapping_mul(rows).wrapping_add(r));
            *o = Self::input_part(layer, w, r, weight as f32, 1.0);
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
            Self::step_input(layer, w, &x, in_scale, r)
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

    fn head(head: &Head, h: &[f32], in_scale: f32, mut emit: impl FnMut(usize, f32)) {
        let m = &head.dense;
        for r in 0..m.rows as usize {
            let logit =
                m.row_dot_f32(r, h) * m.row_scale(r) / in_scale + le_i32(head.bias, r) as f32;
            emit(r, logit * head.output_scale);
        }
    }

    fn raw_output(out: f32, head: &Head) -> i32 {
        libm::roundf(out / head.output_scale) as i32
    }
}
