//! The command line: `train`, `eval`, `inspect`, `predict`.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::backend::Backend;
use crate::engine::{load, Arithmetic, FileRunner};
use crate::metrics;
use crate::pipeline::{evaluate_file, export, parameters, Report};
use crate::task::Task;
use crate::train::{beside, train, Recipe, TrainConfig, MARGIN};

/// Train echo LSTM models with burn and export them for the no_std engine.
#[derive(Parser, Debug)]
#[command(name = "trainer", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a task, export it as a model file and verify the fixed engine.
    Train(TrainArgs),
    /// Evaluate a model file (f32 reference vs fixed engine) on fresh windows.
    Eval(EvalArgs),
    /// Show a model file's topology, shapes, quantisation and size.
    Inspect {
        /// The model file.
        model: PathBuf,
    },
    /// Predict windows of integers (or numbers), one window per line.
    Predict(PredictArgs),
}

/// Options of `trainer train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// The task (echo-index, echo-index-100, echo-whole, echo-partial,
    /// echo-partial-3/4/5, echo-lag, univariate).
    #[arg(long, default_value = "echo-whole")]
    pub task: Task,
    /// Model file to write (default: models/TASK.elsm). Metrics, plot and
    /// checkpoints go beside it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed of initialisation and data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// fast: fresh random batches; seed: the published stateful schedule.
    #[arg(long, value_enum, default_value_t = Recipe::Fast)]
    pub recipe: Recipe,
    /// Most optimizer updates (default: 20000 fast, the published count for seed).
    #[arg(long)]
    pub max_steps: Option<usize>,
    /// Held-out accuracy to stop at, in percent.
    #[arg(long, default_value_t = 100.0)]
    pub target: f64,
    /// Logits by which a held-out answer must beat every other class to
    /// count towards the target (0: plain accuracy). With a margin the
    /// model stops a little later, with answers that hold on fresh windows
    /// and through quantisation.
    #[arg(long, default_value_t = MARGIN)]
    pub margin: f32,
    /// Updates between held-out checks (default: 25 fast, 250 seed).
    #[arg(long)]
    pub eval_every: Option<usize>,
    /// Windows scored by the first stage of each held-out check; later
    /// stages double, and a check stops at the first stage that rules out
    /// the target.
    #[arg(long, default_value_t = 250)]
    pub quick_windows: usize,
    /// Windows of a passing held-out check and of the exported model's
    /// verification.
    #[arg(long, default_value_t = 10_000)]
    pub eval_windows: usize,
    /// Samples per update for the fast recipe (default: per task).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Adam learning rate (default: per task).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Units per LSTM layer (default: the task's seed configuration).
    #[arg(long)]
    pub units: Option<usize>,
    /// Stacked LSTM layers (in the encoder, and in the decoder).
    #[arg(long)]
    pub layers: Option<usize>,
    /// Bidirectional encoder layers.
    #[arg(long)]
    pub bidirectional: bool,
    /// Updates between checkpoints (0: none).
    #[arg(long, default_value_t = 500)]
    pub checkpoint_every: usize,
    /// Continue from the last checkpoint beside the output.
    #[arg(long)]
    pub resume: bool,
    /// burn backend.
    #[arg(long, value_enum, default_value_t = Backend::default())]
    pub backend: Backend,
    /// End with one JSON line of results.
    #[arg(long)]
    pub json: bool,
}

/// Options of `trainer eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The model file.
    pub model: PathBuf,
    /// Seed of the fresh windows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Windows to evaluate.
    #[arg(long, default_value_t = 10_000)]
    pub eval_windows: usize,
    /// End with one JSON line of results.
    #[arg(long)]
    pub json: bool,
}

/// Options of `trainer predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The model file.
    pub model: PathBuf,
    /// Windows, each one argument of values separated by spaces or commas;
    /// without any, windows are read from standard input, one per line.
    pub windows: Vec<String>,
    /// Use the f32 reference path instead of the fixed-point engine.
    #[arg(long)]
    pub float: bool,
}

/// Runs the command line and maps errors to a message and exit code 1.
pub fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train_command(&args),
        Command::Eval(args) => {
            let bytes = read_model(&args.model)?;
            let report = evaluate_file(&bytes, args.seed, args.eval_windows)?;
            print_report(&report, args.json)
        }
        Command::Inspect { model } => {
            let bytes = read_model(&model)?;
            println!("{}", inspect(&bytes)?);
            Ok(())
        }
        Command::Predict(args) => predict_command(&args),
    }
}

fn read_model(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read model file {}", path.display()))
}

fn print_report(report: &Report, json: bool) -> Result<()> {
    println!("{}", report.describe());
    if json {
        println!("{}", serde_json::to_string(report)?);
    }
    Ok(())
}

fn train_command(args: &TrainArgs) -> Result<()> {
    let task = args.task;
    if !(0.0..=100.0).contains(&args.target) {
        bail!("--target is a percentage between 0 and 100");
    }
    if !(args.margin >= 0.0 && args.margin.is_finite()) {
        bail!("--margin is a number of logits, at least 0");
    }
    if task == Task::EchoLag && args.bidirectional {
        bail!("echo-lag streams one value at a time: it cannot be bidirectional");
    }
    if args.units == Some(0) || args.layers == Some(0) || args.batch == Some(0) {
        bail!("--units, --layers and --batch must be at least 1");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("models/{task}.elsm")));
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create output directory {}", dir.display()))?;
    }
    let mut config = TrainConfig::new(task, &out);
    if args.recipe == Recipe::Seed {
        config = config.with_seed_recipe();
    }
    config.spec = config
        .spec
        .with_topology(args.units, args.layers, args.bidirectional);
    config.seed = args.seed;
    config.learning_rate = args.lr.unwrap_or(config.learning_rate);
    config.batch = args.batch.unwrap_or(config.batch);
    config.max_steps = args.max_steps.unwrap_or(config.max_steps);
    config.target_accuracy = args.target / 100.0;
    config.margin = args.margin;
    config.eval_every = args.eval_every.unwrap_or(config.eval_every);
    config.quick_windows = args.quick_windows.min(args.eval_windows);
    config.eval_windows = args.eval_windows;
    config.checkpoint_every = args.checkpoint_every;
    config.resume = args.resume;
    config.progress = std::io::stderr().is_terminal();
    config.backend = args.backend;
    let wall = Instant::now();
    let trained = train(&config)?;
    if let Some(step) = trained.resumed_from {
        eprintln!("resumed from step {step}");
    }
    eprintln!(
        "trained {} steps in {:.1} s: held-out accuracy {:.2}%{}",
        trained.steps,
        trained.train_seconds,
        trained.accuracy * 100.0,
        if trained.reached_target {
            " (target reached)"
        } else {
            " (step cap)"
        }
    );
    let plot = beside(&out, ".svg");
    metrics::plot(
        &metrics::read(&config.metrics_path)?,
        &task.to_string(),
        &plot,
    )?;
    let mut report = export(&trained.network, task, args.seed, args.eval_windows, &out)?;
    report.steps = trained.steps;
    report.train_seconds = trained.train_seconds;
    report.check_seconds = trained.check_seconds;
    eprintln!(
        "wrote {} ({} bytes), {} and {} in {:.1} s (training {:.1} s, held-out checks {:.1} s, \
         quantising {:.1} s, verifying {:.1} s)",
        out.display(),
        report.model_bytes,
        config.metrics_path.display(),
        plot.display(),
        wall.elapsed().as_secs_f64(),
        report.train_seconds,
        report.check_seconds,
        report.quantise_seconds,
        report.verify_seconds,
    );
    print_report(&report, args.json)
}

/// Parses one window: values separated by whitespace or commas.
pub fn parse_window(line: &str) -> Result<Vec<f32>> {
    line.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .with_context(|| format!("`{t}` is not a number"))
        })
        .collect()
}

/// Checks a window against the model before running it, for clear messages.
fn check_window(model: &infer_nostd::Model, window: &[f32]) -> Result<()> {
    use infer_nostd::format::Input;
    let desc = model.desc();
    let width = model.step_width();
    let steps = window.len() / width;
    if window.is_empty() || !window.len().is_multiple_of(width) {
        bail!(
            "a window needs a multiple of {width} values, got {}",
            window.len()
        );
    }
    if desc.window != 0 && steps != usize::from(desc.window) {
        bail!(
            "wrong window length: the model takes {} steps, got {steps}",
            desc.window
        );
    }
    if let Input::OneHot { classes } = desc.input {
        if let Some(bad) = window
            .iter()
            .find(|&&v| v.fract() != 0.0 || v < 0.0 || v >= f32::from(classes))
        {
            bail!("value {bad} out of range: expected integers in 0..{classes}");
        }
    }
    Ok(())
}

fn predict_command(args: &PredictArgs) -> Result<()> {
    let bytes = read_model(&args.model)?;
    let arithmetic = if args.float {
        Arithmetic::Float
    } else {
        Arithmetic::Fixed
    };
    let mut runner = FileRunner::new(&bytes, arithmetic)?;
    let lines: Vec<String> = if args.windows.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<_, _>>()
            .context("cannot read standard input")?
    } else {
        args.windows.clone()
    };
    let classify = runner.model().desc().head.kind == infer_nostd::format::HeadKind::Classify;
    for (n, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let window = parse_window(line).with_context(|| format!("window {}", n + 1))?;
        check_window(runner.model(), &window).with_context(|| format!("window {}", n + 1))?;
        let out = runner
            .predict(&window)
            .with_context(|| format!("window {}", n + 1))?;
        let text: Vec<String> = out
            .iter()
            .map(|v| {
                if classify {
                    format!("{v}")
                } else {
                    format!("{v:.3}")
                }
            })
            .collect();
        println!("{}", text.join(" "));
    }
    Ok(())
}

/// A description of a model file.
pub fn inspect(bytes: &[u8]) -> Result<String> {
    use infer_nostd::format::{CellActivation, Input, Matrix, Outputs, Stack};
    use std::fmt::Write;
    let model = load(bytes)?;
    let d = model.desc();
    let mut s = String::new();
    let matrix = |m: &Matrix| format!("{}x{} {:?}", m.rows, m.cols, m.precision);
    let stack =
        |s: &mut String, name: &str, stack: &Stack| {
            for (i, l) in stack.layers.iter().enumerate() {
                let act = match l.activation {
                    CellActivation::Tanh => "tanh".to_string(),
                    CellActivation::Relu {
                        candidate_frac,
                        hidden_frac,
                    } => {
                        format!("relu (candidate Q{candidate_frac}, hidden Q{hidden_frac})")
                    }
                };
                let _ =
                    writeln!(
                s,
                "  {name} layer {i}: LSTM {} units{}, {act}, cell Q{}; input {}, recurrent {}",
                l.units,
                if l.backward.is_some() { " x2 (bidirectional)" } else { "" },
                l.cell_frac,
                matrix(&l.forward.input),
                matrix(&l.forward.recurrent),
            );
            }
        };
    let _ = writeln!(s, "label   {}", d.label);
    let window = if d.window == 0 {
        "any (stream)".to_string()
    } else {
        d.window.to_string()
    };
    let _ = writeln!(s, "window  {window}");
    let input = match d.input {
        Input::OneHot { classes } => format!("one-hot of {classes}"),
        Input::Dense { features, scale } => format!("{features} dense, scale {scale}"),
    };
    let _ = writeln!(s, "input   {input}");
    stack(&mut s, "encoder", &d.encoder);
    match &d.outputs {
        Outputs::LastStep => {
            let _ = writeln!(s, "outputs last step");
        }
        Outputs::EveryStep => {
            let _ = writeln!(s, "outputs every step");
        }
        Outputs::EncoderDecoder { steps, decoder } => {
            let _ = writeln!(s, "outputs encoder-decoder, context repeated {steps} times");
            stack(&mut s, "decoder", decoder);
        }
    }
    let _ = writeln!(
        s,
        "head    {:?} dense {}, output scale {}",
        d.head.kind,
        matrix(&d.head.dense),
        d.head.output_scale
    );
    let steps = if d.window == 0 {
        1
    } else {
        usize::from(d.window)
    };
    let _ = writeln!(s, "params  {}", parameters(&model));
    let _ = writeln!(s, "bytes   {}", bytes.len());
    let _ = write!(
        s,
        "MACs    {} per {}",
        model.macs_per_window(steps),
        if d.window == 0 {
            "step".to_string()
        } else {
            format!("window of {steps}")
        }
    );
    Ok(s)
}
