//! A user's labelled sequences framed as the trainer's batches: one
//! many-to-one classification sample per sequence, pre-padded with pad
//! steps (NaN, masked) to a common length.

use series_data::Dataset;

use super::normalise::Normalisation;
use crate::batch::{Batch, Inputs, Targets};
use crate::rng::{stream, Stream};
use rand::seq::SliceRandom;

/// Sequences `indices` of `dataset` (labelled) as one batch of `steps`
/// steps: each sequence's values (normalised by `norm` when given, raw
/// otherwise) at the end, pad steps (every channel NaN) before it, so the
/// last step is its own and a masked network's state at the end is its
/// state after the sequence alone. Sequences longer than `steps` keep
/// their last `steps` steps (the caller makes `steps` the longest).
pub fn classification_batch(
    dataset: &Dataset,
    indices: &[usize],
    norm: Option<&Normalisation>,
    steps: usize,
) -> Batch {
    let c = dataset.channels;
    let mut inputs = Vec::with_capacity(indices.len() * steps * c);
    let mut targets = Vec::with_capacity(indices.len());
    for s in indices.iter().filter_map(|&i| dataset.sequences.get(i)) {
        let kept = s.steps.min(steps);
        inputs.extend(std::iter::repeat_n(f32::NAN, (steps - kept) * c));
        let start = inputs.len();
        inputs.extend_from_slice(&s.values[(s.steps - kept) * c..]);
        if let Some(norm) = norm {
            norm.apply(&mut inputs[start..]);
        }
        targets.push(s.label.unwrap_or(0));
    }
    Batch {
        samples: targets.len(),
        steps,
        features: c,
        out_steps: 1,
        first_scored: 0,
        pads: Vec::new(),
        inputs: Inputs::Values(inputs),
        targets: Targets::Classes(targets),
    }
}

/// A seeded split of `n` sequences into training and validation indices:
/// `validation` (a fraction, 0 to 1) of each class's sequences, at least
/// one per class that has two or more, go to validation; each list in
/// increasing order.
pub fn split(dataset: &Dataset, validation: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = stream(seed, Stream::Split);
    let classes = dataset.class_names.len().max(1);
    let (mut train, mut valid) = (Vec::new(), Vec::new());
    for class in 0..classes {
        let mut members: Vec<usize> = (0..dataset.sequences.len())
            .filter(|&i| dataset.sequences[i].label.unwrap_or(0) as usize == class)
            .collect();
        members.shuffle(&mut rng);
        let held = if members.len() >= 2 {
            ((members.len() as f64 * validation).round() as usize).clamp(1, members.len() - 1)
        } else {
            0
        };
        valid.extend_from_slice(&members[..held]);
        train.extend_from_slice(&members[held..]);
    }
    train.sort_unstable();
    valid.sort_unstable();
    (train, valid)
}
