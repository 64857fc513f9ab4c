//! `trainer train --data`: a classifier of a user's labelled sequences,
//! trained, exported to read raw values and verified on the test split.

use std::io::IsTerminal;

use anyhow::Result;
use serde::Serialize;

use super::args::TrainArgs;
use super::console;
use super::out_path;
use super::outcome::Outcome;
use crate::dataset::{data_name, train_on_data, DataOptions, DataTrained};
use crate::export::write_atomically;
use crate::pipeline::Report;

/// Units per layer unless `--units`.
const UNITS: usize = 32;
/// Adam learning rate unless `--lr`.
const LEARNING_RATE: f64 = 5e-3;
/// Sequences per update unless `--batch`.
const BATCH: usize = 16;

/// What `train --data --json` prints.
#[derive(Serialize)]
struct DataOutput<'a> {
    #[serde(flatten)]
    report: &'a Report,
    /// The class names, in the model's output order.
    classes: &'a [String],
    /// Training sequences per class (imbalance shows here).
    class_counts: &'a [usize],
    /// Validation sequences (early stopping's).
    validation_sequences: usize,
    /// The epoch whose network was exported.
    best_epoch: usize,
    /// The runs trained (`--restarts`).
    restarts: usize,
    /// The run kept, 1-based.
    kept_run: usize,
    /// Epochs run.
    epochs: usize,
    /// Validation accuracy of that epoch (a fraction).
    validation_accuracy: f64,
    /// Steps of the longest sequence: the model's window.
    max_steps: usize,
    /// Whether shorter sequences are padded and masked.
    masked: bool,
    /// The model file written.
    model_path: String,
}

/// Runs `trainer train --data`.
pub fn run(args: &TrainArgs) -> Result<Outcome> {
    let Some(train) = args.data.as_deref() else {
        return Ok(Outcome::Done);
    };
    let out = out_path::resolve(args.out.as_deref(), &data_name(train));
    out_path::prepare(&out)?;
    let options = DataOptions {
        train,
        test: args.test.as_deref(),
        cell: args.cell,
        units: args.units.unwrap_or(UNITS),
        layers: args.layers.unwrap_or(1),
        bidirectional: args.bidirectional,
        learning_rate: args.lr.unwrap_or(LEARNING_RATE),
        batch: args.batch.unwrap_or(BATCH),
        max_epochs: args.epochs,
        patience: args.patience,
        restarts: args.restarts,
        seed: args.seed,
        backend: args.backend,
        verbose: !args.json || std::io::stderr().is_terminal(),
    };
    let trained = train_on_data(&options)?;
    write_atomically(&out, |f| std::io::Write::write_all(f, &trained.bytes))?;
    describe(&trained, &out);
    if args.json {
        let output = DataOutput {
            report: &trained.report,
            classes: &trained.classes,
            class_counts: &trained.class_counts,
            validation_sequences: trained.validation,
            best_epoch: trained.best_epoch,
            restarts: args.restarts,
            kept_run: trained.kept_run + 1,
            epochs: trained.epochs,
            validation_accuracy: trained.valid_accuracy,
            max_steps: trained.steps,
            masked: trained.masked,
            model_path: out.display().to_string(),
        };
        console::out(format_args!("{}", serde_json::to_string(&output)?))?;
    } else {
        console::out(format_args!("{}", trained.report.describe()))?;
    }
    Ok(Outcome::Done)
}

/// The run on stderr: the classes and their balance, the epochs, the file.
fn describe(t: &DataTrained, out: &std::path::Path) {
    let counts: Vec<String> = t
        .classes
        .iter()
        .zip(&t.class_counts)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    console::err(format_args!(
        "classes (training sequences): {}",
        counts.join(", ")
    ));
    let (least, most) = (
        t.class_counts.iter().min().copied().unwrap_or(0),
        t.class_counts.iter().max().copied().unwrap_or(0),
    );
    if most > 2 * least.max(1) {
        console::err(format_args!(
            "warning: the classes are imbalanced ({least} to {most} training sequences)"
        ));
    }
    console::err(format_args!(
        "kept epoch {} of {} (validation accuracy {:.2}%); wrote {} ({} bytes)",
        t.best_epoch,
        t.epochs,
        t.valid_accuracy * 100.0,
        out.display(),
        t.bytes.len()
    ));
}
