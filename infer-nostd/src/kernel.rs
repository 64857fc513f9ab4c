//! The arithmetic of one LSTM step and of the head, behind one trait with
//! two implementations: the integer engine ([`Fixed`]) and the f32
//! reference ([`Float`]). The runner drives either through the same
//! topology code, so the two paths cannot drift apart structurally.

use crate::activation;
use crate::fixed::{mul_shift, sat16, RoundShift};
use crate::format::{
    Cell, CellActivation, DirectionWeights, Head, Matrix, Precision, RecurrentLayer, GATE_FRAC,
    UNIT_FRAC,
};
use crate::kernels::{self, from, Group, Requant};
use crate::tensor::{le_i32, pow2};

/// What feeds an LSTM direction at one timestep.
#[derive(Debug, Clone, Copy)]
pub(crate) enum StepInput<'x, V> {
    /// An input vector: dense input or the previous layer's output.
    Vector(&'x [V]),
    /// The input part of every gate row, already computed (with bias): a
    /// one-hot input's gathered column ([`Arithmetic::gather`]) or the
    /// encoder-decoder's projected context ([`Arithmetic::project`]).
    Projected(&'x [V]),
}

/// One direction of an LSTM layer, as the arithmetic runs it: the layer's
/// shape and that direction's weights (a forward-only stack is kept as
/// these, decoded once, rather than as whole layers).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Direction<'a> {
    /// The cell (LSTM or GRU).
    pub(crate) cell: Cell,
    /// Hidden units.
    pub(crate) units: u16,
    /// Candidate and cell-output activation.
    pub(crate) activation: CellActivation,
    /// Fraction bits of the cell state.
    pub(crate) cell_frac: u8,
    /// The direction's weights.
    pub(crate) weights: DirectionWeights<'a>,
}

impl<'a> Direction<'a> {
    /// The direction of `layer` whose weights are `weights` (its forward
    /// or its backward ones).
    pub(crate) fn new(layer: &RecurrentLayer, weights: DirectionWeights<'a>) -> Self {
        Direction {
            cell: layer.cell,
            units: layer.units,
            activation: layer.activation,
            cell_frac: layer.cell_frac,
            weights,
        }
    }

    /// Fraction bits of gate row `r`'s pre-activation (a GRU's, always
    /// tanh, are all Q3.12).
    pub(crate) fn row_frac(&self, r: usize) -> u8 {
        self.activation.gate_frac(r % 4)
    }

    /// Stored gate rows ([`Cell::gate_rows`]).
    pub(crate) fn gate_rows(&self) -> usize {
        self.cell.gate_rows(self.units as usize)
    }

    /// The real value of one unit of the hidden state.
    pub(crate) fn hidden_scale(&self) -> f32 {
        pow2(-(self.activation.hidden_frac() as i32))
    }
}

/// One arithmetic for the LSTM step and the head: the integer engine
/// ([`Fixed`]) or the f32 reference ([`Float`]), which a
/// [`Runner`](crate::Runner) drives. Name it as a bound (`K: Kernel`) to
/// write code over both.
///
/// Sealed: these two are its only implementations, and what they compute
/// (a crate-private supertrait) is called by the runner only, on the
/// weights of a model that `Model::from_bytes` validated.
#[expect(
    private_bounds,
    reason = "sealed: the arithmetic is crate-private, the trait a public bound"
)]
pub trait Kernel: Arithmetic {
    /// A state or activation value.
    type Value: Copy + Default + core::fmt::Debug;
    /// A head output (logit or regression value).
    type Output: Copy + PartialOrd + core::fmt::Debug;

    /// A regression output as raw output units (the fixed engine's integer).
    fn raw_output(out: Self::Output, head: &Head) -> i32;
}

/// A value of kernel `K`'s arithmetic.
type Value<K> = <K as Kernel>::Value;

/// What a [`Kernel`] computes, for the runner: crate-private, so the
/// weights are always a validated model's.
pub(crate) trait Arithmetic {
    /// One timestep of quantised dense input as this arithmetic's vector:
    /// the raw values themselves, or converted into `buf`.
    fn dense_vector<'x>(
        raw: &'x [i16],
        scale: f32,
        buf: &'x mut [Value<Self>],
    ) -> &'x [Value<Self>]
    where
        Self: Kernel;

    /// The input part (with bias) of every gate row for input `x.0`, whose
    /// real value per unit is `x.1`, into `out[..4 * units]`, using
    /// `scratch` for `x.0` laid out for the dot-product kernel where it fits.
    fn project(
        d: &Direction,
        x: (&[Value<Self>], f32),
        out: &mut [Value<Self>],
        scratch: &mut [Value<Self>],
    ) where
        Self: Kernel;

    /// The input part (with bias) of every gate row for the one-hot input
    /// `class` (already checked against the class count), into
    /// `out[..4 * units]`.
    fn gather(d: &Direction, class: usize, out: &mut [Value<Self>])
    where
        Self: Kernel;

    /// One timestep of one direction: updates `h` and `c` (`units` long),
    /// using `scratch` (at least `units` long, rounded up to whole groups
    /// of four for the fixed kernels) for the previous or the new hidden
    /// state.
    #[allow(clippy::too_many_arguments)]
    fn step(
        d: &Direction,
        x: StepInput<'_, Value<Self>>,
        in_scale: f32,
        h: &mut [Value<Self>],
        c: &mut [Value<Self>],
        scratch: &mut [Value<Self>],
    ) where
        Self: Kernel;

    /// Every head output for the hidden vector `h` of real scale
    /// `in_scale`: calls `emit(row, output)` row by row, in order. Uses
    /// `scratch` for `h` laid out for the dot-product kernel where it fits.
    fn head(
        head: &Head,
        h: &[Value<Self>],
        in_scale: f32,
        scratch: &mut [Value<Self>],
        emit: impl FnMut(usize, <Self as Kernel>::Output),
    ) where
        Self: Kernel;
}

/// The integer-only engine: DESIGN.md's 16x8 scheme with per-row scales.
#[derive(Debug, Clone, Copy)]
pub struct Fixed;

/// The f32 reference: the same quantised weights, real arithmetic.
#[derive(Debug, Clone, Copy)]
pub struct Float;

/// The fixed-point cell update of one layer: from the four gate
/// pre-activations (Q3.12) and the old cell state to the new cell and
/// hidden state. Its shifts are the layer's, worked out once per step.
struct LstmCell {
    /// Takes `i * g` to the cell's fraction bits.
    g_shift: RoundShift,
    /// How the hidden state is made from the cell state.
    out: CellOut,
}

/// The hidden state's recipe: tanh of the cell state (brought to Q3.12
/// by a left shift, then a rounding right shift: one of the two is 0), or
/// ReLU of it times the output gate, shifted to the hidden fraction bits.
enum CellOut {
    Tanh { up: u32, down: RoundShift },
    Relu(RoundShift),
}

impl LstmCell {
    fn new(d: &Direction) -> Self {
        // Validated: every fraction is at most 15, so each shift is 0..=30.
        let cell_frac = d.cell_frac;
        let out = match d.activation {
            CellActivation::Tanh => CellOut::Tanh {
                up: GATE_FRAC.saturating_sub(cell_frac) as u32,
                down: RoundShift::new(cell_frac.saturating_sub(GATE_FRAC)),
            },
            CellActivation::Relu { .. } => CellOut::Relu(RoundShift::new(
                UNIT_FRAC + cell_frac - d.activation.hidden_frac(),
            )),
        };
        LstmCell {
            g_shift: RoundShift::new(UNIT_FRAC + d.activation.candidate_frac() - cell_frac),
            out,
        }
    }

    /// The new cell state of one unit, and its output gate.
    #[inline(always)]
    fn update(&self, [pi, pf, pg, po]: [i16; 4], c: i16) -> (i16, i16) {
        let i = activation::sigmoid(pi);
        let f = activation::sigmoid(pf);
        let g = match self.out {
            CellOut::Tanh { .. } => activation::tanh(pg as i32),
            CellOut::Relu(_) => pg.max(0),
        };
        // |f c|, |i g| < 2^30: no overflow; the sum saturates to i16.
        let cell =
            sat16(mul_shift(f, c, UNIT_FRAC as u32) + self.g_shift.apply(i as i32 * g as i32));
        (cell, activation::sigmoid(po))
    }

    /// One unit's hidden state from its new cell state and output gate `o`.
    #[inline(always)]
    fn hidden(&self, cell: i16, o: i16) -> i16 {
        match self.out {
            CellOut::Tanh { up, down } => {
                // |cell| < 2^15, up <= 12: the shifted cell fits in i32.
                let t = activation::tanh(down.apply((cell as i32) << up));
                sat16(mul_shift(o, t, UNIT_FRAC as u32))
            }
            CellOut::Relu(shift) => sat16(shift.apply(o as i32 * cell.max(0) as i32)),
        }
    }
}

impl Fixed {
    /// The first pass of a step over units `first..` of `c` and `h`: their
    /// gates from the input `x` and the packed previous hidden state
    /// (`None` from the zero state), the new cell state into `c` and the
    /// output gate into `h`. Out of line: one copy, whichever units the
    /// assembly loop left.
    #[inline(never)]
    fn units_from(
        first: usize,
        w: &DirectionWeights,
        x: StepInput<'_, i16>,
        previous: Option<&[i16]>,
        cell: &LstmCell,
        c: &mut [i16],
        h: &mut [i16],
    ) {
        let bias = from(w.bias.as_chunks::<16>().0, first);
        let mut input_groups = w.input.row_groups_from(first);
        let mut projected = match x {
            StepInput::Projected(p) => from(p.as_chunks::<4>().0, first),
            StepInput::Vector(_) => &[],
        }
        .iter();
        // Row group j is unit j's four gates.
        let c = c.get_mut(first..).unwrap_or(&mut []);
        let h = h.get_mut(first..).unwrap_or(&mut []);
        let units = w
            .recurrent
            .row_groups_from(first)
            .zip(bias)
            .zip(c.iter_mut().zip(h));
        for ((rec, bias), (c, h)) in units {
            // Each gate's input part (with bias), saturated.
            let input = match x {
                StepInput::Vector(x) => input_groups
                    .next()
                    .map(|g| Self::with_bias(w.input.dot4(&g, x), bias)),
                StepInput::Projected(_) => projected.next().copied(),
            }
            .unwrap_or([0; 4]);
            let recurrent = previous.map_or([0; 4], |p| packed_product(&w.recurrent, &rec, p));
            // The recurrent part is any i32 (its requantisation saturates
            // there), so the sum must saturate too.
            let gate = |g: usize| sat16(recurrent[g].saturating_add(input[g] as i32));
            let gates = [gate(0), gate(1), gate(2), gate(3)];
            // The output gate waits in `h` (the previous hidden state is
            // in `scratch`) for the second pass.
            (*c, *h) = cell.update(gates, *c);
        }
    }

    /// A row group's input accumulators plus their biases, saturated to i16.
    #[inline(always)]
    pub(crate) fn with_bias(acc: [i32; 4], bias: &[u8; 16]) -> [i16; 4] {
        let (bias, _) = bias.as_chunks::<4>();
        let b = |g: usize| sat16(acc[g].saturating_add(i32::from_le_bytes(bias[g])));
        [b(0), b(1), b(2), b(3)]
    }
}

impl Kernel for Fixed {
    type Value = i16;
    type Output = i32;

    fn raw_output(out: i32, _head: &Head) -> i32 {
        out
    }
}

impl Arithmetic for Fixed {
    fn dense_vector<'x>(raw: &'x [i16], _scale: f32, _buf: &'x mut [i16]) -> &'x [i16] {
        raw
    }

    fn project(d: &Direction, (x, _): (&[i16], f32), out: &mut [i16], scratch: &mut [i16]) {
        let w = &d.weights;
        let rows = d.gate_rows().min(out.len());
        let (out, _) = out[..rows].as_chunks_mut::<4>();
        let (bias, _) = w.bias.as_chunks::<16>();
        for ((acc, o), bias) in group_products(&w.input, x, scratch).zip(out).zip(bias) {
            *o = Self::with_bias(acc, bias);
        }
    }

    fn gather(d: &Direction, class: usize, out: &mut [i16]) {
        let w = &d.weights;
        let m = &w.input;
        let column = m.column(class);
        match m.precision {
            Precision::Int8 => {
                let weights = column.iter().map(|&b| b as i8);
                gather_column(w, weights, Requant::of_i8, out)
            }
            Precision::Int16 => {
                let (column, _) = column.as_chunks::<2>();
                let weights = column.iter().map(|&b| i16::from_le_bytes(b) as i32);
                gather_column(w, weights, Requant::of_i32, out)
            }
        }
    }

    fn step(
        d: &Direction,
        x: StepInput<'_, i16>,
        _in_scale: f32,
        h: &mut [i16],
        c: &mut [i16],
        scratch: &mut [i16],
    ) {
        let w = &d.weights;
        let n = (d.units as usize).min(h.len()).min(c.len());
        // The recurrent products read the previous hidden state from
        // `scratch`, laid out for the dot-product kernel (and padded to
        // whole words), so `h` and `c` are updated in place. From the zero
        // state (a window's first step) every recurrent product is exactly
        // zero: they are skipped.
        let fresh = h[..n].iter().all(|&v| v == 0);
        if !fresh {
            w.recurrent.pack_input(&h[..n], scratch);
        }
        let previous = (!fresh).then_some(&*scratch);
        // Without the feature a GRU layer never runs: `Runner::new` refuses it.
        #[cfg(feature = "gru")]
        if d.cell == Cell::Gru {
            return Self::gru_step(d, x, previous, &mut h[..n]);
        }
        let cell = LstmCell::new(d);
        // The target's unit loop (the assembly one on DSP cores) takes the
        // units it can, and `units_from` the rest.
        let done = match (x, &cell.out) {
            (StepInput::Projected(p), CellOut::Tanh { .. }) => kernels::lstm_units(
                &w.recurrent,
                previous,
                p,
                &mut c[..n],
                &mut h[..n],
                cell.g_shift,
            ),
            _ => 0,
        };
        Self::units_from(done, w, x, previous, &cell, &mut c[..n], &mut h[..n]);
        for (h, &c) in h[..n].iter_mut().zip(&c[..n]) {
            *h = cell.hidden(c, *h);
        }
    }

    fn head(
        head: &Head,
        h: &[i16],
        _in_scale: f32,
        scratch: &mut [i16],
        mut emit: impl FnMut(usize, i32),
    ) {
        // Four rows at a time share the loads of `h`; the last group's
        // padding rows are left out.
        let (bias, _) = head.bias.as_chunks::<4>();
        let mut rows = bias.iter().enumerate();
        for acc in group_products(&head.dense, h, scratch) {
            for (acc, (r, b)) in acc.into_iter().zip(rows.by_ref()) {
                emit(r, acc.saturating_add(i32::from_le_bytes(*b)));
            }
        }
    }
}

/// The requantised products of `m`'s row groups with `x`, in order; `x` is
/// first laid out for the dot-product kernel in `scratch` if it fits there.
#[inline(always)]
fn group_products<'a>(
    m: &'a Matrix,
    x: &'a [i16],
    scratch: &'a mut [i16],
) -> impl Iterator<Item = [i32; 4]> + 'a {
    let packed = x.len() <= scratch.len();
    if packed {
        m.pack_input(x, scratch);
    }
    let scratch = &*scratch;
    m.row_groups().map(move |group| {
        if packed {
            packed_product(m, &group, scratch)
        } else {
            m.dot4(&group, x)
        }
    })
}

/// [`Matrix::dot4_packed`], one copy for every caller.
#[inline(never)]
pub(crate) fn packed_product(m: &Matrix, group: &Group, packed: &[i16]) -> [i32; 4] {
    m.dot4_packed(group, packed)
}

/// Writes each row's one-hot `weights`, requantised by `requant`, plus its
/// bias, saturated, into `out` (rows in order, as far as all three reach).
#[inline(always)]
fn gather_column<W>(
    w: &DirectionWeights,
    weights: impl Iterator<Item = W>,
    requant: impl Fn(Requant, W) -> i32,
    out: &mut [i16],
) {
    let (multipliers, _) = w.input.multipliers.as_chunks::<4>();
    let (bias, _) = w.bias.as_chunks::<4>();
    let rows = multipliers.iter().zip(w.input.shifts).zip(bias);
    for ((weight, ((&m, &shift), &b)), o) in weights.zip(rows).zip(out) {
        let row = Requant {
            multiplier: i32::from_le_bytes(m),
            shift,
        };
        *o = sat16(requant(row, weight).saturating_add(i32::from_le_bytes(b)));
    }
}

pub(crate) fn sigmoid_f32(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

impl Float {
    /// Real value of the input part (with bias) of gate row `r`, whose
    /// input kernel product, in integer-weight units, is `product` for an
    /// input of real scale `in_scale`.
    #[inline]
    fn input_part(d: &Direction, r: usize, product: f32, in_scale: f32) -> f32 {
        let w = &d.weights;
        let unit = pow2(-(d.row_frac(r) as i32));
        product * w.input.row_scale(r) * unit / in_scale + le_i32(w.bias, r) as f32 * unit
    }

    /// [`Self::input_part`] for input `x` of real scale `in_scale`.
    #[inline]
    pub(crate) fn step_input(
        d: &Direction,
        x: &StepInput<'_, f32>,
        in_scale: f32,
        r: usize,
    ) -> f32 {
        match *x {
            StepInput::Vector(x) => {
                Self::input_part(d, r, d.weights.input.row_dot_f32(r, x), in_scale)
            }
            StepInput::Projected(p) => p.get(r).copied().unwrap_or(0.0),
        }
    }
}

impl Kernel for Float {
    type Value = f32;
    type Output = f32;

    fn raw_output(out: f32, head: &Head) -> i32 {
        libm::roundf(out / head.output_scale) as i32
    }
}

impl Arithmetic for Float {
    fn dense_vector<'x>(raw: &'x [i16], scale: f32, buf: &'x mut [f32]) -> &'x [f32] {
        for (dst, &v) in buf.iter_mut().zip(raw) {
            *dst = v as f32 * scale;
        }
        buf.get(..raw.len()).unwrap_or(buf)
    }

    fn project(d: &Direction, (x, in_scale): (&[f32], f32), out: &mut [f32], _scratch: &mut [f32]) {
        let rows = d.gate_rows();
        for (r, o) in out.iter_mut().enumerate().take(rows) {
            *o = Self::step_input(d, &StepInput::Vector(x), in_scale, r);
        }
    }

    fn gather(d: &Direction, class: usize, out: &mut [f32]) {
        let rows = d.gate_rows();
        for (r, o) in out.iter_mut().enumerate().take(rows) {
            let weight = d.weights.input.column_weight(r, class);
            *o = Self::input_part(d, r, weight as f32, 1.0);
        }
    }

    fn step(
        d: &Direction,
        x: StepInput<'_, f32>,
        in_scale: f32,
        h: &mut [f32],
        c: &mut [f32],
        scratch: &mut [f32],
    ) {
        #[cfg(feature = "gru")]
        if d.cell == Cell::Gru {
            return Self::gru_step(d, x, in_scale, h, scratch);
        }
        let u = d.units as usize;
        let h_scale = d.hidden_scale();
        let pre = |r: usize, h: &[f32]| -> f32 {
            let rec = &d.weights.recurrent;
            let unit = pow2(-(d.row_frac(r) as i32));
            Self::step_input(d, &x, in_scale, r)
                + rec.row_dot_f32(r, h) * rec.row_scale(r) * unit / h_scale
        };
        for j in 0..u.min(c.len()).min(scratch.len()) {
            let i = sigmoid_f32(pre(4 * j, h));
            let f = sigmoid_f32(pre(4 * j + 1, h));
            let g = pre(4 * j + 2, h);
            let o = sigmoid_f32(pre(4 * j + 3, h));
            let (g, act): (f32, fn(f32) -> f32) = match d.activation {
                CellActivation::Tanh => (libm::tanhf(g), libm::tanhf),
                CellActivation::Relu { .. } => (g.max(0.0), |v| v.max(0.0)),
            };
            c[j] = f * c[j] + i * g;
            scratch[j] = o * act(c[j]);
        }
        let n = u.min(h.len()).min(scratch.len());
        h[..n].copy_from_slice(&scratch[..n]);
    }

    fn head(
        head: &Head,
        h: &[f32],
        in_scale: f32,
        _scratch: &mut [f32],
        mut emit: impl FnMut(usize, f32),
    ) {
        let m = &head.dense;
        for r in 0..m.rows as usize {
            let logit =
                m.row_dot_f32(r, h) * m.row_scale(r) / in_scale + le_i32(head.bias, r) as f32;
            emit(r, logit * head.output_scale);
        }
    }
}
