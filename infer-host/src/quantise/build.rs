//! Assembling the quantised tensors of a float model into a model file.

use std::vec::Vec;

use super::float_forward::Ranges;
use super::float_model::{FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs};
use super::matrix::{quantise_bias, quantise_matrix};
use crate::file::to_file_bytes;
use crate::layout::{file_biases, file_rows};
use crate::owned::{OwnedDirection, OwnedLayer};
use crate::Stack;
use infer_nostd::format::{
    Cell, CellActivation, Head, Input, ModelDesc, Outputs, Precision, UNIT_FRAC,
};

/// Headroom over the largest calibrated magnitude.
const MARGIN: f32 = 1.25;

/// Fraction bits of an i16 that holds magnitudes up to `max` with headroom.
fn frac_for(max: f32) -> u8 {
    let needed = max * MARGIN;
    let int_bits = if needed <= 1.0 {
        0
    } else {
        libm::ceilf(libm::log2f(needed)) as i32
    };
    (UNIT_FRAC as i32 - int_bits).clamp(0, UNIT_FRAC as i32) as u8
}

fn pow2(e: i32) -> f64 {
    libm::pow(2.0, e as f64)
}

/// Hands out the precision of each weight tensor in visiting order.
struct Precisions<'p> {
    list: &'p [Precision],
    next: usize,
}

impl Precisions<'_> {
    fn take(&mut self) -> Precision {
        let p = self.list.get(self.next).copied().unwrap_or(Precision::Int8);
        self.next += 1;
        p
    }
}

fn direction(
    layer: &FloatLayer,
    w: &FloatDirection,
    activation: CellActivation,
    in_scale: f64,
    one_hot: bool,
    precisions: &mut Precisions,
) -> Option<OwnedDirection> {
    let (u, cell) = (layer.units, layer.cell);
    let rows = cell.gate_rows(u);
    // An LSTM's file rows come unit by unit (row 4 j + g is gate g of unit
    // j); a GRU's are all Q3.12, its b_hn too (a tanh GRU: every gate_frac).
    let out_scale = |r: usize| pow2(-(activation.gate_frac(r % 4) as i32));
    let cols = w.input.len() / (cell.gates() * u);
    let input = quantise_matrix(
        &file_rows(cell, &w.input, u, cols),
        rows,
        cols,
        precisions.take(),
        in_scale,
        out_scale,
        one_hot,
    )?;
    let h_scale = pow2(-(activation.hidden_frac() as i32));
    let recurrent = quantise_matrix(
        &file_rows(cell, &w.recurrent, u, u),
        rows,
        u,
        precisions.take(),
        h_scale,
        out_scale,
        false,
    )?;
    Some(OwnedDirection {
        input,
        recurrent,
        bias: quantise_bias(&file_biases(cell, &w.bias, u), out_scale),
    })
}

/// Quantises a stack whose layers start at `first` in the ranges.
fn stack(
    layers: &[FloatLayer],
    ranges: &Ranges,
    first: usize,
    mut in_scale: f64,
    mut one_hot: bool,
    precisions: &mut Precisions,
) -> Option<Vec<OwnedLayer>> {
    let mut out = Vec::new();
    for (l, layer) in layers.iter().enumerate() {
        let i = first + l;
        let activation = if layer.relu {
            CellActivation::Relu {
                candidate_frac: frac_for(*ranges.candidate.get(i)?),
                hidden_frac: frac_for(*ranges.hidden.get(i)?),
            }
        } else {
            CellActivation::Tanh
        };
        let forward = direction(
            layer,
            &layer.forward,
            activation,
            in_scale,
            one_hot,
            precisions,
        )?;
        let backward = match &layer.backward {
            Some(b) => Some(direction(
                layer, b, activation, in_scale, one_hot, precisions,
            )?),
            None => None,
        };
        let owned = OwnedLayer {
            cell: layer.cell,
            units: layer.units as u16,
            activation,
            // A GRU has no cell state.
            cell_frac: match layer.cell {
                Cell::Lstm => frac_for(*ranges.cell.get(i)?),
                Cell::Gru => 0,
            },
            forward,
            backward,
        };
        in_scale = pow2(-(owned.activation.hidden_frac() as i32));
        one_hot = false;
        out.push(owned);
    }
    Some(out)
}

fn view_stack<'a>(layers: &'a [OwnedLayer]) -> Option<Stack<'a>> {
    let mut stack = Stack::new();
    for l in layers {
        stack.push(l.view()).ok()?;
    }
    Some(stack)
}

/// Real value of one dense input unit for the calibrated range.
pub fn input_scale(ranges: &Ranges) -> f32 {
    if ranges.input > 0.0 {
        ranges.input * MARGIN / i16::MAX as f32
    } else {
        1.0
    }
}

/// Writes the model file for `model` with one precision per weight tensor
/// (in visiting order: each layer's directions' input then recurrent
/// kernels, encoder then decoder, then the head). `None` if a value does
/// not fit the format.
pub fn model_file(
    model: &FloatModel,
    ranges: &Ranges,
    precisions: &[Precision],
) -> Option<Vec<u8>> {
    let mut precisions = Precisions {
        list: precisions,
        next: 0,
    };
    let (input, in_scale) = match model.input {
        FloatInput::OneHot { classes } => (
            Input::OneHot {
                classes: classes as u16,
            },
            1.0,
        ),
        FloatInput::Dense { features } => {
            let scale = input_scale(ranges);
            (
                Input::Dense {
                    features: features as u16,
                    scale,
                },
                scale as f64,
            )
        }
    };
    let one_hot = matches!(model.input, FloatInput::OneHot { .. });
    let encoder = stack(
        &model.encoder,
        ranges,
        0,
        in_scale,
        one_hot,
        &mut precisions,
    )?;
    let context_scale = pow2(-(encoder.last()?.activation.hidden_frac() as i32));
    let decoder = match &model.outputs {
        FloatOutputs::EncoderDecoder { decoder, .. } => stack(
            decoder,
            ranges,
            model.encoder.len(),
            context_scale,
            false,
            &mut precisions,
        )?,
        _ => Vec::new(),
    };
    let head_in = pow2(-(decoder.last().or(encoder.last())?.activation.hidden_frac() as i32));
    let output_scale = pow2(libm::ceilf(libm::log2f(ranges.head.max(1e-6) * MARGIN)) as i32 - 30);
    let rows = model.head_bias.len();
    let width = model.head_weights.len() / rows.max(1);
    let dense = quantise_matrix(
        &model.head_weights,
        rows,
        width,
        precisions.take(),
        head_in,
        |_| output_scale,
        false,
    )?;
    let bias = quantise_bias(&model.head_bias, |_| output_scale);
    let outputs = match &model.outputs {
        FloatOutputs::LastStep => Outputs::LastStep,
        FloatOutputs::EveryStep => Outputs::EveryStep,
        FloatOutputs::EncoderDecoder { steps, .. } => Outputs::EncoderDecoder {
            steps: *steps as u16,
            decoder: view_stack(&decoder)?,
        },
    };
    let desc = ModelDesc {
        label: &model.label,
        window: model.window as u16,
        input,
        encoder: view_stack(&encoder)?,
        outputs,
        head: Head {
            kind: model.head_kind,
            groups: model.head_groups as u16,
            dense: dense.view(),
            bias: &bias,
            output_scale: output_scale as f32,
        },
        mask: model.pad_value(),
        names: &model.names.join("\n"),
    };
    to_file_bytes(&desc).ok()
}
