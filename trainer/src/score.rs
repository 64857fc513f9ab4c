//! Accuracy and agreement of predictions, and the float model's predictions.

use burn::module::Module;

use crate::batch::{Batch, Targets};
use crate::model::encode::{inputs, predictions, scored, scored_targets};
use crate::model::Network;

/// A regression prediction within this distance of its target (in the
/// task's own units) counts as correct, and two within it as agreeing.
pub const REGRESSION_TOLERANCE: f32 = 0.25;

/// Samples per forward pass when predicting large evaluation sets.
const CHUNK: usize = 500;

/// Whether two predictions count as the same answer.
fn same(a: f32, b: f32, classify: bool) -> bool {
    if classify {
        a == b
    } else {
        (a - b).abs() <= REGRESSION_TOLERANCE
    }
}

/// The float network's predictions of the scored steps of `batch` (see
/// [`predictions`]), computed without autodiff.
pub fn float_predictions(network: &Network, batch: &Batch) -> Vec<f32> {
    let model = network.valid();
    let device = model.head.weight.val().device();
    (0..batch.samples)
        .step_by(CHUNK)
        .flat_map(|start| {
            let chunk = batch.slice(start..(start + CHUNK).min(batch.samples));
            let x = inputs(&chunk, &model.spec, &device);
            let (out, _) = model.forward(x, None);
            predictions(out, &chunk, &model.spec)
        })
        .collect()
}

/// The scored targets of `batch` as predictions, and whether they are classes.
fn targets(batch: &Batch) -> (Vec<f32>, bool) {
    match &batch.targets {
        Targets::Classes(t) => (scored_targets(t, batch).map(|&v| v as f32).collect(), true),
        Targets::Values(t) => (scored_targets(t, batch).copied().collect(), false),
    }
}

/// The fraction of `predictions` (scored steps, sample-major) that match
/// the targets of `batch`.
pub fn accuracy(predictions: &[f32], batch: &Batch) -> f64 {
    let (targets, classify) = targets(batch);
    agreement(predictions, &targets, classify)
}

/// The fraction of positions where `a` and `b` give the same answer.
pub fn agreement(a: &[f32], b: &[f32], classify: bool) -> f64 {
    assert_eq!(a.len(), b.len(), "prediction counts differ");
    if a.is_empty() {
        return 0.0;
    }
    let hits = a
        .iter()
        .zip(b)
        .filter(|(x, y)| same(**x, **y, classify))
        .count();
    hits as f64 / a.len() as f64
}

/// How one scored prediction fares against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The prediction is right (as [`accuracy`] counts it).
    pub right: bool,
    /// It is right with room to spare: for classes, the target's logit
    /// exceeds every other by at least the margin asked for; a regression
    /// answer needs only be right.
    pub sure: bool,
}

/// The [`Verdict`] of every scored prediction of `batch` (sample-major),
/// computed without autodiff, in chunks.
pub fn verdicts(model: &Network, batch: &Batch, margin: f32) -> Vec<Verdict> {
    let device = model.head.weight.val().device();
    let (targets, classify) = targets(batch);
    let mut all = Vec::with_capacity(targets.len());
    for start in (0..batch.samples).step_by(CHUNK) {
        let chunk = batch.slice(start..(start + CHUNK).min(batch.samples));
        let (out, _) = model.forward(inputs(&chunk, &model.spec, &device), None);
        let out = scored(out, &chunk);
        let [_, _, width] = out.dims();
        let values: Vec<f32> = out.into_data().try_to_vec::<f32>().expect("f32 outputs");
        for row in values.chunks(width) {
            let target = targets[all.len()];
            all.push(if classify {
                let t = target as usize;
                let best = argmax(row);
                let other = row
                    .iter()
                    .enumerate()
                    .filter(|&(c, _)| c != t)
                    .fold(f32::NEG_INFINITY, |m, (_, &v)| m.max(v));
                Verdict {
                    right: best == t,
                    sure: best == t && row[t] - other >= margin,
                }
            } else {
                let right = same(row[0] * model.spec.value_scale, target, false);
                Verdict { right, sure: right }
            });
        }
    }
    all
}

/// Index of the largest value, the lowest on ties (as the engine).
fn argmax(row: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}
