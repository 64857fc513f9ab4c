//! The float network itself, run on the host to calibrate ranges and to
//! measure how often the fixed engine agrees with it.

use std::vec;
use std::vec::Vec;

use super::float_model::{FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs};
use infer_nostd::format::Cell;

/// Largest magnitudes seen while running a float model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ranges {
    /// Per layer (encoder then decoder): largest |cell state|.
    pub cell: Vec<f32>,
    /// Per layer: largest |candidate pre-activation|.
    pub candidate: Vec<f32>,
    /// Per layer: largest |hidden state|.
    pub hidden: Vec<f32>,
    /// Largest |dense input value|.
    pub input: f32,
    /// Largest |head output|.
    pub head: f32,
}

impl Ranges {
    fn for_layers(n: usize) -> Self {
        Ranges {
            cell: vec![0.0; n],
            candidate: vec![0.0; n],
            hidden: vec![0.0; n],
            ..Default::default()
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-x))
}

fn bump(slot: &mut f32, v: f32) {
    *slot = slot.max(v.abs());
}

/// Lanes of the dot product: independent partial sums the compiler keeps
/// in vector registers (a single running sum serialises on its additions).
const LANES: usize = 8;

/// `a . b` over equal-length slices.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let (a_body, a_tail) = a.split_at(a.len() - a.len() % LANES);
    let (b_body, b_tail) = b.split_at(a_body.len());
    for (x, y) in a_body.chunks_exact(LANES).zip(b_body.chunks_exact(LANES)) {
        for l in 0..LANES {
            lanes[l] += x[l] * y[l];
        }
    }
    let tail: f32 = a_tail.iter().zip(b_tail).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

/// Row-major `rows x cols` matrix times `x`.
fn matvec(w: &[f32], x: &[f32], out: &mut [f32]) {
    let cols = x.len();
    for (o, row) in out.iter_mut().zip(w.chunks_exact(cols.max(1))) {
        *o += dot(row, x);
    }
}

/// One direction over a sequence, in the order given; returns each step's
/// h. A `masked` step leaves the state, and its output is the state's.
#[allow(clippy::too_many_arguments)]
fn run_direction(
    layer: &FloatLayer,
    w: &FloatDirection,
    xs: &[Vec<f32>],
    masked: &[bool],
    order: impl Iterator<Item = usize>,
    one_hot: bool,
    ranges: &mut Ranges,
    index: usize,
) -> Vec<Vec<f32>> {
    let u = layer.units;
    let rows = layer.cell.gates() * u;
    let (mut h, mut c) = (vec![0.0f32; u], vec![0.0f32; u]);
    let mut out = vec![Vec::new(); xs.len()];
    let act = |v: f32| {
        if layer.relu {
            v.max(0.0)
        } else {
            libm::tanhf(v)
        }
    };
    // The input part (with bias) of the last step, reused while the input
    // repeats (the decoder reads the same context at every step).
    let mut input_part: Option<(usize, Vec<f32>)> = None;
    let mut first = true;
    for t in order {
        if masked.get(t) == Some(&true) {
            out[t] = h.clone();
            continue;
        }
        let part = match &input_part {
            Some((prev, part)) if xs[*prev] == xs[t] => part.clone(),
            _ => {
                let mut part = w.bias[..rows].to_vec();
                if one_hot {
                    let v = xs[t][0] as usize;
                    let cols = w.input.len() / rows;
                    for (r, zr) in part.iter_mut().enumerate() {
                        *zr += w.input[r * cols + v];
                    }
                } else {
                    matvec(&w.input, &xs[t], &mut part);
                }
                input_part = Some((t, part.clone()));
                part
            }
        };
        // From the zero initial state the recurrent part is zero.
        let mut rec = vec![0.0f32; rows];
        if !first {
            matvec(&w.recurrent, &h, &mut rec);
        }
        first = false;
        if layer.cell == Cell::Gru {
            gru_update(&part, &rec, &w.bias[rows..], &mut h);
            h.iter().for_each(|&v| bump(&mut ranges.hidden[index], v));
            out[t] = h.clone();
            continue;
        }
        let z: Vec<f32> = part.iter().zip(&rec).map(|(p, r)| p + r).collect();
        for j in 0..u {
            let (i, f, o) = (sigmoid(z[j]), sigmoid(z[u + j]), sigmoid(z[3 * u + j]));
            bump(&mut ranges.candidate[index], z[2 * u + j]);
            c[j] = f * c[j] + i * act(z[2 * u + j]);
            h[j] = o * act(c[j]);
            bump(&mut ranges.cell[index], c[j]);
            bump(&mut ranges.hidden[index], h[j]);
        }
        out[t] = h.clone();
    }
    out
}

/// A GRU's new hidden state from its gates' input parts (with bias) and
/// recurrent parts, gate by gate, and the new gate's recurrent biases.
fn gru_update(part: &[f32], rec: &[f32], b_hn: &[f32], h: &mut [f32]) {
    let u = h.len();
    for j in 0..u {
        let r = sigmoid(part[j] + rec[j]);
        let z = sigmoid(part[u + j] + rec[u + j]);
        let n = libm::tanhf(part[2 * u + j] + r * (rec[2 * u + j] + b_hn[j]));
        h[j] = (1.0 - z) * n + z * h[j];
    }
}

/// Runs a stack, `masked` steps masked in every layer; returns every
/// step's output and the final output.
fn run_stack(
    stack: &[FloatLayer],
    mut xs: Vec<Vec<f32>>,
    masked: &[bool],
    mut one_hot: bool,
    ranges: &mut Ranges,
    first_index: usize,
) -> (Vec<Vec<f32>>, Vec<f32>) {
    let mut last = Vec::new();
    for (l, layer) in stack.iter().enumerate() {
        let n = xs.len();
        let fwd = run_direction(
            layer,
            &layer.forward,
            &xs,
            masked,
            0..n,
            one_hot,
            ranges,
            first_index + l,
        );
        last = fwd[n - 1].clone();
        xs = match &layer.backward {
            Some(bw) => {
                let bwd = run_direction(
                    layer,
                    bw,
                    &xs,
                    masked,
                    (0..n).rev(),
                    one_hot,
                    ranges,
                    first_index + l,
                );
                last.extend_from_slice(&bwd[0]);
                fwd.into_iter()
                    .zip(bwd)
                    .map(|(mut f, b)| {
                        f.extend(b);
                        f
                    })
                    .collect()
            }
            None => fwd,
        };
        one_hot = false;
    }
    (xs, last)
}

/// Total layers (encoder then decoder) of a model.
pub fn layer_count(model: &FloatModel) -> usize {
    model.encoder.len()
        + match &model.outputs {
            FloatOutputs::EncoderDecoder { decoder, .. } => decoder.len(),
            _ => 0,
        }
}

/// Runs `model` on one window (class indices or `features` values per
/// step); returns the head outputs of every output step, recording ranges.
pub fn forward(model: &FloatModel, window: &[f32], ranges: &mut Ranges) -> Vec<Vec<f32>> {
    let width = model.input_width().max(1);
    let xs: Vec<Vec<f32>> = window.chunks(width).map(|c| c.to_vec()).collect();
    let masked: Vec<bool> = xs.iter().map(|x| model.is_pad(x)).collect();
    if matches!(model.input, FloatInput::Dense { .. }) {
        // NaN (a pad) is no magnitude: `max` keeps the other side.
        window.iter().for_each(|&v| bump(&mut ranges.input, v));
    }
    let one_hot = matches!(model.input, FloatInput::OneHot { .. });
    let (seq, last) = run_stack(&model.encoder, xs, &masked, one_hot, ranges, 0);
    let outputs = match &model.outputs {
        FloatOutputs::LastStep => vec![last],
        FloatOutputs::EveryStep => seq,
        FloatOutputs::EncoderDecoder { steps, decoder } => {
            run_stack(
                decoder,
                vec![last; *steps],
                &[],
                false,
                ranges,
                model.encoder.len(),
            )
            .0
        }
    };
    outputs
        .iter()
        .map(|h| {
            let mut y = model.head_bias.clone();
            matvec(&model.head_weights, h, &mut y);
            y.iter().for_each(|&v| bump(&mut ranges.head, v));
            y
        })
        .collect()
}

/// Measures ranges over calibration windows.
pub fn calibrate(model: &FloatModel, windows: &[Vec<f32>]) -> Ranges {
    calibrate_with_outputs(model, windows).0
}

/// Measures ranges over calibration windows, and returns each window's
/// head outputs (as [`predict`] gives them) from the same pass.
pub fn calibrate_with_outputs(
    model: &FloatModel,
    windows: &[Vec<f32>],
) -> (Ranges, Vec<Vec<Vec<f32>>>) {
    let mut ranges = Ranges::for_layers(layer_count(model));
    let outputs = windows
        .iter()
        .map(|w| forward(model, w, &mut ranges))
        .collect();
    (ranges, outputs)
}

/// Runs `model` on one window without recording ranges.
pub fn predict(model: &FloatModel, window: &[f32]) -> Vec<Vec<f32>> {
    forward(model, window, &mut Ranges::for_layers(layer_count(model)))
}
