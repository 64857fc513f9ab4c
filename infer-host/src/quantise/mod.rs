//! Quantisation of a float network into a model file .
//!
//! Ranges are calibrated by running the float network on sample windows:
//! each layer's cell state (and, for ReLU cells, candidate and hidden
//! state) gets the power-of-two scale that holds its largest calibrated
//! magnitude with 25% headroom; beyond that, values saturate. Weights are
//! quantised symmetrically per output row, int8 or int16 per tensor.

mod build;
mod dequantise;
mod float_forward;
mod float_model;
mod matrix;

pub use dequantise::dequantise;
pub use float_forward::{calibrate, calibrate_with_outputs, predict as float_predict, Ranges};
pub use float_model::{FloatDirection, FloatInput, FloatLayer, FloatModel, FloatOutputs};
pub use matrix::multiplier;

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::HostEngine;
use infer_nostd::format::{Cell, HeadKind, Precision, MAX_STACK_LAYERS};
use infer_nostd::{Model, MAX_COLS};

/// How weight precision is chosen per tensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PrecisionPolicy {
    /// Every tensor int8.
    Int8,
    /// Every tensor int16.
    Int16,
    /// The smallest file found whose fixed engine agrees with the float
    /// model on at least `target_agreement` (0..=1) of the calibration
    /// outputs: every tensor int8 if that is enough; else the smaller of
    /// the cheapest single tensor widened to int16 that is enough, and the
    /// first enough file of the widening order (recurrent kernels first,
    /// largest first, then input kernels, then the head, widened one after
    /// another); every tensor int16 if none is.
    Auto {
        /// Fraction of outputs that must agree.
        target_agreement: f64,
    },
}

/// A quantised model file and what was measured making it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantised {
    /// The complete model file.
    pub bytes: Vec<u8>,
    /// Fixed/float agreement on the calibration windows (0..=1).
    pub agreement: f64,
    /// How many weight tensors ended up int16.
    pub int16_tensors: usize,
}

/// Why a float model could not be quantised.
#[derive(Debug, Clone, PartialEq)]
pub enum QuantiseError {
    /// The float model's shapes do not fit together or the format's limits.
    Shape(&'static str),
    /// A weight, bias or calibrated range is too large (or not finite) for
    /// the format's integers: the float model diverged.
    OutOfRange,
    /// No calibration windows were given.
    NoCalibration,
    /// A calibration window does not fit the model.
    Window,
    /// The quantised file was refused by the engine (a bug: reported, not hidden).
    Engine(infer_nostd::Error),
}

impl core::fmt::Display for QuantiseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            QuantiseError::Shape(what) => write!(f, "float model shape: {what}"),
            QuantiseError::OutOfRange => f.write_str(
                "a weight, bias or calibrated range is too large (or not finite) for the format",
            ),
            QuantiseError::NoCalibration => f.write_str("no calibration windows"),
            QuantiseError::Window => f.write_str("calibration window does not fit the model"),
            QuantiseError::Engine(e) => write!(f, "engine refused the quantised model: {e}"),
        }
    }
}

impl core::error::Error for QuantiseError {}

impl From<infer_nostd::Error> for QuantiseError {
    fn from(e: infer_nostd::Error) -> Self {
        QuantiseError::Engine(e)
    }
}

/// Quantises `model`, calibrating ranges on `calibration` windows (each the
/// raw timestep values of one window: class indices for one-hot input,
/// `features` numbers per step for dense input).
pub fn quantise(
    model: &FloatModel,
    calibration: &[Vec<f32>],
    policy: PrecisionPolicy,
) -> Result<Quantised, QuantiseError> {
    check_shapes(model)?;
    if !model.is_finite() {
        return Err(QuantiseError::OutOfRange);
    }
    if calibration.is_empty() {
        return Err(QuantiseError::NoCalibration);
    }
    let width = model.input_width();
    if calibration.iter().any(|w| {
        w.is_empty()
            || w.len() % width != 0
            || (model.window != 0 && w.len() != model.window * width)
    }) {
        return Err(QuantiseError::Window);
    }
    // One float pass gives both the ranges and the reference outputs every
    // agreement measurement below compares against.
    let (ranges, float_outputs) = calibrate_with_outputs(model, calibration);
    let sizes = tensor_sizes(model);
    let build = |precisions: &[Precision]| {
        build::model_file(model, &ranges, precisions).ok_or(QuantiseError::OutOfRange)
    };
    // Measures the agreement of `bytes`, built for `precisions`; with
    // `give_up_below`, a file that cannot reach it stops early.
    let measure = |bytes: Vec<u8>, precisions: &[Precision], give_up_below: Option<f64>| {
        let measured =
            measure_agreement(model, &bytes, calibration, &float_outputs, give_up_below)?;
        Ok::<_, QuantiseError>(Candidate {
            int16_tensors: precisions
                .iter()
                .filter(|&&p| p == Precision::Int16)
                .count(),
            bytes,
            measured,
        })
    };
    let attempt = |precisions: &[Precision], give_up_below: Option<f64>| {
        measure(build(precisions)?, precisions, give_up_below)
    };
    let target = match policy {
        PrecisionPolicy::Int8 => return attempt(&vec![Precision::Int8; sizes.len()], None)?.done(),
        PrecisionPolicy::Int16 => {
            return attempt(&vec![Precision::Int16; sizes.len()], None)?.done()
        }
        PrecisionPolicy::Auto { target_agreement } => target_agreement,
    };
    let int8 = vec![Precision::Int8; sizes.len()];
    let first = attempt(&int8, Some(target))?;
    if first.reaches(target) {
        return first.done();
    }
    // The smallest single tensor whose widening reaches the target...
    let mut best: Option<Candidate> = None;
    let mut by_size: Vec<usize> = (0..sizes.len()).collect();
    by_size.sort_by_key(|&i| sizes[i].0);
    for i in by_size {
        let mut precisions = int8.clone();
        precisions[i] = Precision::Int16;
        let candidate = attempt(&precisions, Some(target))?;
        if candidate.reaches(target) {
            best = Some(candidate);
            break;
        }
    }
    // ...or, if smaller, the first file of the widening order (tensors
    // widened one after another) that reaches it.
    let mut precisions = int8;
    for next in widening_order(&sizes) {
        precisions[next] = Precision::Int16;
        let bytes = build(&precisions)?;
        if best.as_ref().is_some_and(|b| bytes.len() >= b.bytes.len()) {
            break;
        }
        let candidate = measure(bytes, &precisions, Some(target))?;
        if candidate.reaches(target) {
            best = Some(candidate);
            break;
        }
    }
    match best {
        Some(best) => best.done(),
        // Nothing reaches the target: every tensor int16, measured in full.
        None => attempt(&precisions, None)?.done(),
    }
}

/// One tried assignment of precisions.
struct Candidate {
    bytes: Vec<u8>,
    measured: Measured,
    int16_tensors: usize,
}

impl Candidate {
    fn reaches(&self, target: f64) -> bool {
        matches!(self.measured, Measured::Exact(a) if a >= target)
    }

    fn done(self) -> Result<Quantised, QuantiseError> {
        match self.measured {
            Measured::Exact(agreement) => Ok(Quantised {
                bytes: self.bytes,
                agreement,
                int16_tensors: self.int16_tensors,
            }),
            Measured::Below => unreachable!("a returned file is measured in full"),
        }
    }
}

/// The engine input for a window of raw values.
pub fn engine_window(model: &Model, window: &[f32]) -> Vec<i16> {
    window.iter().map(|&x| model.quantise_input(x)).collect()
}

/// Fraction of output steps on which the fixed engine running `bytes`
/// agrees with the float model: the same class, or for regression a value
/// within 0.5% of the largest calibrated output.
pub fn agreement(
    model: &FloatModel,
    bytes: &[u8],
    windows: &[Vec<f32>],
) -> Result<f64, QuantiseError> {
    let float_outputs: Vec<Vec<Vec<f32>>> =
        windows.iter().map(|w| float_predict(model, w)).collect();
    match measure_agreement(model, bytes, windows, &float_outputs, None)? {
        Measured::Exact(a) => Ok(a),
        Measured::Below => unreachable!("measured without a bound"),
    }
}

/// An agreement measurement.
enum Measured {
    /// The agreement over every output step.
    Exact(f64),
    /// Stopped early: the agreement is certainly below the bound.
    Below,
}

/// [`agreement`] against precomputed float outputs (`float_outputs[i]` of
/// `windows[i]`). With `give_up_below`, stops as soon as more outputs
/// disagree than that agreement allows over all of them.
fn measure_agreement(
    model: &FloatModel,
    bytes: &[u8],
    windows: &[Vec<f32>],
    float_outputs: &[Vec<Vec<f32>>],
    give_up_below: Option<f64>,
) -> Result<Measured, QuantiseError> {
    let fixed = Model::from_bytes(bytes)?;
    let mut engine = Box::new(HostEngine::new(fixed.clone())?);
    let mut out = vec![0i32; 4096];
    let steps: usize = float_outputs.iter().map(Vec::len).sum();
    // Disagreements allowed before the bound is out of reach.
    let allowed = give_up_below.map(|target| (1.0 - target) * steps as f64);
    let tolerance = float_outputs
        .iter()
        .flatten()
        .flatten()
        .fold(0.0f32, |a, v| a.max(v.abs()))
        * 0.005;
    let (mut same, mut total) = (0usize, 0usize);
    for (w, float) in windows.iter().zip(float_outputs) {
        let n = engine.predict(&engine_window(&fixed, w), &mut out)?;
        let groups = model.head_groups.max(1);
        let float_groups = float
            .iter()
            .flat_map(|l| l.chunks(l.len().div_ceil(groups).max(1)));
        for (&got, logits) in out[..n].iter().zip(float_groups) {
            let ok = match model.head_kind {
                HeadKind::Classify => got == argmax(logits) as i32,
                HeadKind::Regress => (fixed.dequantise_output(got) - logits[0]).abs() <= tolerance,
            };
            same += ok as usize;
            total += 1;
        }
        if allowed.is_some_and(|allowed| (total - same) as f64 > allowed) {
            return Ok(Measured::Below);
        }
    }
    Ok(Measured::Exact(same as f64 / total.max(1) as f64))
}

/// Index of the largest value (the first on ties).
pub fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold(0, |best, (i, &x)| if x > v[best] { i } else { best })
}

/// Element counts of the weight tensors, in visiting order, each tagged
/// with its kind (0 recurrent, 1 input, 2 head) for the widening order.
fn tensor_sizes(model: &FloatModel) -> Vec<(usize, u8)> {
    let mut sizes = Vec::new();
    let decoder: &[FloatLayer] = match &model.outputs {
        FloatOutputs::EncoderDecoder { decoder, .. } => decoder,
        _ => &[],
    };
    for layer in model.encoder.iter().chain(decoder) {
        for w in core::iter::once(&layer.forward).chain(&layer.backward) {
            sizes.push((w.input.len(), 1));
            sizes.push((w.recurrent.len(), 0));
        }
    }
    sizes.push((model.head_weights.len(), 2));
    sizes
}

/// Tensor indices in the order Auto widens them.
fn widening_order(sizes: &[(usize, u8)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (sizes[i].1, core::cmp::Reverse(sizes[i].0)));
    order
}

fn check_shapes(model: &FloatModel) -> Result<(), QuantiseError> {
    let shape = |ok: bool, what| {
        if ok {
            Ok(())
        } else {
            Err(QuantiseError::Shape(what))
        }
    };
    let first = match model.input {
        FloatInput::OneHot { classes } => classes,
        FloatInput::Dense { features } => features,
    };
    let check_stack = |stack: &[FloatLayer], mut cols: usize| -> Result<usize, QuantiseError> {
        shape(
            !stack.is_empty() && stack.len() <= MAX_STACK_LAYERS,
            "stack depth",
        )?;
        for l in stack {
            let u = l.units;
            shape(
                (1..=MAX_COLS).contains(&u) && (1..=MAX_COLS).contains(&cols),
                "layer width",
            )?;
            let rows = l.cell.gates() * u;
            shape(l.cell == Cell::Lstm || !l.relu, "a GRU with a ReLU cell")?;
            for w in core::iter::once(&l.forward).chain(&l.backward) {
                shape(w.input.len() == rows * cols, "input kernel length")?;
                shape(w.recurrent.len() == rows * u, "recurrent kernel length")?;
                shape(w.bias.len() == 4 * u, "bias length")?;
            }
            cols = u * (1 + l.backward.is_some() as usize);
        }
        Ok(cols)
    };
    let mut width = check_stack(&model.encoder, first)?;
    if let FloatOutputs::EncoderDecoder { steps, decoder } = &model.outputs {
        shape(*steps >= 1 && *steps <= u16::MAX as usize, "decoder steps")?;
        width = check_stack(decoder, width)?;
    }
    let rows = model.head_bias.len();
    shape(
        rows >= 1 && model.head_weights.len() == rows * width,
        "head shape",
    )?;
    let groups = model.head_groups;
    shape(
        groups >= 1 && groups <= u16::MAX as usize && rows.is_multiple_of(groups),
        "head rows not in whole groups",
    )?;
    shape(
        model.head_kind == HeadKind::Classify || rows == groups,
        "regression head with several outputs per group",
    )?;
    shape(model.window <= u16::MAX as usize, "window length")
}
