//! The command line's shape: subcommands, flags and their ranges (clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use infer_nostd::format::Cell;

use super::flags;
use super::outcome::EXIT_CODES;
use crate::backend::Backend;
use crate::task::Task;
use crate::train::{Recipe, MARGIN};

/// Train echo LSTM and GRU models with burn and export them for the no_std engine.
#[derive(Parser, Debug)]
#[command(name = "trainer", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a task, export it as a model file and verify the fixed engine.
    #[command(after_help = EXIT_CODES)]
    Train(TrainArgs),
    /// Evaluate a model file (f32 reference vs fixed engine) on fresh windows.
    #[command(after_help = EXIT_CODES)]
    Eval(EvalArgs),
    /// Show a model file's topology, shapes, quantisation and size.
    #[command(after_help = EXIT_CODES)]
    Inspect(InspectArgs),
    /// Predict windows of integers (or numbers), one window per line.
    #[command(after_help = EXIT_CODES, long_about = PREDICT_HELP)]
    Predict(PredictArgs),
    /// Train the echo tasks' variants (framings, topologies, sizes) with
    /// fixed seeds and compare them in one Markdown table and one plot.
    #[command(after_help = EXIT_CODES)]
    Compare(CompareArgs),
}

/// Options of `trainer compare`.
#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Directory of the results: compare.md (the table), compare.svg (the
    /// plot) and models/NAME.elsm.
    #[arg(long, default_value = "compare")]
    pub out: PathBuf,
    /// The device benchmark's figures (`cargo run --release --example
    /// device_bench -- --json FILE`), for the Cortex-M4 column.
    #[arg(long)]
    pub device: Option<PathBuf>,
    /// A Markdown file whose `<!-- trainer compare: begin -->` ...
    /// `<!-- trainer compare: end -->` section receives the table.
    #[arg(long)]
    pub readme: Option<PathBuf>,
    /// Only these variants (by name; default: all).
    #[arg(long, num_args = 1..)]
    pub only: Vec<String>,
}

/// Held-out and verification windows at most (10x the default).
pub const MAX_WINDOWS: usize = 100_000;

/// Options of `trainer train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The task (echo-index, echo-index-100, echo-whole, echo-partial,
    /// echo-partial-3/4/5, echo-lag, univariate). An echo task's name
    /// with `-linear` reads one number per step and answers a rounded
    /// regression value; with `-linear-classify`, one number per step and
    /// a class (echo-whole-linear, echo-lag-linear-classify, ...).
    /// echo-whole-masked keeps the windows reaching before the sequence,
    /// padded and masked; echo-lag-rows is echo-lag in the published rows
    /// of 5-value windows (what `--recipe seed` trains for echo-lag).
    #[arg(long, default_value = "echo-whole")]
    pub task: Task,
    /// Model file to write (default: models/TASK.elsm); an existing
    /// directory or a path ending in `/` receives TASK.elsm. Metrics, plot
    /// and checkpoints go beside it. Checked before training starts.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed of initialisation and data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// fast: fresh random batches; seed: the published stateful schedule
    /// (Keras' learning rate 1e-3 unless --lr).
    #[arg(long, value_enum, default_value_t = Recipe::Fast)]
    pub recipe: Recipe,
    /// Most optimizer updates, 1 to 10,000,000 (default: 20000 fast, 60000
    /// for a vector output, the published count for seed).
    #[arg(long, value_parser = flags::whole::<1, 10_000_000>)]
    pub max_steps: Option<usize>,
    /// Held-out accuracy to stop at, in percent: above 0, at most 100.
    #[arg(long, default_value_t = 100.0, value_parser = flags::target_percent)]
    pub target: f64,
    /// Logits (0 or more) by which a held-out answer must beat every other
    /// class to count towards the target (0: plain accuracy). With a margin
    /// the model stops a little later, with answers that hold on fresh
    /// windows and through quantisation.
    #[arg(long, default_value_t = MARGIN, value_parser = flags::margin)]
    pub margin: f32,
    /// Updates between held-out checks, 1 to 1,000,000 (default: 25 fast,
    /// 250 seed).
    #[arg(long, value_parser = flags::whole::<1, 1_000_000>)]
    pub eval_every: Option<usize>,
    /// Windows scored by the first stage of each held-out check, 1 to
    /// 100,000; later stages double, and a check stops at the first stage
    /// that rules out the target.
    #[arg(long, default_value_t = 250, value_parser = flags::whole::<1, MAX_WINDOWS>)]
    pub quick_windows: usize,
    /// Windows of a passing held-out check and of the exported model's
    /// verification, 1 to 100,000.
    #[arg(long, default_value_t = 10_000, value_parser = flags::whole::<1, MAX_WINDOWS>)]
    pub eval_windows: usize,
    /// Samples per update for the fast recipe, 1 to 4,096 (default: per task).
    #[arg(long, value_parser = flags::whole::<1, 4096>)]
    pub batch: Option<usize>,
    /// Adam learning rate: finite, above 0 (default: per task).
    #[arg(long, value_parser = flags::learning_rate)]
    pub lr: Option<f64>,
    /// The recurrent cell of every layer, encoder and decoder: lstm (the
    /// published networks) or gru (PyTorch's nn.GRU, Keras'
    /// reset_after=True) in the same shapes. A GRU is tanh only:
    /// univariate's ReLU LSTM becomes a tanh GRU.
    #[arg(long, default_value = "lstm", value_parser = flags::cell())]
    pub cell: Cell,
    /// Units per layer, 1 to 511, the engine's widest matrix; a
    /// bidirectional layer feeding another reads twice its units
    /// (default: the task's seed configuration).
    #[arg(long, value_parser = flags::whole::<1, 511>)]
    pub units: Option<usize>,
    /// Stacked layers (in the encoder, and in the decoder), 1 to 4.
    #[arg(long, value_parser = flags::whole::<1, 4>)]
    pub layers: Option<usize>,
    /// Bidirectional encoder layers (not for echo-lag, which streams).
    #[arg(long)]
    pub bidirectional: bool,
    /// Updates between checkpoints, 0 (none) to 10,000,000.
    #[arg(long, default_value_t = 500, value_parser = flags::whole::<0, 10_000_000>)]
    pub checkpoint_every: usize,
    /// Continue from the last checkpoint beside the output (a warning, and
    /// a fresh start, when there is none).
    #[arg(long)]
    pub resume: bool,
    /// Replace an existing model file even when this run misses its target
    /// (by default such a run keeps the existing file and exits with 3).
    #[arg(long)]
    pub force: bool,
    /// burn backend.
    #[arg(long, value_enum, default_value_t = Backend::default())]
    pub backend: Backend,
    /// Print one JSON object on stdout (human text goes to stderr), with
    /// `target_reached`, `stop_reason` and `model_path`.
    #[arg(long)]
    pub json: bool,
    /// Train a sequence classifier on your own labelled data instead of a
    /// task: a UEA/UCR `.ts` file, or CSV with one sequence per row, its
    /// label first. The network reads `--cell` layers of `--units` (32
    /// by default), trained with early stopping on 20% of the sequences
    /// of each class held out; the model file reads raw values.
    #[arg(long, conflicts_with_all = ["task", "recipe", "resume"])]
    pub data: Option<PathBuf>,
    /// The test split for `--data` (default: 20% of each class of the
    /// `--data` file, seeded, held out).
    #[arg(long, requires = "data")]
    pub test: Option<PathBuf>,
    /// Most epochs over the `--data` training split, 1 to 100,000.
    #[arg(long, default_value_t = 500, value_parser = flags::whole::<1, 100_000>, requires = "data")]
    pub epochs: usize,
    /// Epochs without a lower validation loss before `--data` training
    /// stops (the lowest one's network is kept), 1 to 100,000.
    #[arg(long, default_value_t = 100, value_parser = flags::whole::<1, 100_000>, requires = "data")]
    pub patience: usize,
    /// Networks `--data` trains, from different seeds, keeping the one
    /// best on the validation split (its accuracy, then its loss), 1 to 16.
    #[arg(long, default_value_t = 3, value_parser = flags::whole::<1, 16>, requires = "data")]
    pub restarts: usize,
}

/// Options of `trainer eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The model file.
    pub model: PathBuf,
    /// Seed of the fresh windows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Windows to evaluate, 1 to 100,000.
    #[arg(long, default_value_t = 10_000, value_parser = flags::whole::<1, MAX_WINDOWS>)]
    pub eval_windows: usize,
    /// Exit with code 3 when the fixed engine's accuracy is below this
    /// percentage (0 to 100).
    #[arg(long, value_parser = flags::percent)]
    pub min_accuracy: Option<f64>,
    /// Print one JSON object on stdout instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Score the model on the labelled sequences of this file (`.ts`, or
    /// CSV: one sequence per row, its label first), fed raw, instead of
    /// fresh windows of its task.
    #[arg(long, conflicts_with_all = ["seed", "eval_windows"])]
    pub data: Option<PathBuf>,
}

/// Options of `trainer inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The model file.
    pub model: PathBuf,
    /// Print one JSON object instead of the text description.
    #[arg(long)]
    pub json: bool,
}

/// The long help of `trainer predict`.
const PREDICT_HELP: &str = "\
Predict windows of integers (or numbers), one window per line.

Each window is one argument, or one line of standard input, of values
separated by spaces or commas: class indices for one-hot models, numbers
for dense ones. Every input line gives exactly one output line (an empty
line is an error), holding one prediction per output step.

A streaming model (echo-lag; `inspect` shows `window any`) takes each
line as a fresh stream from a reset state and answers at every value.

With --data FILE, the windows are the sequences of a data file (`.ts`,
or CSV with one sequence per row, label first), raw readings, one
output line each. A classifier whose file names its classes (one
trained with `train --data`) answers their names.

Lines are at most 65,536 bytes and windows at most 4,096 values. Dense
values outside the range the model was quantised for are clipped, with
a warning on stderr naming them.";

/// Options of `trainer predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The model file.
    pub model: PathBuf,
    /// Windows, each one argument of values separated by spaces or commas;
    /// without any, windows are read from standard input, one per line.
    /// A window starting with a negative number goes after `--`
    /// (`predict M -- "-1.5 2"`).
    pub windows: Vec<String>,
    /// Predict every sequence of this data file instead (`.ts`, or CSV:
    /// one sequence per row, its label first, which is not used), one
    /// output line per sequence, in order.
    #[arg(long, conflicts_with = "windows")]
    pub data: Option<PathBuf>,
    /// Use the f32 reference path instead of the fixed-point engine.
    #[arg(long)]
    pub float: bool,
    /// One JSON object per window (JSON lines): its predictions and, for
    /// classification, the top 3 classes of each step with their logits.
    #[arg(long)]
    pub json: bool,
}
