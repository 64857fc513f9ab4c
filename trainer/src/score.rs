//! Accuracy and agreement of predictions, and the float model's predictions.

use burn::module::Module;

use crate::batch::{Batch, Targets};
use infer_host::quantise::argmax;

use crate::model::encode::{inputs, scored, scored_targets};
use crate::model::Network;
use crate::spec::NetworkSpec;

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

/// Calls `f` with the head outputs of every scored step of `batch`
/// (sample-major; a pad's target is no scored step), running `model`
/// (without autodiff) in chunks.
fn for_each_scored(model: &Network, batch: &Batch, mut f: impl FnMut(&[f32])) {
    let device = model.head.weight.val().device();
    for start in (0..batch.samples).step_by(CHUNK) {
        let chunk = batch.slice(start..(start + CHUNK).min(batch.samples));
        let (out, _) = model.forward(inputs(&chunk, &model.spec, &device), None);
        let out = scored(out, &chunk);
        let [_, _, width] = out.dims();
        let values: Vec<f32> = out.into_data().try_to_vec::<f32>().expect("f32 outputs");
        values
            .chunks(width)
            .zip(chunk.counted())
            .filter(|(_, counted)| *counted)
            .for_each(|(row, _)| f(row));
    }
}

/// The regression value of one step's head outputs, in task units.
fn value(row: &[f32], spec: &NetworkSpec) -> f32 {
    row[0] * spec.value_scale
}

/// The prediction of one step's head outputs: the argmax class (lowest
/// index on ties, as the engine) or the regression answer in task units
/// (rounded, for a rounding head).
fn prediction(row: &[f32], spec: &NetworkSpec) -> f32 {
    if spec.head.classify {
        argmax(row) as f32
    } else {
        spec.head.answer(value(row, spec))
    }
}

/// The float network's predictions of the scored steps of `batch`
/// (sample-major), computed without autodiff.
pub fn float_predictions(network: &Network, batch: &Batch) -> Vec<f32> {
    let model = network.valid();
    let mut all = Vec::with_capacity(batch.samples * batch.scored_per_sample());
    for_each_scored(&model, batch, |row| all.push(prediction(row, &model.spec)));
    all
}

/// The scored targets of `batch` as predictions (pads' left out), and
/// whether they are classes.
fn targets(batch: &Batch) -> (Vec<f32>, bool) {
    let counted = batch.counted();
    let keep = |values: Vec<f32>| -> Vec<f32> {
        values
            .into_iter()
            .zip(&counted)
            .filter_map(|(v, &c)| c.then_some(v))
            .collect()
    };
    match &batch.targets {
        Targets::Classes(t) => (
            keep(scored_targets(t, batch).map(|&v| v as f32).collect()),
            true,
        ),
        Targets::Values(t) => (keep(scored_targets(t, batch).copied().collect()), false),
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
    /// exceeds every other by at least the margin asked for; a rounded
    /// regression value lies within [`REGRESSION_TOLERANCE`] of its
    /// target; a plain regression answer needs only be right.
    pub sure: bool,
}

/// The [`Verdict`] of every scored prediction of `batch` (sample-major),
/// `model` run without autodiff.
pub fn verdicts(model: &Network, batch: &Batch, margin: f32) -> Vec<Verdict> {
    let (targets, classify) = targets(batch);
    let mut all = Vec::with_capacity(targets.len());
    for_each_scored(model, batch, |row| {
        let target = targets[all.len()];
        let spec = &model.spec;
        let right = same(prediction(row, spec), target, classify);
        // A class must also beat every other class by the margin; a
        // rounded value must be near its integer.
        let sure = right
            && (!spec.head.round || same(value(row, spec), target, false))
            && (!classify || {
                let t = target as usize;
                let other = row
                    .iter()
                    .enumerate()
                    .filter(|&(c, _)| c != t)
                    .fold(f32::NEG_INFINITY, |m, (_, &v)| m.max(v));
                row[t] - other >= margin
            });
        all.push(Verdict { right, sure });
    });
    all
}

/// Where the errors of a set of predictions lie.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Breakdown {
    /// Accuracy at each scored output position of a sample (for echo-lag,
    /// each position of the stream), as a fraction.
    pub per_position: Vec<f64>,
    /// The most frequent wrong answers of a classifier, most frequent first.
    pub confused: Vec<Confusion>,
}

/// One kind of wrong answer: `target` predicted as `predicted`, `count` times.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Confusion {
    /// The right class.
    pub target: u32,
    /// The class predicted instead.
    pub predicted: u32,
    /// How often.
    pub count: usize,
}

/// Confusions [`breakdown`] lists at most.
pub const MOST_CONFUSED: usize = 5;

/// The [`Breakdown`] of `predictions` (scored steps, sample-major) against
/// the targets of `batch`.
pub fn breakdown(predictions: &[f32], batch: &Batch) -> Breakdown {
    let (targets, classify) = targets(batch);
    let per_sample = batch.scored_per_sample().max(1);
    let mut right = vec![0usize; per_sample];
    let mut seen = vec![0usize; per_sample];
    let mut pairs = std::collections::BTreeMap::<(u32, u32), usize>::new();
    // The output position of each scored prediction (pads' are none).
    let positions = batch
        .counted()
        .into_iter()
        .enumerate()
        .filter_map(|(i, counted)| counted.then_some(i % per_sample));
    for ((&p, &t), position) in predictions.iter().zip(&targets).zip(positions) {
        seen[position] += 1;
        if same(p, t, classify) {
            right[position] += 1;
        } else if classify {
            *pairs.entry((t as u32, p as u32)).or_default() += 1;
        }
    }
    let per_position = right
        .iter()
        .zip(&seen)
        .map(|(&r, &n)| r as f64 / n.max(1) as f64)
        .collect();
    let mut confused: Vec<Confusion> = pairs
        .into_iter()
        .map(|((target, predicted), count)| Confusion {
            target,
            predicted,
            count,
        })
        .collect();
    confused.sort_by_key(|c| std::cmp::Reverse(c.count));
    confused.truncate(MOST_CONFUSED);
    Breakdown {
        per_position,
        confused,
    }
}
