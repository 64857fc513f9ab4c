//! Accuracy and agreement of predictions, and the float model's predictions.

use burn::module::Module;

use crate::batch::{Batch, Targets};
use crate::model::encode::{inputs, predictions, scored_targets};
use crate::model::Network;

/// A regression prediction within this distance of its target (in the
/// task's own units) counts as correct, and two within it as agreeing.
pub const REGRESSION_TOLERANCE: f32 = 0.25;

/// Samples per forward pass when predicting large evaluation sets.
const CHUNK: usize = 2_000;

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

/// The fraction of `predictions` (scored steps, sample-major) that match
/// the targets of `batch`.
pub fn accuracy(predictions: &[f32], batch: &Batch) -> f64 {
    let (targets, classify): (Vec<f32>, bool) = match &batch.targets {
        Targets::Classes(t) => (scored_targets(t, batch).map(|&v| v as f32).collect(), true),
        Targets::Values(t) => (scored_targets(t, batch).copied().collect(), false),
    };
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
