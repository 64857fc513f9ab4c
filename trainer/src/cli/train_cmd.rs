//! `trainer train`: flags checked, then train, plot, quantise, verify, and
//! write the model unless a run that missed its target would replace one.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use infer_host::quantise::QuantiseError;
use serde::Serialize;

use super::args::TrainArgs;
use super::console;
use super::data_cmd;
use super::out_path;
use super::outcome::{Outcome, Usage};
use crate::checkpoint::Checkpoints;
use crate::export::write_atomically;
use crate::metrics::{self, Marks};
use crate::pipeline::{quantise_and_verify, Report};
use crate::task::{Echo, Framing, Task};
use crate::train::{beside, train, Diverged, Progress, Recipe, StopReason, TrainConfig};

/// What `train --json` prints.
#[derive(Serialize)]
struct TrainOutput<'a> {
    #[serde(flatten)]
    report: &'a Report,
    /// Whether held-out checks reached the target.
    target_reached: bool,
    /// Why training stopped: `target_reached` or `step_cap`.
    stop_reason: StopReason,
    /// The target held-out accuracy, as a fraction.
    target: f64,
    /// The model file written; `null` when an existing one was kept.
    model_path: Option<String>,
    /// The metrics log (JSON lines).
    metrics_path: String,
    /// The plot of the run (SVG).
    plot_path: String,
}

/// Floats a training update keeps per sample, per timestep and per unit of
/// a layer direction, for the memory bound. Measured with flex (peak RSS,
/// `/usr/bin/time -f %M`): echo-lag 2x200 units, batch 390: 251 MB;
/// echo-partial 4x250, batch 200: 228 MB (about 16 floats each, with the
/// process's 80 MB); twice that here.
const FLOATS_PER_UNIT_STEP: usize = 32;
/// Memory a training update may use (bytes) before the flags are refused.
const TRAINING_MEMORY: usize = 1 << 30;

/// The task `args` train: as named, except that the published (seed)
/// schedule of echo-lag feeds rows of 5-value windows, so it trains
/// echo-lag-rows (the fast recipe, and the device, stream).
pub fn trained_task(args: &TrainArgs) -> Task {
    let streamed_lag = Task::from(Echo::Lag);
    if args.recipe == Recipe::Seed && args.task == streamed_lag {
        Task {
            framing: Framing::Rows,
            ..streamed_lag
        }
    } else {
        args.task
    }
}

/// The training configuration `args` ask for, checked.
fn config(args: &TrainArgs, out: &Path) -> Result<TrainConfig> {
    let task = trained_task(args);
    if task.window() == 0 && args.bidirectional {
        return Err(Usage(
            "echo-lag streams one value at a time: it cannot be --bidirectional".into(),
        )
        .into());
    }
    let mut config = TrainConfig::new(task, args.cell, out);
    if args.recipe == Recipe::Seed {
        config = config.with_seed_recipe();
    }
    config.spec = config
        .spec
        .with_topology(args.units, args.layers, args.bidirectional);
    config
        .spec
        .check_capacity()
        .map_err(|e| Usage(format!("the network does not fit the engine: {e}")))?;
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
    config.backend = args.backend;
    config.progress = if std::io::stderr().is_terminal() {
        Progress::Bar
    } else {
        Progress::Lines
    };
    let memory = training_memory(&config);
    if memory > TRAINING_MEMORY {
        return Err(Usage(format!(
            "an update of {} samples of this network needs about {} MiB, over the {} MiB \
             allowed: lower --batch, --units or --layers",
            config.batch,
            memory >> 20,
            TRAINING_MEMORY >> 20
        ))
        .into());
    }
    Ok(config)
}

/// Estimated bytes one training update of `config` keeps alive.
fn training_memory(config: &TrainConfig) -> usize {
    let spec = &config.spec;
    let decoder = match &spec.outputs {
        crate::spec::OutputSpec::EncoderDecoder { decoder, .. } => decoder.as_slice(),
        _ => &[],
    };
    let unit_steps: usize = spec
        .encoder
        .iter()
        .chain(decoder)
        .map(|l| l.output_width())
        .sum();
    let steps = config.task.training_steps();
    let batch = match config.recipe {
        Recipe::Fast => config.batch,
        Recipe::Seed => config.task.seed_schedule().batch,
    };
    let head = spec.head.rows() * config.task.window().max(1);
    batch
        .saturating_mul(steps * unit_steps * FLOATS_PER_UNIT_STEP + head * 4)
        .saturating_mul(4)
}

/// A finished `trainer train`: the verified model's report and how the
/// run ended.
pub struct Finished {
    /// The exported model's verification, with the training figures.
    pub report: Report,
    /// Why training stopped.
    pub stop_reason: StopReason,
    /// The target held-out accuracy, as a fraction.
    pub target: f64,
    /// The model file, if this run wrote it (a run that missed its target
    /// keeps an existing one unless `--force`).
    pub written: Option<std::path::PathBuf>,
    /// The metrics log.
    pub metrics_path: std::path::PathBuf,
    /// The plot of the run.
    pub plot_path: std::path::PathBuf,
}

impl Finished {
    /// Whether held-out checks reached the target.
    pub fn reached(&self) -> bool {
        self.stop_reason == StopReason::TargetReached
    }
}

/// Trains as `args` ask, plots, quantises, verifies and writes the model
/// (see [`Finished::written`]); with `quiet`, nothing goes to stderr.
pub fn train_and_export(args: &TrainArgs, quiet: bool) -> Result<Finished> {
    let task = trained_task(args);
    let out = out_path::resolve(args.out.as_deref(), &task.to_string());
    let mut config = config(args, &out)?;
    let say = |text: std::fmt::Arguments| {
        if !quiet {
            console::err(text);
        }
    };
    if quiet {
        config.progress = Progress::Hidden;
    }
    out_path::prepare(&out)?;
    if config.resume && !Checkpoints::new(config.checkpoint_dir.clone()).exist() {
        say(format_args!(
            "warning: --resume: no checkpoint in {}; training from the start",
            config.checkpoint_dir.display()
        ));
    }
    let wall = Instant::now();
    let trained = train(&config)?;
    if let Some(step) = trained.resumed_from {
        say(format_args!("resumed from step {step}"));
    }
    let reason = match trained.stop_reason {
        StopReason::TargetReached => "target reached",
        StopReason::StepCap => "step cap, target missed",
    };
    say(format_args!(
        "trained {} steps in {:.1} s: held-out accuracy {:.2}% ({reason})",
        trained.steps,
        trained.train_seconds,
        trained.accuracy * 100.0,
    ));
    let plot = beside(&out, ".svg");
    let marks = Marks {
        target: config.target_accuracy,
        stop_step: trained.steps,
        stop_reason: reason.to_string(),
    };
    metrics::plot(
        &metrics::read(&config.metrics_path)?,
        &task.to_string(),
        &marks,
        &plot,
    )?;
    let exported = quantise_and_verify(&trained.network, task, args.seed, args.eval_windows)
        .map_err(|e| match e.downcast_ref::<QuantiseError>() {
            Some(QuantiseError::OutOfRange) => Diverged {
                step: 0,
                what: format!("{e:#}"),
                learning_rate: config.learning_rate,
            }
            .into(),
            _ => e,
        })?;
    let mut report = exported.report;
    report.steps = trained.steps;
    report.train_seconds = trained.train_seconds;
    report.check_seconds = trained.check_seconds;
    let reached = trained.stop_reason == StopReason::TargetReached;
    let replace = reached || args.force || !out.exists();
    if replace {
        write_atomically(&out, |f| std::io::Write::write_all(f, &exported.bytes))?;
        say(format_args!(
            "wrote {} ({} bytes), {} and {} in {:.1} s (training {:.1} s, held-out checks \
             {:.1} s, quantising {:.1} s, verifying {:.1} s)",
            out.display(),
            report.model_bytes,
            config.metrics_path.display(),
            plot.display(),
            wall.elapsed().as_secs_f64(),
            report.train_seconds,
            report.check_seconds,
            report.quantise_seconds,
            report.verify_seconds,
        ));
    } else {
        say(format_args!(
            "kept the existing {}: this run missed its target (--force replaces it)",
            out.display()
        ));
    }
    Ok(Finished {
        report,
        stop_reason: trained.stop_reason,
        target: config.target_accuracy,
        written: replace.then_some(out),
        metrics_path: config.metrics_path,
        plot_path: plot,
    })
}

/// Runs `trainer train`.
pub fn run(args: &TrainArgs) -> Result<Outcome> {
    if args.data.is_some() {
        return data_cmd::run(args);
    }
    let finished = train_and_export(args, false)?;
    let report = &finished.report;
    if args.json {
        console::err(format_args!("{}", report.describe()));
        let output = TrainOutput {
            report,
            target_reached: finished.reached(),
            stop_reason: finished.stop_reason,
            target: finished.target,
            model_path: finished.written.as_ref().map(|p| p.display().to_string()),
            metrics_path: finished.metrics_path.display().to_string(),
            plot_path: finished.plot_path.display().to_string(),
        };
        console::out(format_args!("{}", serde_json::to_string(&output)?))?;
    } else {
        console::out(format_args!("{}", report.describe()))?;
    }
    if finished.reached() {
        Ok(Outcome::Done)
    } else {
        console::err(format_args!(
            "the target of {:.2}% was not reached in {} steps (exit code 3)",
            finished.target * 100.0,
            report.steps
        ));
        Ok(Outcome::BelowTarget)
    }
}
