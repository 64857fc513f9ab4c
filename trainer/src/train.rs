//! The training loop: Adam over fresh batches (or the published stateful
//! schedule) until a held-out accuracy target or a step cap.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use burn::module::Module;
use burn::nn::loss::{CrossEntropyLossConfig, MseLoss, Reduction};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};
use indicatif::{ProgressBar, ProgressStyle};
use infer_nostd::format::Cell;

use crate::backend::Backend;
use crate::batch::Batch;
use crate::checkpoint::{Checkpoints, Position};
use crate::metrics::{MetricsLog, Record};
use crate::model::encode::{class_targets, inputs, scored, target_weights, value_targets};
use crate::model::{Network, State};
use crate::rng::{stream, Stream};
use crate::score::verdicts;
use crate::spec::NetworkSpec;
use crate::task::Task;

/// Consecutive held-out checks that must reach the target before training
/// stops, each on its own `eval_windows` fresh windows.
pub const CONFIRMATIONS: usize = 2;

/// The learning rate of the published schedules: Keras' Adam default.
/// With it, echo-whole's schedule (1,500 updates) ends at 99.83% and
/// echo-lag's (8,000) at 99.81%, as published (99.87%, 99.7%).
pub const KERAS_LEARNING_RATE: f64 = 1e-3;

/// The default [`TrainConfig::margin`], in logits.
pub const MARGIN: f32 = 1.0;

/// How training data is fed.
#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Recipe {
    /// A fresh random batch every update, stateless.
    #[default]
    Fast,
    /// The published schedule: one sequence at a time, its windows in
    /// order, state carried between its batches (stateful tasks) and reset
    /// after it.
    Seed,
}

/// How training shows its progress on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Progress {
    /// Nothing.
    #[default]
    Hidden,
    /// A progress bar (for a terminal).
    Bar,
    /// One line per held-out check (for logs).
    Lines,
}

/// Training stopped at a non-finite loss (or a network too large to
/// quantise): the learning rate is too high for the task.
#[derive(Debug, Clone, PartialEq)]
pub struct Diverged {
    /// The update at which it was found (0: after training).
    pub step: usize,
    /// What was found.
    pub what: String,
    /// The learning rate of the run.
    pub learning_rate: f64,
}

impl std::fmt::Display for Diverged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.step > 0 {
            write!(f, "training diverged at step {}: {}", self.step, self.what)?;
        } else {
            write!(f, "training diverged: {}", self.what)?;
        }
        write!(
            f,
            " (learning rate {}); try a lower --lr",
            self.learning_rate
        )
    }
}

impl std::error::Error for Diverged {}

/// Why a finished run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Held-out checks reached the target.
    TargetReached,
    /// The step cap came first.
    StepCap,
}

/// Everything a training run needs.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// The task.
    pub task: Task,
    /// The network shape.
    pub spec: NetworkSpec,
    /// Data feeding.
    pub recipe: Recipe,
    /// Seed of initialisation and data.
    pub seed: u64,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Samples per update (fast recipe).
    pub batch: usize,
    /// Most optimizer updates.
    pub max_steps: usize,
    /// Held-out accuracy to stop at (0..=1).
    pub target_accuracy: f64,
    /// A classification counts towards the target only when the target's
    /// logit beats every other by this much. Checked every few updates, a
    /// model that is only just there (an error in some tens of thousands of
    /// windows, or answers that are near ties) passes a check by luck often
    /// enough to then miss on the export's verification windows or to
    /// disagree with the quantised engine; a margin of 1 stops a few dozen
    /// updates later with answers that hold on fresh windows and in fixed
    /// point. 0 asks for plain accuracy.
    pub margin: f32,
    /// Updates between held-out checks.
    pub eval_every: usize,
    /// Windows scored by the first stage of a held-out check (each later
    /// stage scores twice as many as the one before, until the check fails
    /// or covers `eval_windows`).
    pub quick_windows: usize,
    /// Held-out windows a passing check scores.
    pub eval_windows: usize,
    /// Updates between checkpoints (0: none).
    pub checkpoint_every: usize,
    /// Continue from the checkpoint in `checkpoint_dir`, if one exists.
    pub resume: bool,
    /// Checkpoint directory.
    pub checkpoint_dir: PathBuf,
    /// Metrics log (JSON lines).
    pub metrics_path: PathBuf,
    /// How progress is shown.
    pub progress: Progress,
    /// burn backend.
    pub backend: Backend,
}

impl TrainConfig {
    /// The defaults for `task` in `cell`s: its seed network in that cell
    /// ([`Task::seed_network`]), the fast recipe with the task's batch and
    /// learning rate, seed 1, 100% on 10,000 held-out
    /// windows by a margin of [`MARGIN`] (checked every 25 updates) twice
    /// in a row, or the task's most updates (20,000 but for a vector
    /// output's 60,000), checkpoints every 500 updates. Checkpoints and the metrics log go
    /// beside `model` (`NAME.ckpt/`, `NAME.metrics.jsonl`).
    pub fn new(task: Task, cell: Cell, model: &Path) -> Self {
        let defaults = task.fast_defaults();
        TrainConfig {
            task,
            spec: task.seed_network(cell),
            recipe: Recipe::Fast,
            seed: 1,
            learning_rate: defaults.learning_rate,
            batch: defaults.batch,
            max_steps: defaults.max_steps,
            target_accuracy: 1.0,
            margin: MARGIN,
            eval_every: 25,
            quick_windows: 250,
            eval_windows: 10_000,
            checkpoint_every: 500,
            resume: false,
            checkpoint_dir: beside(model, ".ckpt"),
            metrics_path: beside(model, ".metrics.jsonl"),
            progress: Progress::Hidden,
            backend: Backend::default(),
        }
    }

    /// Switches to the published schedule: its number of updates, Keras'
    /// Adam learning rate ([`KERAS_LEARNING_RATE`]), and a held-out check
    /// every 250 updates.
    pub fn with_seed_recipe(mut self) -> Self {
        let mut rng = stream(self.seed, Stream::Train(0));
        let updates_per_sequence = self.task.seed_sequence(&mut rng).len();
        self.recipe = Recipe::Seed;
        self.max_steps = self.task.seed_schedule().sequences * updates_per_sequence;
        self.learning_rate = KERAS_LEARNING_RATE;
        self.eval_every = 250;
        self
    }
}

impl TrainConfig {
    /// The task and network shape, as checkpoints record them.
    pub fn network_name(&self) -> String {
        format!("{} ({})", self.task, self.spec.summary())
    }
}

/// A file named after `model` with `suffix` in place of its extension.
pub fn beside(model: &Path, suffix: &str) -> PathBuf {
    let mut name = model.file_stem().unwrap_or_default().to_os_string();
    name.push(suffix);
    model.with_file_name(name)
}

/// A finished run.
pub struct Trained {
    /// The trained network.
    pub network: Network,
    /// Optimizer updates done.
    pub steps: usize,
    /// Training seconds (excluding evaluation and export).
    pub train_seconds: f64,
    /// Held-out accuracy of the last check, over the windows it scored (a
    /// check that cannot reach the target stops early, except at the step
    /// cap, where every window is scored).
    pub accuracy: f64,
    /// Whether the target was reached.
    pub reached_target: bool,
    /// Why training stopped.
    pub stop_reason: StopReason,
    /// The step the run resumed from, if it did.
    pub resumed_from: Option<usize>,
    /// Seconds spent in held-out checks.
    pub check_seconds: f64,
}

/// Samples whose scored predictions add up to at least `windows`.
pub fn samples_for(task: Task, windows: usize) -> usize {
    windows.div_ceil(task.windows_per_sample())
}

/// The loss of `network` on `batch` from `state`, and the final state.
pub(crate) fn loss(
    network: &Network,
    batch: &Batch,
    state: Option<Vec<State>>,
    device: &Device,
) -> (Tensor<1>, Vec<State>) {
    let x = inputs(batch, &network.spec, device);
    let (out, finals) = network.forward(x, state);
    let out = scored(out, batch);
    let loss = if network.spec.head.classify {
        let [b, s, c] = out.dims();
        let (logits, targets) = (out.reshape([b * s, c]), class_targets(batch, device));
        match target_weights(batch, device) {
            None => CrossEntropyLossConfig::new()
                .init(device)
                .forward(logits, targets),
            // The mean cross-entropy of the targets that count.
            Some(weights) => {
                let n = b * s;
                let picked = log_softmax(logits, 1)
                    .gather(1, targets.reshape([n, 1]))
                    .reshape([n]);
                let count = weights.clone().sum().clamp_min(1.0);
                (picked * weights).sum().neg() / count
            }
        }
    } else {
        MseLoss::new().forward(
            out,
            value_targets(batch, &network.spec, device),
            Reduction::Mean,
        )
    };
    (loss, finals)
}

/// Mutable loop state.
struct Run {
    network: Network,
    optimizer: ModuleOptimizer,
    at: Position,
    last_loss: f64,
}

impl Run {
    /// One optimizer update on `batch`; returns the encoder's final state.
    fn update(
        &mut self,
        batch: &Batch,
        state: Option<Vec<State>>,
        lr: f64,
        device: &Device,
    ) -> Result<Vec<State>, Diverged> {
        let (loss, finals) = loss(&self.network, batch, state, device);
        self.last_loss = f64::from(loss.clone().into_scalar::<f32>());
        if !self.last_loss.is_finite() {
            return Err(Diverged {
                step: self.at.steps + 1,
                what: format!("the training loss became {}", self.last_loss),
                learning_rate: lr,
            });
        }
        let grads = GradientsParams::from_grads(loss.backward(), &self.network);
        self.network = self.optimizer.step(lr, self.network.clone(), grads);
        self.at.steps += 1;
        Ok(finals)
    }

    /// One loop iteration: a fresh batch, or one sequence of the seed schedule.
    fn iterate(&mut self, config: &TrainConfig, device: &Device) -> Result<(), Diverged> {
        let mut rng = stream(config.seed, Stream::Train(self.at.iteration));
        match config.recipe {
            Recipe::Fast => {
                let batch = config.task.training_batch(&mut rng, config.batch);
                self.update(&batch, None, config.learning_rate, device)?;
            }
            Recipe::Seed => {
                let stateful = config.task.seed_schedule().stateful;
                let mut state: Option<Vec<State>> = None;
                for batch in config.task.seed_sequence(&mut rng) {
                    let fits = state
                        .as_ref()
                        .is_some_and(|s| s[0].hidden.dims()[0] == batch.samples);
                    let carried = if fits { state.take() } else { None };
                    let finals = self.update(&batch, carried, config.learning_rate, device)?;
                    state = stateful.then(|| finals.into_iter().map(State::detach).collect());
                }
            }
        }
        self.at.iteration += 1;
        Ok(())
    }
}

/// A held-out check: accuracy over the windows scored, and whether it
/// reached the target.
#[derive(Debug, Clone, Copy, Default)]
struct Check {
    accuracy: f64,
    windows: usize,
    passed: bool,
}

/// Held-out samples some check missed, most recent last: a window a model
/// got wrong is likely still wrong a few updates later.
#[derive(Debug, Default)]
struct Missed {
    samples: Vec<usize>,
}

impl Missed {
    /// Samples remembered at most.
    const KEEP: usize = 256;

    fn note(&mut self, sample: usize) {
        if self.samples.last() == Some(&sample) {
            return;
        }
        self.samples.retain(|&s| s != sample);
        self.samples.push(sample);
        if self.samples.len() > Self::KEEP {
            self.samples.remove(0);
        }
    }
}

/// Held-out accuracy on `held_out`, scored in stages: the first
/// `quick_windows` windows, then stages twice as large as the one before.
/// A check passes when no more predictions than the target allows fall
/// short of [`TrainConfig::margin`] (are not "sure"); it stops at the first
/// stage after which more do, since it can no longer pass (for a 100%
/// target: at the first stage with one). A passing check has scored every
/// window; `exhaustive` scores every window anyway.
///
/// After the first stage, the not yet scored samples that earlier checks
/// missed are tried: if they rule out the target, the check stops there
/// (its accuracy is the first stage's; those samples are not a fair
/// sample). Whether checks pass is exactly as if every check scored every
/// window; failing checks near the target just get cheaper.
fn check(
    network: &Network,
    held_out: &Batch,
    config: &TrainConfig,
    missed: &mut Missed,
    exhaustive: bool,
) -> Check {
    let model = network.valid();
    let total = held_out.samples * held_out.scored_per_sample();
    // Predictions allowed to fall short over all of `held_out` (the epsilon
    // absorbs rounding of targets such as 0.9999).
    let allowed = ((1.0 - config.target_accuracy) * total as f64 + 1e-6).floor() as usize;
    let per_sample = held_out.scored_per_sample().max(1);
    let mut stage = samples_for(config.task, config.quick_windows.max(1));
    let (mut samples, mut scored, mut wrong, mut unsure) = (0, 0, 0, 0);
    while samples < held_out.samples {
        let end = (samples + stage).min(held_out.samples);
        let judged = verdicts(&model, &held_out.slice(samples..end), config.margin);
        for (i, v) in judged.iter().enumerate() {
            wrong += usize::from(!v.right);
            if !v.sure {
                unsure += 1;
                missed.note(samples + i / per_sample);
            }
        }
        scored += judged.len();
        let first = samples == 0;
        samples = end;
        stage *= 2;
        if exhaustive {
            continue;
        }
        if unsure > allowed {
            break;
        }
        if first {
            let ahead: Vec<usize> = missed
                .samples
                .iter()
                .copied()
                .filter(|&s| s >= end)
                .collect();
            if !ahead.is_empty() {
                let again = verdicts(&model, &held_out.pick(&ahead), config.margin);
                if unsure + again.iter().filter(|v| !v.sure).count() > allowed {
                    break;
                }
            }
        }
    }
    Check {
        accuracy: 1.0 - wrong as f64 / scored.max(1) as f64,
        windows: samples * config.task.windows_per_sample(),
        passed: samples == held_out.samples && unsure <= allowed,
    }
}

/// A bar as long as the run is expected to be (it grows, up to the step
/// cap, if the run goes on), or a hidden one.
fn progress_bar(config: &TrainConfig, start: usize) -> ProgressBar {
    if config.progress != Progress::Bar {
        return ProgressBar::hidden();
    }
    let expected = match config.recipe {
        Recipe::Fast => config.task.typical_steps(),
        Recipe::Seed => config.max_steps,
    };
    let bar = ProgressBar::new(expected.clamp(start.max(1), config.max_steps) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {prefix} [{elapsed_precise}] {bar:30} {pos}/{len} steps {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix(config.task.to_string());
    bar.set_position(start as u64);
    bar
}

/// Moves `bar` to `steps`, lengthening it (doubling, up to `cap`) when the
/// run outlasts it.
fn advance(bar: &ProgressBar, steps: usize, cap: usize) {
    let steps = steps as u64;
    if bar.length().is_some_and(|len| steps > len) {
        bar.set_length((steps * 2).min(cap as u64));
    }
    bar.set_position(steps);
}

/// The run to train: a fresh network and optimizer, or with
/// [`TrainConfig::resume`] the latest checkpoint's (and its step).
fn start(config: &TrainConfig, device: &Device) -> Result<(Run, Option<usize>)> {
    let network = Network::new(config.spec.clone(), device);
    let optimizer = AdamConfig::new().with_epsilon(1e-7).init();
    let fresh = Position {
        iteration: 0,
        steps: 0,
        seconds: 0.0,
        network: config.network_name(),
    };
    let resumed = if config.resume {
        Checkpoints::new(config.checkpoint_dir.clone()).load(
            network.clone(),
            optimizer.clone(),
            &fresh.network,
        )?
    } else {
        None
    };
    let resumed_from = resumed.as_ref().map(|(_, _, at)| at.steps);
    let (network, optimizer, mut at) = resumed.unwrap_or((network, optimizer, fresh.clone()));
    at.network = fresh.network;
    let run = Run {
        network,
        optimizer,
        at,
        last_loss: f64::NAN,
    };
    Ok((run, resumed_from))
}

/// The held-out sets and how the run fares on them: check `k` of a run of
/// passing checks scores set `k`, and [`CONFIRMATIONS`] passes in a row
/// reach the target.
struct HeldOut {
    sets: Vec<Batch>,
    missed: Vec<Missed>,
    passes: usize,
}

impl HeldOut {
    fn new(config: &TrainConfig) -> Self {
        let sets: Vec<Batch> = (0..CONFIRMATIONS)
            .map(|k| {
                config.task.batch(
                    &mut stream(config.seed, Stream::HeldOut(k as u64)),
                    samples_for(config.task, config.eval_windows),
                )
            })
            .collect();
        let missed = sets.iter().map(|_| Missed::default()).collect();
        HeldOut {
            sets,
            missed,
            passes: 0,
        }
    }

    /// Checks `network` on the next set (every window if `exhaustive`).
    fn check(&mut self, network: &Network, config: &TrainConfig, exhaustive: bool) -> Check {
        let k = self.passes % CONFIRMATIONS;
        let r = check(
            network,
            &self.sets[k],
            config,
            &mut self.missed[k],
            exhaustive,
        );
        self.passes = if r.passed { self.passes + 1 } else { 0 };
        r
    }

    fn reached(&self) -> bool {
        self.passes >= CONFIRMATIONS
    }
}

/// Shows a held-out check: on the bar, or as a line for logs.
fn show_check(config: &TrainConfig, run: &Run, r: &Check, bar: &ProgressBar) {
    let status = format!(
        "loss {:.4} acc {:.2}% ({} windows)",
        run.last_loss,
        r.accuracy * 100.0,
        r.windows
    );
    if config.progress == Progress::Lines {
        // A closed stderr must not stop training.
        let _ = writeln!(
            std::io::stderr(),
            "{} step {}/{}: {status}, {:.1} s",
            config.task,
            run.at.steps,
            config.max_steps,
            run.at.seconds
        );
    }
    bar.set_message(status);
}

/// Trains per `config`; a network the engine cannot run
/// ([`NetworkSpec::check_capacity`]) is refused before any update.
pub fn train(config: &TrainConfig) -> Result<Trained> {
    config.spec.check_capacity().map_err(anyhow::Error::msg)?;
    let device = config.backend.training_device(config.seed);
    let (mut run, resumed_from) = start(config, &device)?;
    let checkpoints = Checkpoints::new(config.checkpoint_dir.clone());
    let mut log = MetricsLog::open(&config.metrics_path, resumed_from)?;
    let mut held_out = HeldOut::new(config);
    let bar = progress_bar(config, run.at.steps);
    let (mut last_eval, mut last_checkpoint) = (run.at.steps, run.at.steps);
    let mut result = None;
    let mut check_seconds = 0.0;
    let mut clock = Instant::now();
    while run.at.steps < config.max_steps && !held_out.reached() {
        let iterated = run.iterate(config, &device);
        advance(&bar, run.at.steps, config.max_steps);
        run.at.seconds += clock.elapsed().as_secs_f64();
        let mut record = Record {
            step: run.at.steps,
            loss: run.last_loss,
            accuracy: None,
            eval_windows: None,
            seconds: run.at.seconds,
        };
        if let Err(diverged) = iterated {
            // The log keeps the step (its loss as null) and stays valid.
            record.step = diverged.step;
            log.append(&record)?;
            bar.finish_and_clear();
            return Err(diverged.into());
        }
        let done = run.at.steps >= config.max_steps;
        if run.at.steps - last_eval >= config.eval_every || done {
            last_eval = run.at.steps;
            let checking = Instant::now();
            let r = held_out.check(&run.network, config, done);
            check_seconds += checking.elapsed().as_secs_f64();
            record.accuracy = Some(r.accuracy);
            record.eval_windows = Some(r.windows);
            show_check(config, &run, &r, &bar);
            result = Some(r);
        }
        log.append(&record)?;
        if config.checkpoint_every > 0 && run.at.steps - last_checkpoint >= config.checkpoint_every
        {
            last_checkpoint = run.at.steps;
            checkpoints.save(&run.network, &run.optimizer, &run.at)?;
        }
        clock = Instant::now();
    }
    let result = match result {
        Some(r) => r,
        // Resumed at the cap: measure what was reached.
        None if run.at.steps > 0 => held_out.check(&run.network, config, true),
        None => Check::default(),
    };
    bar.finish_and_clear();
    let reached = held_out.reached();
    Ok(Trained {
        network: run.network,
        steps: run.at.steps,
        train_seconds: run.at.seconds,
        accuracy: result.accuracy,
        reached_target: reached,
        stop_reason: if reached {
            StopReason::TargetReached
        } else {
            StopReason::StepCap
        },
        resumed_from,
        check_seconds,
    })
}
