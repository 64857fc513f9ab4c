//! The float network a model file stands for: its integer weights times
//! their scales, exactly what the f32 reference path computes with. Loading
//! it back into a float framework and comparing logits with the reference
//! checks the export end to end (gate order, transposes, scales).

use std::string::ToString;
use std::vec::Vec;

use super::float_model::{FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs};
use crate::layout::{float_biases, float_rows};
use infer_nostd::format::Outputs;
use infer_nostd::format::{CellActivation, DirectionWeights, Input, Matrix, RecurrentLayer};
use infer_nostd::tensor::{le_i32, pow2};
use infer_nostd::Layers;
use infer_nostd::Model;

/// Real weights of a matrix stored row-major (or column-major for a
/// one-hot input kernel), row-major out: `w_q * m / 2^s * out_scale(r) / in_scale`.
fn matrix(
    m: &Matrix,
    in_scale: f32,
    out_scale: impl Fn(usize) -> f32,
    column_major: bool,
) -> Vec<f32> {
    let (rows, cols) = (m.rows as usize, m.cols as usize);
    let mut w = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        let factor = m.row_scale(r) * out_scale(r) / in_scale;
        for k in 0..cols {
            let q = if column_major {
                m.column_weight(r, k)
            } else {
                m.weight(r, k)
            };
            w.push(q as f32 * factor);
        }
    }
    w
}

fn direction(
    layer: &RecurrentLayer,
    w: &DirectionWeights,
    in_scale: f32,
    one_hot: bool,
) -> FloatDirection {
    let unit = |r: usize| pow2(-(layer.row_frac(r) as i32));
    let (u, cell) = (layer.units as usize, layer.cell);
    let bias: Vec<f32> = (0..cell.biases(u))
        .map(|r| le_i32(w.bias, r) as f32 * unit(r))
        .collect();
    // The file's rows come unit by unit (a GRU's in blocks of four), the
    // float model's gate by gate.
    let recurrent = matrix(&w.recurrent, layer.hidden_scale(), unit, false);
    FloatDirection {
        input: float_rows(
            cell,
            &matrix(&w.input, in_scale, unit, one_hot),
            u,
            w.input.cols as usize,
        ),
        recurrent: float_rows(cell, &recurrent, u, u),
        bias: float_biases(cell, &bias, u),
    }
}

fn stack(layers: Layers, mut in_scale: f32, mut one_hot: bool) -> Vec<FloatLayer> {
    let mut out = Vec::new();
    for layer in &layers {
        out.push(FloatLayer {
            cell: layer.cell,
            units: layer.units as usize,
            relu: matches!(layer.activation, CellActivation::Relu { .. }),
            forward: direction(&layer, &layer.forward, in_scale, one_hot),
            backward: layer
                .backward
                .as_ref()
                .map(|b| direction(&layer, b, in_scale, one_hot)),
        });
        in_scale = layer.hidden_scale();
        one_hot = false;
    }
    out
}

/// The float network `model` computes in its f32 reference path.
pub fn dequantise(model: &Model) -> FloatModel {
    let (input, in_scale) = match model.input() {
        Input::OneHot { classes } => (
            FloatInput::OneHot {
                classes: classes as usize,
            },
            1.0,
        ),
        Input::Dense { features, scale } => (
            FloatInput::Dense {
                features: features as usize,
            },
            scale,
        ),
    };
    let one_hot = matches!(input, FloatInput::OneHot { .. });
    let encoder = stack(model.encoder(), in_scale, one_hot);
    let mut last = model.encoder().output();
    let outputs = match model.readout() {
        Outputs::LastStep => FloatOutputs::LastStep,
        Outputs::EveryStep => FloatOutputs::EveryStep,
        Outputs::EncoderDecoder { steps, decoder } => {
            let layers = stack(decoder, last.scale(), false);
            last = decoder.output();
            FloatOutputs::EncoderDecoder {
                steps: steps as usize,
                decoder: layers,
            }
        }
    };
    let head = model.head();
    FloatModel {
        label: model.label().to_string(),
        window: model.window() as usize,
        input,
        encoder,
        outputs,
        names: model.names().map(str::to_string).collect(),
        head_kind: head.kind,
        head_groups: head.groups as usize,
        head_weights: matrix(&head.dense, last.scale(), |_| head.output_scale, false),
        head_bias: (0..head.dense.rows as usize)
            .map(|r| le_i32(head.bias, r) as f32 * head.output_scale)
            .collect(),
        // The quantiser's pad values (`FloatModel::pad_value`) are the
        // ones a float model can name.
        masked: model.mask().is_some(),
    }
}
