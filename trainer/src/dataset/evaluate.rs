//! A model file against a user's data file (`trainer eval --data`,
//! `trainer predict --data`): whether the file's sequences fit the model,
//! their labels as the model's classes, and the float and fixed scores.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Result};
use infer_nostd::format::{HeadKind, Input, Outputs};
use infer_nostd::Model;
use series_data::Dataset;

use super::frame::classification_batch;
use crate::engine::{load, predictions_on_threads, threads, Arithmetic};
use crate::pipeline::{parameters, Report};
use crate::score::{accuracy, agreement, breakdown, Breakdown};

/// Checks that every sequence of `data` (read from `path`) is a window
/// `model` takes: dense input of the model's channels, and the model's
/// window length unless it takes any.
pub fn check_fits(model: &Model, data: &Dataset, path: &Path) -> Result<()> {
    let features = match model.input() {
        Input::Dense { features, .. } => usize::from(features),
        Input::OneHot { .. } => bail!(
            "{}: the model reads class indices (one-hot), not a data file's values",
            path.display()
        ),
    };
    if data.channels != features {
        bail!(
            "{}: {} channels, the model reads {features}",
            path.display(),
            data.channels
        );
    }
    let window = usize::from(model.window());
    if let Some((i, s)) = data
        .sequences
        .iter()
        .enumerate()
        .find(|(_, s)| window != 0 && s.steps != window)
    {
        bail!(
            "{}: sequence {} has {} steps, the model takes {window}",
            path.display(),
            i + 1,
            s.steps
        );
    }
    Ok(())
}

/// `data` with its labels renumbered to `model`'s classes: by name when
/// the model names them, else read as class indices. Every sequence must
/// be labelled with a class the model knows.
pub fn as_model_classes(model: &Model, mut data: Dataset, path: &Path) -> Result<Dataset> {
    if model.head().kind != HeadKind::Classify {
        bail!("the model regresses: it has no classes to score a labelled file against");
    }
    let classes = model.outputs_per_prediction();
    let mut map = Vec::with_capacity(data.class_names.len());
    for name in &data.class_names {
        let Some(class) = model.class_of(name) else {
            match model.name(0) {
                None => bail!(
                    "{}: label {name:?} is not a class index 0..{classes} (the model names no classes)",
                    path.display()
                ),
                Some(_) => bail!(
                    "{}: class {name:?} is not one of the model's ({})",
                    path.display(),
                    model.names().collect::<Vec<_>>().join(", ")
                ),
            }
        };
        map.push(class as u32);
    }
    for (i, s) in data.sequences.iter_mut().enumerate() {
        match s.label.and_then(|l| map.get(l as usize)) {
            Some(&c) => s.label = Some(c),
            None => bail!("{}: sequence {} has no label", path.display(), i + 1),
        }
    }
    data.class_names = (0..classes)
        .map(|c| model.name(c).map_or(c.to_string(), str::to_string))
        .collect();
    Ok(data)
}

/// Scores the model file `bytes` on the labelled sequences of `data`
/// (read from `path`), fed raw: the f32 reference over the file as the
/// float model, the integer engine as fixed; with where the fixed
/// engine's errors lie (classes by the model's indices).
pub fn evaluate_data(bytes: &[u8], data: Dataset, path: &Path) -> Result<(Report, Breakdown)> {
    let model = load(bytes)?;
    check_fits(&model, &data, path)?;
    let data = as_model_classes(&model, data, path)?;
    if data.sequences.is_empty() {
        bail!("{}: no sequences to score", path.display());
    }
    if model.predictions(1) != 1 || !matches!(model.readout(), Outputs::LastStep) {
        bail!("the model answers at more than the last step: eval --data scores one class per sequence");
    }
    let steps = data.sequences.iter().map(|s| s.steps).max().unwrap_or(1);
    if model.mask().is_none() && data.sequences.iter().any(|s| s.steps != steps) {
        bail!(
            "{}: sequences of different lengths, and the model masks no pad steps to align them",
            path.display()
        );
    }
    let all: Vec<usize> = (0..data.sequences.len()).collect();
    // Shorter sequences are pre-padded: a masked model's state after the
    // pad steps is its state at the start.
    let eval = classification_batch(&data, &all, None, steps);
    let verifying = Instant::now();
    let float = predictions_on_threads(bytes, Arithmetic::Float, &eval, threads())?;
    let fixed = predictions_on_threads(bytes, Arithmetic::Fixed, &eval, threads())?;
    let report = Report {
        task: model.label().to_string(),
        float_accuracy: accuracy(&float, &eval),
        fixed_accuracy: accuracy(&fixed, &eval),
        agreement: agreement(&float, &fixed, true),
        eval_windows: eval.samples,
        eval_predictions: fixed.len(),
        steps: 0,
        train_seconds: 0.0,
        params: parameters(&model),
        model_bytes: bytes.len(),
        macs_per_window: model.macs_per_window(steps),
        check_seconds: 0.0,
        quantise_seconds: 0.0,
        verify_seconds: verifying.elapsed().as_secs_f64(),
        query_prediction: None,
    };
    Ok((report, breakdown(&fixed, &eval)))
}
