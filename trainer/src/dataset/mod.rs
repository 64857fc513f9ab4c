//! Training on a user's own labelled sequences (`trainer train --data`):
//! read the files (`series-data`), split, normalise, train with early
//! stopping, then export a model that reads raw values and verify the
//! fixed engine on the test split.
//!
//! - `frame`: sequences as batches (pre-padded and masked to one length)
//!   and the seeded, stratified split;
//! - `normalise`: per-channel statistics, and their folding into the
//!   exported first layer;
//! - `fit`: the training loop with early stopping on the validation split;
//! - `evaluate`: a model file against a data file (`eval`, `predict`).

mod evaluate;
mod fit;
mod frame;
mod normalise;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use infer_host::HOST_STEPS;
use infer_nostd::format::Cell;
use series_data::{read_csv_sequences, read_ts, Dataset};

pub use evaluate::{check_fits, evaluate_data};
pub use fit::{FitConfig, Fitted};
pub use frame::{classification_batch, split};
pub use normalise::Normalisation;

use crate::backend::Backend;
use crate::engine::{load, predictions_on_threads, threads, Arithmetic};
use crate::export::{float_model, quantise_model};
use crate::pipeline::Report;
use crate::score::{accuracy, agreement, float_predictions};
use crate::spec::{HeadSpec, InputSpec, LayerSpec, NetworkSpec, OutputSpec};

/// Files larger than this are refused before they are read (the readers
/// bound what a file may hold; this bounds reading it).
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// The fraction of a data set held out when no test file is given, and
/// of the training sequences held out for early stopping.
pub const HELD_OUT: f64 = 0.2;

/// What `trainer train --data` asks for.
#[derive(Debug, Clone)]
pub struct DataOptions<'a> {
    /// The training file (`.ts`, or CSV: one labelled sequence per row).
    pub train: &'a Path,
    /// The test file; without one, [`HELD_OUT`] of the training file's
    /// sequences (per class, seeded) are the test split.
    pub test: Option<&'a Path>,
    /// Cell of every layer.
    pub cell: Cell,
    /// Units per layer.
    pub units: usize,
    /// Stacked layers.
    pub layers: usize,
    /// Bidirectional layers.
    pub bidirectional: bool,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Sequences per update.
    pub batch: usize,
    /// Most epochs.
    pub max_epochs: usize,
    /// Epochs without a better validation score before stopping.
    pub patience: usize,
    /// Networks trained from different seeds, the best on the validation
    /// split kept (at least 1).
    pub restarts: usize,
    /// Seed of the splits, the initialisation and the batch order.
    pub seed: u64,
    /// burn backend.
    pub backend: Backend,
    /// A line per epoch on stderr.
    pub verbose: bool,
}

/// A trained, quantised and verified model of a user's data.
pub struct DataTrained {
    /// The model file.
    pub bytes: Vec<u8>,
    /// Its verification on the test split (`eval_windows`: test sequences).
    pub report: Report,
    /// The class names, in the model's output order.
    pub classes: Vec<String>,
    /// Training sequences per class (after the validation split).
    pub class_counts: Vec<usize>,
    /// Validation sequences.
    pub validation: usize,
    /// The epoch kept.
    pub best_epoch: usize,
    /// The run kept of [`DataOptions::restarts`] (0-based).
    pub kept_run: usize,
    /// Epochs run.
    pub epochs: usize,
    /// Validation accuracy of the kept epoch.
    pub valid_accuracy: f64,
    /// The longest sequence, the model's steps; whether lengths differ
    /// (then shorter sequences are pre-padded and masked).
    pub steps: usize,
    /// Whether sequence lengths differ.
    pub masked: bool,
}

/// The name of the data set in `path`, the model's label: the file's
/// stem without a trailing `_TRAIN` (any case), as UEA/UCR files are
/// named: `BasicMotions` for `BasicMotions_TRAIN.ts`.
pub fn data_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map_or("data".into(), |s| s.to_string_lossy().into_owned());
    let cut = stem.len().saturating_sub("_TRAIN".len());
    match stem.get(cut..) {
        Some(tail) if cut > 0 && tail.eq_ignore_ascii_case("_TRAIN") => stem[..cut].to_string(),
        _ => stem,
    }
}

/// Reads a labelled data file: `.ts` by its extension, CSV otherwise.
pub fn read_dataset(path: &Path) -> Result<Dataset> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    // A FIFO or a device would block or never end: only regular files.
    if !meta.is_file() {
        bail!("{}: not a regular file", path.display());
    }
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        bail!(
            "{}: {size} bytes, over the {MAX_FILE_BYTES} read at most",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} as UTF-8 text", path.display()))?;
    let ts = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("ts"));
    let read = if ts {
        read_ts(&text)
    } else {
        read_csv_sequences(&text)
    };
    read.map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// `test` with its labels renumbered to `train`'s classes (matched by
/// name); a class the training file lacks is an error.
fn align_classes(train: &Dataset, mut test: Dataset, path: &Path) -> Result<Dataset> {
    if test.channels != train.channels {
        bail!(
            "{}: {} channels, the training file has {}",
            path.display(),
            test.channels,
            train.channels
        );
    }
    let mut map = Vec::with_capacity(test.class_names.len());
    for name in &test.class_names {
        match train.class_names.iter().position(|n| n == name) {
            Some(i) => map.push(i as u32),
            None => bail!(
                "{}: class {name:?} is not in the training file",
                path.display()
            ),
        }
    }
    for s in &mut test.sequences {
        s.label = s.label.and_then(|l| map.get(l as usize).copied());
    }
    test.class_names = train.class_names.clone();
    Ok(test)
}

/// Trains, quantises and verifies a classifier of `options.train`'s
/// sequences (see [`DataOptions`]).
pub fn train_on_data(options: &DataOptions) -> Result<DataTrained> {
    let data = read_dataset(options.train)?;
    let classes = data.class_names.len();
    if let Some(name) = data.class_names.iter().find(|n| n.contains('\n')) {
        bail!(
            "{}: class {name:?} holds a line break, which a model file cannot name",
            options.train.display()
        );
    }
    if classes < 2 || data.sequences.iter().any(|s| s.label.is_none()) {
        bail!(
            "{}: a classifier needs labelled sequences of at least 2 classes ({classes} here)",
            options.train.display()
        );
    }
    // The test split: a file of its own, or held out of the training file.
    let (pool, test, test_indices) = match options.test {
        Some(path) => {
            let test = align_classes(&data, read_dataset(path)?, path)?;
            let all: Vec<usize> = (0..test.sequences.len()).collect();
            ((0..data.sequences.len()).collect::<Vec<usize>>(), test, all)
        }
        None => {
            let (rest, held) = split(&data, HELD_OUT, options.seed);
            (rest, data.clone(), held)
        }
    };
    // Early stopping's validation split, out of the training sequences.
    let (train_idx, valid_idx) = {
        let subset = Dataset {
            channels: data.channels,
            sequences: pool.iter().map(|&i| data.sequences[i].clone()).collect(),
            class_names: data.class_names.clone(),
        };
        let (t, v) = split(&subset, HELD_OUT, options.seed.wrapping_add(1));
        let back = |ix: Vec<usize>| ix.into_iter().map(|i| pool[i]).collect::<Vec<usize>>();
        (back(t), back(v))
    };
    if valid_idx.is_empty() || test_indices.is_empty() {
        bail!(
            "{}: too few sequences to hold out validation and test ones",
            options.train.display()
        );
    }
    let lengths = data
        .sequences
        .iter()
        .chain(&test.sequences)
        .map(|s| s.steps);
    let steps = lengths.clone().max().unwrap_or(1);
    let shortest = lengths.clone().min().unwrap_or(steps);
    let masked = shortest != steps;
    if options.verbose {
        let _ = writeln!(
            std::io::stderr(),
            "{}: {} sequences to train, {} to validate, {} to test; {} channels, {} steps{}; {classes} classes",
            data_name(options.train),
            train_idx.len(),
            valid_idx.len(),
            test_indices.len(),
            data.channels,
            steps,
            if masked { format!(" at most ({shortest} at least, pre-padded and masked)") } else { String::new() },
        );
    }
    let norm = Normalisation::of(&data, &train_idx);
    let train = classification_batch(&data, &train_idx, Some(&norm), steps);
    let valid = classification_batch(&data, &valid_idx, Some(&norm), steps);

    let layer = LayerSpec {
        bidirectional: options.bidirectional,
        ..LayerSpec::tanh(options.cell, options.units)
    };
    let spec = NetworkSpec {
        input: InputSpec::Dense {
            features: data.channels,
        },
        encoder: vec![layer; options.layers.max(1)],
        outputs: OutputSpec::LastStep,
        head: HeadSpec::classify(classes),
        value_scale: 1.0,
        masked,
    };
    if options.bidirectional && steps > HOST_STEPS {
        bail!(
            "{}: sequences of up to {steps} steps, and a bidirectional model reads at most \
             {HOST_STEPS} on the host engine: train without --bidirectional",
            options.train.display()
        );
    }
    let (fitted, kept_run) = fit::fit_restarts(
        &FitConfig {
            spec,
            seed: options.seed,
            learning_rate: options.learning_rate,
            batch: options.batch,
            max_epochs: options.max_epochs,
            patience: options.patience,
            backend: options.backend,
            verbose: options.verbose,
        },
        options.restarts,
        &train,
        &valid,
    )?;

    // The file reads raw values: the normalisation folded in, calibrated
    // on the raw training sequences.
    let label = data_name(options.train);
    let window = if masked { 0 } else { steps };
    let mut float = float_model(&fitted.network, &label, window);
    float.names = data.class_names.clone();
    norm.fold(&mut float);
    let raw_train = classification_batch(&data, &train_idx, None, steps);
    let calibration: Vec<Vec<f32>> = (0..raw_train.samples)
        .map(|i| raw_train.raw_input(i))
        .collect();
    let quantising = Instant::now();
    let bytes = quantise_model(&float, &calibration)?.bytes;
    let quantise_seconds = quantising.elapsed().as_secs_f64();

    let verifying = Instant::now();
    let test_norm = classification_batch(&test, &test_indices, Some(&norm), steps);
    let test_raw = classification_batch(&test, &test_indices, None, steps);
    let float_pred = float_predictions(&fitted.network, &test_norm);
    let fixed_pred = predictions_on_threads(&bytes, Arithmetic::Fixed, &test_raw, threads())?;
    let report = Report {
        task: label,
        float_accuracy: accuracy(&float_pred, &test_norm),
        fixed_accuracy: accuracy(&fixed_pred, &test_raw),
        agreement: agreement(&float_pred, &fixed_pred, true),
        eval_windows: test_raw.samples,
        eval_predictions: fixed_pred.len(),
        steps: fitted.steps,
        train_seconds: fitted.train_seconds,
        params: float.parameters(),
        model_bytes: bytes.len(),
        macs_per_window: load(&bytes)?.macs_per_window(steps),
        check_seconds: 0.0,
        quantise_seconds,
        verify_seconds: verifying.elapsed().as_secs_f64(),
        query_prediction: None,
    };
    let mut class_counts = vec![0; classes];
    for &i in &train_idx {
        if let Some(c) = data.sequences[i]
            .label
            .and_then(|l| class_counts.get_mut(l as usize))
        {
            *c += 1;
        }
    }
    Ok(DataTrained {
        bytes,
        report,
        classes: data.class_names,
        class_counts,
        validation: valid_idx.len(),
        best_epoch: fitted.best_epoch,
        kept_run,
        epochs: fitted.epochs,
        valid_accuracy: fitted.valid_accuracy,
        steps,
        masked,
    })
}
